"""Callers as the conversations service knows them: roles and standing from its projection of the directory."""
from __future__ import annotations

from paars_conversations.adapters import tables as t
from paars_platform.auth import DirectoryLookup
from paars_platform.db import Database
from paars_platform.projection import caller_lookup


def directory_lookup(db: Database) -> DirectoryLookup:
    return caller_lookup(db, t.people)
