"""Alembic environment of the conversations database."""
from paars_conversations.adapters.tables import metadata
from paars_platform.db import run_alembic_env

run_alembic_env(metadata)
