"""Analytics' tables over the read model (paars_analytics/tables.py) and what a rebalance does to them, the read
model's wait for the end of the changelogs (replica.py), and the producer flush that drains (faust_seam.py, 6).
No broker: the changelog sends are recorded, the read model is fed as its reader would feed it."""
from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import TopicPartition
from faust.serializers import codecs
from faust.transport.producer import ProducerBuffer
from faust.types import TP

from paars_analytics import app as analytics_app  # noqa: F401  (registers the table codecs)
from paars_analytics.faust_seam import BulkApp, DrainingBuffer, no_table_partition, table_partition
from paars_analytics.people import PeopleStore
from paars_analytics.replica import Replicated, TopicReplica
from paars_analytics.signals.state import PersonUpdate, apply_update, encode_state, new_state
from paars_analytics.tables import OwnedTable, Tables
from paars_platform.config import Settings

PEOPLE_TOPIC = "goals.goal-updated.v1"


class Changelog:
    """Stands in for the changelog topic: what was sent, and the broker's log per partition."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.log: dict[int, list[tuple[str, bytes | None]]] = {}

    def get_topic_name(self) -> str:
        return self.name

    def send_soon(self, *, key: str, value: bytes | None, partition: int) -> None:
        self.log.setdefault(partition, []).append((key, value))

    def deliver(self, read: Replicated) -> None:
        """What the read model's reader applies from the log (everything sent so far, in order)."""
        for partition, records in self.log.items():
            for key, value in records:
                read.put(json.loads(json.dumps(key)), value, partition)


@pytest.fixture
def app() -> BulkApp:
    return BulkApp("tables-test", broker="kafka://127.0.0.1:1", web_enabled=False, store="memory://")


def people_table(app: BulkApp) -> tuple[OwnedTable, Replicated, Changelog]:
    read = Replicated(codecs.get_codec("paars-person").loads)
    table = OwnedTable(app, "people", read, partitions=6, value_serializer="paars-person")
    changelog = Changelog(table.changelog())
    table.changelog_topic = changelog
    return table, read, changelog


@contextlib.contextmanager
def owning(app: BulkApp, partition: int = 4) -> Iterator[tuple[OwnedTable, Replicated, Changelog]]:
    """people_table owning ``partition``, its writes made as from an event of that partition."""
    table, read, changelog = people_table(app)
    table.assigned([partition])
    table_partition(PEOPLE_TOPIC, partition)
    try:
        yield table, read, changelog
    finally:
        no_table_partition()


def a_state(*event_ids: str) -> Any:
    state = new_state()
    for i, eid in enumerate(event_ids):
        apply_update(state, PersonUpdate("ann", eid, 1_000.0, [{"k": "given", "f": eid}]), 2_000.0, ("t", 0, i))
    return state


def test_the_changelog_is_the_one_faust_made_for_its_tables(app: BulkApp) -> None:
    # The same topic and settings, so a worker upgraded in place reads the states its Faust table wrote.
    table = OwnedTable(app, "people", Replicated(bytes), partitions=6, value_serializer="paars-person")
    fausts = app.Table("people", partitions=6)._new_changelog_topic()
    settings = ("topics", "partitions", "retention", "compacting", "deleting", "replicas", "internal", "acks", "config",
                "maxsize", "allow_empty")
    assert {s: getattr(table.changelog_topic, s) for s in settings} == {s: getattr(fausts, s) for s in settings}
    assert table.changelog() == "tables-test-people-changelog" and (table.key_serializer, table.value_serializer) == ("json", "paars-person")


def test_a_write_goes_to_the_changelog_on_its_events_partition_and_reads_back_at_once(app: BulkApp) -> None:
    table, read, changelog = people_table(app)
    table.assigned([4])
    no_table_partition()
    with pytest.raises(TypeError):
        table["ann"] = a_state("e1")
    table_partition(PEOPLE_TOPIC, 4)
    try:
        table["ann"] = a_state("e1")
    finally:
        no_table_partition()
    assert changelog.log == {4: [("ann", encode_state(a_state("e1")))]}
    # The read model holds the write at once (the table keeps only the key until it is read back).
    assert read.raw["ann"] == encode_state(a_state("e1")) and set(table.local) == {"ann"}
    assert table.get("ann") == a_state("e1") and list(table) == ["ann"]


def test_a_write_is_held_once_the_read_model_has_read_it_back_and_not_before(app: BulkApp) -> None:
    # The owner's writes are kept until the read model has the last of them; then it alone holds the value.
    with owning(app) as (table, read, changelog):
        table["ann"] = a_state("e1")
        changelog.deliver(read)
        assert not table.local and table.get("ann") == a_state("e1") and list(table) == ["ann"]
        # Two writes, the read model behind by one: the newer stays until it is read back.
        table["ann"] = a_state("e1", "e2")
        table["ann"] = a_state("e1", "e2", "e3")
        read.put("ann", changelog.log[4][1][1], 4)
        assert table.get("ann") == a_state("e1", "e2", "e3") and "ann" in table.local
        # The older record read meanwhile is not applied: the read model still holds the newest write, once.
        assert read.raw["ann"] == changelog.log[4][2][1] and read.get("ann") == a_state("e1", "e2", "e3")
        read.put("ann", changelog.log[4][2][1], 4)
        assert not table.local and table.get("ann") == a_state("e1", "e2", "e3")
        # A delete likewise: absent at once, and its entry goes once the tombstone is read.
        del table["ann"]
        assert table.get("ann") is None and list(table) == []
        read.put("ann", None, 4)
        assert not table.local and table.get("ann") is None and list(table) == []


def test_the_owners_write_read_back_moves_its_partition_and_change_count_but_is_not_written_again(app: BulkApp) -> None:
    with owning(app) as (table, read, changelog):
        table["ann"] = a_state("e1")
        table["ann"] = a_state("e1", "e2")
        written, version, changes = read.raw.file_bytes, read.version, read.changes.of(["ann"])
        # The older record is skipped, the newest is taken as held: nothing more goes into the values' file.
        changelog.deliver(read)
        assert read.raw.file_bytes == written and read.raw["ann"] == encode_state(a_state("e1", "e2"))
        assert read.partitions == {"ann": 4} and read.version == version + 1 and read.changes.of(["ann"]) > changes
        # Once read back, the key is as any other: a record of it (another worker's, after a move) is applied.
        read.put("ann", encode_state(a_state("e1", "e2", "e3")), 5)
        assert read.raw.file_bytes > written and read.get("ann") == a_state("e1", "e2", "e3") and read.partitions == {"ann": 5}


def test_a_new_owner_reads_the_previous_owners_last_write_and_iterates_its_own_partitions_only(app: BulkApp) -> None:
    # A owns partition 4 and writes; the partition moves to B, who writes too; it comes back to A (A -> B -> A).
    with owning(app) as (table, read, changelog):
        table["ann"] = a_state("e1")
        table.revoked()
        # B's write, as A's read model reads it (with A's own, earlier).
        changelog.send_soon(key="ann", value=encode_state(a_state("e1", "e2")), partition=4)
        changelog.send_soon(key="bob", value=encode_state(a_state("b1")), partition=2)
        changelog.deliver(read)
        table.assigned([4])
    assert table.get("ann") == a_state("e1", "e2"), "not A's stale write from before the move"
    assert list(table) == ["ann"] and dict(table.items()) == {"ann": a_state("e1", "e2")}
    # Another partition's key is read (the catalogue is one key for everyone) but not iterated.
    assert table.get("bob") == a_state("b1") and "bob" in table


def test_an_erased_person_reads_absent_at_once_and_a_tombstone_goes_to_the_changelog(app: BulkApp) -> None:
    table, read, changelog = people_table(app)
    read.put("ann", encode_state(a_state("e1")), 1)
    table.assigned([1])
    consumer = SimpleNamespace(ack_offsets=lambda tp, offsets: None)
    people = PeopleStore(table, lambda: consumer, PEOPLE_TOPIC, flush_interval=1.0, flush_events=100)
    assert people.forget("ann", 1) is True
    assert changelog.log == {1: [("ann", None)]} and table.get("ann") is None and list(table) == []
    changelog.deliver(read)
    assert "ann" not in read.raw and "ann" not in read.partitions


def test_a_value_not_of_the_schema_reads_absent(app: BulkApp) -> None:
    table, read, _ = people_table(app)
    read.put("ann", b"\x80\x04not a state", 0)
    table.assigned([0])
    assert table.get("ann") is None and dict(table.items()) == {}


class FakeReplica:
    def __init__(self) -> None:
        self.asked: list[list[tuple[str, int]]] = []
        self.done = asyncio.Event()

    async def read_to_end(self, partitions: Any) -> None:
        self.asked.append(list(partitions))
        await self.done.wait()


async def test_an_assignment_waits_for_the_read_model_to_reach_the_changelogs_ends_before_the_partitions_are_served(app: BulkApp) -> None:
    table, read, _ = people_table(app)
    replica = FakeReplica()
    tables = Tables([table], replica)  # type: ignore[arg-type]

    async def declared() -> None:
        tables.declared = True

    tables.declare = declared  # type: ignore[method-assign]
    read.put("ann", encode_state(a_state("e1")), 3)
    waiting = asyncio.ensure_future(tables.assigned({TP(PEOPLE_TOPIC, 3), TP("feedback.feedback-given.v1", 3), TP(PEOPLE_TOPIC, 5)}))
    await asyncio.sleep(0.05)
    assert not waiting.done() and table.owned == frozenset()
    assert replica.asked == [[("tables-test-people-changelog", 3), ("tables-test-people-changelog", 5)]]
    replica.done.set()
    await waiting
    assert table.owned == {3, 5} and list(table) == ["ann"]


class FakeConsumer:
    """The read model's consumer as its read loop sees it: positions move as records are applied."""

    def __init__(self, ends: dict[TopicPartition, int]) -> None:
        self.ends = ends
        self.positions = dict.fromkeys(ends, 0)
        self.end_offsets_asked = 0

    def assignment(self) -> set[TopicPartition]:
        return set(self.ends)

    async def end_offsets(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        self.end_offsets_asked += 1
        return {tp: self.ends[tp] for tp in tps}

    async def position(self, tp: TopicPartition) -> int:
        return self.positions[tp]


async def test_the_read_model_answers_a_wait_once_it_has_read_to_the_ends_asked_after_the_wait_began() -> None:
    replica = TopicReplica(Settings.from_env("analytics"), {}, name="tables")
    people, insights = TopicPartition("c-people-changelog", 2), TopicPartition("c-insights-changelog", 2)
    consumer = FakeConsumer({people: 7, insights: 3})
    waiting = asyncio.ensure_future(replica.read_to_end([(people.topic, 2), (insights.topic, 2)]))
    await asyncio.sleep(0)
    await replica._serve_waiters(consumer)  # type: ignore[arg-type]
    assert not waiting.done() and consumer.end_offsets_asked == 1
    consumer.positions.update({people: 7, insights: 2})
    # An end that moves on after it was asked (the new owner's own writes) is not waited for.
    consumer.ends[people] = 9
    await replica._serve_waiters(consumer)  # type: ignore[arg-type]
    assert not waiting.done()
    consumer.positions[insights] = 3
    await replica._serve_waiters(consumer)  # type: ignore[arg-type]
    await asyncio.wait_for(waiting, 1)
    assert consumer.end_offsets_asked == 1 and replica._waiters == []


class SlowChannel:
    """A topic whose sends take longer than Faust's 0.1 s flush wait (a loaded machine)."""

    def __init__(self) -> None:
        self.published: list[Any] = []

    async def publish_message(self, fut: Any, wait: bool = False) -> None:
        await asyncio.sleep(0.25)
        self.published.append(fut)


async def flushed_after(buffer_class: type[ProducerBuffer], app: BulkApp) -> tuple[int, int]:
    buffer = buffer_class(loop=asyncio.get_running_loop())
    buffer.app = app
    channel = SlowChannel()
    await buffer.start()
    try:
        for i in range(3):
            buffer.put(SimpleNamespace(message=SimpleNamespace(channel=channel), n=i))  # type: ignore[arg-type]
        await buffer.flush()
        return len(channel.published), buffer.size
    finally:
        while buffer.size:
            await asyncio.sleep(0.05)
        await buffer.stop()


async def test_a_flush_returns_only_once_every_message_sent_soon_is_handed_over_however_slow(app: BulkApp) -> None:
    # Faust's own: the flush before a commit returns after 0.1 s without a send, messages still waiting; a worker
    # killed after that commit loses them (the given items a giver's count comes from).
    published, left = await flushed_after(ProducerBuffer, app)
    assert published < 3 and left > 0
    assert await flushed_after(DrainingBuffer, app) == (3, 0)


async def test_a_flush_waits_for_the_messages_put_before_it_not_for_those_put_meanwhile(app: BulkApp) -> None:
    # The stream keeps sending while a commit flushes: a flush that waited for an empty buffer lasted as long.
    buffer = DrainingBuffer(loop=asyncio.get_running_loop())
    buffer.app = app
    channel = SlowChannel()
    await buffer.start()
    try:
        for i in range(2):
            buffer.put(SimpleNamespace(message=SimpleNamespace(channel=channel), n=i))  # type: ignore[arg-type]
        flushing = asyncio.ensure_future(buffer.flush())
        await asyncio.sleep(0)
        for i in range(2, 6):
            buffer.put(SimpleNamespace(message=SimpleNamespace(channel=channel), n=i))  # type: ignore[arg-type]
        await asyncio.wait_for(flushing, 5)
        assert [m.n for m in channel.published] == [0, 1] and buffer.size >= 3
        # A later flush covers what was put meanwhile.
        await asyncio.wait_for(buffer.flush(), 5)
        assert [m.n for m in channel.published] == list(range(6)) and buffer.size == 0
    finally:
        while buffer.size:
            await asyncio.sleep(0.05)
        await buffer.stop()


def test_the_worker_producer_has_the_draining_buffer(app: BulkApp) -> None:
    assert isinstance(app.producer.buffer, DrainingBuffer) and app.producer.buffer.app is app
