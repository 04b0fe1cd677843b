"""The story's catalogue (story.story-published.v1, an agent) and each person's alignment record from goal and
feedback events (the bulk path's records, before the person pipeline: ``StoryRecorder.handle``), in two tables:
``story_catalogue`` (one key, "organisation") and ``story_alignment`` (keyed by employee id, as the source topics)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as gl
from paars.story.v1 import story_pb2
from paars_analytics.app import STORY_TOPICS, Analytics
from paars_analytics.faust_seam import no_table_partition, table_partition
from paars_analytics.pipeline import Batches, dead_letter
from paars_analytics.story import alignment as a
from paars_platform import registry
from paars_platform.events import UndecodableEvent, decode

CATALOGUE_KEY = "organisation"
_KINDS = {story_pb2.PASSAGE_KIND_VALUE: "value", story_pb2.PASSAGE_KIND_THEME: "theme"}
BulkHandler = Callable[[Batches], Awaitable[None]]


def catalogue_of(event: story_pb2.StoryPublished) -> dict[str, Any]:
    story = event.story
    return a.catalogue_record(story.version, ((p.key, _KINDS[p.kind], p.title.nl, p.title.en) for p in story.passages if p.kind in _KINDS))


def record_after(record: dict[str, Any] | None, event: Any) -> dict[str, Any] | None:
    """The person's record after a goal or feedback event; None when the event says nothing about the story."""
    if isinstance(event, gl.GoalUpdated):
        goal = event.goal
        dropped = goal.status == gl.GOAL_STATUS_DROPPED
        if not goal.story_keys and goal.id not in (record or a.empty_record())["goals"]:
            return None
        return a.with_goal(record, goal.id, goal.story_keys, dropped=dropped)
    if isinstance(event, fb.FeedbackGiven) and event.value_key:
        return a.with_feedback(record, event.feedback_id, event.value_key)
    return None


def subject_of(event: Any) -> str:
    return str(event.goal.owner_id if isinstance(event, gl.GoalUpdated) else event.receiver_id)


class StoryRecorder:
    """Runs before the person pipeline on the same fetched records (a topic has one bulk handler): writes each
    person's alignment record to its table partition (the source record's), before the pipeline holds the offsets
    for its own flush, so an acknowledged record's effect is in the changelog (at-least-once; replays idempotent)."""

    WATCHED = (gl.GoalUpdated, fb.FeedbackGiven)

    def __init__(self, ctx: Analytics) -> None:
        self.ctx = ctx
        self.types = {registry.topic_of(t): t.DESCRIPTOR.full_name for t in self.WATCHED}

    async def handle(self, batches: Batches) -> None:
        table = self.ctx.story_alignment
        try:
            for tp, records in batches:
                expected = self.types.get(tp.topic)
                if expected is None:
                    continue
                for record in records:
                    try:
                        event = decode(record.value, record.headers, expected)
                    except UndecodableEvent:
                        continue  # the person pipeline dead-letters it
                    table_partition(tp.topic, tp.partition)
                    key = subject_of(event)
                    changed = record_after(table.get(key), event)
                    if changed is not None:
                        table[key] = changed
                        self.ctx.state.changes.bump(key)
        finally:
            no_table_partition()


def chained(*handlers: BulkHandler) -> BulkHandler:
    async def handle(batches: Batches) -> None:
        for handler in handlers:
            await handler(batches)

    return handle


def register(ctx: Analytics) -> None:
    @ctx.app.agent(ctx.source_topic(*STORY_TOPICS), name="paars_analytics.story_catalogue")
    async def story_events(stream: Any) -> None:
        async for event in stream.events():
            message = event.message
            try:
                published = decode(message.value, message.headers, ctx.expected_type(message.topic))
                candidate = catalogue_of(published)  # type: ignore[arg-type]
            except Exception as exc:
                await dead_letter(ctx, message, "undecodable", str(exc)[:500])
                continue
            if a.newer_catalogue(ctx.story_catalogue.get(CATALOGUE_KEY), candidate):
                ctx.story_catalogue[CATALOGUE_KEY] = candidate
                # Every team's alignment is counted against the new catalogue.
                ctx.state.changes.reset()
            ctx.processed.labels(message.topic).inc()
