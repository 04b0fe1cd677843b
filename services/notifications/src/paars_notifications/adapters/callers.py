"""Callers as the notifications service knows them: roles and standing from its org projection."""
from __future__ import annotations

import sqlalchemy as sa

from paars_notifications.adapters import tables as t
from paars_platform.auth import DirectoryEntry, DirectoryLookup
from paars_platform.db import Database

_PERSON = sa.select(t.people.c.roles, t.people.c.active).where(t.people.c.id == sa.bindparam("employee_id"))


def directory_lookup(db: Database) -> DirectoryLookup:
    async def lookup(employee_id: str) -> DirectoryEntry | None:
        async with db.read() as conn:
            row = (await conn.execute(_PERSON, {"employee_id": employee_id})).first()
        return None if row is None else DirectoryEntry(frozenset(row.roles), bool(row.active))

    return lookup
