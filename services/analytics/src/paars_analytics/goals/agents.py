"""Goal events (progress, status, milestones) into each owner's state."""
from __future__ import annotations

from paars_analytics.app import GOAL_TOPICS, Analytics
from paars_analytics.pipeline import PersonPipeline
from paars_analytics.story.agents import StoryRecorder, chained


def register(ctx: Analytics) -> None:
    # A bulk topic, not an agent: records reach the pipeline one list per fetch (see faust_seam.py). The story's
    # alignment records (the goals' story keys) are written first, from the same records.
    ctx.app.bulk_topic(ctx.source_topic(*GOAL_TOPICS), chained(StoryRecorder(ctx).handle, PersonPipeline(ctx).handle))
