"""Alembic environment of the notifications database."""
from paars_notifications.adapters.tables import metadata
from paars_platform.db import run_alembic_env

run_alembic_env(metadata)
