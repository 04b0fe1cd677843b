"""Autogenerates the next Alembic revision of a service from its tables: new_migration.py <service> <message> <rev>.

Review the generated file before committing: autogenerate does not see renames or data moves.
"""
import pathlib
import sys
import tempfile

from alembic import command

from paars_platform.db import alembic_config, migrate_sync

service, message, rev = sys.argv[1:4]
location = str(pathlib.Path(__file__).resolve().parent.parent / "services" / service / "src" / f"paars_{service}" / "migrations")
with tempfile.TemporaryDirectory() as tmp:
    url = f"sqlite+aiosqlite:///{tmp}/autogen.db"
    migrate_sync(url, location)
    command.revision(alembic_config(url, location), message=message, autogenerate=True, rev_id=rev)
