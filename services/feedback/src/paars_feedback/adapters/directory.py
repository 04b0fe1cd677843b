"""The local projection of the org directory: applied from org events, read for manager chains, roles and coaches."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.org.v1 import org_pb2
from paars_feedback.adapters import person_data
from paars_feedback.adapters import tables as t
from paars_platform import directory as platform_directory
from paars_platform.db import upsert, utcnow
from paars_platform.directory import role_names
from paars_platform.erasure import is_erased
from paars_platform.errors import NotFound


async def apply_employee_changed(conn: AsyncConnection, event: org_pb2.EmployeeChanged) -> None:
    """Whole-state upsert, ignoring an older version (the compacted topic may replay)."""
    if is_erased(event):
        # Erased (issue 18 item 4): the rows about the person go first; the emptied record then replaces theirs.
        await person_data.ERASURE.on_employee_erased(conn, event)
    e = event.employee
    old = (await conn.execute(sa.select(t.people.c.version, t.people.c.directory_coach_id).where(t.people.c.id == e.id))).first()
    if old is not None and old.version > e.version:
        return
    now = utcnow()
    await upsert(
        conn, t.people,
        {
            "id": e.id, "name": e.name, "manager_id": e.manager_id or None, "team_id": e.team_id or None,
            "roles": sorted(role_names(e.roles)), "active": e.active,
            "directory_coach_id": e.coach_id or None, "version": e.version, "updated_at": now,
        },
        ["id"],
    )
    previous_coach = old.directory_coach_id if old is not None else None
    if (e.coach_id or None) != previous_coach:
        # The directory changed the coach: that is the latest assignment.
        if e.coach_id:
            await upsert(conn, t.coach_assignments, {"employee_id": e.id, "coach_id": e.coach_id, "assigned_by": "directory", "assigned_at": now}, ["employee_id"])
        else:
            await conn.execute(t.coach_assignments.delete().where(t.coach_assignments.c.employee_id == e.id))
        # What the person shared was shared with the old coach; a new coach starts from nothing (as with AssignCoach).
        await conn.execute(t.coach_shares.delete().where(t.coach_shares.c.employee_id == e.id))


async def apply_team_changed(conn: AsyncConnection, event: org_pb2.TeamChanged) -> None:
    team = event.team
    old = (await conn.execute(sa.select(t.teams.c.version).where(t.teams.c.id == team.id))).first()
    if old is not None and old.version > team.version:
        return
    await upsert(
        conn, t.teams,
        {
            "id": team.id, "name": team.name, "parent_team_id": team.parent_team_id or None,
            "manager_id": team.manager_id or None, "version": team.version, "updated_at": utcnow(),
        },
        ["id"],
    )


async def person(conn: AsyncConnection, employee_id: str, field: str) -> Any:
    """The projected employee, or NOT_FOUND naming the field that pointed to them."""
    row = (await conn.execute(sa.select(t.people).where(t.people.c.id == employee_id))).first()
    if row is None:
        raise NotFound(f"{field}: employee {employee_id!r} not found")
    return row


async def exists(conn: AsyncConnection, employee_id: str) -> bool:
    return (await conn.execute(sa.select(t.people.c.id).where(t.people.c.id == employee_id))).first() is not None


_MANAGER_OF = sa.select(t.people.c.manager_id).where(t.people.c.id == sa.bindparam("employee_id"))
_PARENT_OF = sa.select(t.teams.c.parent_team_id).where(t.teams.c.id == sa.bindparam("team_id"))


async def manager_chain(conn: AsyncConnection, employee_id: str) -> list[str]:
    """The employee's managers, nearest first; stops at a cycle (paars_platform.directory, its one limit)."""

    async def manager_of(person: str) -> str | None:
        return (await conn.execute(_MANAGER_OF, {"employee_id": person})).scalar()

    return await platform_directory.manager_chain_async(employee_id, manager_of)


async def team_chain(conn: AsyncConnection, team_id: str | None) -> list[str]:
    """The team and its ancestors up to the root; stops at a cycle."""

    async def parent_of(team: str) -> str | None:
        return (await conn.execute(_PARENT_OF, {"team_id": team})).scalar()

    return await platform_directory.team_path_async(team_id, parent_of)


async def team_of(conn: AsyncConnection, employee_id: str) -> str | None:
    return (await conn.execute(sa.select(t.people.c.team_id).where(t.people.c.id == employee_id))).scalar()


async def in_team_subtree(conn: AsyncConnection, reader_id: str, subject_id: str) -> bool:
    """The subject is in the subtree of the reader's team (the reader's own team included): an HR person's scope."""
    team = await team_of(conn, reader_id)
    return bool(team) and team in await team_chain(conn, await team_of(conn, subject_id))


async def direct_reports(conn: AsyncConnection, manager_id: str) -> list[str]:
    rows = await conn.execute(sa.select(t.people.c.id).where(t.people.c.manager_id == manager_id, t.people.c.active.is_(True)).order_by(t.people.c.id))
    return [r.id for r in rows]


async def coach_of(conn: AsyncConnection, employee_id: str) -> str | None:
    return (await conn.execute(sa.select(t.coach_assignments.c.coach_id).where(t.coach_assignments.c.employee_id == employee_id))).scalar()


async def is_shared(conn: AsyncConnection, employee_id: str, kind: str, item_id: str) -> bool:
    s = t.coach_shares
    row = await conn.execute(sa.select(s.c.item_id).where(s.c.employee_id == employee_id, s.c.kind == kind, s.c.item_id == item_id))
    return row.first() is not None
