"""The deliveries table as the delivery worker's queue: due calls claimed under a lease, each outcome recorded.
Every statement built once; each call is its own short transaction (a call in flight holds no transaction)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from paars_notifications.adapters import tables as t
from paars_platform.db import Database, UtcDateTime

_d = t.deliveries.c
_NOW = sa.bindparam("b_now", type_=UtcDateTime)
_FREE = sa.or_(_d.lease_until.is_(None), _d.lease_until < _NOW)
# A leased row is not due before its lease ends, whatever its next attempt time says.
_DUE_AT = sa.case((_d.lease_until > _d.next_attempt_at, _d.lease_until), else_=_d.next_attempt_at)
_NEXT_DUE = sa.select(_DUE_AT).where(_d.state == "pending").order_by(_DUE_AT).limit(1)
_DUE = (
    sa.select(t.deliveries, t.webhooks.c.secret, t.webhooks.c.active.label("subscription_active"))
    .select_from(t.deliveries.outerjoin(t.webhooks, t.webhooks.c.id == _d.subscription_id))
    .where(_d.state == "pending", _d.next_attempt_at <= _NOW, _FREE)
    .order_by(_d.next_attempt_at, _d.id)
    .limit(sa.bindparam("b_limit"))
)
# One statement leases all the rows read, and names the ones it got (another replica may have won some).
_LEASE = (
    t.deliveries.update()
    .where(_d.id.in_(sa.bindparam("b_ids", expanding=True)), _d.state == "pending", _FREE)
    .values(lease_until=sa.bindparam("b_until", type_=UtcDateTime))
    .returning(_d.id)
)
_HAND_BACK = t.deliveries.update().where(_d.id.in_(sa.bindparam("b_ids", expanding=True)), _d.state == "pending").values(lease_until=None)
_RESCHEDULE = t.deliveries.update().where(_d.id == sa.bindparam("b_id")).values(
    attempts=sa.bindparam("b_attempts"), last_error=sa.bindparam("b_error"), next_attempt_at=sa.bindparam("b_at", type_=UtcDateTime),
    lease_until=None,
)
_POSTPONE = t.deliveries.update().where(_d.id == sa.bindparam("b_id")).values(next_attempt_at=sa.bindparam("b_at", type_=UtcDateTime), lease_until=None)
_FINISH = t.deliveries.update().where(_d.id == sa.bindparam("b_id")).values(
    state=sa.bindparam("b_state"), last_error=sa.bindparam("b_error"), finished_at=sa.bindparam("b_at", type_=UtcDateTime),
    lease_until=None, attempts=sa.bindparam("b_attempts"),
)


class SqlDeliveryQueue:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, now: dt.datetime, lease: dt.timedelta, limit: int) -> list[Any]:
        """Due deliveries (with their subscription's secret and whether it is still active), leased until now + lease."""
        async with self.db.transaction() as conn:
            rows = (await conn.execute(_DUE, {"b_now": now, "b_limit": limit})).all()
            if not rows:
                return []
            leased = set((await conn.execute(_LEASE, {"b_ids": [r.id for r in rows], "b_now": now, "b_until": now + lease})).scalars())
        return [r for r in rows if r.id in leased]

    async def hand_back(self, ids: Sequence[int]) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(_HAND_BACK, {"b_ids": list(ids)})

    async def next_due(self) -> dt.datetime | None:
        async with self.db.read() as conn:
            due: dt.datetime | None = (await conn.execute(_NEXT_DUE)).scalar()
        return due

    async def reschedule(self, delivery_id: int, *, attempts: int, error: str, at: dt.datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(_RESCHEDULE, {"b_id": delivery_id, "b_attempts": attempts, "b_error": error[:500], "b_at": at})

    async def postpone(self, delivery_id: int, at: dt.datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(_POSTPONE, {"b_id": delivery_id, "b_at": at})

    async def finish(self, delivery_id: int, *, state: str, error: str, attempts: int, at: dt.datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(_FINISH, {"b_id": delivery_id, "b_state": state, "b_error": error[:500], "b_attempts": attempts, "b_at": at})
