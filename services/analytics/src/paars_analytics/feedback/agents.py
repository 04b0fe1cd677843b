"""Feedback, acknowledgements, action items, dialogues and reviews into each person's state."""
from __future__ import annotations

from paars_analytics.app import FEEDBACK_TOPICS, Analytics
from paars_analytics.pipeline import PersonPipeline
from paars_analytics.story.agents import StoryRecorder, chained


def register(ctx: Analytics) -> None:
    pipeline = PersonPipeline(ctx)
    # Bulk topics, not agents: records reach the pipeline one list per fetch (see faust_seam.py). The values
    # feedback names go to the story's alignment records first, from the same records.
    ctx.app.bulk_topic(ctx.source_topic(*FEEDBACK_TOPICS), chained(StoryRecorder(ctx).handle, pipeline.handle))
    # feedback-given is keyed by receiver; the giver's "given" count arrives re-keyed by giver.
    ctx.app.bulk_topic(ctx.given_topic, pipeline.handle_given)
