"""Callers as the goals service knows them: roles and standing from the employees table it owns."""
from __future__ import annotations

from paars_goals.adapters import tables as t
from paars_platform.auth import DirectoryLookup
from paars_platform.db import Database
from paars_platform.directory import role_names
from paars_platform.projection import caller_lookup


def directory_lookup(db: Database) -> DirectoryLookup:
    # The employees table stores org.v1.Role numbers; the projections store the names.
    return caller_lookup(db, t.employees, roles=role_names)
