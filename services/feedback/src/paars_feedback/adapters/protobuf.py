"""Domain <-> protobuf for the reshaped use cases: API answers, the answers kept for retried requests, events."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from google.protobuf.message import Message

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters.action_plan_repository import item_event, item_from_proto, item_to_proto
from paars_feedback.adapters.dialogue_repository import dialogue_event, dialogue_from_proto, dialogue_to_proto
from paars_feedback.adapters.review_repository import (
    assessed_event,
    assessment_from_proto,
    assessment_to_proto,
    invitation_from_proto,
    invitation_to_proto,
    opened_from_proto,
    opened_to_proto,
    response_to_proto,
    review_event,
    review_from_proto,
    review_to_proto,
)
from paars_feedback.domain import links
from paars_feedback.domain.action_plan import ActionItemChanged, DialogueSeen, PlannedItem
from paars_feedback.domain.dialogue import DialogueChanged
from paars_feedback.domain.feedback import (
    ActionItemCreated,
    CoachAssigned,
    CoachShares,
    Example,
    Feedback,
    FeedbackAcknowledged,
    FeedbackGiven,
    FeedbackPage,
    FeedbackRequest,
    FeedbackRequestChanged,
    FeedbackSummary,
    LinkInfo,
    LinkRevoked,
    ReadRecord,
    Referral,
    ReferralRaised,
    ReferralUpdated,
    RequestList,
    RequestMade,
)
from paars_feedback.domain.privacy import FeedbackView, feedback_event_view
from paars_feedback.domain.review import InvitationMade, ResponseSubmitted, Review, ReviewChanged, ReviewsOpened, SelfAssessed, SelfAssessment
from paars_feedback.service_layer.commands import PageAfter
from paars_feedback.service_layer.common import PRODUCER
from paars_feedback.service_layer.unit_of_work import Answer, Event
from paars_platform.events import new_metadata, timestamp
from paars_platform.values import enum_name

# What the giver reads back of what they wrote (an external giver gets the same view).
AUTHOR = FeedbackView("author", True, True, True, True)


def feedback_to_proto(feedback: Feedback, view: FeedbackView) -> pb.Feedback:
    """The item as this view allows: never the giver (nor their relation or request) of an anonymous item, never text without content."""
    f = feedback
    item = pb.Feedback(
        id=f.id, receiver_id=f.receiver_id, kind=f.kind, setting=f.setting,  # type: ignore[arg-type]
        visibility=f.visibility, goal_ids=list(f.goal_ids), tags=list(f.tags), moment_at=timestamp(f.moment_at),  # type: ignore[arg-type]
        given_at=timestamp(f.given_at), acknowledged=f.acknowledged_at is not None, action_item_id=f.action_item_id or "",
        value_key=f.value_key,
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
        acknowledgement_note=item.acknowledgement_note, action_item_id=item.action_item_id or None, value_key=item.value_key,
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


def made_to_proto(made: RequestMade) -> pb.RequestFeedbackResponse:
    """The new request as its requester sees it when it was made, with the link token when there is one."""
    return pb.RequestFeedbackResponse(request=request_to_proto(made.request, made.request.requester_id, made.request.created_at), external_token=made.token)


def encode_answer(answer: Answer) -> bytes:
    """The stored answer is the RPC's response, as before the reshape: records written by either read back.
    A link token is never kept (a retry gets a fresh one)."""
    if isinstance(answer, FeedbackRequest):
        return declined_to_proto(answer).SerializeToString()
    if isinstance(answer, Feedback):
        return feedback_to_proto(answer, AUTHOR).SerializeToString()
    if isinstance(answer, RequestMade):
        return made_to_proto(RequestMade(answer.request)).SerializeToString()
    if isinstance(answer, LinkRevoked):
        return pb.RevokeLinkResponse(state=answer.state).SerializeToString()  # type: ignore[arg-type]
    if isinstance(answer, CoachAssigned):
        return pb.AssignCoachResponse().SerializeToString()
    if isinstance(answer, CoachShares):
        return pb.ShareWithCoachResponse(shared=list(answer.shared)).SerializeToString()
    if isinstance(answer, PlannedItem):
        return item_to_proto(answer).SerializeToString()
    if isinstance(answer, DialogueSeen):
        return dialogue_to_proto(answer).SerializeToString()
    if isinstance(answer, Review):
        return review_to_proto(answer).SerializeToString()
    if isinstance(answer, ReviewsOpened):
        return opened_to_proto(answer).SerializeToString()
    if isinstance(answer, SelfAssessment):
        return assessment_to_proto(answer).SerializeToString()
    if isinstance(answer, InvitationMade):
        return invitation_to_proto(InvitationMade(answer.invitation_id, answer.expires_at)).SerializeToString()
    if isinstance(answer, ResponseSubmitted):
        return response_to_proto(answer).SerializeToString()
    # A referral's answer is kept without its note (RaiseReferral answers its id; an answer of RaiseReferralResponse
    # stored before the lifecycle decodes as a pb.Referral too: its field 1 is the id).
    return referral_to_proto(replace(answer, note="")).SerializeToString()


def _made_from_proto(data: bytes) -> RequestMade:
    return RequestMade(request_from_proto(pb.RequestFeedbackResponse.FromString(data).request))


def decode_answer(answer_type: type[Any], data: bytes) -> Answer:
    """A stored answer back as what the use case answered (only what its RPC response holds: a referral its id)."""
    if answer_type is FeedbackRequest:
        return request_from_proto(pb.FeedbackRequest.FromString(data))
    if answer_type is RequestMade:
        return _made_from_proto(data)
    if answer_type is LinkRevoked:
        return LinkRevoked(pb.RevokeLinkResponse.FromString(data).state)
    if answer_type is CoachAssigned:
        return CoachAssigned()
    if answer_type is CoachShares:
        return CoachShares(tuple(pb.ShareWithCoachResponse.FromString(data).shared))
    if answer_type is PlannedItem:
        return item_from_proto(pb.ActionItem.FromString(data))
    if answer_type is DialogueSeen:
        return dialogue_from_proto(pb.Dialogue.FromString(data))
    if answer_type is Review:
        return review_from_proto(pb.Review.FromString(data))
    if answer_type is ReviewsOpened:
        return opened_from_proto(pb.OpenReviewCycleResponse.FromString(data))
    if answer_type is SelfAssessment:
        return assessment_from_proto(pb.SelfAssessment.FromString(data))
    if answer_type is InvitationMade:
        return invitation_from_proto(pb.InviteExternalRaterResponse.FromString(data))
    if answer_type is ResponseSubmitted:
        return ResponseSubmitted(pb.SubmitReviewResponseResponse.FromString(data).response_id)
    if answer_type is Referral:
        return referral_from_proto(pb.Referral.FromString(data))
    assert answer_type is Feedback
    return feedback_from_proto(pb.Feedback.FromString(data))


# ---------- query answers ----------


def page_to_proto(page: FeedbackPage) -> pb.ListFeedbackResponse:
    last = page.items[-1].feedback if page.more and page.items else None
    return pb.ListFeedbackResponse(
        feedback=[feedback_to_proto(s.feedback, s.view) for s in page.items],
        next_page_token=PageAfter(last.given_at, last.id).token() if last is not None else "",
    )


def summary_to_proto(summary: FeedbackSummary) -> pb.FeedbackSummary:
    out = pb.FeedbackSummary(
        employee_id=summary.employee_id, total=summary.total, anonymous=summary.anonymous, with_example=summary.with_example,
        acknowledged=summary.acknowledged, average_delay_hours=summary.average_delay_hours,
    )
    for kind, n in summary.by_kind.items():
        out.by_kind[enum_name(pb.FeedbackKind, kind, "FEEDBACK_KIND_")] += n
    for relation, n in summary.by_relation.items():
        out.by_relation[enum_name(pb.Relation, relation, "RELATION_")] += n
    return out


def requests_to_proto(listed: RequestList) -> pb.ListFeedbackRequestsResponse:
    return pb.ListFeedbackRequestsResponse(requests=[request_to_proto(r, listed.reader_id, listed.at) for r in listed.requests])


def link_to_proto(link: LinkInfo) -> pb.Link:
    out = pb.Link(
        kind=link.kind, state=link.state, subject_name=link.subject_name, requester_name=link.requester_name,  # type: ignore[arg-type]
        question=link.question, due_date=link.due_date.isoformat(),
        questions=[pb.CompetencyQuestion(competency=c, question=q) for c, q in link.questions],
    )
    if link.expires_at is not None:
        out.expires_at.CopyFrom(timestamp(link.expires_at))
    return out


def referral_to_proto(r: Referral) -> pb.Referral:
    return pb.Referral(
        id=r.id, employee_id=r.employee_id, note=r.note, raised_at=timestamp(r.created_at), state=r.state,  # type: ignore[arg-type]
        updated_at=timestamp(r.changed_at), handled_by=r.handled_by,
    )


def referral_from_proto(r: pb.Referral) -> Referral:
    """A kept answer back (no raiser: the RPCs never answer who raised it)."""
    epoch = dt.datetime.fromtimestamp(0, dt.UTC)
    raised = r.raised_at.ToDatetime(dt.UTC) if r.HasField("raised_at") else epoch
    updated = r.updated_at.ToDatetime(dt.UTC) if r.HasField("updated_at") else None
    return Referral(r.id, r.employee_id, "", r.note, raised, r.state or pb.Referral.STATE_RAISED, updated, r.handled_by)


def referrals_to_proto(referrals: list[Referral]) -> pb.ListReferralsResponse:
    return pb.ListReferralsResponse(
        referrals=[referral_to_proto(r) for r in referrals]
    )


def reads_to_proto(reads: list[ReadRecord]) -> pb.ListReadsResponse:
    return pb.ListReadsResponse(
        reads=[pb.ReadRecord(reader_id=r.reader_id, reader_role=r.reader_role, feedback_id=r.item_id, path=r.path, read_at=timestamp(r.read_at)) for r in reads]
    )


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
        value_key=f.value_key,
    )


def acknowledged_event(feedback: Feedback, at: dt.datetime) -> pb.FeedbackAcknowledged:
    f = feedback
    return pb.FeedbackAcknowledged(
        metadata=new_metadata(producer=PRODUCER, subject_id=f.receiver_id, visibility=f.visibility, actor_id=f.receiver_id, occurred_at=at),
        feedback_id=f.id, receiver_id=f.receiver_id, giver_id=f.giver_id if feedback_event_view(f.visibility).giver else "",
        action_item_created=f.action_item_id is not None, action_item_id=f.action_item_id or "", kind=f.kind,  # type: ignore[arg-type]
    )


def request_event(row: Any, actor: str, at: dt.datetime, state: int | None = None) -> pb.FeedbackRequested:
    return pb.FeedbackRequested(
        metadata=new_metadata(producer=PRODUCER, subject_id=row.subject_id, visibility=event_pb2.VISIBILITY_PRIVATE, actor_id=actor, occurred_at=at),
        request_id=row.id, requester_id=row.requester_id, subject_id=row.subject_id, recipient_id=row.recipient_id or "",
        external=row.recipient_id is None, due_date=row.due_date.isoformat(), state=row.state if state is None else state, relation=row.relation,
    )


def event_to_proto(event: Event) -> Message:
    if isinstance(event, FeedbackGiven):
        return given_event(event.feedback, event.at)
    if isinstance(event, FeedbackAcknowledged):
        return acknowledged_event(event.feedback, event.at)
    if isinstance(event, ActionItemCreated):
        return item_event(event.item, event.actor_id, event.at)
    if isinstance(event, ActionItemChanged):
        return item_event(event.item, event.actor_id, event.at)
    if isinstance(event, DialogueChanged):
        return dialogue_event(event.dialogue, event.actor_id, event.at)
    if isinstance(event, ReviewChanged):
        return review_event(event)
    if isinstance(event, SelfAssessed):
        return assessed_event(event)
    if isinstance(event, FeedbackRequestChanged):
        return request_event(event.request, event.actor_id, event.at)
    if isinstance(event, ReferralRaised):
        r = event.referral
        # No content and no actor: only that a referral exists, for HR's follow-up.
        return pb.ReferralRaised(
            metadata=new_metadata(producer=PRODUCER, subject_id=r.employee_id, visibility=event_pb2.VISIBILITY_HR_ONLY, occurred_at=r.created_at),
            referral_id=r.id,
        )
    if isinstance(event, ReferralUpdated):
        r = event.referral
        # As ReferralRaised: the person it is about as subject, the id and the state; no note, no actor.
        return pb.ReferralUpdated(
            metadata=new_metadata(producer=PRODUCER, subject_id=r.employee_id, visibility=event_pb2.VISIBILITY_HR_ONLY, occurred_at=r.changed_at),
            referral_id=r.id, state=r.state,  # type: ignore[arg-type]
        )
    raise TypeError(f"no protobuf for {type(event).__name__}")
