"""The bulk path every person-keyed input shares: decode, dead-letter, apply updates in memory, write back per flush."""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from typing import Any

from faust.types import TP

from paars_analytics.app import Analytics
from paars_analytics.signals.state import PersonUpdate, apply_update, new_state
from paars_analytics.translate import person_updates
from paars_platform import deadletter
from paars_platform.events import UndecodableEvent, decode

log = logging.getLogger("paars.analytics")

# (record, reason, detail); a record is an aiokafka ConsumerRecord or a Faust Message (same attribute names).
DeadLetter = tuple[Any, str, str]
Batches = Sequence[tuple[TP, Sequence[Any]]]
# (topic, partition, offset) of the input record an update comes from.
Source = tuple[str, int, int]
# Idempotence key of "given" updates: the feedback-given record they come from, whatever given-topic offset they had.
GIVEN_ORIGIN = "given<-feedback.feedback-given.v1"


class PersonPipeline:
    """Applies fetched records to people's state (``ctx.state``), for the consumer's bulk path.

    Records come one list per partition per fetch, without Faust's per-message machinery. Each update is applied
    in memory at once (idempotent on event id), so detection and queries see it; the state is written back to the
    table, and the records' offsets acknowledged, by ``PeopleStore.flush`` at most once per flush interval.
    """

    def __init__(self, ctx: Analytics) -> None:
        self.ctx = ctx
        self.expected: dict[str, str] = {}

    def _expected(self, topic: str) -> str:
        expected = self.expected.get(topic)
        if expected is None:
            expected = self.expected[topic] = self.ctx.expected_type(topic)
        return expected

    def updates_of(self, records: Sequence[Any]) -> tuple[list[tuple[Any, PersonUpdate]], list[DeadLetter]]:
        """Decodes and translates; what cannot be decoded or translated becomes a dead letter."""
        out: list[tuple[Any, PersonUpdate]] = []
        dead: list[DeadLetter] = []
        by_giver: dict[str, list[list[Any]]] = {}
        for record in records:
            topic = record.topic
            try:
                decoded = decode(record.value, record.headers, self._expected(topic))
                updates = person_updates(topic, decoded)
            except UndecodableEvent as exc:
                dead.append((record, "undecodable", str(exc)))
                continue
            except Exception as exc:
                dead.append((record, "handler-failed", repr(exc)[:500]))
                continue
            for update in updates:
                if update.event_id.endswith(":given"):
                    # The source record's partition and offset go along: they make the giver's update idempotent.
                    by_giver.setdefault(update.key, []).append(
                        [update.event_id, update.at, update.facts[0]["f"], record.partition, record.offset])
                else:
                    out.append((record, update))
        # The giver lives on another partition: one record per giver per fetch, keyed by giver.
        for giver, items in by_giver.items():
            self.ctx.given_topic.send_soon(key=giver.encode(), value={"items": items})
        return out, dead

    def apply(self, partition: int, updates: Sequence[tuple[Any, PersonUpdate, Source | None]], now: float) -> list[DeadLetter]:
        """Applies one partition's updates to the people in memory; no await inside, so no task sees half of it.
        Each update comes with the input it was read from (topic, partition, offset), so a replay changes nothing."""
        store = self.ctx.state
        dirty = self.ctx.dirty
        dead: list[DeadLetter] = []
        for record, update, source in updates:
            key = update.key
            state = store.state(key, partition)
            if state is None:
                state = new_state()
            try:
                changed = apply_update(state, update, now, source)
            except Exception as exc:
                dead.append((record, "handler-failed", repr(exc)[:500]))
                continue
            if changed:
                store.put(key, state, partition)
                dirty.add(key)
        return dead

    async def handle(self, batches: Batches) -> None:
        """The bulk handler for the person topics: one call per fetch, one list of records per partition."""
        now = self.ctx.now()
        dead: list[DeadLetter] = []
        for tp, records in batches:
            updates, undecodable = self.updates_of(records)
            dead += undecodable
            dead += self.apply(tp.partition, [(r, u, (r.topic, r.partition, r.offset)) for r, u in updates], now)
        await self.finish(batches, dead, now)

    async def handle_given(self, batches: Batches) -> None:
        """The bulk handler for the internal given-by-giver topic (JSON values written by ``updates_of``)."""
        now = self.ctx.now()
        dead: list[DeadLetter] = []
        for tp, records in batches:
            updates: list[tuple[Any, PersonUpdate, Source | None]] = []
            for record in records:
                try:
                    key = record.key.decode()
                    for eid, at, feedback_id, *origin in json.loads(record.value)["items"]:
                        # Re-sent after a crash, an item has a new offset here but the same origin.
                        source = (GIVEN_ORIGIN, int(origin[0]), int(origin[1])) if origin else None
                        updates.append((record, PersonUpdate(key, eid, float(at), [{"k": "given", "f": feedback_id}]), source))
                except Exception as exc:
                    dead.append((record, "handler-failed", repr(exc)[:500]))
            dead += self.apply(tp.partition, updates, now)
        await self.finish(batches, dead, now)

    async def finish(self, batches: Batches, dead: list[DeadLetter], now: float) -> None:
        """Dead letters out, offsets held until the next flush, metrics; flushes when one is due."""
        store = self.ctx.state
        for record, reason, detail in dead:
            await dead_letter(self.ctx, record, reason, detail)
        for tp, records in batches:
            store.hold(tp, [r.offset for r in records])
        self.count(batches)
        if store.due(now) or self.caught_up(batches):
            store.flush(now)

    def caught_up(self, batches: Batches) -> bool:
        """True when this fetch reached the end of its partitions: nothing to coalesce with, so write back now
        (while behind, writes wait for the flush interval; once caught up, durability does not wait)."""
        highwater = self.ctx.app.consumer.highwater
        try:
            for tp, records in batches:
                end = highwater(tp)
                if end is None or records[-1].offset + 1 < end:
                    return False
        except Exception:
            # A partition revoked meanwhile has no highwater: not caught up, the timer flushes.
            return False
        return True

    def count(self, batches: Batches) -> None:
        oldest = 0
        for tp, records in batches:
            self.ctx.processed.labels(tp.topic).inc(len(records))
            ts = min((r.timestamp for r in records if r.timestamp), default=0)
            if ts and (not oldest or ts < oldest):
                oldest = ts
        if oldest:
            # aiokafka record timestamps are milliseconds.
            self.ctx.lag.observe(max(0.0, time.time() - oldest / 1000.0))


async def dead_letter(ctx: Analytics, message: Any, reason: str, detail: str) -> None:
    """The original record's bytes to analytics.dead-letter.v1, the reason in dlq_* headers; the worker moves on."""
    letter = deadletter.dead_letter(message, reason, detail, service="analytics", consumer=ctx.config.app_id)
    await ctx.dead_letter_topic.send(key=letter.key, value=letter.value, headers=letter.headers)
    ctx.dead_letters.labels(message.topic, reason).inc()
