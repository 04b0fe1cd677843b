"""Callers as the notifications service knows them: roles and standing from its org projection."""
from __future__ import annotations

from paars_notifications.adapters import tables as t
from paars_platform.auth import DirectoryLookup
from paars_platform.db import Database
from paars_platform.projection import caller_lookup


def directory_lookup(db: Database) -> DirectoryLookup:
    return caller_lookup(db, t.people)
