"""Transactional outbox: events are rows written with the state change; a relay publishes them in order."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import sqlalchemy as sa
from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_platform import metrics
from paars_platform.db import Database, utcnow
from paars_platform.events import Record, to_record
from paars_platform.kafka import Publisher

log = logging.getLogger("paars.outbox")

# A fixed advisory-lock key: one relay per service database publishes at a time (order!).
_PG_RELAY_LOCK = 7_210_465_001


async def append(conn: AsyncConnection, outbox: sa.Table, *events: Message) -> None:
    """Writes the events inside the caller's transaction; they are published only if it commits."""
    now = utcnow()
    rows = []
    for event in events:
        record = to_record(event)
        rows.append(
            {
                "event_id": record.event_id,
                "topic": record.topic,
                "record_key": record.key,
                "payload": record.value,
                "headers": [[k, v.decode()] for k, v in record.headers],
                "created_at": now,
            }
        )
    if rows:
        await conn.execute(outbox.insert(), rows)


class OutboxRelay:
    """Publishes unsent outbox rows in id order, marks them sent, and resumes after a restart.

    Woken right after every commit (Database.commit_hooks) so a prompt-sensitive event leaves within
    milliseconds; a slow poll catches rows committed by other processes. A crash between publish
    and mark-sent repeats the send with the same event id, which consumers drop.
    """

    def __init__(self, db: Database, outbox: sa.Table, publisher: Publisher, *, service: str, poll_seconds: float = 1.0, batch_size: int = 500) -> None:
        self.db = db
        self.outbox = outbox
        self.publisher = publisher
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._lock_conn: AsyncConnection | None = None
        self.backlog = metrics.gauge(f"paars_{service}_outbox_backlog", "Outbox rows not yet published.")
        self.oldest_age = metrics.gauge(f"paars_{service}_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row.")
        self.published = metrics.counter(f"paars_{service}_outbox_published_total", "Events published from the outbox.", ("topic",))
        self.errors = metrics.counter(f"paars_{service}_outbox_publish_errors_total", "Failed outbox publish attempts.")
        db.commit_hooks.append(self.notify)

    def notify(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self, drain_seconds: float = 5.0) -> None:
        """Publishes what is pending (bounded), then stops."""
        self._stopping = True
        self._wake.set()
        if self._task:
            try:
                await asyncio.wait_for(self._task, timeout=drain_seconds)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
        if self._lock_conn is not None:
            await self._lock_conn.close()

    async def _acquire_leadership(self) -> None:
        if self.db.sqlite:
            return
        while not self._stopping:
            conn = await self.db.engine.connect()
            got = (await conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": _PG_RELAY_LOCK})).scalar()
            if got:
                self._lock_conn = conn
                return
            await conn.close()
            await asyncio.sleep(self.poll_seconds)

    async def _run(self) -> None:
        await self._acquire_leadership()
        backoff = 0.1
        while True:
            self._wake.clear()
            try:
                sent = await self.publish_pending()
                backoff = 0.1
            except Exception:
                self.errors.inc()
                log.warning("outbox publish failed; retrying", exc_info=True)
                if self._stopping:
                    return
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if sent:
                continue
            if self._stopping:
                return
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                pass

    async def publish_pending(self) -> int:
        """Publishes one batch; returns how many rows it sent."""
        o = self.outbox
        async with self.db.read() as conn:
            rows = (
                await conn.execute(
                    sa.select(o.c.id, o.c.event_id, o.c.topic, o.c.record_key, o.c.payload, o.c.headers, o.c.created_at)
                    .where(o.c.sent_at.is_(None))
                    .order_by(o.c.id)
                    .limit(self.batch_size)
                )
            ).all()
        if not rows:
            self.backlog.set(0)
            self.oldest_age.set(0)
            return 0
        self.oldest_age.set(max(0.0, time.time() - rows[0].created_at.timestamp()))
        records = [
            Record(r.topic, bytes(r.record_key), bytes(r.payload), [(k, v.encode()) for k, v in r.headers], r.event_id)
            for r in rows
        ]
        await asyncio.to_thread(self.publisher.publish, records)
        async with self.db.transaction() as conn:
            if not self.db.sqlite:
                # Losing this mark in a crash only repeats a send (same event id, dropped by consumers), so
                # it need not wait for its own WAL flush: only the callers' commits pay for durability.
                await conn.execute(sa.text("SET LOCAL synchronous_commit = off"))
            await conn.execute(o.update().where(o.c.id.in_([r.id for r in rows])).values(sent_at=utcnow()))
        for r in records:
            self.published.labels(r.topic).inc()
        if len(rows) < self.batch_size:
            # A partial batch was everything unsent when it was read; counting again per batch cost a
            # query per commit under load. Rows committed since then wake the relay and are counted then.
            self.backlog.set(0)
        else:
            await self._update_backlog()
        return len(rows)

    async def _update_backlog(self) -> None:
        o = self.outbox
        async with self.db.read() as conn:
            pending: Any = (await conn.execute(sa.select(sa.func.count()).where(o.c.sent_at.is_(None)))).scalar()
        self.backlog.set(pending or 0)
