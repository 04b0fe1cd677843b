"""Feedback items and the requests they answer, as objects with their rules: who may claim which relation,
how an answer changes a request, and the events a change leaves behind. No I/O."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain import links, privacy
from paars_platform.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from paars_platform.values import enum_name

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
    # The organisation story's value it names (a value passage key of the published story), or "".
    value_key: str = ""

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

    @property
    def external(self) -> bool:
        return self.recipient_id is None

    def public_state(self, now: dt.datetime) -> int:
        """The state everyone but the recipient sees: an open request past its expiry is expired (marked or not)."""
        return int(links.public_state(self, now))

    def overdue(self, now: dt.datetime) -> bool:
        """Open (to everyone but perhaps its recipient) and past its expiry, but not yet marked expired."""
        return self.state == pb.FeedbackRequest.STATE_OPEN and self.expires_at is not None and self.expires_at <= now

    def revoke(self, by: str, now: dt.datetime, *, by_hr: bool) -> None:
        """Whoever sent the request (or HR) withdraws it while it is open (an anonymous answer leaves it open)."""
        if by != self.requester_id and not by_hr:
            raise PermissionDenied("request_id: whoever sent the request (or HR) withdraws it")
        state = self.public_state(now)
        if state != pb.FeedbackRequest.STATE_OPEN:
            raise FailedPrecondition(f"request_id: the request is {_state_name(state)}")
        self.state = pb.FeedbackRequest.STATE_REVOKED
        self.updated_at = now

    def reissue_token(self, token_hash: str, now: dt.datetime) -> bool:
        """A fresh link token replaces the old one while the request can still be answered through it."""
        if self.state != pb.FeedbackRequest.STATE_OPEN or self.answered_anonymously or self.expires_at is None or self.expires_at <= now:
            return False
        self.token_hash = token_hash
        return True

    def expire(self, now: dt.datetime) -> None:
        """Time closed it: open past its expiry (anonymously answered ones too, so nobody can tell them apart)."""
        self.state = pb.FeedbackRequest.STATE_EXPIRED
        self.updated_at = now


def _state_name(state: int) -> str:
    return enum_name(pb.FeedbackRequest.State, state, "STATE_")


@dataclass(frozen=True)
class RequestMade:
    """RequestFeedback's answer: the new request and, for an external recipient, its link token. The token is
    in this answer only (never stored, nor kept for a retry: a retried call gets a fresh one)."""

    request: FeedbackRequest
    token: str = ""


@dataclass(frozen=True)
class Person:
    """Someone in the directory projection, as the use cases need them."""

    id: str
    name: str
    active: bool


@dataclass
class Invitation:
    """A 360 review's single-use link for an external rater, with what of its review the link shows."""

    id: str
    review_id: str
    subject_id: str
    opened_by: str
    review_closed: bool
    questions: tuple[tuple[str, str], ...]
    due_date: dt.date
    used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    expires_at: dt.datetime | None

    def link_state(self, now: dt.datetime) -> int:
        if self.used_at is not None:
            return pb.LINK_STATE_USED
        if self.revoked_at is not None:
            return pb.LINK_STATE_REVOKED
        if self.review_closed or self.expires_at is None or self.expires_at <= now:
            return pb.LINK_STATE_EXPIRED
        return pb.LINK_STATE_OPEN

    def revoke(self, now: dt.datetime) -> None:
        """Withdrawn while open (the handler has checked who asks)."""
        state = self.link_state(now)
        if state != pb.LINK_STATE_OPEN:
            raise FailedPrecondition(f"invitation_id: the invitation is {enum_name(pb.LinkState, state, 'LINK_STATE_')}")
        self.revoked_at = now


@dataclass(frozen=True)
class LinkRevoked:
    """RevokeLink's answer: the link is revoked."""

    state: int = pb.LINK_STATE_REVOKED


@dataclass(frozen=True)
class CoachAssigned:
    """AssignCoach's answer (nothing to say but that it is done)."""


@dataclass(frozen=True)
class CoachShares:
    """ShareWithCoach's answer: everything the person now shares with their coach, as "kind:item_id"."""

    shared: tuple[str, ...]


REFERRAL_RAISED = pb.Referral.STATE_RAISED
REFERRAL_ACKNOWLEDGED = pb.Referral.STATE_ACKNOWLEDGED
REFERRAL_CLOSED = pb.Referral.STATE_CLOSED


@dataclass(frozen=True)
class Referral:
    """A confidential referral (for HR's follow-up): raised, acknowledged by HR, closed by HR."""

    id: str
    employee_id: str
    raised_by: str
    note: str
    created_at: dt.datetime
    state: int = REFERRAL_RAISED
    # When the state last changed; None means created_at (it is set on every change).
    updated_at: dt.datetime | None = None
    # The HR person who acknowledged or closed it ("" while raised).
    handled_by: str = ""

    @property
    def changed_at(self) -> dt.datetime:
        return self.updated_at or self.created_at

    def acknowledge(self, by: str, at: dt.datetime) -> Referral:
        """HR has it: only a raised referral is acknowledged."""
        if self.state != REFERRAL_RAISED:
            raise FailedPrecondition(f"referral_id: the referral is {'closed' if self.state == REFERRAL_CLOSED else 'acknowledged'} already")
        return replace(self, state=REFERRAL_ACKNOWLEDGED, updated_at=at, handled_by=by)

    def close(self, by: str, at: dt.datetime) -> Referral:
        """HR is done with it: only an acknowledged referral is closed (raised -> acknowledged -> closed)."""
        if self.state != REFERRAL_ACKNOWLEDGED:
            what = "closed already" if self.state == REFERRAL_CLOSED else "acknowledged first"
            raise FailedPrecondition(f"referral_id: the referral is {what}")
        return replace(self, state=REFERRAL_CLOSED, updated_at=at, handled_by=by)


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


@dataclass(frozen=True)
class ReferralRaised:
    """No content and no actor: only that a referral exists, for HR's follow-up."""

    referral: Referral


@dataclass(frozen=True)
class ReferralUpdated:
    """HR acknowledged or closed a referral: its id and state only (no content, no actor, as ReferralRaised)."""

    referral: Referral


@dataclass(frozen=True)
class ReadRecord:
    """A line of the read audit: who read what of someone's feedback, on what basis, by which path."""

    subject_id: str
    reader_id: str
    reader_role: str
    item_id: str
    path: str
    read_at: dt.datetime


@dataclass(frozen=True)
class SummaryGroup:
    """Items about one person that share kind, visibility, relation, having an example and being
    acknowledged: how many, and their hours from moment to giving, summed."""

    kind: int
    visibility: int
    relation: int
    has_example: bool
    acknowledged: bool
    count: int
    hours: float


@dataclass(frozen=True)
class FeedbackSummary:
    """Counts and averages of what a reader may count about a person (anonymous items included, by count only)."""

    employee_id: str
    total: int
    by_kind: dict[int, int]
    by_relation: dict[int, int]
    anonymous: int
    with_example: int
    acknowledged: int
    average_delay_hours: float

    @staticmethod
    def of(employee_id: str, groups: list[SummaryGroup]) -> FeedbackSummary:
        by_kind: dict[int, int] = {}
        by_relation: dict[int, int] = {}
        total = anonymous = with_example = acknowledged = 0
        hours = 0.0
        for g in groups:
            total += g.count
            by_kind[g.kind] = by_kind.get(g.kind, 0) + g.count
            if g.visibility == privacy.ANONYMOUS:
                # Who gave an anonymous item, and so their relation, is never told.
                anonymous += g.count
            else:
                by_relation[g.relation] = by_relation.get(g.relation, 0) + g.count
            with_example += g.count if g.has_example else 0
            acknowledged += g.count if g.acknowledged else 0
            hours += g.hours
        return FeedbackSummary(
            employee_id, total, by_kind, by_relation, anonymous, with_example, acknowledged,
            round(hours / total, 3) if total else 0.0,
        )


@dataclass(frozen=True)
class Shown:
    """An item with what of it this reader gets (privacy.feedback_view)."""

    feedback: Feedback
    view: privacy.FeedbackView


@dataclass(frozen=True)
class FeedbackPage:
    items: tuple[Shown, ...]
    # More items follow the last one shown.
    more: bool


@dataclass(frozen=True)
class RequestList:
    """Requests as one reader sees them at one moment (the recipient alone learns of an anonymous answer)."""

    requests: tuple[FeedbackRequest, ...]
    reader_id: str
    at: dt.datetime


@dataclass(frozen=True)
class LinkInfo:
    """What a link token opens (a feedback request or a 360 invitation) and whether it is still open."""

    kind: int
    state: int
    subject_name: str
    requester_name: str
    question: str
    questions: tuple[tuple[str, str], ...]
    due_date: dt.date
    expires_at: dt.datetime | None
