"""The PostgreSQL relay reads and marks on a connection of its own (paars_platform.outbox.OutboxRelay._acquire_leadership):
it takes nothing from a pool its callers have exhausted, its non-durable marks stay off every pooled connection, and when
that connection is killed it takes a new one and the lock again, publishing everything, in order."""
from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from paars.common.v1 import event_pb2
from paars.goals.v1 import goals_pb2 as pb
from paars_platform import outbox
from paars_platform.db import Database, platform_tables
from paars_platform.events import new_metadata
from paars_platform.kafka import Publisher
from tests.conftest import create_pg_database, drop_pg_database, kafka_idempotence
from tests.helpers import decoded, read_topic


def goal_event(title: str) -> pb.GoalUpdated:
    return pb.GoalUpdated(
        metadata=new_metadata(producer="goals", subject_id="relay-conn", visibility=event_pb2.VISIBILITY_INTERNAL),
        changes=[pb.GoalUpdated.CHANGE_PROPOSED], goal=pb.Goal(id=uuid.uuid4().hex, title=title, owner_id="relay-conn"),
    )


@pytest.fixture
async def pg() -> AsyncIterator[tuple[Database, dict[str, sa.Table]]]:
    url = await asyncio.to_thread(create_pg_database)
    metadata = sa.MetaData()
    tables = platform_tables(metadata)
    db = Database(url, pool_size=3)  # one is the relay's own
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield db, tables
    finally:
        await db.dispose()
        await asyncio.to_thread(drop_pg_database, url)


async def unsent(db: Database, outbox_table: sa.Table) -> int:
    async with db.read() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(outbox_table).where(outbox_table.c.sent_at.is_(None)))).scalar() or 0)


async def wait_for(check, seconds: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)


async def test_the_relay_publishes_and_marks_without_a_pooled_connection(pg, kafka_bootstrap: str) -> None:
    db, tables = pg
    marker = uuid.uuid4().hex
    publisher = Publisher(kafka_bootstrap, client_id="test", idempotence=kafka_idempotence())
    relay = outbox.OutboxRelay(db, tables["outbox"], publisher, service="test", poll_seconds=0.1)
    relay.start()
    await wait_for(lambda: asyncio.sleep(0, result=relay._lock_conn is not None))
    assert relay._lock_conn is not None, "the relay leads on a connection of its own"
    checkouts: list[int] = []
    event.listen(db.engine.sync_engine, "checkout", lambda *_: checkouts.append(1))
    # The rest of the pool in callers' hands while the relay works: it needs none of it.
    held = [await db.engine.connect() for _ in range(2)]
    try:
        before = len(checkouts)
        async with held[0].begin():
            await outbox.append(held[0], tables["outbox"], *(goal_event(f"{marker}-{i}") for i in range(5)))
        relay.notify()

        def ours(records: list) -> list:  # type: ignore[type-arg]
            return [e.goal.title for e in decoded(records) if e.goal.title.startswith(marker)]

        records = await asyncio.to_thread(read_topic, kafka_bootstrap, "goals.goal-updated.v1", until=lambda rs: len(ours(rs)) >= 5)
        for _ in range(100):
            if not relay._unmarked:
                break
            await asyncio.sleep(0.05)
        assert not relay._unmarked, "the published rows were marked"
        assert len(checkouts) == before, "no pooled connection was taken for reading or marking"
        settings = [(await conn.execute(sa.text("SHOW synchronous_commit"))).scalar() for conn in held]
    finally:
        for conn in held:
            await conn.close()
        await relay.stop()
        publisher.close()
    assert ours(records) == [f"{marker}-{i}" for i in range(5)]
    assert settings == ["on", "on"], "the pooled connections still commit durably"
    assert await unsent(db, tables["outbox"]) == 0


async def test_a_killed_relay_connection_is_replaced_and_nothing_is_lost(pg, kafka_bootstrap: str) -> None:
    db, tables = pg
    marker = uuid.uuid4().hex
    publisher = Publisher(kafka_bootstrap, client_id="test", idempotence=kafka_idempotence())
    relay = outbox.OutboxRelay(db, tables["outbox"], publisher, service="test", poll_seconds=0.1)
    relay.start()
    events = [goal_event(f"{marker}-{i}") for i in range(6)]

    def ours(records: list) -> list:  # type: ignore[type-arg]
        return [e.goal.title for e in decoded(records) if e.goal.title.startswith(marker)]

    try:
        async with db.transaction() as conn:
            await outbox.append(conn, tables["outbox"], *events[:3])
        await asyncio.to_thread(read_topic, kafka_bootstrap, "goals.goal-updated.v1", until=lambda rs: len(ours(rs)) >= 3)
        assert relay._lock_conn is not None
        first = relay._lock_conn
        pid = (await first.execute(sa.text("SELECT pg_backend_pid()"))).scalar()
        async with db.read() as conn:
            await conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        async with db.transaction() as conn:
            await outbox.append(conn, tables["outbox"], *events[3:])
        records = await asyncio.to_thread(read_topic, kafka_bootstrap, "goals.goal-updated.v1", until=lambda rs: len(ours(rs)) >= 6)
        await wait_for(lambda: _none_unsent(db, tables["outbox"]))
        assert relay._lock_conn is not None and relay._lock_conn is not first, "a new connection of its own, and the lock on it"
        async with db.read() as conn:
            # This database's holders only: pg_locks is the whole server's, and the relays of a stack other tests
            # started hold the same key in their own databases.
            holders = (await conn.execute(sa.text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :k AND granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ), {"k": outbox._PG_RELAY_LOCK & 0xFFFFFFFF})).scalar()
    finally:
        await relay.stop()
        publisher.close()
    titles = ours(records)
    assert sorted(set(titles)) == sorted(f"{marker}-{i}" for i in range(6)), "every event published"
    assert [t for t in dict.fromkeys(titles)] == [f"{marker}-{i}" for i in range(6)], "in order"
    assert holders == 1
    assert await unsent(db, tables["outbox"]) == 0


async def _none_unsent(db: Database, outbox_table: sa.Table) -> bool:
    return await unsent(db, outbox_table) == 0


async def test_the_marker_records_a_stream_of_batches_at_most_every_interval_and_misses_none(pg, kafka_bootstrap: str) -> None:
    db, tables = pg
    marker = uuid.uuid4().hex
    publisher = Publisher(kafka_bootstrap, client_id="test", idempotence=kafka_idempotence())
    relay = outbox.OutboxRelay(db, tables["outbox"], publisher, service="test", poll_seconds=0.1)
    marks: list[float] = []
    original = relay.mark_published

    async def mark() -> int:
        marks.append(asyncio.get_running_loop().time())
        return await original()

    relay.mark_published = mark  # type: ignore[method-assign]
    relay.start()
    try:
        for i in range(40):
            async with db.transaction() as conn:
                await outbox.append(conn, tables["outbox"], goal_event(f"{marker}-{i}"))
            await asyncio.sleep(0.002)
        await wait_for(lambda: _none_unsent(db, tables["outbox"]))
        by_marker = list(marks)  # stop() marks once more, whenever it comes
    finally:
        await relay.stop()
        publisher.close()
    gaps = [b - a for a, b in itertools.pairwise(by_marker)]
    assert by_marker and min(gaps, default=outbox.MARK_INTERVAL_SECONDS) >= outbox.MARK_INTERVAL_SECONDS * 0.9
    assert len(by_marker) < 40, "batches marked together, not one write each"
    assert await unsent(db, tables["outbox"]) == 0, "every published row recorded as sent"
