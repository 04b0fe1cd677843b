"""Alembic environment of the story database."""
from paars_platform.db import run_alembic_env
from paars_story.adapters.tables import metadata

run_alembic_env(metadata)
