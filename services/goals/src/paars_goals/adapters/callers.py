"""Callers as the goals service knows them: roles and standing from the employees table it owns."""
from __future__ import annotations

import sqlalchemy as sa

from paars_goals.adapters import tables as t
from paars_platform.auth import ROLE_NAMES, DirectoryEntry, DirectoryLookup
from paars_platform.db import Database

_PERSON = sa.select(t.employees.c.roles, t.employees.c.active).where(t.employees.c.id == sa.bindparam("employee_id"))


def directory_lookup(db: Database) -> DirectoryLookup:
    async def lookup(employee_id: str) -> DirectoryEntry | None:
        async with db.read() as conn:
            row = (await conn.execute(_PERSON, {"employee_id": employee_id})).first()
        if row is None:
            return None
        return DirectoryEntry(frozenset(ROLE_NAMES[r] for r in row.roles if r in ROLE_NAMES), bool(row.active))

    return lookup
