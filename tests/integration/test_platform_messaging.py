"""Outbox relay, inbox consumer and topic provisioning against a real broker and both databases."""
from __future__ import annotations

import asyncio
import dataclasses
import uuid

import pytest
import sqlalchemy as sa

from paars.common.v1 import event_pb2
from paars.goals.v1 import goals_pb2 as pb
from paars_platform import outbox
from paars_platform.db import Database, platform_tables
from paars_platform.embedded_broker import free_port
from paars_platform.events import header, new_metadata, to_record
from paars_platform.inbox import InboxConsumer
from paars_platform.kafka import Publisher, provision_topics
from paars_platform.metrics import REGISTRY
from paars_platform.topics import Topic
from tests.conftest import kafka_idempotence, make_settings
from tests.helpers import decoded, read_topic


def goal_event(owner: str, title: str) -> pb.GoalUpdated:
    return pb.GoalUpdated(
        metadata=new_metadata(producer="goals", subject_id=owner, visibility=event_pb2.VISIBILITY_INTERNAL),
        changes=[pb.GoalUpdated.CHANGE_PROPOSED],
        goal=pb.Goal(id=uuid.uuid4().hex, title=title, owner_id=owner),
    )


@pytest.fixture
async def database(database_url: str):
    metadata = sa.MetaData()
    tables = platform_tables(metadata)
    # What a handler does to the database (transactional, like every real handler's effects).
    tables["applied"] = sa.Table("applied", metadata, sa.Column("event_id", sa.String(64)))
    db = Database(database_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield db, tables
    await db.dispose()


async def test_the_relay_publishes_in_order_and_a_restarted_relay_resumes_where_it_stopped(database, kafka_bootstrap: str) -> None:
    db, tables = database
    marker = uuid.uuid4().hex
    publisher = Publisher(kafka_bootstrap, client_id="test", idempotence=kafka_idempotence())
    events = [goal_event("relay-owner", f"{marker}-{i}") for i in range(30)]
    async with db.transaction() as conn:
        await outbox.append(conn, tables["outbox"], *events[:10])
    first = outbox.OutboxRelay(db, tables["outbox"], publisher, service="test")
    assert await first.publish_pending() == 10
    # Published and remembered until the marker records them: the next read does not send them again.
    assert await first.publish_pending() == 0
    await first.stop()  # a stopping relay records what it published
    # Rows written while no relay runs are published by the next one, after the ones before them.
    async with db.transaction() as conn:
        await outbox.append(conn, tables["outbox"], *events[10:])
    second = outbox.OutboxRelay(db, tables["outbox"], publisher, service="test")
    second.start()

    def ours(records: list) -> list:
        return [e for e in decoded(records) if e.goal.title.startswith(marker)]

    records = await asyncio.to_thread(read_topic, kafka_bootstrap, "goals.goal-updated.v1", until=lambda rs: len(ours(rs)) >= 30)
    await second.stop()
    publisher.close()
    assert [e.goal.title for e in ours(records)] == [f"{marker}-{i}" for i in range(30)]
    async with db.read() as conn:
        unsent = (await conn.execute(sa.select(sa.func.count()).select_from(tables["outbox"]).where(tables["outbox"].c.sent_at.is_(None)))).scalar()
    assert unsent == 0


@pytest.mark.parametrize("held_seconds", [1.5, 2.5], ids=["mark-finishes-after-the-drain", "mark-outlasts-the-marker-wait"])
async def test_a_relay_stopped_while_its_marker_writes_still_records_what_it_published(
    database, kafka_bootstrap: str, held_seconds: float,
) -> None:
    """Stopping the relay while its marker's UPDATE waits (here on a row lock; under load on a busy server) lets
    that write finish. Cancelling it mid-statement left the relay's own connection unusable, the last mark failed
    silently and the rows went again with the next relay. With a drain of 1 s: at 1.5 s the marker's own write
    finishes; at 2.5 s it is cancelled after 2 s and the last mark goes through a pooled connection instead."""
    db, tables = database
    if db.sqlite:
        pytest.skip("row locks held by another connection: PostgreSQL")
    o = tables["outbox"]
    marker = uuid.uuid4().hex
    publisher = Publisher(kafka_bootstrap, client_id="test", idempotence=kafka_idempotence())
    async with db.transaction() as conn:
        await outbox.append(conn, o, *[goal_event("stop-owner", f"{marker}-{i}") for i in range(5)])
    relay = outbox.OutboxRelay(db, o, publisher, service="test")
    async with db.engine.connect() as blocker:
        transaction = await blocker.begin()
        await blocker.execute(sa.select(o.c.id).where(o.c.sent_at.is_(None)).with_for_update())
        relay.start()
        for _ in range(200):  # published: the marker's UPDATE now waits for the row lock
            if relay._unmarked:
                break
            await asyncio.sleep(0.05)
        assert relay._unmarked, "the relay published the rows"
        await asyncio.sleep(0.2)
        stopping = asyncio.create_task(relay.stop(drain_seconds=1.0))
        await asyncio.sleep(held_seconds)
        await transaction.rollback()
    await stopping
    publisher.close()
    async with db.read() as conn:
        unsent = (await conn.execute(sa.select(sa.func.count()).select_from(o).where(o.c.sent_at.is_(None)))).scalar()
    assert unsent == 0


async def test_rows_published_but_not_yet_recorded_are_sent_again_by_the_next_relay(database, kafka_bootstrap: str) -> None:
    """A crash between the publish and the (deferred) mark repeats the send with the same event ids."""
    db, tables = database
    marker = uuid.uuid4().hex
    publisher = Publisher(kafka_bootstrap, client_id="test", idempotence=kafka_idempotence())
    events = [goal_event("crash-owner", f"{marker}-{i}") for i in range(3)]
    async with db.transaction() as conn:
        await outbox.append(conn, tables["outbox"], *events)
    crashed = outbox.OutboxRelay(db, tables["outbox"], publisher, service="test")
    assert await crashed.publish_pending() == 3  # and then the process dies: nothing recorded
    successor = outbox.OutboxRelay(db, tables["outbox"], publisher, service="test")
    assert await successor.publish_pending() == 3
    assert await successor.mark_published() == 3
    assert await successor.publish_pending() == 0
    records = await asyncio.to_thread(
        read_topic, kafka_bootstrap, "goals.goal-updated.v1",
        until=lambda rs: sum(1 for e in decoded(rs) if e.goal.title.startswith(marker)) >= 6,
    )
    publisher.close()
    ids = [e.metadata.event_id for e in decoded(records) if e.goal.title.startswith(marker)]
    assert sorted(ids) == sorted([e.metadata.event_id for e in events] * 2), "repeats carry the same event ids"


async def test_a_rolled_back_transaction_publishes_nothing(database) -> None:
    db, tables = database
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await outbox.append(conn, tables["outbox"], goal_event("ann", "never"))
            raise RuntimeError("the state change failed")
    async with db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(tables["outbox"]))).scalar() == 0


async def test_the_inbox_applies_each_event_once_and_dead_letters_what_it_cannot_use(database, database_url: str, kafka_bootstrap: str) -> None:
    db, tables = database
    publisher = Publisher(kafka_bootstrap, client_id="test", idempotence=kafka_idempotence())
    settings = make_settings("goals", database_url=database_url, kafka_bootstrap=kafka_bootstrap)
    marker = uuid.uuid4().hex

    async def handle(conn, event) -> None:
        if event.goal.title == f"{marker}-poison":
            raise ValueError("cannot apply this one")
        if event.goal.title.startswith(marker):
            await conn.execute(tables["applied"].insert().values(event_id=event.metadata.event_id))

    async def applied() -> list[str]:
        async with db.read() as conn:
            return [r.event_id for r in (await conn.execute(sa.select(tables["applied"].c.event_id))).all()]

    good = goal_event("inbox-owner", f"{marker}-good")
    poison = goal_event("inbox-owner", f"{marker}-poison")
    good_record = to_record(good)
    publisher.publish([good_record, good_record, to_record(poison)])
    publisher.send_raw("goals.goal-updated.v1", b"inbox-owner", b"\xff\x00 not protobuf", [("ce_type", b"paars.goals.v1.GoalUpdated"), ("ce_id", marker.encode())])
    consumer = InboxConsumer(settings, db, tables["inbox"], publisher, group_id=f"test-{marker}", handlers={"goals.goal-updated.v1": handle})
    await consumer.start()
    try:
        for _ in range(200):
            if await applied() and consumer.dead_letters.labels("goals.goal-updated.v1", "undecodable")._value.get() >= 1:
                break
            await asyncio.sleep(0.1)
        dead = await asyncio.to_thread(
            read_topic, kafka_bootstrap, "goals.dead-letter.v1",
            until=lambda rs: {header(r.headers, "dlq_reason") for r in rs if header(r.headers, "ce_id") in (marker, poison.metadata.event_id)} >= {"undecodable", "handler-failed"},
        )
    finally:
        await consumer.stop()
        publisher.close()
    assert await applied() == [good.metadata.event_id], "the redelivered event was applied once"
    reasons = {header(r.headers, "ce_id"): header(r.headers, "dlq_reason") for r in dead}
    assert reasons[marker] == "undecodable"
    assert reasons[poison.metadata.event_id] == "handler-failed"
    ours = [r for r in dead if header(r.headers, "ce_id") == marker][0]
    assert header(ours.headers, "dlq_source_topic") == "goals.goal-updated.v1"
    assert ours.value == b"\xff\x00 not protobuf", "the original bytes are kept for inspection"


async def test_an_inbox_starts_without_waiting_for_its_group_join_and_then_applies_what_came_before(
    database, database_url: str, kafka_bootstrap: str,
) -> None:
    """start() returns once the consumer is up, before the group's first assignment (the broker holds a new member's
    join a second or more: every service start waited for it); the events published before the join are applied
    after it, from the earliest offset of a new group. With no broker answering, start() still fails."""
    db, tables = database
    publisher = Publisher(kafka_bootstrap, client_id="test", idempotence=kafka_idempotence())
    settings = make_settings("goals", database_url=database_url, kafka_bootstrap=kafka_bootstrap)
    marker = uuid.uuid4().hex
    early = goal_event("join-owner", f"{marker}-early")
    publisher.publish([to_record(early)])

    async def handle(conn, event) -> None:
        if event.goal.title.startswith(marker):
            await conn.execute(tables["applied"].insert().values(event_id=event.metadata.event_id))

    consumer = InboxConsumer(settings, db, tables["inbox"], publisher, group_id=f"test-{marker}", handlers={"goals.goal-updated.v1": handle})
    await consumer.start()
    try:
        assert consumer._consumer is not None and not consumer._consumer.assignment(), "start() did not wait for the join"
        for _ in range(300):
            async with db.read() as conn:
                if (await conn.execute(sa.select(tables["applied"].c.event_id))).scalars().all() == [early.metadata.event_id]:
                    break
            await asyncio.sleep(0.05)
        async with db.read() as conn:
            assert (await conn.execute(sa.select(tables["applied"].c.event_id))).scalars().all() == [early.metadata.event_id]
        assert consumer._consumer.assignment(), "joined in the background"
    finally:
        await consumer.stop()
        publisher.close()
    nobody = InboxConsumer(
        make_settings("goals", database_url=database_url, kafka_bootstrap=f"127.0.0.1:{free_port()}"), db, tables["inbox"], publisher,
        group_id=f"test-{marker}-nobody", handlers={"goals.goal-updated.v1": handle},
    )
    with pytest.raises(Exception, match=r"(?i)connect|bootstrap"):
        await nobody.start()
    if nobody._consumer is not None:
        await nobody._consumer.stop()


def test_topic_provisioning_is_idempotent_and_grows_partitions(kafka_bootstrap: str) -> None:
    name = f"test.provisioning-{uuid.uuid4().hex[:8]}.v1"
    topic = Topic(name, "", "key", partitions=2, retention_ms=3_600_000)
    assert provision_topics(kafka_bootstrap, [topic]) == {name: "created"}
    assert provision_topics(kafka_bootstrap, [topic]) == {name: "unchanged"}
    grown = provision_topics(kafka_bootstrap, [dataclasses.replace(topic, partitions=4)])[name]
    # The embedded broker has no CreatePartitions; Apache Kafka (PAARS_TEST_KAFKA_BOOTSTRAP) must grow.
    assert grown == ("partitions-added" if kafka_idempotence() else "partitions-not-supported")
    changed = dataclasses.replace(topic, partitions=4 if kafka_idempotence() else 2, retention_ms=7_200_000)
    real_kafka = kafka_idempotence()
    assert provision_topics(kafka_bootstrap, [changed]) == {name: "config-updated" if real_kafka else "config-not-supported"}
    if real_kafka:
        assert provision_topics(kafka_bootstrap, [changed]) == {name: "unchanged"}


async def test_a_batch_claims_its_inbox_rows_in_one_statement_and_still_applies_each_event_once(database, database_url: str, kafka_bootstrap: str) -> None:
    """process_batch claims the whole batch's inbox rows with one INSERT ... RETURNING: an event already
    applied, or twice in the batch, is applied once; a poison event in the batch rolls it back and the
    one-by-one fallback applies the others once and dead-letters only the poison."""
    db, tables = database
    publisher = Publisher(kafka_bootstrap, client_id="test", idempotence=kafka_idempotence())
    settings = make_settings("goals", database_url=database_url, kafka_bootstrap=kafka_bootstrap)
    marker = uuid.uuid4().hex

    async def handle(conn, event) -> None:
        if event.goal.title == "poison":
            raise ValueError("cannot apply this one")
        await conn.execute(tables["applied"].insert().values(event_id=event.metadata.event_id))

    async def applied() -> list[str]:
        async with db.read() as conn:
            return sorted(r.event_id for r in (await conn.execute(sa.select(tables["applied"].c.event_id))).all())

    first, second, third, poison = (goal_event(marker, title) for title in ("first", "second", "third", "poison"))
    publisher.publish([to_record(e) for e in (first, second, third, poison)])
    records = await asyncio.to_thread(
        read_topic, kafka_bootstrap, "goals.goal-updated.v1", until=lambda rs: sum(r.key == marker.encode() for r in rs) >= 4,
    )
    by_id = {header(r.headers, "ce_id"): r for r in records if r.key == marker.encode()}
    consumer = InboxConsumer(settings, db, tables["inbox"], publisher, group_id=f"test-{marker}", handlers={"goals.goal-updated.v1": handle})
    try:
        duplicates = consumer.consumed.labels("goals.goal-updated.v1", "duplicate")
        before = duplicates._value.get()  # the metric is process-wide: count this test's
        await consumer.process_batch([by_id[first.metadata.event_id]])
        rec = [by_id[e.metadata.event_id] for e in (first, second, second, third)]
        await consumer.process_batch(rec)
        assert await applied() == sorted(e.metadata.event_id for e in (first, second, third)), "each event once"
        assert duplicates._value.get() - before == 2, "the redelivered one and the second copy in the batch"

        fourth = goal_event(marker, "fourth")
        publisher.publish([to_record(fourth)])
        records = await asyncio.to_thread(
            read_topic, kafka_bootstrap, "goals.goal-updated.v1", until=lambda rs: sum(r.key == marker.encode() for r in rs) >= 5,
        )
        by_id = {header(r.headers, "ce_id"): r for r in records if r.key == marker.encode()}
        await consumer.process_batch([by_id[e.metadata.event_id] for e in (third, poison, fourth)])
    finally:
        publisher.close()
    assert await applied() == sorted(e.metadata.event_id for e in (first, second, third, fourth)), "the fallback applied the good ones once"
    assert consumer.dead_letters.labels("goals.goal-updated.v1", "handler-failed")._value.get() >= 1
    dead = await asyncio.to_thread(
        read_topic, kafka_bootstrap, "goals.dead-letter.v1", until=lambda rs: any(header(r.headers, "ce_id") == poison.metadata.event_id for r in rs),
    )
    assert any(header(r.headers, "ce_id") == poison.metadata.event_id for r in dead), "only the poison event was dead-lettered"


async def test_transaction_hooks_write_once_per_batch_inside_its_transaction(database, database_url: str, kafka_bootstrap: str) -> None:
    """A consumer's TransactionHooks gather over the whole batch and write at its end, in the same
    transaction: once per batch; after a rolled-back batch, once per event of the one-by-one fallback."""
    db, tables = database
    publisher = Publisher(kafka_bootstrap, client_id="test", idempotence=kafka_idempotence())
    settings = make_settings("goals", database_url=database_url, kafka_bootstrap=kafka_bootstrap)
    marker = uuid.uuid4().hex

    class Gather:
        def __init__(self) -> None:
            self.conn = None
            self.ids: list[str] = []
            self.writes = 0

        def begin(self, conn) -> None:
            self.conn, self.ids = conn, []

        async def before_commit(self, conn) -> None:
            assert conn is self.conn, "the hook writes in the transaction that applied the events"
            self.writes += 1
            if self.ids:
                await conn.execute(tables["applied"].insert(), [{"event_id": i} for i in self.ids])

    hooks = Gather()

    async def handle(conn, event) -> None:
        if event.goal.title == "poison":
            raise ValueError("cannot apply this one")
        hooks.ids.append(event.metadata.event_id)

    async def applied() -> list[str]:
        async with db.read() as conn:
            return sorted(r.event_id for r in (await conn.execute(sa.select(tables["applied"].c.event_id))).all())

    events = [goal_event(marker, title) for title in ("one", "two", "three", "poison", "four")]
    publisher.publish([to_record(e) for e in events])
    records = await asyncio.to_thread(
        read_topic, kafka_bootstrap, "goals.goal-updated.v1", until=lambda rs: sum(r.key == marker.encode() for r in rs) >= 5,
    )
    by_id = {header(r.headers, "ce_id"): r for r in records if r.key == marker.encode()}
    consumer = InboxConsumer(
        settings, db, tables["inbox"], publisher, group_id=f"test-{marker}", handlers={"goals.goal-updated.v1": handle}, hooks=hooks,
    )
    def stage_count(stage: str) -> float:
        return REGISTRY.get_sample_value("paars_goals_consumer_stage_seconds_count", {"stage": stage}) or 0.0

    transactions, after_commits = stage_count("transaction"), stage_count("after_commit")
    try:
        await consumer.process_batch([by_id[e.metadata.event_id] for e in events[:3]])
        assert hooks.writes == 1, "one write for the batch"
        # The batch's stages are timed (paars_<service>_consumer_stage_seconds): one transaction, no after-commit hook.
        assert (stage_count("transaction") - transactions, stage_count("after_commit") - after_commits) == (1.0, 0.0)
        assert await applied() == sorted(e.metadata.event_id for e in events[:3])
        await consumer.process_batch([by_id[e.metadata.event_id] for e in events[2:]])
    finally:
        publisher.close()
    assert await applied() == sorted(e.metadata.event_id for e in events if e.goal.title != "poison"), "nothing of the rolled-back batch twice"
    assert hooks.writes == 2, "the fallback wrote for the one new good event; duplicates and the dead-lettered one write nothing"


async def test_transaction_hooks_prepare_reads_once_per_batch_with_its_fresh_events(database, database_url: str, kafka_bootstrap: str) -> None:
    """A hooks object's optional prepare() runs once per batch, in its transaction, before the first handler,
    with the batch's fresh events in order: not the duplicates, and not for a single event's transaction."""
    db, tables = database
    publisher = Publisher(kafka_bootstrap, client_id="test", idempotence=kafka_idempotence())
    settings = make_settings("goals", database_url=database_url, kafka_bootstrap=kafka_bootstrap)
    marker = uuid.uuid4().hex
    handled: list[str] = []

    class Prepared:
        def __init__(self) -> None:
            self.conn = None
            self.calls: list[list[str]] = []

        def begin(self, conn) -> None:
            self.conn = conn

        async def prepare(self, conn, events) -> None:
            assert conn is self.conn, "prepare reads in the batch's transaction"
            assert not handled, "before the batch's first handler"
            self.calls.append([e.metadata.event_id for e in events])

        async def before_commit(self, conn) -> None:
            handled.clear()

    hooks = Prepared()

    async def handle(conn, event) -> None:
        handled.append(event.metadata.event_id)

    events = [goal_event(marker, title) for title in ("one", "two", "three", "four")]
    publisher.publish([to_record(e) for e in events])
    records = await asyncio.to_thread(
        read_topic, kafka_bootstrap, "goals.goal-updated.v1", until=lambda rs: sum(r.key == marker.encode() for r in rs) >= 4,
    )
    by_id = {header(r.headers, "ce_id"): r for r in records if r.key == marker.encode()}
    consumer = InboxConsumer(
        settings, db, tables["inbox"], publisher, group_id=f"test-{marker}", handlers={"goals.goal-updated.v1": handle}, hooks=hooks,
    )
    ids = [e.metadata.event_id for e in events]
    try:
        await consumer.process_batch([by_id[i] for i in ids[:2]])
        assert hooks.calls == [ids[:2]], "once, with the batch's events in order"
        await consumer.process_batch([by_id[i] for i in ids[1:3]])
        assert hooks.calls == [ids[:2], ids[2:3]], "a duplicate is not handed to prepare"
        await consumer.process_batch([by_id[ids[3]]])
        assert hooks.calls == [ids[:2], ids[2:3]], "a single event's transaction does not prepare"
    finally:
        publisher.close()


async def test_an_idle_consumer_fetches_slowly_and_still_applies_the_next_event_and_speeds_up(database, database_url: str, kafka_bootstrap: str) -> None:
    db, tables = database
    publisher = Publisher(kafka_bootstrap, client_id="test", idempotence=kafka_idempotence())
    settings = make_settings("goals", database_url=database_url, kafka_bootstrap=kafka_bootstrap, consumer_fetch_wait_ms=10, consumer_idle_fetch_wait_ms=300)
    marker = uuid.uuid4().hex

    async def handle(conn, event) -> None:
        if event.goal.title.startswith(marker):
            await conn.execute(tables["applied"].insert().values(event_id=event.metadata.event_id))

    async def applied() -> set[str]:
        async with db.read() as conn:
            return {r.event_id for r in (await conn.execute(sa.select(tables["applied"].c.event_id))).all()}

    consumer = InboxConsumer(settings, db, tables["inbox"], publisher, group_id=f"test-{marker}", handlers={"goals.goal-updated.v1": handle})
    await consumer.start()
    fetcher = consumer._consumer._fetcher  # type: ignore[union-attr]
    try:
        for _ in range(300):  # the group's join, the backlog of the topic read, then a second and a half of nothing
            if fetcher._fetch_max_wait_ms == 300:
                break
            await asyncio.sleep(0.05)
        assert fetcher._fetch_max_wait_ms == 300, "an idle consumer asks for the idle wait"
        events = [goal_event("pace-owner", f"{marker}-{i}") for i in range(3)]
        publisher.publish([to_record(events[0])])
        for _ in range(100):
            if await applied() == {events[0].metadata.event_id}:
                break
            await asyncio.sleep(0.05)
        assert await applied() == {events[0].metadata.event_id}, "the event after the quiet is applied"
        assert fetcher._fetch_max_wait_ms == 10, "records coming: the short wait again"
        publisher.publish([to_record(e) for e in events[1:]])
        for _ in range(100):
            if len(await applied()) == 3:
                break
            await asyncio.sleep(0.05)
    finally:
        await consumer.stop()
        publisher.close()
    assert await applied() == {e.metadata.event_id for e in events}, "each event applied once, none skipped"
