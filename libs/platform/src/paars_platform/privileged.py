"""What a use case did on a privileged basis (issue 18 item 6), collected on its unit of work and written by the bus
into the service's privileged_actions once the use case is answered, in a transaction of its own: HR reading a
concern someone raised, HR handling it, a story published over the readability check. A person's ordinary work (a
manager reading their report's 1:1, someone reading their own concern) is no privileged act and records nothing.

The lines are paars_platform.personal_data's: the person sees every line about them in ListPrivilegedActions and
their export. Goals keeps its own PrivilegedAct (one goal per act) and recorder, older than this module.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from paars_platform.db import Database
from paars_platform.personal_data import PrivilegedAction, PrivilegedActionRepository


@dataclass(frozen=True)
class PrivilegedAct:
    """One privileged act about one person: what was done ("read", "edit", "override"), on which basis ("hr",
    "admin", or the role that allowed it), to what kind of item, which item, and anything the line must keep."""

    action: str
    subject_id: str
    basis: str
    what: str
    item_id: str = ""
    detail: Mapping[str, Any] = field(default_factory=dict)


# (actor, path such as ListConcerns, the acts): what a message bus calls after the use case.
Record = Callable[[str, str, Sequence[PrivilegedAct]], Awaitable[None]]


def recorder(db: Database, table: sa.Table, clock: Callable[[], dt.datetime]) -> Record:
    """Writes acts as lines of `table`: one per person, action, basis and kind of item, naming the items and the
    path; an act's own detail (an override's reason) is kept on its line."""

    async def record(actor: str, path: str, acts: Sequence[PrivilegedAct]) -> None:
        grouped: dict[tuple[str, str, str, str], tuple[list[str], dict[str, Any]]] = {}
        for act in acts:
            ids, detail = grouped.setdefault((act.action, act.subject_id, act.basis, act.what), ([], {}))
            if act.item_id and act.item_id not in ids:
                ids.append(act.item_id)
            detail.update(act.detail)
        at = clock()
        async with db.transaction() as conn:
            audit = PrivilegedActionRepository(conn, table)
            for (action, subject, basis, what), (ids, detail) in grouped.items():
                await audit.add(PrivilegedAction(action, actor, subject, f"as {basis}", at, {"path": path, "what": what, "ids": ids, **detail}))

    return record
