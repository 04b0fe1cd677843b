"""Goal events (progress, status, milestones) into each owner's state."""
from __future__ import annotations

from paars_analytics.app import GOAL_TOPICS, Analytics
from paars_analytics.pipeline import PersonPipeline


def register(ctx: Analytics) -> None:
    # A bulk topic, not an agent: records reach the pipeline one list per fetch (see faust_seam.py).
    ctx.app.bulk_topic(ctx.source_topic(*GOAL_TOPICS), PersonPipeline(ctx).handle)
