"""Prompt events (sent, acted on) into each recipient's state."""
from __future__ import annotations

from paars_analytics.app import NOTIFICATION_TOPICS, Analytics
from paars_analytics.pipeline import PersonPipeline


def register(ctx: Analytics) -> None:
    # A bulk topic, not an agent: records reach the pipeline one list per fetch (see faust_seam.py).
    ctx.app.bulk_topic(ctx.source_topic(*NOTIFICATION_TOPICS), PersonPipeline(ctx).handle)
