"""The batch path every person-keyed agent shares: decode, dead-letter, apply updates, write each key once per batch."""
from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from paars_analytics.app import Analytics, use_event
from paars_analytics.signals.state import PersonUpdate, apply_update, new_state
from paars_analytics.translate import person_updates
from paars_platform.events import UndecodableEvent, decode, header

log = logging.getLogger("paars.analytics")

DeadLetter = tuple[Any, str, str]


class PersonPipeline:
    """Applies a batch of events to the people table.

    A batch is grouped by partition, then by person; each person's state is read once, every update
    applied (idempotent on event id), and written once: one changelog record per person per batch
    instead of one per event.
    """

    def __init__(self, ctx: Analytics) -> None:
        self.ctx = ctx
        self.expected = {}

    def _expected(self, topic: str) -> str:
        expected = self.expected.get(topic)
        if expected is None:
            expected = self.expected[topic] = self.ctx.expected_type(topic)
        return expected

    def updates_of(self, events: Sequence[Any]) -> tuple[list[tuple[Any, PersonUpdate]], list[DeadLetter]]:
        """Decodes and translates; what cannot be decoded or translated becomes a dead letter."""
        out: list[tuple[Any, PersonUpdate]] = []
        dead: list[DeadLetter] = []
        forward: list[PersonUpdate] = []
        for event in events:
            message = event.message
            topic = message.topic
            try:
                decoded = decode(message.value, message.headers, self._expected(topic))
                updates = person_updates(topic, decoded)
            except UndecodableEvent as exc:
                dead.append((event, "undecodable", str(exc)))
                continue
            except Exception as exc:
                dead.append((event, "handler-failed", repr(exc)[:500]))
                continue
            for update in updates:
                if update.event_id.endswith(":given"):
                    forward.append(update)
                else:
                    out.append((event, update))
        by_giver: dict[str, list[list[Any]]] = {}
        for update in forward:
            by_giver.setdefault(update.key, []).append([update.event_id, update.at, update.facts[0]["f"]])
        # One record per giver per batch, not one per feedback.
        for giver, items in by_giver.items():
            self.ctx.given_topic.send_soon(key=giver.encode(), value={"items": items})
        return out, dead

    def apply(self, pairs: Sequence[tuple[Any, PersonUpdate]]) -> list[DeadLetter]:
        """Applies updates grouped by partition and person; no await inside, so no other task sees half a batch."""
        ctx = self.ctx
        people = ctx.people
        now = ctx.now()
        by_partition: dict[int, tuple[Any, dict[str, list[tuple[Any, PersonUpdate]]]]] = {}
        for event, update in pairs:
            partition = event.message.partition
            group = by_partition.get(partition)
            if group is None:
                group = by_partition[partition] = (event, {})
            group[1].setdefault(update.key, []).append((event, update))
        dead: list[DeadLetter] = []
        for anchor, per_key in by_partition.values():
            use_event(anchor)
            for key, updates in per_key.items():
                state = people.get(key) or new_state()
                changed = False
                for event, update in updates:
                    try:
                        changed = apply_update(state, update, now) or changed
                    except Exception as exc:
                        dead.append((event, "handler-failed", repr(exc)[:500]))
                if changed:
                    people[key] = state
                    ctx.dirty.add(key)
        return dead

    async def process(self, events: Sequence[Any]) -> None:
        if not events:
            return
        pairs, dead = self.updates_of(events)
        dead += self.apply(pairs)
        self.count(events)
        for event, reason, detail in dead:
            await dead_letter(self.ctx, event, reason, detail)

    def count(self, events: Sequence[Any]) -> None:
        per_topic: dict[str, int] = {}
        oldest = None
        for event in events:
            topic = event.message.topic
            per_topic[topic] = per_topic.get(topic, 0) + 1
            ts = event.message.timestamp
            if ts and (oldest is None or ts < oldest):
                oldest = ts
        for topic, n in per_topic.items():
            self.ctx.processed.labels(topic).inc(n)
        if oldest:
            self.ctx.lag.observe(max(0.0, time.time() - oldest))


async def dead_letter(ctx: Analytics, event: Any, reason: str, detail: str) -> None:
    """The original record's bytes to analytics.dead-letter.v1, the reason in dlq_* headers; the worker moves on."""
    message = event.message
    headers = list(message.headers.items() if isinstance(message.headers, dict) else (message.headers or ()))
    headers += [
        ("dlq_reason", reason.encode()),
        ("dlq_detail", detail.encode(errors="replace")),
        ("dlq_source_topic", message.topic.encode()),
        ("dlq_source_partition", str(message.partition).encode()),
        ("dlq_source_offset", str(message.offset).encode()),
        ("dlq_consumer", ctx.config.app_id.encode()),
    ]
    log.warning(
        "dead-lettered a record",
        extra={"topic": message.topic, "offset": message.offset, "reason": reason, "detail": detail[:200],
               "ce_id": header(headers, "ce_id")},
    )
    await ctx.dead_letter_topic.send(key=message.key, value=message.value, headers=headers)
    ctx.dead_letters.labels(message.topic, reason).inc()
