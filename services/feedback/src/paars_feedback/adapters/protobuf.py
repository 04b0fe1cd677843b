"""Domain <-> protobuf for the reshaped use cases: API answers, the answers kept for retried requests, events."""
from __future__ import annotations

import datetime as dt
from typing import Any

from google.protobuf.message import Message

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain.feedback import (
    ActionItemCreated,
    Example,
    Feedback,
    FeedbackAcknowledged,
    FeedbackGiven,
    FeedbackRequest,
    FeedbackRequestChanged,
)
from paars_feedback.domain.privacy import FeedbackView, feedback_event_view
from paars_feedback.service_layer import action_plans, links
from paars_feedback.service_layer.common import PRODUCER
from paars_feedback.service_layer.links import request_event
from paars_feedback.service_layer.unit_of_work import Answer, Event
from paars_platform.events import new_metadata, timestamp

# What the giver reads back of what they wrote (an external giver gets the same view).
AUTHOR = FeedbackView("author", True, True, True, True)


def feedback_to_proto(feedback: Feedback, view: FeedbackView) -> pb.Feedback:
    """The item as this view allows: never the giver (nor their relation or request) of an anonymous item, never text without content."""
    f = feedback
    item = pb.Feedback(
        id=f.id, receiver_id=f.receiver_id, kind=f.kind, setting=f.setting,  # type: ignore[arg-type]
        visibility=f.visibility, goal_ids=list(f.goal_ids), tags=list(f.tags), moment_at=timestamp(f.moment_at),  # type: ignore[arg-type]
        given_at=timestamp(f.given_at), acknowledged=f.acknowledged_at is not None, action_item_id=f.action_item_id or "",
    )
    if f.acknowledged_at is not None:
        item.acknowledged_at.CopyFrom(timestamp(f.acknowledged_at))
    if view.giver:
        item.giver_id = f.giver_id
        item.relation = f.relation  # type: ignore[assignment]
        item.request_id = f.request_id or ""
    if view.content:
        item.text = f.text
        item.examples.extend(pb.Example(situation=e.situation, behaviour=e.behaviour, impact=e.impact) for e in f.examples)
        item.acknowledgement_note = f.acknowledgement_note
    return item


def _time(value: Any) -> dt.datetime:
    return dt.datetime.fromtimestamp(value.seconds, dt.UTC) + dt.timedelta(microseconds=value.nanos // 1000)


def feedback_from_proto(item: pb.Feedback) -> Feedback:
    """An item as its author was answered (AUTHOR's view: everything), back into the domain."""
    return Feedback(
        id=item.id, giver_id=item.giver_id, receiver_id=item.receiver_id, kind=item.kind, relation=item.relation, setting=item.setting,
        text=item.text, examples=tuple(Example(e.situation, e.behaviour, e.impact) for e in item.examples), visibility=item.visibility,
        goal_ids=tuple(item.goal_ids), tags=tuple(item.tags), moment_at=_time(item.moment_at), given_at=_time(item.given_at),
        request_id=item.request_id or None, acknowledged_at=_time(item.acknowledged_at) if item.acknowledged else None,
        acknowledgement_note=item.acknowledgement_note, action_item_id=item.action_item_id or None,
    )


def request_to_proto(row: Any, reader_id: str, now: dt.datetime) -> pb.FeedbackRequest:
    """A request (a row or a FeedbackRequest) with its state as this reader sees it now."""
    out = pb.FeedbackRequest(
        id=row.id, requester_id=row.requester_id, subject_id=row.subject_id, recipient_id=row.recipient_id or "",
        external_email=row.external_email, external_name=row.external_name, question=row.question,
        due_date=row.due_date.isoformat(), state=links.request_state_for(row, reader_id, now), relation=row.relation,
        created_at=timestamp(row.created_at), decline_reason=row.decline_reason, answered_feedback_id=row.answered_feedback_id or "",
    )
    if row.expires_at is not None:
        out.expires_at.CopyFrom(timestamp(row.expires_at))
    return out


def declined_to_proto(request: FeedbackRequest) -> pb.FeedbackRequest:
    """A declined request as its recipient sees it (declined is final: the time of reading changes nothing)."""
    return request_to_proto(request, request.recipient_id or "", request.updated_at)


def request_from_proto(out: pb.FeedbackRequest) -> FeedbackRequest:
    """A declined request as it was answered, back into the domain: what declined_to_proto shows of it."""
    return FeedbackRequest(
        id=out.id, requester_id=out.requester_id, subject_id=out.subject_id, recipient_id=out.recipient_id or None,
        external_email=out.external_email, external_name=out.external_name, token_hash=None, question=out.question,
        due_date=dt.date.fromisoformat(out.due_date), expires_at=_time(out.expires_at) if out.HasField("expires_at") else None,
        state=out.state, answered_anonymously=False, relation=out.relation, decline_reason=out.decline_reason,
        answered_feedback_id=out.answered_feedback_id or None, created_at=_time(out.created_at), updated_at=_time(out.created_at),
    )


def encode_answer(answer: Answer) -> bytes:
    """The stored answer is the RPC's response, as before the reshape: records written by either read back."""
    if isinstance(answer, FeedbackRequest):
        return declined_to_proto(answer).SerializeToString()
    return feedback_to_proto(answer, AUTHOR).SerializeToString()


def decode_answer(answer_type: type[Any], data: bytes) -> Answer:
    if answer_type is FeedbackRequest:
        return request_from_proto(pb.FeedbackRequest.FromString(data))
    assert answer_type is Feedback
    return feedback_from_proto(pb.Feedback.FromString(data))


def given_event(feedback: Feedback, at: dt.datetime) -> pb.FeedbackGiven:
    """Read as a subscribing system: text only for public praise; for anonymous items no giver, no relation
    and no request (any of them would say who gave it)."""
    f = feedback
    view = feedback_event_view(f.visibility)
    return pb.FeedbackGiven(
        metadata=new_metadata(
            producer=PRODUCER, subject_id=f.receiver_id, visibility=f.visibility, actor_id=f.giver_id if view.giver else "", occurred_at=at,
        ),
        feedback_id=f.id, receiver_id=f.receiver_id, giver_id=f.giver_id if view.giver else "",
        kind=f.kind, relation=f.relation if view.giver else pb.RELATION_UNSPECIFIED, setting=f.setting,  # type: ignore[arg-type]
        tags=list(f.tags), goal_ids=list(f.goal_ids), has_example=bool(f.examples), moment_at=timestamp(f.moment_at),
        visibility=f.visibility, text=f.text if view.content else "", request_id=(f.request_id or "") if view.giver else "",  # type: ignore[arg-type]
    )


def acknowledged_event(feedback: Feedback, at: dt.datetime) -> pb.FeedbackAcknowledged:
    f = feedback
    return pb.FeedbackAcknowledged(
        metadata=new_metadata(producer=PRODUCER, subject_id=f.receiver_id, visibility=f.visibility, actor_id=f.receiver_id, occurred_at=at),
        feedback_id=f.id, receiver_id=f.receiver_id, giver_id=f.giver_id if feedback_event_view(f.visibility).giver else "",
        action_item_created=f.action_item_id is not None, action_item_id=f.action_item_id or "", kind=f.kind,  # type: ignore[arg-type]
    )


def event_to_proto(event: Event) -> Message:
    if isinstance(event, FeedbackGiven):
        return given_event(event.feedback, event.at)
    if isinstance(event, FeedbackAcknowledged):
        return acknowledged_event(event.feedback, event.at)
    if isinstance(event, ActionItemCreated):
        return action_plans.event(action_plans.to_proto(event.item), event.actor_id, event.at)
    if isinstance(event, FeedbackRequestChanged):
        return request_event(event.request, event.actor_id, event.at)
    raise TypeError(f"no protobuf for {type(event).__name__}")
