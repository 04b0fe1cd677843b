"""The one place analytics reaches into Faust's non-public internals; everything else uses Faust's public API.

Verified against faust-streaming ``FAUST_VERSION`` (pinned in constraints.txt). ``RELIED_ON`` names every Faust
internal this module overrides or depends on, with a fingerprint of its source: tests/unit/test_analytics_faust_seam.py
fails when the installed Faust differs in version or in any of them, so an upgrade cannot change them silently. After
an upgrade, re-read each one named in the failure, adapt this module, then re-pin (``python -m paars_analytics.faust_seam``
prints the new fingerprints).

Why each private use exists (no public way in Faust 0.15.3):

1. **Bulk topics** (``BulkConsumer._wait_next_records``). Faust hands every record to an agent through its
   per-message machinery: a ``Message``, an ``Event``, a channel queue, the stream, a per-event ack, and around the
   callback ``Service.wait_first(callback, suspend_flow.wait())`` (four asyncio tasks and an ``asyncio.wait`` per
   message). That is about half of a do-nothing agent's CPU; ``stream.take()`` batches only after it. The person
   topics skip it: each fetch is split here, right after Faust fetched it and before its ``getmany`` iterates it,
   and the records of a bulk topic go, one list per partition, to their handler; the other records (directory,
   insight commands) go on through Faust's own path untouched. The split keeps ``getmany``'s checks (flow active,
   consumer generation, active partitions), Faust's read offsets (``_read_offset``: records before it are dropped,
   as Faust drops them after a seek) and its gap bookkeeping (``_add_gap``: offsets missing from a fetch, e.g. after
   compaction, must not hold back the commit). This is not a broker workaround: it behaves the same on Tansu and
   Kafka (no transactions involved). It replaces a 90-line copy of ``Consumer._drain_messages``: Faust's drain loop
   now runs as shipped.
   Offsets of bulk records are acknowledged (``ack_offsets``: ``Consumer.ack``'s bookkeeping for a list of offsets,
   the public ``ack`` costing a ``Message`` per offset) once their effects are in the changelog; Faust commits
   acknowledged offsets only, after flushing the producer: at-least-once.
2. **Write-back before a partition moves** (``BulkApp._on_partitions_revoked``). People's state is written back to
   its table and its offsets acknowledged *before* Faust handles a revocation (tables, flow, producer flush, commit).
   Faust's public hooks come too late (the ``on_partitions_revoked`` signal fires after the producer flush) or run on
   the consumer's thread (``on_rebalance_start``: it raced with the agents, see git log 7ee0516).
3. **The consumer class** (``BulkApp._new_transport``): Faust has no setting for it.
4. **Table writes outside stream iteration** (``table_partition``). A table write (tables.py, as a Faust table's
   did) learns its changelog partition from Faust's current event, which is set only while an agent iterates a
   stream. Bulk records have no event, and the write-back runs from a timer too; a partition by key hash must
   equal the source record's partition, which the event names. So the current event is set to an anchor naming
   the partition (``faust.streams._current_event``); inside an agent, Faust's own event is the current one.
5. **The fetch wait** (``BulkConsumerThread._create_worker_consumer``). Faust creates the worker's aiokafka
   consumer with ``fetch_max_wait_ms=1500``, with no setting for it. A broker that does not answer a fetch as soon
   as records arrive (Tansu, the local and test broker: measured 1500 ms -> p50 389 ms, max 735 ms per hop; 10 ms
   -> p50 5 ms) then holds every record that long, and analytics has two hops before an insight is published (the
   input, then the insight commands). The consumer gets ``BulkApp(fetch_max_wait_ms=...)``, the platform's fetch
   wait every other Paars consumer uses; aiokafka hands ``_fetch_max_wait_ms`` to its fetcher in ``start()``.

6. **A producer flush that drains** (``DrainingBuffer``, ``BulkProducer``). Faust's ``ProducerBuffer.flush``
   returns as soon as one message takes more than 0.1 s to leave the buffer (``flush_atmost``'s ``wait_for``
   timeout), with messages still in it; Faust's commit (``Consumer._commit_offsets``) and its revocation flush call
   it before committing. On a loaded machine an offset was then committed while what its records produced (the
   given items for another partition, a person's state on the changelog) still sat in the buffer, and a worker
   SIGKILLed then lost them for good (a giver's ``given`` one short). The buffer here counts the messages put and
   those handed to aiokafka, and its flush returns once every message put before it began was handed over, whatever
   the wait (then aiokafka's flush waits for their delivery); messages put meanwhile wait for the next flush.
7. **Work before an assignment resumes the streams** (``BulkApp._on_partitions_assigned``). Analytics' tables are
   no Faust tables any more (tables.py): the new owner of a partition takes its state from the read model once
   that has read the changelogs to their end, and the streams must not resume before. Faust's
   ``on_partitions_assigned`` signal fires after the recovery (resuming the streams) has been started; the
   callbacks here run first, while the flow is still stopped by the revocation.

No longer used: Faust's tables and their recovery (and with them the RocksDB store's privates): see tables.py. The
consumer-lag gauge reads ``BulkConsumer.read_offset``, so Faust's
``_read_offset`` is touched here only.
"""
from __future__ import annotations

import asyncio
import hashlib
import inspect
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import faust
from faust.streams import _current_event
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.transport.producer import ProducerBuffer
from faust.types import TP
from faust.types.tuples import FutureMessage, ack_lock
from mode.utils.futures import notify

FAUST_VERSION = "0.15.3"

# Faust internals this module overrides or depends on -> sha256 of their source in FAUST_VERSION (first 16 hex).
RELIED_ON: dict[str, str] = {
    # Overridden: called by getmany, returns (records by TP, active partitions).
    "faust.transport.consumer:Consumer._wait_next_records": "6218e1969a636b3f",
    # The only caller of _wait_next_records; its checks on what it yields are the ones the bulk path repeats.
    "faust.transport.consumer:Consumer.getmany": "4b168d84882a70d6",
    # Drives getmany; its read-offset and gap handling per message is what the bulk path does per batch.
    "faust.transport.consumer:Consumer._drain_messages": "44a2500309e83c63",
    "faust.transport.consumer:Consumer._add_gap": "4df2573ded7c1c2c",
    # Sets _read_offset after a seek (bulk records before it are dropped).
    "faust.transport.consumer:Consumer.perform_seek": "0e8c130ff4b0afd8",
    # ack_offsets does its bookkeeping for many offsets at once; _new_offset turns it into the offset to commit.
    "faust.transport.consumer:Consumer.ack": "5fcf41cf45153475",
    "faust.transport.consumer:Consumer._new_offset": "1d2c7ea89a7ad4f1",
    # Overridden: the write-back runs first.
    "faust.app.base:App._on_partitions_revoked": "d5c895bbe57dc73a",
    "faust.app.base:App._new_transport": "42db531312dd776f",
    # A table write (tables.py) reads the partition of the current event from it.
    "faust.streams:current_event": "3b821f1a78d86a58",
    # Overridden / called: the worker consumer is made there with a fixed fetch wait, which BulkConsumerThread replaces.
    "faust.transport.drivers.aiokafka:Consumer._new_consumer_thread": "0870ec53dea75083",
    "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread._create_worker_consumer": "c2701bfc3e6f6cad",
    # aiokafka's: start() passes _fetch_max_wait_ms to the Fetcher it creates.
    "aiokafka.consumer.consumer:AIOKafkaConsumer.start": "2f1ba70443327538",
    # tables.py's changelog topics are made with the settings Faust gave its tables' (the unit test compares them).
    "faust.tables.base:Collection._new_changelog_topic": "77bea64b59f79809",
    # 6: the buffer's flush that returns early, the task that hands messages to aiokafka, and who calls the flush.
    "faust.transport.producer:ProducerBuffer.flush_atmost": "4966e8c5f9b42eb9",
    "faust.transport.producer:ProducerBuffer._send_pending": "4a9d5f932b56bc68",
    # Overridden: counts the messages put (the flush waits for those put before it).
    "faust.transport.producer:ProducerBuffer.put": "bf26dfbc01d91088",
    "faust.transport.producer:ProducerBuffer._handle_pending": "78d648030fd21016",
    "faust.transport.producer:Producer.__init__": "5c53a4b47aa1372b",
    "faust.transport.drivers.aiokafka:Producer.flush": "36d0cb3615f65b01",
    # 7: what the callbacks run before (Faust starts the recovery that resumes the streams there).
    "faust.app.base:App._on_partitions_assigned": "de932b7927db85b3",
}


def fingerprint(qualified: str) -> str:
    """sha256 (first 16 hex) of the source of ``module:Class.attr`` in the installed Faust."""
    module_name, _, path = qualified.partition(":")
    obj: Any = __import__(module_name, fromlist=["_"])
    for part in path.split("."):
        obj = getattr(obj, part)
    # A mode Service.task is a ServiceTask around its function.
    obj = getattr(obj, "fun", obj)
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]


def seam_drift() -> list[str]:
    """What differs from the Faust this seam was verified against (empty: nothing)."""
    drift = []
    if faust.__version__ != FAUST_VERSION:
        drift.append(f"faust-streaming {faust.__version__} installed, the seam was verified against {FAUST_VERSION}")
    for name, expected in RELIED_ON.items():
        try:
            got = fingerprint(name)
        except (AttributeError, ImportError, OSError, TypeError) as exc:
            drift.append(f"{name}: gone ({exc!r})")
            continue
        if got != expected:
            drift.append(f"{name}: source changed ({expected} -> {got})")
    return drift


# ---------- 1. bulk topics ----------

# A bulk handler gets (partition, records) pairs of one fetch, records being aiokafka ConsumerRecords.
BulkHandler = Callable[[list[tuple[TP, list[Any]]]], Awaitable[None]]
RecordMap = Mapping[TP, list[Any]]


class BulkConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """Faust's consumer thread, whose worker consumer waits at most the app's ``fetch_max_wait_ms`` per fetch."""

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        wait = getattr(self.app, "fetch_max_wait_ms", None)
        if wait is not None:
            consumer._fetch_max_wait_ms = int(wait)
        return consumer


class BulkConsumer(faust_aiokafka.Consumer):
    """Faust's aiokafka consumer; records of bulk topics go to their handlers in lists, before ``getmany``."""

    def _new_consumer_thread(self) -> BulkConsumerThread:
        return BulkConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def _wait_next_records(self, timeout: float) -> tuple[RecordMap | None, set[TP] | None]:
        records, active = await super()._wait_next_records(timeout)
        handlers: dict[str, BulkHandler] = getattr(self.app, "bulk_handlers", {})
        if not records or not handlers or self.should_stop or not self.flow_active:
            # getmany seeks back when the flow stopped meanwhile.
            return records, active
        return await self._run_bulk(records, active, handlers), active

    async def _run_bulk(self, records: RecordMap, active: set[TP] | None, handlers: dict[str, BulkHandler]) -> RecordMap:
        """Hands the bulk topics' records to their handlers; returns the other records, for Faust's own path."""
        app = self.app
        generation_id = app.consumer_generation_id
        read_offset = self._read_offset
        buffered = self._buffered_partitions
        per_handler: dict[BulkHandler, list[tuple[TP, list[Any]]]] = {}
        others: dict[TP, list[Any]] = {}
        for tp, batch in records.items():
            handler = handlers.get(tp.topic)
            if handler is None:
                others[tp] = batch
                continue
            if not batch or (active is not None and tp not in active and tp not in buffered):
                continue
            r_offset = read_offset[tp]
            if r_offset is not None and batch[0].offset < r_offset:
                batch = [r for r in batch if r.offset >= r_offset]
                if not batch:
                    continue
            # As Faust's drain loop does per message: offsets the fetch skipped must not hold back the commit.
            previous = r_offset
            for record in batch:
                if previous and record.offset - previous > 1:
                    await self._add_gap(tp, previous + 1, record.offset)
                previous = record.offset
            per_handler.setdefault(handler, []).append((tp, batch))
            read_offset[tp] = batch[-1].offset
        for handler, batches in per_handler.items():
            if app.consumer_generation_id != generation_id or not self.flow_active:
                # A rebalance began: the rest is fetched again from the committed offsets.
                return {}
            await handler(batches)
        if app.consumer_generation_id != generation_id:
            return {}
        return others

    def ack_offsets(self, tp: TP, offsets: Iterable[int]) -> int:
        """Acknowledges offsets of a bulk topic, as Faust's ``Consumer.ack`` does for each event a stream finished
        (the same bookkeeping, under the same lock); Faust commits them at its next commit. Returns how many were new.

        Unlike ``ack``, it does not count them towards ``broker_commit_every``: that count makes Faust's drain loop
        commit inline (``_drain_messages``: ``await self.commit()`` before the next message of a non-bulk topic), and a
        commit waits for the producer flush (6), so every 10,000 bulk events the whole fetch loop stood still for the
        flush of thousands of state writes (measured at 100,000 events: 2-4 s stalls, 4,906 -> 6,879 events/s without
        them). Bulk offsets commit on Faust's commit timer (``broker_commit_interval``), which runs in its own task.

        Not the public ``ack``: it takes one ``Message`` per offset, 5.8 us an offset against 0.4 here (measured on the
        busy bench machine), about 8% of the worker's CPU per event."""
        if not self.app.topics.acks_enabled_for(tp.topic):
            return 0
        n = 0
        with ack_lock:
            committed = self._committed_offset[tp]
            acked_index = self._acked_index[tp]
            acked = self._acked[tp]
            for offset in offsets:
                if (committed is None or offset >= committed) and offset not in acked_index:
                    acked_index.add(offset)
                    acked.append(offset)
                    n += 1
        notify(self._waiting_for_ack)
        return n

    def read_offset(self, tp: TP) -> int | None:
        """The last offset read of a partition (bulk or not), for the consumer-lag gauge."""
        return self._read_offset.get(tp)


# ---------- 6. a producer flush that drains ----------

class DrainingBuffer(ProducerBuffer):
    """Faust's producer buffer, whose flush returns only once every message put in it before the flush began was
    handed to aiokafka. Not "until the buffer is empty": the stream keeps putting state writes meanwhile, and a flush
    that waited for an empty buffer lasted as long as the stream kept up (seconds under load), holding back the commit
    and whoever waited on it. A commit needs only what its offsets' records produced, and those were put before Faust
    chose the offsets to commit, so before the flush began."""

    def __post_init__(self) -> None:
        super().__post_init__()
        # Taken from the queue by _handle_pending, not yet handed to aiokafka (``size`` no longer counts it).
        self.in_flight = 0
        # Messages put, and messages handed to aiokafka (or failed to), since the start: the queue is FIFO and one
        # task hands them over in turn, so once ``handed`` reaches n every one of the first n messages put was handed.
        self.put_count = 0
        self.handed = 0

    def put(self, fut: FutureMessage) -> None:
        super().put(fut)
        self.put_count += 1

    async def _send_pending(self, fut: FutureMessage) -> None:
        self.in_flight += 1
        try:
            await super()._send_pending(fut)
        finally:
            self.in_flight -= 1
            self.handed += 1

    async def flush(self) -> None:
        target = self.put_count
        while self.handed < target:
            if self.state != "running":
                raise RuntimeError("Cannot flush: Producer not Running")
            self.message_sent.clear()
            try:
                await asyncio.wait_for(self.message_sent.wait(), timeout=0.1)
            except TimeoutError:
                continue


class BulkProducer(faust_aiokafka.Producer):
    """Faust's aiokafka producer with a ``DrainingBuffer``: its ``flush`` (before every commit, at every revocation)
    returns once everything sent with ``send_soon`` is with aiokafka, and aiokafka has flushed it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.app.conf.producer_threaded:
            buffer = DrainingBuffer(loop=self.loop, beacon=self.beacon)
            buffer.app = self.app
            self.buffer = buffer


class BulkTransport(faust_aiokafka.Transport):
    Consumer = BulkConsumer
    Producer = BulkProducer


class BulkApp(faust.App):
    """A Faust app (same broker URL, same settings) whose consumer is ``BulkConsumer``, with bulk topics and
    callbacks run when partitions are revoked, before Faust's own handling (tables, flow, producer flush)."""

    def __init__(self, *args: Any, fetch_max_wait_ms: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # None: Faust's own (1500 ms).
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.bulk_handlers: dict[str, BulkHandler] = {}
        self.revoke_callbacks: list[Callable[[], None]] = []
        # Awaited with the assigned partitions before Faust handles an assignment (and resumes the streams).
        self.assign_callbacks: list[Callable[[set[TP]], Awaitable[None]]] = []

    def bulk_topic(self, topic: Any, handler: BulkHandler) -> None:
        """Subscribes to ``topic`` (a faust Topic) and hands its records to ``handler`` in bulk, not to an agent."""
        self.topics.add(topic)
        for name in topic.topics:
            self.bulk_handlers[name] = handler

    # ---------- 2. write-back before a partition moves ----------

    async def _on_partitions_revoked(self, revoked: set[TP]) -> None:
        # On the app's event loop (not the consumer thread's, where on_rebalance_start runs), so the callbacks
        # may touch state the agents and timers share.
        if not self.should_stop:
            for callback in self.revoke_callbacks:
                callback()
        await super()._on_partitions_revoked(revoked)

    # ---------- 7. work before an assignment resumes the streams ----------

    async def _on_partitions_assigned(self, assigned: set[TP], generation_id: int = 0) -> None:
        # On the app's event loop, before Faust's own handling: the flow stays stopped meanwhile (since the
        # revocation; at the first assignment the fetcher has not started yet).
        if not self.should_stop:
            for callback in self.assign_callbacks:
                await callback(assigned)
        await super()._on_partitions_assigned(assigned, generation_id)

    # ---------- 3. the consumer class and the producer's ----------

    def _new_transport(self) -> BulkTransport:
        return BulkTransport(self.conf.broker_consumer, self)


# ---------- 4. table writes outside stream iteration ----------

@dataclass(frozen=True)
class _Message:
    topic: str
    partition: int


@dataclass(frozen=True)
class Anchor:
    """Takes the place of Faust's current event, which only tells a table write its partition (store and changelog)."""

    message: _Message


_anchors: dict[tuple[str, int], Anchor] = {}


def table_partition(topic: str, partition: int) -> Anchor:
    """Makes table reads and writes that follow go to ``partition`` (until ``no_table_partition``); the anchor
    returned must stay referenced meanwhile (Faust holds it weakly): the cached ones are."""
    key = (topic, partition)
    anchor = _anchors.get(key)
    if anchor is None:
        anchor = _anchors[key] = Anchor(_Message(topic, partition))
    _current_event.set(weakref.ref(anchor))  # type: ignore[arg-type]
    return anchor


def no_table_partition() -> None:
    _current_event.set(None)


if __name__ == "__main__":
    for qualified in RELIED_ON:
        print(f'    "{qualified}": "{fingerprint(qualified)}",')
