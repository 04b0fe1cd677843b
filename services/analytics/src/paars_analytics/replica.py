"""The read model every worker keeps for itself: whole compacted topics (the org directory, the tables' changelogs)
read by each worker outside the consumer group, so a query or a team rule sees the same data on every replica.

Why not Faust's GlobalTable: in faust-streaming 0.15.x a GlobalTable's changelog partitions are assigned as actives
to one member and standbys to the others, and a member with actives only stops reading them after recovery
(faust-streaming/faust#283, open), while standby events fetched after "Worker ready" can be left unapplied (#212):
some workers would hold a partial directory. Here each worker reads every partition of the topics itself, from the
beginning, with a plain aiokafka consumer that has no group (so no rebalance can take a partition away), and applies
each record in offset order; it is ``ready`` once it has read to the end offsets it saw at start.
"""
from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from mode import Service

from paars_analytics.people import Changes
from paars_analytics.spill import SpilledValues
from paars_platform.config import Settings

log = logging.getLogger("paars.analytics.replica")
# Gets each aiokafka ConsumerRecord of a topic, in offset order per partition.
Apply = Callable[[Any], None]
# How long a fetch waits for new records (the read model lags the topics by at most about this, plus the fetch).
FETCH_WAIT_MS = 100
# How often the topics' metadata is read again (partitions added to a topic are read from then on).
METADATA_SECONDS = 30


class TopicReplica(Service):
    """Reads every partition of ``topics`` from the start, for as long as the worker runs; ``apply`` gets each record."""

    def __init__(self, settings: Settings, topics: dict[str, Apply], *, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.appliers = topics
        self.replica_name = name
        self.ready = asyncio.Event()
        self.applied = 0
        # read_to_end's callers: the partitions, their end offsets once asked (in the read loop), the future to resolve.
        self._waiters: list[tuple[list[TopicPartition], dict[TopicPartition, int] | None, asyncio.Future[None]]] = []

    @property
    def label(self) -> str:
        return f"{type(self).__name__}({self.replica_name})"

    def _consumer(self) -> AIOKafkaConsumer:
        s = self.settings
        # No group: subscribed, every partition of the topics is this consumer's (aiokafka assigns them all).
        return AIOKafkaConsumer(
            bootstrap_servers=s.kafka_bootstrap, group_id=None, enable_auto_commit=False,
            auto_offset_reset="earliest", client_id=f"paars-analytics-replica-{self.replica_name}",
            fetch_max_wait_ms=FETCH_WAIT_MS, metadata_max_age_ms=METADATA_SECONDS * 1000,
            max_partition_fetch_bytes=4 * 1024 * 1024, **s.kafka_security.aiokafka(),
        )

    async def _caught_up(self, consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
        for tp, end in ends.items():
            if await consumer.position(tp) < end:
                return False
        return True

    async def read_to_end(self, partitions: Iterable[tuple[str, int]]) -> None:
        """Returns once every one of these (topic, partition) has been read and applied up to the end offset it has
        when the reader next asks (after this call began)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(([TopicPartition(t, p) for t, p in partitions], None, future))
        waited = 0.0
        while True:
            try:
                await asyncio.wait_for(asyncio.shield(future), timeout=10.0)
                return
            except TimeoutError:
                waited += 10.0
                log.warning("still reading the changelogs to their end", extra={"replica": self.replica_name, "seconds": waited})

    async def _serve_waiters(self, consumer: AIOKafkaConsumer) -> None:
        if not self._waiters:
            return
        assigned = consumer.assignment()
        waiting = []
        for tps, ends, future in self._waiters:
            if future.done():
                continue
            if ends is None:
                if not set(tps) <= assigned:
                    waiting.append((tps, ends, future))
                    continue
                ends = await consumer.end_offsets(tps)
            if await self._caught_up(consumer, ends):
                future.set_result(None)
            else:
                waiting.append((tps, ends, future))
        self._waiters = waiting

    @Service.task
    async def _read(self) -> None:
        consumer = self._consumer()
        await consumer.start()
        ends: dict[TopicPartition, int] | None = None
        try:
            # Subscribed only once every topic exists: asking for a topic's metadata earlier makes a broker with
            # automatic creation create it with its default partitions (before Faust creates its changelogs right).
            while not set(self.appliers) <= await consumer.topics():
                if self.should_stop:
                    return
                await self.sleep(0.2)
            consumer.subscribe(list(self.appliers))
            while not self.should_stop:
                batches = await consumer.getmany(timeout_ms=FETCH_WAIT_MS, max_records=5000)
                for tp, records in batches.items():
                    apply = self.appliers[tp.topic]
                    for record in records:
                        try:
                            apply(record)
                        except Exception:
                            # One bad record must not stop the read model; the group's consumer dead-letters it.
                            log.exception("read model skipped a record", extra={"topic": tp.topic, "offset": record.offset})
                    self.applied += len(records)
                await self._serve_waiters(consumer)
                if self.ready.is_set():
                    continue
                if ends is None:
                    assigned = consumer.assignment()
                    if {tp.topic for tp in assigned} >= set(self.appliers):
                        ends = await consumer.end_offsets(list(assigned))
                if ends is not None and await self._caught_up(consumer, ends):
                    log.info("read model caught up", extra={"replica": self.replica_name, "records": self.applied})
                    self.ready.set()
        finally:
            await consumer.stop()


class Verdict(enum.Enum):
    """What ``Replicated.accept`` says of a record read: apply it, skip it (it is older than the value held), or take
    it as the value already held (the owner's own write read back: only its partition and the change count move)."""

    APPLY = enum.auto()
    SKIP = enum.auto()
    HELD = enum.auto()


class Replicated(Mapping[str, Any]):
    """A read-only mapping over what a replica applied (decoded on read: the values stay in their wire form, on local
    disk, spill.py: a replica of people's states costs their encoded size in a file and an int per key in memory),
    with a count of changes for the caches in front of it. A value its codec rejects (not of the schema) reads as
    absent. ``directory`` is where the values' file goes (the worker's data directory; None: the system's temporary
    directory)."""

    def __init__(self, decode: Callable[[bytes], Any], changes: Changes | None = None, *, directory: str | None = None,
                 values: SpilledValues | None = None) -> None:
        self.decode = decode
        self.raw = values if values is not None else SpilledValues(directory)
        # The partition each key was last written on (tables.py iterates a worker's partitions by it).
        self.partitions: dict[str, int] = {}
        self.version = 0
        # Per key, for the query API's kept team figures (shared by the models a team's figures are made of).
        self.changes = changes if changes is not None else Changes()
        # Called with each key written or deleted.
        self.on_change: list[Callable[[str], None]] = []
        # Asked before a record is applied (key, value), tables.py: SKIP leaves the key as it is (a record older than
        # the owner's own write, which the read model already holds); HELD is that write read back, whose value the
        # file already has (not written a second time).
        self.accept: Callable[[str, bytes | None], Verdict] | None = None

    def put(self, key: str, value: bytes | None, partition: int | None = None) -> None:
        verdict = Verdict.APPLY if self.accept is None else self.accept(key, value)
        if verdict is Verdict.SKIP:
            return
        if value is None:
            if verdict is Verdict.APPLY:
                self.raw.discard(key)
            self.partitions.pop(key, None)
        else:
            if verdict is Verdict.APPLY:
                self.raw[key] = value
            if partition is not None:
                self.partitions[key] = partition
        self.version += 1
        self.changes.bump(key)
        for callback in self.on_change:
            callback(key)

    def snapshot(self) -> Replicated:
        """The values as they are now, decoded on read as here (a frozen view of the values' file: no value is copied),
        for a reader that yields while it reads them (the full insight scan)."""
        return Replicated(self.decode, values=self.raw.copy())

    def __getitem__(self, key: str) -> Any:
        value = self.decode(self.raw[key])
        if value is None:
            raise KeyError(key)
        return value

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        for key in list(self.raw):
            value = self.get(key)
            if value is not None:
                yield key, value

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.raw))

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def __len__(self) -> int:
        return len(self.raw)
