"""The SQL of the NotificationService's RPCs (the consumer's is in prompt_repository.py): each statement built
once, and the row <-> domain mapping (domain/preferences.py, domain/subscriptions.py)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_notifications.adapters import tables as t
from paars_notifications.domain.preferences import StoredPreferences
from paars_notifications.domain.subscriptions import DeadLetter, Webhook
from paars_notifications.domain.visibility import Person
from paars_notifications.service_layer.unit_of_work import PromptRow
from paars_platform.db import Database, UtcDateTime, upsert

_p = t.prompts.c
_c = t.recipient_cursors.c
_w = t.webhooks.c
_d = t.deliveries.c

LAST_CURSOR = sa.select(_c.last_cursor).where(_c.recipient_id == sa.bindparam("b_recipient"))
# The latest cursor rides along as a column of the same statement (one round trip, one snapshot), so
# Subscribe(after_cursor=latest_cursor) starts exactly where the list ends; an empty list asks for it alone.
_LATEST_OF = sa.select(_c.last_cursor).where(_c.recipient_id == sa.bindparam("b_recipient")).scalar_subquery().label("latest_cursor")


def _page_query(unread_only: bool) -> Any:
    query = sa.select(t.prompts).where(_p.recipient_id == sa.bindparam("b_recipient"), _p.cursor.is_not(None))
    if unread_only:
        query = query.where(_p.read.is_(False))
    return query.add_columns(_LATEST_OF).order_by(_p.cursor.desc()).limit(sa.bindparam("b_limit"))


_PAGE = {False: _page_query(False), True: _page_query(True)}
_MARK_READ = (
    t.prompts.update()
    .where(_p.recipient_id == sa.bindparam("b_recipient"), _p.id.in_(sa.bindparam("b_ids", expanding=True)), _p.read.is_(False))
    .values(read=True)
)
_STORED_PREFERENCES = sa.select(t.preferences).where(t.preferences.c.employee_id == sa.bindparam("b_person"))
_PERSON = sa.select(t.people).where(t.people.c.id == sa.bindparam("b_person"))
_WEBHOOK = sa.select(t.webhooks).where(_w.id == sa.bindparam("b_id"))
_ACTIVE_WEBHOOKS = sa.select(t.webhooks).where(_w.active.is_(True)).order_by(_w.created_at)
_ACTIVE_WEBHOOKS_OF = sa.select(t.webhooks).where(_w.active.is_(True), _w.owner_id == sa.bindparam("b_owner")).order_by(_w.created_at)
_END_WEBHOOK = t.webhooks.update().where(_w.id == sa.bindparam("b_id")).values(active=False)
_CANCEL_PENDING = t.deliveries.update().where(_d.subscription_id == sa.bindparam("b_id"), _d.state == "pending").values(state="cancelled")
_DEAD = sa.select(t.deliveries).where(_d.state == "dead").order_by(_d.finished_at.desc()).limit(sa.bindparam("b_limit"))
_DEAD_OF = (
    sa.select(t.deliveries).where(_d.state == "dead", _d.owner_id == sa.bindparam("b_owner"))
    .order_by(_d.finished_at.desc()).limit(sa.bindparam("b_limit"))
)
_DEAD_ONE = sa.select(t.deliveries).where(_d.id == sa.bindparam("b_id"), _d.state == "dead")
_RETRY = (
    t.deliveries.update().where(_d.id == sa.bindparam("b_id"))
    .values(state="pending", attempts=0, next_attempt_at=sa.bindparam("b_at", type_=UtcDateTime), lease_until=None)
)


async def last_cursor(conn: AsyncConnection, recipient: str) -> int:
    return int((await conn.execute(LAST_CURSOR, {"b_recipient": recipient})).scalar() or 0)


class SqlPromptReads:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def page(self, recipient: str, *, unread_only: bool, limit: int) -> tuple[list[PromptRow], int]:
        rows = (await self.conn.execute(_PAGE[unread_only], {"b_recipient": recipient, "b_limit": limit})).all()
        latest = int(rows[0].latest_cursor or 0) if rows else await last_cursor(self.conn, recipient)
        return [dict(row._mapping) for row in rows], latest

    async def mark_read(self, recipient: str, prompt_ids: Sequence[str]) -> int:
        result = await self.conn.execute(_MARK_READ, {"b_recipient": recipient, "b_ids": list(prompt_ids)})
        return result.rowcount or 0


def person_of(row: Any) -> Person:
    return Person(row.id, row.name, row.email, row.manager_id or "", row.time_zone, row.hr, row.active)


def stored_preferences_of(row: Any) -> StoredPreferences:
    return StoredPreferences(
        channels=tuple(row.channels), quiet_start=row.quiet_start, quiet_end=row.quiet_end, time_zone=row.time_zone,
        daily_digest=row.daily_digest, weekly_budget=row.weekly_budget, email=row.email, language=row.language,
    )


class SqlPreferencesRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def stored(self, person_id: str) -> StoredPreferences | None:
        row = (await self.conn.execute(_STORED_PREFERENCES, {"b_person": person_id})).first()
        return stored_preferences_of(row) if row is not None else None

    async def save(self, person_id: str, preferences: StoredPreferences, at: dt.datetime) -> None:
        p = preferences
        await upsert(self.conn, t.preferences, dict(
            employee_id=person_id, channels=list(p.channels), quiet_start=p.quiet_start, quiet_end=p.quiet_end, time_zone=p.time_zone,
            daily_digest=p.daily_digest, weekly_budget=p.weekly_budget, email=p.email, language=p.language, updated_at=at,
        ), keys=["employee_id"])

    async def person(self, person_id: str) -> Person | None:
        row = (await self.conn.execute(_PERSON, {"b_person": person_id})).first()
        return person_of(row) if row is not None else None


def webhook_of(row: Any) -> Webhook:
    return Webhook(
        row.id, row.owner_id, row.url, tuple(row.event_filter or ()), row.format, row.secret, row.organisation_wide, row.active, row.created_at,
    )


class SqlWebhookRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, webhook: Webhook) -> None:
        w = webhook
        await self.conn.execute(t.webhooks.insert().values(
            id=w.id, owner_id=w.owner_id, url=w.url, event_filter=list(w.event_filter), format=w.format, secret=w.secret,
            organisation_wide=w.organisation_wide, active=w.active, created_at=w.created_at,
        ))

    async def get(self, webhook_id: str) -> Webhook | None:
        row = (await self.conn.execute(_WEBHOOK, {"b_id": webhook_id})).first()
        return webhook_of(row) if row is not None else None

    async def active(self, owner_id: str | None) -> list[Webhook]:
        if owner_id is None:
            rows = (await self.conn.execute(_ACTIVE_WEBHOOKS)).all()
        else:
            rows = (await self.conn.execute(_ACTIVE_WEBHOOKS_OF, {"b_owner": owner_id})).all()
        return [webhook_of(row) for row in rows]

    async def end(self, webhook: Webhook) -> None:
        await self.conn.execute(_END_WEBHOOK, {"b_id": webhook.id})
        await self.conn.execute(_CANCEL_PENDING, {"b_id": webhook.id})


def dead_letter_of(row: Any) -> DeadLetter:
    return DeadLetter(
        int(row.id), row.owner_id, row.channel, row.target, row.event_type, row.attempts, row.last_error, row.finished_at,
        row.subscription_id or "",
    )


class SqlDeadLetterRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def latest(self, owner_id: str | None, limit: int) -> list[DeadLetter]:
        if owner_id is None:
            rows = (await self.conn.execute(_DEAD, {"b_limit": limit})).all()
        else:
            rows = (await self.conn.execute(_DEAD_OF, {"b_owner": owner_id, "b_limit": limit})).all()
        return [dead_letter_of(row) for row in rows]

    async def get(self, delivery_id: int) -> DeadLetter | None:
        row = (await self.conn.execute(_DEAD_ONE, {"b_id": delivery_id})).first()
        return dead_letter_of(row) if row is not None else None

    async def retry(self, delivery_id: int, at: dt.datetime) -> None:
        await self.conn.execute(_RETRY, {"b_id": delivery_id, "b_at": at})


_CURSORS_OF = sa.select(_c.recipient_id, _c.last_cursor).where(_c.recipient_id.in_(sa.bindparam("b_ids", expanding=True)))
_REPLAY = (
    sa.select(t.prompts).where(_p.recipient_id == sa.bindparam("b_recipient"), _p.cursor > sa.bindparam("b_after"))
    .order_by(_p.cursor).limit(sa.bindparam("b_limit"))
)
_REPLAY_UPTO = (
    sa.select(t.prompts)
    .where(_p.recipient_id == sa.bindparam("b_recipient"), _p.cursor > sa.bindparam("b_after"), _p.cursor <= sa.bindparam("b_upto"))
    .order_by(_p.cursor).limit(sa.bindparam("b_limit"))
)


class SqlStreamReads:
    """What the Subscribe streams and the replica watch read, each a short read of its own."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def last_cursor(self, recipient: str) -> int:
        async with self.db.read() as conn:
            return await last_cursor(conn, recipient)

    async def cursors_of(self, recipients: Sequence[str]) -> dict[str, int]:
        async with self.db.read() as conn:
            rows = (await conn.execute(_CURSORS_OF, {"b_ids": list(recipients)})).all()
        return {r.recipient_id: int(r.last_cursor) for r in rows}

    async def replay(self, recipient: str, after: int, upto: int | None, limit: int) -> list[PromptRow]:
        """The recipient's released prompts after a cursor (and up to one), in cursor order."""
        params: dict[str, Any] = {"b_recipient": recipient, "b_after": after, "b_limit": limit}
        if upto is not None:
            params["b_upto"] = upto
        async with self.db.read() as conn:
            rows = (await conn.execute(_REPLAY if upto is None else _REPLAY_UPTO, params)).all()
        return [dict(row._mapping) for row in rows]
