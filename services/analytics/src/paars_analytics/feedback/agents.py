"""Feedback, acknowledgements, action items, dialogues and reviews into each person's state."""
from __future__ import annotations

from typing import Any

from paars_analytics.app import FEEDBACK_TOPICS, Analytics
from paars_analytics.pipeline import PersonPipeline
from paars_analytics.signals.state import PersonUpdate


def register(ctx: Analytics) -> None:
    pipeline = PersonPipeline(ctx)
    size, within = ctx.config.batch_size, ctx.config.batch_within_seconds

    @ctx.app.agent(ctx.source_topic(*FEEDBACK_TOPICS), name="paars_analytics.feedback")
    async def feedback_events(stream: Any) -> None:
        async for events in stream.take_events(size, within=within):
            await pipeline.process(events)

    # feedback-given is keyed by receiver; the giver's "given" count arrives re-keyed by giver.
    @ctx.app.agent(ctx.given_topic, name="paars_analytics.feedback_given_by_giver")
    async def given_by_giver(stream: Any) -> None:
        async for events in stream.take_events(size, within=within):
            pairs = []
            for event in events:
                value = event.value
                key = event.message.key.decode() if isinstance(event.message.key, bytes) else str(event.message.key)
                for eid, at, feedback_id in value["items"]:
                    pairs.append((event, PersonUpdate(key, eid, float(at), [{"k": "given", "f": feedback_id}])))
            pipeline.apply(pairs)
