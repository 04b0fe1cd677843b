"""Reading a service's projection of the directory: the caller lookup CallerResolver asks on every RPC."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

from paars_platform.auth import DirectoryEntry, DirectoryLookup
from paars_platform.db import Database


def caller_lookup(
    db: Database, people: sa.Table, *, roles: Callable[[Iterable[Any]], frozenset[str]] = frozenset,
) -> DirectoryLookup:
    """Roles and standing of a person from a table with id, roles and active columns (one prebuilt statement).

    ``roles`` turns the stored roles into names: the projections store names, goals' employees table the
    org.v1.Role numbers (paars_platform.directory.role_names)."""
    statement = sa.select(people.c.roles, people.c.active).where(people.c.id == sa.bindparam("employee_id"))

    async def lookup(employee_id: str) -> DirectoryEntry | None:
        async with db.read() as conn:
            row = (await conn.execute(statement, {"employee_id": employee_id})).first()
        return None if row is None else DirectoryEntry(roles(row.roles), bool(row.active))

    return lookup
