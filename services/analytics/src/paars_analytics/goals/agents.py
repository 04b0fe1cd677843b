"""Goal events (progress, status, milestones) into each owner's state."""
from __future__ import annotations

from typing import Any

from paars_analytics.app import GOAL_TOPICS, Analytics
from paars_analytics.pipeline import PersonPipeline


def register(ctx: Analytics) -> None:
    pipeline = PersonPipeline(ctx)
    size, within = ctx.config.batch_size, ctx.config.batch_within_seconds

    @ctx.app.agent(ctx.source_topic(*GOAL_TOPICS), name="paars_analytics.goals")
    async def goal_events(stream: Any) -> None:
        async for events in stream.take_events(size, within=within):
            await pipeline.process(events)
