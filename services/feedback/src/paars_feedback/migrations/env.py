"""Alembic environment of the feedback database."""
from paars_feedback.adapters.tables import metadata
from paars_platform.db import run_alembic_env

run_alembic_env(metadata)
