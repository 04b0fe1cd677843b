"""The local projection of the org directory, applied from the org.* events: who is HR or a leader (curators),
and who is active. Whole-state upserts; an older version (the compacted topics replay) is ignored."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.org.v1 import org_pb2
from paars_platform.db import upsert, utcnow
from paars_platform.directory import role_names
from paars_platform.erasure import is_erased
from paars_story.adapters import person_data
from paars_story.adapters import tables as t


async def apply_employee_changed(conn: AsyncConnection, event: org_pb2.EmployeeChanged) -> None:
    if is_erased(event):
        # Erased (issue 18 item 4): the rows about the person go first; the emptied record then replaces theirs.
        await person_data.ERASURE.on_employee_erased(conn, event)
    e = event.employee
    old = (await conn.execute(sa.select(t.people.c.version).where(t.people.c.id == e.id))).scalar()
    if old is not None and old > e.version:
        return
    await upsert(
        conn, t.people,
        {
            "id": e.id, "name": e.name, "manager_id": e.manager_id or None, "team_id": e.team_id or None,
            "roles": sorted(role_names(e.roles)), "active": e.active, "coach_id": e.coach_id or None, "version": e.version, "updated_at": utcnow(),
        },
        ["id"],
    )


async def apply_team_changed(conn: AsyncConnection, event: org_pb2.TeamChanged) -> None:
    team = event.team
    old = (await conn.execute(sa.select(t.teams.c.version).where(t.teams.c.id == team.id))).scalar()
    if old is not None and old > team.version:
        return
    await upsert(
        conn, t.teams,
        {
            "id": team.id, "name": team.name, "parent_team_id": team.parent_team_id or None,
            "manager_id": team.manager_id or None, "version": team.version, "updated_at": utcnow(),
        },
        ["id"],
    )
