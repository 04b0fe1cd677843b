"""Alembic environment of the goals database."""
from paars_goals.adapters.tables import metadata
from paars_platform.db import run_alembic_env

run_alembic_env(metadata)
