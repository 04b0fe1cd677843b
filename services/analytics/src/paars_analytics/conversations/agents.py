"""1:1s held or skipped and coaching sessions completed into each person's state (ids, dates and counts only: the
events carry no one's words, no hat and no agenda; concerns, circles and agreements are not routed here)."""
from __future__ import annotations

from paars_analytics.app import CONVERSATION_TOPICS, Analytics
from paars_analytics.pipeline import PersonPipeline


def register(ctx: Analytics) -> None:
    # A bulk topic, not an agent: records reach the pipeline one list per fetch (see faust_seam.py).
    ctx.app.bulk_topic(ctx.source_topic(*CONVERSATION_TOPICS), PersonPipeline(ctx).handle)
