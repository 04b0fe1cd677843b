"""Feedback items and the requests they answer, as objects with their rules: who may claim which relation,
how an answer changes a request, and the events a change leaves behind. No I/O."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain import privacy
from paars_platform.errors import FailedPrecondition, InvalidArgument, PermissionDenied

# What an acknowledgement turns feedback into, unless the receiver says otherwise.
DEFAULT_ACTION_KIND: dict[int, int] = {
    pb.FEEDBACK_KIND_PRAISE: pb.ACTION_KIND_BUILD_STRENGTH,
    pb.FEEDBACK_KIND_CONSTRUCTIVE: pb.ACTION_KIND_ADJUST_WEAKNESS,
    pb.FEEDBACK_KIND_SUGGESTION: pb.ACTION_KIND_DEVELOPMENT_STEP,
}


@dataclass(frozen=True)
class Example:
    """A concrete example: the situation, the behaviour and its impact."""

    situation: str
    behaviour: str
    impact: str


@dataclass(frozen=True)
class Feedback:
    id: str
    # An employee id, or "external:<request id>" for a customer answering through a link.
    giver_id: str
    receiver_id: str
    kind: int
    relation: int
    setting: int
    text: str
    examples: tuple[Example, ...]
    visibility: int
    goal_ids: tuple[str, ...]
    tags: tuple[str, ...]
    moment_at: dt.datetime
    given_at: dt.datetime
    # The request it answered; never kept for an anonymous answer (it would name the giver).
    request_id: str | None = None
    acknowledged_at: dt.datetime | None = None
    acknowledgement_note: str = ""
    action_item_id: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.visibility == privacy.ANONYMOUS

    def check_acknowledgeable_by(self, employee_id: str) -> None:
        """Only the receiver acknowledges, only once, and never an anonymous item (it is only shown in aggregate)."""
        if employee_id != self.receiver_id:
            raise PermissionDenied("only the receiver acknowledges feedback")
        if self.anonymous:
            raise FailedPrecondition("feedback_id: anonymous feedback is only shown in aggregate")
        if self.acknowledged_at is not None:
            raise FailedPrecondition("feedback_id: already acknowledged")

    def acknowledge(self, by: str, note: str, action_item_id: str | None, now: dt.datetime) -> Feedback:
        """The item as acknowledged by its receiver, with their note and the action item made of it."""
        self.check_acknowledgeable_by(by)
        return replace(self, acknowledged_at=now, acknowledgement_note=note.strip(), action_item_id=action_item_id)


@dataclass
class FeedbackRequest:
    """A request for feedback (a person's, or an external recipient's through a link token), as stored."""

    id: str
    requester_id: str
    subject_id: str
    recipient_id: str | None
    external_email: str
    external_name: str
    token_hash: str | None
    question: str
    due_date: dt.date
    expires_at: dt.datetime | None
    # The state everyone but the recipient sees (and events carry).
    state: int
    answered_anonymously: bool
    relation: int
    decline_reason: str
    answered_feedback_id: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    def answer(self, feedback: Feedback, now: dt.datetime) -> bool:
        """Records the answer; True when everyone may learn of it (the request's event is due). Only the
        recipient learns that a request was answered anonymously: to everyone else (and on the broker) it
        stays open and then expires like an unanswered one."""
        if feedback.anonymous:
            self.answered_anonymously = True
            return False
        self.state = pb.FeedbackRequest.STATE_ANSWERED
        self.answered_feedback_id = feedback.id
        self.updated_at = now
        return True

    def decline(self, reason: str, now: dt.datetime) -> None:
        """The recipient says no (the handler has checked that the request is open to them)."""
        self.state = pb.FeedbackRequest.STATE_DECLINED
        self.decline_reason = reason.strip()
        self.updated_at = now


@dataclass(frozen=True)
class Receiver:
    """What giving feedback needs to know about its receiver and the giver, read together."""

    active: bool
    # The giver is one of the receiver's managers / the receiver one of the giver's.
    giver_manages: bool
    receiver_manages: bool
    # For each give limit (count, seconds): the given_at of the giver's count-th most recent item within
    # the window, or None when the window holds fewer.
    oldest_in_window: tuple[dt.datetime | None, ...] = field(default_factory=tuple)


def check_relation(giver_id: str, receiver_id: str, relation: int, receiver: Receiver, *, giver_is_hr: bool) -> None:
    """The relation a giver claims is what the 360 groups and reports rest on: it must hold in the directory."""
    if (giver_id == receiver_id) != (relation == pb.RELATION_SELF):
        raise InvalidArgument("relation", "self exactly when giver and receiver are the same person")
    if relation == pb.RELATION_MANAGER and not receiver.giver_manages:
        raise InvalidArgument("relation", "you are not one of the receiver's managers")
    if relation == pb.RELATION_DIRECT_REPORT and not receiver.receiver_manages:
        raise InvalidArgument("relation", "the receiver is not one of your managers")
    if relation == pb.RELATION_HR and not giver_is_hr:
        raise InvalidArgument("relation", "only HR gives feedback as HR")
    if relation == pb.RELATION_CUSTOMER:
        raise InvalidArgument("relation", "customers give feedback through their link token")


@dataclass(frozen=True)
class ActionItem:
    """A step in someone's action plan (here: made of acknowledged feedback), as stored."""

    id: str
    employee_id: str
    owner_id: str
    title: str
    kind: int
    due_date: dt.date
    state: int
    progress_percent: int
    source_feedback_id: str | None
    source_dialogue_id: str | None
    source_goal_id: str | None
    progress_notes: tuple[str, ...]
    created_at: dt.datetime
    updated_at: dt.datetime
    # Who of a dialogue's two people agreed to it (only items of a dialogue's plan are confirmed).
    confirmed_by: tuple[str, ...] = ()

    @staticmethod
    def from_feedback(item_id: str, feedback: Feedback, title: str, kind: int, due: dt.date, now: dt.datetime) -> ActionItem:
        """The receiver's own open step: the title they chose, or one naming the feedback; its kind follows the feedback's."""
        return ActionItem(
            id=item_id, employee_id=feedback.receiver_id, owner_id=feedback.receiver_id,
            title=(title.strip() or f"Aan de slag met: {feedback.text[:150]}").strip(), kind=kind or DEFAULT_ACTION_KIND[feedback.kind],
            due_date=due, state=pb.ActionItem.STATE_OPEN, progress_percent=0, source_feedback_id=feedback.id, source_dialogue_id=None,
            source_goal_id=None, progress_notes=(), created_at=now, updated_at=now,
        )


@dataclass(frozen=True)
class FeedbackGiven:
    feedback: Feedback
    at: dt.datetime


@dataclass(frozen=True)
class FeedbackRequestChanged:
    """A request's state changed (answered, here); actor "" when nobody may be named (an external giver)."""

    request: FeedbackRequest
    actor_id: str
    at: dt.datetime

    @staticmethod
    def of(request: FeedbackRequest, actor_id: str, at: dt.datetime) -> FeedbackRequestChanged:
        # A snapshot: the event carries the request as it was when the change was made.
        return FeedbackRequestChanged(replace(request), actor_id, at)


@dataclass(frozen=True)
class FeedbackAcknowledged:
    feedback: Feedback
    at: dt.datetime


@dataclass(frozen=True)
class ActionItemCreated:
    item: ActionItem
    actor_id: str
    at: dt.datetime
