"""Every statement of erasure and legal holds in goals' database (issue 18 item 4): the holds, and the erasure of
goals' rows about a person through the platform's one walk over adapters/person_data.KINDS."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_goals.adapters import person_data
from paars_goals.adapters import tables as t
from paars_goals.adapters.key_store import destroy_key
from paars_goals.domain.erasure import LegalHold
from paars_platform import erasure
from paars_platform.erasure import ErasureRecord, Hold
from paars_platform.personal_data import PrivilegedAction, PrivilegedActionRepository

SERVICE = "goals"


def _hold_from_row(r: Any) -> LegalHold:
    return LegalHold(r.id, r.person_id, r.service, r.kind, r.reason, r.placed_by, r.placed_at, r.released_at, r.released_by, r.release_reason)


def _hold_to_row(h: LegalHold) -> dict[str, Any]:
    return {
        "id": h.id, "person_id": h.person_id, "service": h.service, "kind": h.kind, "reason": h.reason, "placed_by": h.placed_by,
        "placed_at": h.placed_at, "released_at": h.released_at, "released_by": h.released_by, "release_reason": h.release_reason,
    }


def _scope(h: LegalHold) -> dict[str, str]:
    return {"hold_id": h.id, "service": h.service, "kind": h.kind}


class SqlErasureRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.audit = PrivilegedActionRepository(conn, t.privileged_actions)

    async def holds(self, person_id: str = "") -> list[LegalHold]:
        query = sa.select(t.legal_holds).order_by(t.legal_holds.c.placed_at, t.legal_holds.c.id)
        if person_id:
            query = query.where(t.legal_holds.c.person_id == person_id)
        return [_hold_from_row(r) for r in await self.conn.execute(query)]

    async def hold(self, hold_id: str) -> LegalHold | None:
        row = (await self.conn.execute(sa.select(t.legal_holds).where(t.legal_holds.c.id == hold_id))).first()
        return _hold_from_row(row) if row is not None else None

    async def add_hold(self, hold: LegalHold) -> None:
        await self.conn.execute(t.legal_holds.insert().values(_hold_to_row(hold)))
        await self.audit.add(PrivilegedAction("legal_hold", hold.placed_by, hold.person_id, hold.reason, hold.placed_at, _scope(hold)))

    async def save_hold(self, hold: LegalHold) -> None:
        await self.conn.execute(t.legal_holds.update().where(t.legal_holds.c.id == hold.id).values(_hold_to_row(hold)))
        assert hold.released_at is not None
        await self.audit.add(PrivilegedAction("release_legal_hold", hold.released_by, hold.person_id, hold.release_reason, hold.released_at, _scope(hold)))

    async def erasure(self, person_id: str) -> ErasureRecord | None:
        return await erasure.erasure_of(self.conn, t.privileged_actions, SERVICE, person_id)

    async def erase(self, person_id: str, holds: Sequence[LegalHold], actor_id: str, reason: str, at: dt.datetime) -> ErasureRecord:
        await self.conn.execute(t.employees.update().where(t.employees.c.id == person_id).values(erased_at=at))
        # Crypto-shredding: without the person's data key their past events' personal fields no longer decrypt.
        await destroy_key(self.conn, person_id, at)
        return await erasure.erase_person(
            self.conn, service=SERVICE, kinds=person_data.KINDS, outbox=t.platform["outbox"], audit=t.privileged_actions, person=person_id,
            holds=[Hold(h.service, h.kind, h.reason, h.id) for h in holds if h.in_force], reason=reason, actor=actor_id, at=at,
        )
