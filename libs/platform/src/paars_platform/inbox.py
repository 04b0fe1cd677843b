"""Idempotent event consumption: an inbox keyed by event id, and a dead-letter topic for what cannot be processed."""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from google.protobuf.message import Message
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.org.v1 import org_pb2
from paars_platform import deadletter, metrics
from paars_platform.config import Settings
from paars_platform.crypto import UndecryptableField
from paars_platform.db import Database, UtcDateTime, dialect_insert, is_unavailable, utcnow
from paars_platform.deadletter import dead_letter, dead_letter_topic
from paars_platform.events import UndecodableEvent
from paars_platform.kafka import Publisher
from paars_platform.keyring import KeyRing, wait_for_keys
from paars_platform.logs import correlation_id
from paars_platform.signing import UntrustedEvent
from paars_platform.topics import topic as registered_topic

log = logging.getLogger("paars.inbox")

# The directory's erasure change (issue 18 item 4): a consumer's keyring forgets the person's key when it sees one.
_ERASED = dict(org_pb2.EmployeeChanged.Change.items()).get("CHANGE_ERASED")


@functools.cache
def _claim_statement(dialect: str, inbox: sa.Table) -> Any:
    return dialect_insert(dialect)(inbox).on_conflict_do_nothing().returning(inbox.c.event_id)


@functools.cache
def claim_cte(inbox: sa.Table) -> Any:
    """PostgreSQL: the claim as a part of a WITH (columns: event_id, those new to the consumer), for hooks that make it
    with a statement of their own (InboxClaim.params() are its parameters). Its rows come as arrays, so the text is
    the same for every transaction and the connection prepares it once."""
    arrays = sa.func.unnest(
        sa.bindparam("claim_event_ids", type_=postgresql.ARRAY(sa.String)), sa.bindparam("claim_topics", type_=postgresql.ARRAY(sa.String)),
    ).table_valued("event_id", "topic").render_derived()
    rows = sa.select(
        sa.cast(sa.bindparam("claim_consumer"), sa.String), arrays.c.event_id, arrays.c.topic, sa.bindparam("claim_at", type_=UtcDateTime),
    )
    insert = postgresql.insert(inbox).from_select(["consumer", "event_id", "topic", "processed_at"], rows)
    return insert.on_conflict_do_nothing().returning(inbox.c.event_id).cte("claimed")


@dataclass(frozen=True)
class InboxClaim:
    """A transaction's inbox rows (one per event id), to be inserted in that transaction before its handlers run:
    by the inbox itself (insert), or by TransactionHooks.claim with the first statement the hooks make anyway."""

    table: sa.Table
    consumer: str
    # (event id, topic), each event id once, in the order the events came.
    events: tuple[tuple[str, str], ...]
    at: dt.datetime

    async def insert(self, conn: AsyncConnection) -> set[str]:
        """Inserts the rows in one statement; returns the event ids that were new to this consumer."""
        rows = [{"consumer": self.consumer, "event_id": e, "topic": topic, "processed_at": self.at} for e, topic in self.events]
        result = await conn.execute(_claim_statement(conn.dialect.name, self.table), rows)
        return {row[0] for row in result}

    def params(self) -> dict[str, Any]:
        """The parameters of claim_cte(table)."""
        return {
            "claim_event_ids": [e for e, _topic in self.events], "claim_topics": [topic for _e, topic in self.events],
            "claim_consumer": self.consumer, "claim_at": self.at,
        }


Handler = Callable[[AsyncConnection, Any], Awaitable[None]]
# Called after the transaction that applied an event committed (e.g. to push to live streams).
AfterCommit = Callable[[Any], Awaitable[None]]


# TransactionHooks' optional prepare(conn, events): a batch's reads made once before its handlers run.
Prepare = Callable[[AsyncConnection, Sequence[Any]], Awaitable[None]]
# TransactionHooks' optional claim(conn, claim, events): the inbox rows inserted by the hooks; the new event ids.
Claim = Callable[[AsyncConnection, "InboxClaim", Sequence[Any]], Awaitable[set[str]]]


class TransactionHooks(Protocol):
    """Optional: lets handlers gather writes over a whole transaction (a batch or a single event) and make
    them with one statement each at its end, instead of a round trip per event.

    A hooks object may also have `async prepare(conn, events)` (see Prepare): called with a batch's fresh
    events (claimed, about to be handled in order) before the first handler runs, to read once what every
    event of the batch reads (e.g. warm a read cache with one query for all) instead of a round trip per
    event. Reads only; a single event's transaction does not call it.

    And `async claim(conn, claim, events)` (see Claim): called, for a batch and for an event alone, in place of the
    inbox's own claim statement, right after begin() and before anything else; it must insert claim's rows on conn
    (claim.insert, or claim_cte in a statement of its own: the claim and the hooks' first read in one round trip)
    and return the event ids that were new, exactly as claim.insert would. The inbox then runs the handlers of
    those alone, as always."""

    def begin(self, conn: AsyncConnection) -> None:
        """A transaction starts on conn (also each retry of one that rolled back): forget anything gathered.
        Only writes made on this conn may be gathered; other work (a scheduler's own transaction) is not."""

    async def before_commit(self, conn: AsyncConnection) -> None:
        """Every handler of the transaction ran: write what was gathered, in the same transaction."""

_HANDLER_ATTEMPTS = 3
# Events applied in one transaction: one commit (and one fsync) per batch instead of per event.
_BATCH = 100
# Offsets are committed at most this often (and on stop): a commit per poll was a broker round trip
# per handful of events. A crash redelivers at most this much, which the inbox drops as duplicates.
# The commit runs beside the batches (one at a time), not between them: awaited in the loop it held the next
# poll's records for its broker round trip four times a second.
COMMIT_INTERVAL_SECONDS = 0.25
# The lag gauge reads every assigned partition's position; once a second is plenty for a gauge.
LAG_INTERVAL_SECONDS = 1.0


# The stages of a consumer's batch (paars_<service>_consumer_stage_seconds): fine under 200 ms, the prompt promise.
STAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0)


# A consumer with nothing fetched for this long polls with its idle fetch wait until a record comes.
IDLE_AFTER_SECONDS = 1.0


class FetchPace:
    """The fetch wait a consumer asks the broker for: short while records come, long once none came for a while.

    Tansu answers a fetch that finds nothing only when its wait is over (a record produced meanwhile waits too),
    so the wait is both the longest a record sits before a busy consumer sees it and the time between two empty
    fetches of an idle one. 10 ms keeps the hop short; idle, it is 100 fetches a second per consumer for nothing
    (measured on the bench stack: 0.8 of 2 cores when idle, about 1 ms of CPU per fetch in the broker and 1 ms in
    the consumer). Once a consumer has fetched nothing for IDLE_AFTER_SECONDS it asks for idle_ms instead; the
    first record after the quiet waits at most that long, and the records after it the short wait again. It
    changes when records are fetched, never which: nothing is skipped or applied twice."""

    def __init__(self, busy_ms: int, idle_ms: int, idle_after: float = IDLE_AFTER_SECONDS) -> None:
        self.busy_ms = busy_ms
        self.idle_ms = max(busy_ms, idle_ms)
        self.idle_after = idle_after
        self._last_records = time.monotonic()

    def after_poll(self, fetched: bool, now: float) -> int:
        """The wait for the next fetches, after a poll that did or did not bring records."""
        if fetched:
            self._last_records = now
            return self.busy_ms
        return self.idle_ms if now - self._last_records >= self.idle_after else self.busy_ms


def _set_fetch_wait(consumer: AIOKafkaConsumer, wait_ms: int) -> None:
    """aiokafka reads its fetch wait from the fetcher for every fetch request it builds (aiokafka 0.14:
    Fetcher._fetch_max_wait_ms); it has no public setter. tests/unit/test_inbox_fetch_pace.py fails if the
    attribute goes away."""
    fetcher = getattr(consumer, "_fetcher", None)
    if fetcher is not None and getattr(fetcher, "_fetch_max_wait_ms", None) != wait_ms:
        fetcher._fetch_max_wait_ms = wait_ms


class InboxConsumer:
    """Consumes topics as one group; each event is applied at most once per consumer (inbox row in the
    same transaction as the handler's writes) and offsets are committed only after processing, so
    nothing is lost (at-least-once delivery, exactly-once effect).

    Undecodable records, records of a signed topic without its owner's valid signature (reason
    unsigned, bad-signature or wrong-producer: never applied) and events whose handler keeps failing
    go to `<service>.dead-letter.v1` with dlq_* headers; the consumer moves on. A database outage is
    not the event's fault: it is retried until the database is back, never dead-lettered.

    With a keyring, the personal fields of every decoded event are decrypted before any handler sees it
    (crypto-shredding: an erased person's read as ""); while the key store cannot answer the consumer waits
    and retries, so no event is skipped or applied with ciphertext. A value its key does not open is dead-lettered
    (reason undecryptable).
    """

    def __init__(
        self,
        settings: Settings,
        db: Database,
        inbox: sa.Table,
        publisher: Publisher,
        *,
        group_id: str,
        handlers: dict[str, Handler],
        after_commit: AfterCommit | None = None,
        hooks: TransactionHooks | None = None,
        keyring: KeyRing | None = None,
    ) -> None:
        self.settings = settings
        self.keyring = keyring
        self.db = db
        self.inbox = inbox
        self.publisher = publisher
        self.group_id = group_id
        self.handlers = handlers
        self.after_commit = after_commit
        self.hooks = hooks
        self.dead_letter_topic = dead_letter_topic(settings.service)
        self.expected_types = {name: registered_topic(name).message_type for name in handlers}
        self.verifier = settings.event_keys.verifier()
        # A consumer of a signed topic without its owner's key would dead-letter every record: refuse to start.
        self.verifier.require(handlers)
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        # Next offset to read per partition, counting only records fully processed (applied, dropped
        # as a duplicate or dead-lettered): what is committed, never the fetch position.
        self._processed: dict[TopicPartition, int] = {}
        self._committed: dict[TopicPartition, int] = {}
        self._next_commit = 0.0
        # The offset commit under way: a broker round trip beside the batches, not between them.
        self._committer: asyncio.Task[None] | None = None
        self._next_lag = 0.0
        self.pace = FetchPace(settings.consumer_fetch_wait_ms, settings.consumer_idle_fetch_wait_ms)
        svc = settings.service
        self.consumed = metrics.counter(f"paars_{svc}_events_consumed_total", "Events consumed by outcome.", ("topic", "outcome"))
        self.dead_letters = deadletter.counter(svc)
        self.lag = metrics.gauge(f"paars_{svc}_consumer_lag", "Messages behind the end of each consumed topic.", ("topic",))
        # Where a batch's time goes (issue 13): queued = from the broker's timestamp of a poll's oldest record to the
        # poll returning it (the fetch wait, and the batches before it); decrypt = the personal fields opened (key
        # fetches from goals included); transaction = claim, handlers and commit; after_commit = the hooks after it.
        self.stages = metrics.histogram(
            f"paars_{svc}_consumer_stage_seconds", "Seconds per stage of a consumer's batch.", ("stage",), buckets=STAGE_BUCKETS,
        )
        # Bound once: labels() takes a lock and a dict lookup, and the consumer observes up to four stages a batch.
        self._queued, self._decrypted, self._transaction, self._after_commit = (
            self.stages.labels(stage) for stage in ("queued", "decrypt", "transaction", "after_commit"))
        self.key_fetches = metrics.counter(f"paars_{svc}_consumer_key_fetches_total", "Key store round trips made to decrypt events.")

    async def start(self) -> None:
        s = self.settings
        # Started without topics, then subscribed: started with them, aiokafka's start() waits for the group's first
        # assignment, and the broker holds a new member's join for a second or more (Tansu: half the session timeout,
        # at least 1 s), so every service start waited for it before serving. Now start() still fails at once when
        # no broker answers, and the join completes in the background; the first fetches wait for it.
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=s.kafka_bootstrap,
            group_id=self.group_id,
            client_id=f"paars-{s.service}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=s.consumer_fetch_wait_ms,
            session_timeout_ms=s.consumer_session_timeout_ms,
            rebalance_timeout_ms=s.consumer_rebalance_timeout_ms,
            heartbeat_interval_ms=min(3000, s.consumer_session_timeout_ms // 3),
            max_poll_records=500,
            **s.kafka_security.aiokafka(),
        )
        await self._consumer.start()
        self._consumer.subscribe(list(self.handlers))
        self._task = asyncio.create_task(self._run(), name=f"inbox-{self.group_id}")

    async def stop(self) -> None:
        self._stopping = True
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        if self._committer is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._committer, timeout=5)
        if self._consumer:
            try:
                await asyncio.wait_for(self._commit(self._consumer), timeout=5)
            except (TimeoutError, asyncio.CancelledError, Exception):
                log.warning("final offset commit failed; the next owner re-reads (the inbox drops repeats)")
            await self._consumer.stop()

    async def _run(self) -> None:
        assert self._consumer is not None
        consumer = self._consumer
        while not self._stopping:
            try:
                batches = await consumer.getmany(timeout_ms=500, max_records=500)
            except Exception:
                log.warning("fetch failed; retrying", exc_info=True)
                await asyncio.sleep(1.0)
                continue
            # Every fetched partition's records in one transaction (each partition's in order): one
            # commit per poll rather than one per partition, and no partition's events wait behind
            # the commits of the others.
            fetched = [record for records in batches.values() for record in records]
            stamps = [r.timestamp for r in fetched if r.timestamp > 0]
            if stamps:
                self._queued.observe(max(0.0, time.time() - min(stamps) / 1000))
            _set_fetch_wait(consumer, self.pace.after_poll(bool(fetched), time.monotonic()))
            for start in range(0, len(fetched), _BATCH):
                await self.process_batch(fetched[start : start + _BATCH])
            for tp, records in batches.items():
                if records:
                    self._processed[tp] = records[-1].offset + 1
            now = time.monotonic()
            if now >= self._next_commit and (self._committer is None or self._committer.done()):
                # Beside the next batches: awaited here it held the next poll's records for a broker round trip four
                # times a second (notifications in bench/prompt_latency.py at load 11: 41 ms mean, 10% of its time).
                # It commits what was processed when it starts; what is processed meanwhile goes with the next one.
                self._next_commit = now + COMMIT_INTERVAL_SECONDS
                self._committer = asyncio.create_task(self._commit(consumer), name=f"inbox-{self.group_id}-offsets")
            if now >= self._next_lag:
                self._next_lag = now + LAG_INTERVAL_SECONDS
                await self._update_lag(consumer)

    async def _commit(self, consumer: AIOKafkaConsumer) -> None:
        """Commits what was processed since the last commit, for partitions still assigned."""
        assigned = consumer.assignment()
        offsets = {tp: o for tp, o in self._processed.items() if tp in assigned and self._committed.get(tp) != o}
        for tp in [tp for tp in self._processed if tp not in assigned]:
            del self._processed[tp]  # revoked: its new owner commits from now on
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
            self._committed.update(offsets)
        except Exception:
            # A rebalance lost the partitions: the new owner re-reads; the inbox drops the repeats.
            log.warning("offset commit failed", exc_info=True)

    async def _update_lag(self, consumer: AIOKafkaConsumer) -> None:
        per_topic: dict[str, int] = {}
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is None:
                continue
            position = await consumer.position(tp)
            per_topic[tp.topic] = per_topic.get(tp.topic, 0) + max(0, high - position)
        for name, lag in per_topic.items():
            self.lag.labels(name).set(lag)

    async def process_batch(self, records: list[ConsumerRecord]) -> None:
        """Applies records in one transaction, in the order given (each partition's in offset order).

        Under load this is what keeps a consumer ahead of its topic: the commit (and its fsync) is
        paid once per batch. If any handler fails, the batch's transaction rolls back as a whole and
        its records go through process() one by one, so only the failing event is retried and, in
        the end, dead-lettered; the others are applied exactly as if they had come alone.
        """
        decoded: list[tuple[ConsumerRecord, Any]] = []
        for record in records:
            try:
                decoded.append((record, self._decode(record)))
            except UntrustedEvent as exc:
                await self._dead_letter(record, exc.reason, str(exc))
            except UndecodableEvent as exc:
                await self._dead_letter(record, "undecodable", str(exc))
        if decoded and self.keyring is not None:
            started, fetches = time.monotonic(), self.keyring.fetches
            try:
                await self._decrypt([event for _record, event in decoded])
                self._decrypted.observe(time.monotonic() - started)
            except UndecryptableField:
                # One value does not open: each record alone, so only that one is dead-lettered.
                for record, _event in decoded:
                    await self.process(record)
                return
            finally:
                self.key_fetches.inc(self.keyring.fetches - fetches)
        if not decoded:
            return
        if len(decoded) == 1:
            await self.process(decoded[0][0])
            return
        attempt = 0
        started = time.monotonic()
        while True:
            attempt += 1
            applied: list[tuple[str, Any]] = []
            duplicates: list[str] = []
            try:
                async with self.db.transaction() as conn:
                    if self.hooks is not None:
                        self.hooks.begin(conn)
                    fresh = await self._claim(conn, decoded)
                    prepare: Prepare | None = getattr(self.hooks, "prepare", None)
                    if prepare is not None and fresh:
                        await prepare(conn, [event for _record, event in decoded if event.metadata.event_id in fresh])
                    for record, event in decoded:
                        meta = event.metadata
                        if meta.event_id in fresh:
                            # Only its first copy in the batch is applied; a second one is a duplicate.
                            fresh.discard(meta.event_id)
                            correlation_id.set(meta.correlation_id)
                            await self.handlers[record.topic](conn, event)
                            applied.append((record.topic, event))
                        else:
                            duplicates.append(record.topic)
                    if self.hooks is not None and applied:
                        await self.hooks.before_commit(conn)
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_unavailable(exc) and not self._stopping:
                    log.warning("database unavailable; retrying a batch", extra={"events": len(decoded)})
                    await asyncio.sleep(min(5.0, 0.2 * attempt))
                    continue
                for record, _event in decoded:
                    await self.process(record)
                return
        committed = time.monotonic()
        self._transaction.observe(committed - started)
        for topic in duplicates:
            self.consumed.labels(topic, "duplicate").inc()
        for topic, _event in applied:
            self.consumed.labels(topic, "processed").inc()
        if self.after_commit is not None:
            for _topic, event in applied:
                try:
                    await self.after_commit(event)
                except Exception:
                    log.exception("after-commit hook failed", extra={"event_id": event.metadata.event_id})
            self._after_commit.observe(time.monotonic() - committed)

    async def _claim(self, conn: AsyncConnection, decoded: list[tuple[ConsumerRecord, Any]]) -> set[str]:
        """Inserts the transaction's inbox rows; returns the event ids that were new to this consumer.

        One INSERT ... ON CONFLICT DO NOTHING RETURNING for the whole batch (SQLAlchemy sends the rows as one
        multi-row statement) instead of a round trip per event: under load the round trips, not the work,
        were what capped a consumer on PostgreSQL. With a claim hook, the hooks make it with their first
        statement (one round trip less). The rows commit or roll back with the handlers' writes."""
        events: dict[str, str] = {}
        for record, event in decoded:
            events.setdefault(event.metadata.event_id, record.topic)
        claim = InboxClaim(self.inbox, self.group_id, tuple(events.items()), utcnow())
        hook: Claim | None = getattr(self.hooks, "claim", None)
        if hook is None:
            return await claim.insert(conn)
        return await hook(conn, claim, [event for _record, event in decoded])

    def _decode(self, record: ConsumerRecord) -> Any:
        return self.verifier.decode(record.topic, record.key, record.value, record.headers, self.expected_types[record.topic])

    async def _decrypt(self, events: list[Any]) -> None:
        keyring = self.keyring
        assert keyring is not None
        for event in events:
            if _ERASED is not None and isinstance(event, org_pb2.EmployeeChanged) and event.change == _ERASED:
                keyring.forget(event.employee.id)
        await wait_for_keys(lambda: keyring.decrypt_events(events), stopping=lambda: self._stopping, what="decrypting events")

    async def process(self, record: ConsumerRecord) -> None:
        topic = record.topic
        try:
            event = self._decode(record)
        except UntrustedEvent as exc:
            await self._dead_letter(record, exc.reason, str(exc))
            return
        except UndecodableEvent as exc:
            await self._dead_letter(record, "undecodable", str(exc))
            return
        if self.keyring is not None:
            try:
                await self._decrypt([event])
            except UndecryptableField as exc:
                await self._dead_letter(record, "undecryptable", str(exc))
                return
        meta = event.metadata
        correlation_id.set(meta.correlation_id)
        handler = self.handlers[topic]
        attempt = 0
        started = time.monotonic()
        while True:
            attempt += 1
            try:
                async with self.db.transaction() as conn:
                    if self.hooks is not None:
                        self.hooks.begin(conn)
                    fresh = meta.event_id in await self._claim(conn, [(record, event)])
                    if fresh:
                        await handler(conn, event)
                        if self.hooks is not None:
                            await self.hooks.before_commit(conn)
                if not fresh:
                    self.consumed.labels(topic, "duplicate").inc()
                    return
                self.consumed.labels(topic, "processed").inc()
                self._transaction.observe(time.monotonic() - started)
                break
            except (OperationalError, DBAPIError, ConnectionError, OSError) as exc:
                if is_unavailable(exc) and not self._stopping:
                    log.warning("database unavailable; retrying event", extra={"event_id": meta.event_id})
                    await asyncio.sleep(min(5.0, 0.2 * attempt))
                    continue
                if attempt < _HANDLER_ATTEMPTS:
                    continue
                await self._dead_letter(record, deadletter.HANDLER_FAILED, repr(exc)[:500])
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if attempt < _HANDLER_ATTEMPTS:
                    await asyncio.sleep(0.05 * attempt)
                    continue
                log.exception("handler failed", extra={"event_id": meta.event_id, "topic": topic})
                await self._dead_letter(record, deadletter.HANDLER_FAILED, repr(exc)[:500])
                return
        if self.after_commit is not None:
            try:
                await self.after_commit(event)
            except Exception:
                log.exception("after-commit hook failed", extra={"event_id": meta.event_id})

    async def _dead_letter(self, record: ConsumerRecord, reason: str, detail: str) -> None:
        letter = dead_letter(record, reason, detail, service=self.settings.service, consumer=self.group_id)
        while True:
            try:
                await asyncio.to_thread(self.publisher.send_raw, letter.topic, letter.key, letter.value, letter.headers)
                break
            except Exception:
                if self._stopping:
                    raise
                log.warning("dead-letter publish failed; retrying", exc_info=True)
                await asyncio.sleep(1.0)
        self.dead_letters.labels(record.topic, reason).inc()
        self.consumed.labels(record.topic, "dead_lettered").inc()

__all__ = ["Handler", "InboxClaim", "InboxConsumer", "Message", "TransactionHooks", "claim_cte"]
