"""Prompt events (sent, acted on) into each recipient's state."""
from __future__ import annotations

from typing import Any

from paars_analytics.app import NOTIFICATION_TOPICS, Analytics
from paars_analytics.pipeline import PersonPipeline


def register(ctx: Analytics) -> None:
    pipeline = PersonPipeline(ctx)
    size, within = ctx.config.batch_size, ctx.config.batch_within_seconds

    @ctx.app.agent(ctx.source_topic(*NOTIFICATION_TOPICS), name="paars_analytics.notifications")
    async def prompt_events(stream: Any) -> None:
        async for events in stream.take_events(size, within=within):
            await pipeline.process(events)
