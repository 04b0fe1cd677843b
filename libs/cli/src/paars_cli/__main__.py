"""`python -m paars_cli` = the `paars` command."""
from paars_cli.main import app

app(prog_name="paars")
