"""The feedback service's business metrics, counted from the events of committed units of work."""
from __future__ import annotations

from collections.abc import Sequence

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain.feedback import FeedbackGiven
from paars_feedback.service_layer.unit_of_work import Event
from paars_platform import metrics
from paars_platform.values import enum_name

GIVEN = metrics.counter("paars_feedback_given_total", "Feedback items given.", ("kind", "visibility"))
DELAY = metrics.histogram(
    "paars_feedback_moment_delay_seconds", "Time between the moment and the feedback about it.",
    buckets=(60, 600, 3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400, 365 * 86400),
)


def count_committed(events: Sequence[Event]) -> None:
    for event in events:
        if isinstance(event, FeedbackGiven):
            f = event.feedback
            GIVEN.labels(enum_name(pb.FeedbackKind, f.kind, "FEEDBACK_KIND_"), enum_name(event_pb2.Visibility, f.visibility, "VISIBILITY_")).inc()
            DELAY.observe(max(0.0, (f.given_at - f.moment_at).total_seconds()))
