"""Callers as the story service knows them: roles and standing from its projection of the directory."""
from __future__ import annotations

from paars_platform.auth import DirectoryLookup
from paars_platform.db import Database
from paars_platform.projection import caller_lookup
from paars_story.adapters import tables as t


def directory_lookup(db: Database) -> DirectoryLookup:
    return caller_lookup(db, t.people)
