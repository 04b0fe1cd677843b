"""The `paars` command (Typer): sub-command groups live in their own modules."""
import typer

app = typer.Typer(no_args_is_help=True, help="Paars: continuous performance and development, on your terms.")
