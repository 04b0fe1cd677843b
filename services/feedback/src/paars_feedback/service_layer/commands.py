"""What callers ask the feedback service to do (commands, imperative), and the checks a request must pass
before anything is read or written: who asks first, then every wrong field named at once."""
from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.config import FeedbackConfig
from paars_feedback.domain import anonymity, privacy
from paars_feedback.domain.action_plan import STATES as ACTION_STATES
from paars_feedback.domain.action_plan import DialogueSeen, PlannedItem
from paars_feedback.domain.feedback import (
    CoachAssigned,
    CoachShares,
    Example,
    Feedback,
    FeedbackRequest,
    LinkRevoked,
    ReadRecord,
    Referral,
    RequestMade,
)
from paars_feedback.domain.review import InvitationMade, Rating, ResponseSubmitted, Review, ReviewsOpened, SelfAssessment
from paars_feedback.service_layer.common import (
    EMAIL_PATTERN,
    MAX_TEXT,
    check_ids,
    check_tags,
    require_text,
    timestamp_value,
    token_hash,
    valid_id,
)
from paars_platform import shape
from paars_platform.auth import Identity
from paars_platform.errors import InvalidArgument, Unauthenticated, Validator
from paars_platform.shape import RequestKey as RequestKey  # re-exported: callers import it from here
from paars_platform.values import enum_name, parse_date

# The kinds of action item (domain/action_plan.KINDS, also in the answers of the older use cases).
ACTION_KINDS = (pb.ACTION_KIND_BUILD_STRENGTH, pb.ACTION_KIND_ADJUST_WEAKNESS, pb.ACTION_KIND_DEVELOPMENT_STEP)

KINDS = (pb.FEEDBACK_KIND_PRAISE, pb.FEEDBACK_KIND_CONSTRUCTIVE, pb.FEEDBACK_KIND_SUGGESTION)
RELATIONS = tuple(r for r in pb.Relation.values() if r != pb.RELATION_UNSPECIFIED)
SETTINGS = (pb.FEEDBACK_SETTING_UNSPECIFIED, pb.FEEDBACK_SETTING_INFORMAL, pb.FEEDBACK_SETTING_FORMAL)
MAX_EXAMPLES = 10
MAX_IDEMPOTENCY_KEY = 200
MAX_VALUE_KEY = 100
# Clocks differ; a moment a few minutes "in the future" is still now.
CLOCK_SKEW = dt.timedelta(minutes=5)


A = TypeVar("A")


@dataclass(frozen=True)
class Command(shape.Command[A]):
    """A change someone asks for, answered with an A (METHOD, ANSWER, caller and request: paars_platform.shape)."""

    @property
    def caller_key(self) -> str:
        """Whose idempotency keys these are."""
        return self.caller.employee_id

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        """Raises Unauthenticated, or InvalidArgument naming every wrong field, for what the command alone decides."""


class ExternalCommand(Command[A]):
    """A command someone may send with a bearer token or, from outside the organisation, with a link token
    (external_token): who is asking, and whose idempotency keys these are, follow from which."""

    external_token: str

    @property
    def external(self) -> bool:
        return bool(self.external_token)

    @property
    def token_hash(self) -> str:
        return token_hash(self.external_token) if self.external else ""

    @property
    def caller_key(self) -> str:
        return f"external:{self.token_hash[:32]}" if self.external else self.caller.employee_id

    def check_caller(self) -> None:
        """Who asks comes before what they ask: a caller without credentials learns nothing about its request."""
        if not self.external and (not self.caller.employee_id or self.caller.kind == "anonymous"):
            raise Unauthenticated("a bearer token or an external_token is required")


@dataclass(frozen=True)
class Moment:
    """A google.protobuf.Timestamp as sent: checked (and turned into a time) by GiveFeedback.check."""

    seconds: int
    nanos: int


@dataclass(frozen=True)
class GiveFeedback(ExternalCommand[Feedback]):
    METHOD: ClassVar[str] = "GiveFeedback"
    ANSWER: ClassVar[type[Any]] = Feedback
    receiver_id: str
    kind: int
    relation: int
    setting: int
    text: str
    examples: tuple[Example, ...]
    visibility: int
    goal_ids: tuple[str, ...]
    tags: tuple[str, ...]
    moment: Moment | None
    request_id: str
    external_token: str
    # A value of the published organisation story ("value.openness"), or "".
    value_key: str = ""


    def visibility_in(self, config: FeedbackConfig) -> int:
        """The chosen visibility, or the organisation's default."""
        return self.visibility or config.allowed_visibilities[0]

    def moment_at(self) -> dt.datetime | None:
        if self.moment is None:
            return None
        return dt.datetime.fromtimestamp(self.moment.seconds, dt.UTC) + dt.timedelta(microseconds=self.moment.nanos // 1000)

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        self.check_caller()
        v = Validator()
        if not self.external and not self.request_id:
            v.check(valid_id(self.receiver_id), "receiver_id", "is required")
        elif self.receiver_id:
            v.check(valid_id(self.receiver_id), "receiver_id", "is not a valid id")
        v.check(self.kind in KINDS, "kind", "must be praise, constructive or suggestion")
        if not self.external:
            v.check(self.relation in RELATIONS, "relation", "is required: your relation to the receiver")
        v.check(self.setting in SETTINGS, "setting", "unknown setting")
        require_text(v, self.text, "text", MAX_TEXT)
        if self.kind == pb.FEEDBACK_KIND_CONSTRUCTIVE:
            v.check(
                len(self.examples) > 0, "examples",
                "constructive feedback needs at least one concrete example: the situation, the behaviour and its impact",
            )
        v.check(len(self.examples) <= MAX_EXAMPLES, "examples", f"at most {MAX_EXAMPLES} examples")
        for i, example in enumerate(self.examples):
            for part in ("situation", "behaviour", "impact"):
                require_text(v, getattr(example, part), f"examples[{i}].{part}", 1000)
        visibility = self.visibility_in(config)
        allowed = ", ".join(enum_name(event_pb2.Visibility, x, "VISIBILITY_") for x in config.allowed_visibilities)
        if v.check(visibility in privacy.FEEDBACK_VISIBILITIES, "visibility", "must be private, receiver_and_manager, public or anonymous_aggregate"):
            v.check(visibility in config.allowed_visibilities, "visibility", f"the organisation allows: {allowed}")
            v.check(visibility != privacy.PUBLIC or self.kind == pb.FEEDBACK_KIND_PRAISE, "visibility", "only praise can be public")
        check_ids(v, list(self.goal_ids), "goal_ids")
        check_tags(v, list(self.tags), "tags")
        if self.moment is not None:
            moment = timestamp_value(v, self.moment, "moment_at")
            if moment is not None:
                v.check(moment <= now + CLOCK_SKEW, "moment_at", "cannot be in the future")
                v.check(moment >= now - dt.timedelta(days=3 * 365), "moment_at", "is more than three years ago")
        if self.request_id:
            v.check(valid_id(self.request_id), "request_id", "is not a valid id")
        v.max_length(self.external_token, "external_token", 200)
        v.max_length(self.value_key, "value_key", MAX_VALUE_KEY)
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class AcknowledgeFeedback(Command[Feedback]):
    METHOD: ClassVar[str] = "AcknowledgeFeedback"
    ANSWER: ClassVar[type[Any]] = Feedback
    feedback_id: str
    note: str
    create_action_item: bool
    action_title: str
    action_due_date: str
    action_kind: int

    def due(self) -> dt.date:
        """The action item's due date (check() has made sure there is one when an item is asked for)."""
        return dt.date.fromisoformat(self.action_due_date)

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.check(valid_id(self.feedback_id), "feedback_id", "is required")
        v.max_length(self.note, "note", 2000)
        if self.create_action_item:
            v.max_length(self.action_title, "action_title", 200)
            parse_date(self.action_due_date, "action_due_date", v)
            v.check(self.action_kind == pb.ACTION_KIND_UNSPECIFIED or self.action_kind in ACTION_KINDS, "action_kind", "unknown kind")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class DeclineFeedbackRequest(ExternalCommand[FeedbackRequest]):
    METHOD: ClassVar[str] = "DeclineFeedbackRequest"
    ANSWER: ClassVar[type[Any]] = FeedbackRequest
    request_id: str
    reason: str
    external_token: str


    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        self.check_caller()
        v = Validator()
        if not self.external or self.request_id:
            v.check(valid_id(self.request_id), "request_id", "is required")
        v.max_length(self.reason, "reason", 1000)
        v.max_length(self.external_token, "external_token", 200)
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class RequestFeedback(Command[RequestMade]):
    METHOD: ClassVar[str] = "RequestFeedback"
    ANSWER: ClassVar[type[Any]] = RequestMade
    subject_id: str
    recipient_id: str
    external_email: str
    external_name: str
    question: str
    due_date: str
    relation: int

    @property
    def subject(self) -> str:
        return self.subject_id or self.caller.employee_id

    @property
    def external(self) -> bool:
        return bool(self.external_email)

    def due(self) -> dt.date:
        return dt.date.fromisoformat(self.due_date)

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        me = self.caller.employee_id
        v = Validator()
        v.check(valid_id(self.subject), "subject_id", "is not a valid id")
        if self.external:
            v.check(not self.recipient_id, "recipient_id", "give a recipient_id or an external_email, not both")
            v.check(bool(EMAIL_PATTERN.match(self.external_email)) and len(self.external_email) <= 320, "external_email", "must be an e-mail address")
            require_text(v, self.external_name, "external_name")
        elif v.check(valid_id(self.recipient_id), "recipient_id", "is required (or an external_email)"):
            v.check(self.recipient_id != me, "recipient_id", "you cannot ask yourself for feedback: ask someone else, or write a self-assessment")
            v.check(self.recipient_id != self.subject, "recipient_id", "cannot be the person the feedback is about")
        require_text(v, self.question, "question", 1000)
        due = parse_date(self.due_date, "due_date", v)
        if due is not None:
            v.check(due >= now.date(), "due_date", "cannot be in the past")
        v.check(self.relation == pb.RELATION_UNSPECIFIED or self.relation in RELATIONS, "relation", "unknown relation")
        v.check(not self.external or self.relation in (pb.RELATION_UNSPECIFIED, pb.RELATION_CUSTOMER), "relation", "an external recipient answers as a customer")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class ReissueRequestLink(Command[RequestMade]):
    """A retried RequestFeedback (same idempotency key) never saw its link token: the requester gets a fresh
    one and the first stops working. A request no longer open gets none."""

    METHOD: ClassVar[str] = "ReissueRequestLink"
    ANSWER: ClassVar[type[Any]] = RequestMade
    request_id: str


@dataclass(frozen=True)
class RevokeLink(Command[LinkRevoked]):
    METHOD: ClassVar[str] = "RevokeLink"
    ANSWER: ClassVar[type[Any]] = LinkRevoked
    request_id: str
    invitation_id: str

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        if v.check(bool(self.request_id) != bool(self.invitation_id), "request_id", "name a request_id or an invitation_id"):
            field = "request_id" if self.request_id else "invitation_id"
            v.check(valid_id(self.request_id or self.invitation_id), field, "is not a valid id")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class AssignCoach(Command[CoachAssigned]):
    METHOD: ClassVar[str] = "AssignCoach"
    ANSWER: ClassVar[type[Any]] = CoachAssigned
    employee_id: str
    coach_id: str

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.check(valid_id(self.employee_id), "employee_id", "is required")
        if v.check(valid_id(self.coach_id), "coach_id", "is required"):
            v.check(self.coach_id != self.employee_id, "coach_id", "nobody coaches themselves")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


# What can be shared with a coach, by the request's field (an action plan is the person's own, by flag).
SHAREABLE = (("feedback", "feedback_id"), ("review", "review_id"), ("dialogue", "dialogue_id"))


@dataclass(frozen=True)
class ShareWithCoach(Command[CoachShares]):
    METHOD: ClassVar[str] = "ShareWithCoach"
    ANSWER: ClassVar[type[Any]] = CoachShares
    feedback_id: str
    review_id: str
    dialogue_id: str
    action_plan: bool
    revoke: bool

    def targets(self) -> list[tuple[str, str]]:
        """(kind, item id) of what is named, in the request's order; the action plan is the caller's own."""
        named = [(kind, getattr(self, f)) for kind, f in SHAREABLE if getattr(self, f)]
        return named + ([("action-plan", self.caller.employee_id)] if self.action_plan else [])

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        named = [(kind, getattr(self, f)) for kind, f in SHAREABLE if getattr(self, f)]
        for kind, value in named:
            v.check(valid_id(value), f"{kind}_id", "is not a valid id")
        v.check(bool(named) or self.action_plan, "feedback_id", "name something to share: feedback_id, review_id, dialogue_id or action_plan")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class RaiseReferral(Command[Referral]):
    METHOD: ClassVar[str] = "RaiseReferral"
    ANSWER: ClassVar[type[Any]] = Referral
    employee_id: str
    note: str

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.check(valid_id(self.employee_id), "employee_id", "is required")
        v.max_length(self.note, "note", MAX_TEXT)
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class ReferralStep(Command[Referral]):
    """A step HR takes on a referral, named by its id; who may is domain/privacy.may_handle_referral."""

    ANSWER: ClassVar[type[Any]] = Referral
    referral_id: str

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.check(valid_id(self.referral_id), "referral_id", "is required")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class AcknowledgeReferral(ReferralStep):
    """HR has the referral (raised -> acknowledged)."""

    METHOD: ClassVar[str] = "AcknowledgeReferral"


@dataclass(frozen=True)
class CloseReferral(ReferralStep):
    """HR is done with the referral (acknowledged -> closed)."""

    METHOD: ClassVar[str] = "CloseReferral"


@dataclass(frozen=True)
class ExpireOverdueRequests(Command[int]):
    """Open requests past their expiry become expired, each with its event (no actor: time did it); the
    sweep runs it for all of them, a list that shows overdue ones for those (request_ids). Answers how many."""

    METHOD: ClassVar[str] = "ExpireOverdueRequests"
    ANSWER: ClassVar[type[Any]] = int
    request_ids: tuple[str, ...] | None = None


# The service itself, when it asks for what a read leaves to do (the read audit, marking overdue requests).
SERVICE_CALLER = Identity("paars-feedback", frozenset({"system"}), "system")


@dataclass(frozen=True)
class RecordReads(Command[int]):
    """Lines for the read audit that a query showed; answers how many."""

    METHOD: ClassVar[str] = "RecordReads"
    ANSWER: ClassVar[type[Any]] = int
    lines: tuple[ReadRecord, ...] = ()


# ---------- queries: what callers want to know ----------


@dataclass(frozen=True)
class Answered(Generic[A]):
    """A query's answer and the commands its reading leaves to do (the read audit, marking overdue requests
    expired): the bus runs them after the read, each in its own unit of work, before it answers."""

    answer: A
    then: tuple[Command[Any], ...] = ()


@dataclass(frozen=True)
class Query(Generic[A]):
    """A question, answered with an A; check() refuses what the query alone decides."""

    caller: Identity

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        """Raises InvalidArgument naming every wrong field."""


def _check_id(value: str, field: str, message: str = "is not a valid id") -> None:
    if not valid_id(value):
        raise InvalidArgument(field, message)


@dataclass(frozen=True)
class GetFeedback(Query[Any]):
    feedback_id: str

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        _check_id(self.feedback_id, "feedback_id", "is required")


@dataclass(frozen=True)
class PageAfter:
    """A keyset cursor: the (given_at, id) of the last item on the previous page."""

    given_at: dt.datetime
    feedback_id: str

    def token(self) -> str:
        return base64.urlsafe_b64encode(f"k:{self.given_at.isoformat()}|{self.feedback_id}".encode()).decode()

    @staticmethod
    def of(token: str) -> PageAfter | None:
        """The cursor a page token this service gave out stands for (None for the first page)."""
        if not token:
            return None
        try:
            raw = base64.urlsafe_b64decode(token.encode()).decode()
            at, _, item_id = raw.removeprefix("k:").partition("|")
            if raw.startswith("k:") and valid_id(item_id):
                moment = dt.datetime.fromisoformat(at)
                if moment.tzinfo is not None:
                    return PageAfter(moment, item_id)
        except (ValueError, UnicodeDecodeError):
            pass
        raise InvalidArgument("page_token", "is not a token this service gave out")


@dataclass(frozen=True)
class ListFeedback(Query[Any]):
    receiver_id: str
    giver_id: str
    page_size: int
    page_token: str

    @property
    def after(self) -> PageAfter | None:
        return PageAfter.of(self.page_token)

    @property
    def receiver(self) -> str:
        """About whom: the receiver asked for, else (without a giver either) the caller."""
        return self.receiver_id or ("" if self.giver_id else self.caller.employee_id)

    @property
    def size(self) -> int:
        return self.page_size or 50

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        if self.receiver:
            v.check(valid_id(self.receiver), "receiver_id", "is not a valid id")
        if self.giver_id:
            v.check(valid_id(self.giver_id), "giver_id", "is not a valid id")
        v.check(0 <= self.page_size <= 200, "page_size", "must be between 0 and 200 (0 means 50)")
        v.raise_if_any()
        PageAfter.of(self.page_token)


@dataclass(frozen=True)
class GetFeedbackSummary(Query[Any]):
    employee_id: str

    @property
    def subject(self) -> str:
        return self.employee_id or self.caller.employee_id

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        _check_id(self.subject, "employee_id")


@dataclass(frozen=True)
class ListFeedbackRequests(Query[Any]):
    recipient_id: str
    requester_id: str


@dataclass(frozen=True)
class GetLink(Query[Any]):
    external_token: str

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        if not self.external_token or len(self.external_token) > 200:
            raise InvalidArgument("external_token", "is required (at most 200 characters)")


@dataclass(frozen=True)
class ListReferrals(Query[Any]):
    employee_id: str

    @property
    def subject(self) -> str:
        return self.employee_id or self.caller.employee_id

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        _check_id(self.subject, "employee_id")


@dataclass(frozen=True)
class ListReads(Query[Any]):
    employee_id: str

    @property
    def subject(self) -> str:
        return self.employee_id or self.caller.employee_id

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        _check_id(self.subject, "employee_id")


# ---------- action plans (service_layer/action_plans.py) ----------


@dataclass(frozen=True)
class CreateActionItem(Command[PlannedItem]):
    METHOD: ClassVar[str] = "CreateActionItem"
    ANSWER: ClassVar[type[Any]] = PlannedItem
    employee_id: str
    owner_id: str
    title: str
    kind: int
    due_date: str
    source_feedback_id: str = ""
    source_dialogue_id: str = ""
    source_goal_id: str = ""

    @property
    def employee(self) -> str:
        return self.employee_id or self.caller.employee_id

    @property
    def owner(self) -> str:
        return self.owner_id or self.employee

    @property
    def due(self) -> dt.date:
        return dt.date.fromisoformat(self.due_date)

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.check(valid_id(self.employee), "employee_id", "is not a valid id")
        v.check(valid_id(self.owner), "owner_id", "is not a valid id")
        v.require(self.title, "title", 200)
        v.check(self.kind in ACTION_KINDS, "kind", "must be build-strength, adjust-weakness or development-step")
        parse_date(self.due_date, "due_date", v)
        for name in ("source_feedback_id", "source_dialogue_id", "source_goal_id"):
            if getattr(self, name):
                v.check(valid_id(getattr(self, name)), name, "is not a valid id")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class UpdateActionItem(Command[PlannedItem]):
    METHOD: ClassVar[str] = "UpdateActionItem"
    ANSWER: ClassVar[type[Any]] = PlannedItem
    action_item_id: str
    progress_percent: int
    state: int
    note: str

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.require(self.action_item_id, "action_item_id", 64)
        v.check(0 <= self.progress_percent <= 100, "progress_percent", "must be between 0 and 100")
        v.check(self.state == pb.ActionItem.STATE_UNSPECIFIED or self.state in ACTION_STATES, "state", "unknown state")
        v.max_length(self.note, "note", 1000)
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class ConfirmActionItem(Command[PlannedItem]):
    METHOD: ClassVar[str] = "ConfirmActionItem"
    ANSWER: ClassVar[type[Any]] = PlannedItem
    action_item_id: str

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.check(valid_id(self.action_item_id), "action_item_id", "is required")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class ListActionItems(Query[Any]):
    employee_id: str

    @property
    def subject(self) -> str:
        return self.employee_id or self.caller.employee_id

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        _check_id(self.subject, "employee_id")


# ---------- the purple dialogue (service_layer/dialogue_use_cases.py) ----------

DIALOGUE_KINDS = (pb.DIALOGUE_KIND_PERFORMANCE, pb.DIALOGUE_KIND_EVALUATION)


def _moment(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value)
        return True
    except ValueError:
        return False


@dataclass(frozen=True)
class ScheduleDialogue(Command[DialogueSeen]):
    METHOD: ClassVar[str] = "ScheduleDialogue"
    ANSWER: ClassVar[type[Any]] = DialogueSeen
    kind: int
    employee_id: str
    scheduled_for: str
    review_id: str
    goal_ids: tuple[str, ...]

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.check(self.kind in DIALOGUE_KINDS, "kind", "must be performance (functioneringsgesprek) or evaluation (evaluatiegesprek)")
        v.check(valid_id(self.employee_id), "employee_id", "is required")
        if v.require(self.scheduled_for, "scheduled_for", 40):
            v.check(_moment(self.scheduled_for), "scheduled_for", "must be an ISO date or date-time")
        if self.review_id:
            v.check(valid_id(self.review_id), "review_id", "is not a valid id")
        check_ids(v, list(self.goal_ids), "goal_ids")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class SubmitPreparation(Command[DialogueSeen]):
    METHOD: ClassVar[str] = "SubmitPreparation"
    ANSWER: ClassVar[type[Any]] = DialogueSeen
    dialogue_id: str
    reflection: str
    agenda_items: tuple[str, ...]

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.check(valid_id(self.dialogue_id), "dialogue_id", "is required")
        v.require(self.reflection, "reflection", MAX_TEXT)
        v.check(len(self.agenda_items) <= 20, "agenda_items", "at most 20 items")
        for i, item in enumerate(self.agenda_items):
            v.require(item, f"agenda_items[{i}]", 200)
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class RecordDialogueNotes(Command[DialogueSeen]):
    METHOD: ClassVar[str] = "RecordDialogueNotes"
    ANSWER: ClassVar[type[Any]] = DialogueSeen
    dialogue_id: str
    expected_version: int
    shared_notes: str

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.check(valid_id(self.dialogue_id), "dialogue_id", "is required")
        v.require(self.shared_notes, "shared_notes", 10 * MAX_TEXT)
        v.check(self.expected_version >= 0, "expected_version", "cannot be negative")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class SignDialogue(Command[DialogueSeen]):
    METHOD: ClassVar[str] = "SignDialogue"
    ANSWER: ClassVar[type[Any]] = DialogueSeen
    dialogue_id: str

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.check(valid_id(self.dialogue_id), "dialogue_id", "is required")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class ListDialogues(Query[Any]):
    """The caller's own dialogues, as one of their two people."""


# ---------- 360 reviews (service_layer/review_use_cases.py) ----------

MAX_QUESTIONS = 30
MAX_SUBJECTS = 50
MAX_RATERS = 20


@dataclass(frozen=True)
class OpenReviewCycle(Command[ReviewsOpened]):
    METHOD: ClassVar[str] = "OpenReviewCycle"
    ANSWER: ClassVar[type[Any]] = ReviewsOpened
    cycle_name: str
    subject_ids: tuple[str, ...]
    rater_groups: tuple[int, ...]
    # (competency, question)
    questions: tuple[tuple[str, str], ...]
    anonymity_threshold: int
    due_date: str

    @property
    def due(self) -> dt.date:
        return dt.date.fromisoformat(self.due_date)

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        k = config.anonymity_k
        v = Validator()
        v.require(self.cycle_name, "cycle_name")
        v.check(0 < len(self.subject_ids) <= MAX_SUBJECTS, "subject_ids", f"1 to {MAX_SUBJECTS} people")
        for i, subject in enumerate(self.subject_ids):
            v.check(valid_id(subject), f"subject_ids[{i}]", "is not a valid id")
        v.check(len(set(self.subject_ids)) == len(self.subject_ids), "subject_ids", "someone appears twice")
        v.check(len(self.rater_groups) > 0, "rater_groups", "at least one rater group")
        for i, group in enumerate(self.rater_groups):
            v.check(group in anonymity.ASKABLE_GROUPS, f"rater_groups[{i}]", "must be self, manager, peers, reports or customers")
        v.check(len(set(self.rater_groups)) == len(self.rater_groups), "rater_groups", "a group appears twice")
        v.check(0 < len(self.questions) <= MAX_QUESTIONS, "questions", f"1 to {MAX_QUESTIONS} competency questions")
        seen: set[str] = set()
        for i, (competency, question) in enumerate(self.questions):
            if v.require(competency, f"questions[{i}].competency", 64):
                v.check(competency not in seen, f"questions[{i}].competency", "asked twice")
                seen.add(competency)
            v.require(question, f"questions[{i}].question", 500)
        v.check(self.anonymity_threshold == 0 or k <= self.anonymity_threshold <= 50, "anonymity_threshold", f"0 (the organisation's {k}) or between {k} and 50")
        due = parse_date(self.due_date, "due_date", v)
        if due is not None:
            v.check(due >= now.date(), "due_date", "cannot be in the past")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class NominateRaters(Command[Review]):
    METHOD: ClassVar[str] = "NominateRaters"
    ANSWER: ClassVar[type[Any]] = Review
    review_id: str
    group: int
    rater_ids: tuple[str, ...]

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.check(valid_id(self.review_id), "review_id", "is required")
        v.check(self.group in (pb.RATER_GROUP_UNSPECIFIED, anonymity.PEERS), "group", "people nominate peers; managers, reports and customers come from the directory and invitations")
        v.check(0 < len(self.rater_ids) <= MAX_RATERS, "rater_ids", f"1 to {MAX_RATERS} people")
        for i, rater in enumerate(self.rater_ids):
            v.check(valid_id(rater), f"rater_ids[{i}]", "is not a valid id")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class ApproveRaters(Command[Review]):
    METHOD: ClassVar[str] = "ApproveRaters"
    ANSWER: ClassVar[type[Any]] = Review
    review_id: str
    rater_ids: tuple[str, ...]

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.check(valid_id(self.review_id), "review_id", "is required")
        v.check(len(self.rater_ids) <= MAX_RATERS, "rater_ids", f"at most {MAX_RATERS} (none: all nominated)")
        for i, rater in enumerate(self.rater_ids):
            v.check(valid_id(rater), f"rater_ids[{i}]", "is not a valid id")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class CloseReviewCycle(Command[Review]):
    METHOD: ClassVar[str] = "CloseReviewCycle"
    ANSWER: ClassVar[type[Any]] = Review
    review_id: str

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.check(valid_id(self.review_id), "review_id", "is required")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


def check_ratings(v: Validator, ratings: tuple[Rating, ...], field: str = "ratings") -> None:
    v.check(len(ratings) > 0, field, "at least one rating is required")
    v.check(len(ratings) <= MAX_QUESTIONS, field, f"at most {MAX_QUESTIONS} ratings")
    seen: set[str] = set()
    for i, rating in enumerate(ratings):
        if v.require(rating.competency, f"{field}[{i}].competency", 64):
            v.check(rating.competency not in seen, f"{field}[{i}].competency", "rated twice")
            seen.add(rating.competency)
        v.check(anonymity.valid_score(rating.score), f"{field}[{i}].score", "must be between 1 and 5")
        v.max_length(rating.comment, f"{field}[{i}].comment", 1000)


@dataclass(frozen=True)
class SubmitSelfAssessment(Command[SelfAssessment]):
    METHOD: ClassVar[str] = "SubmitSelfAssessment"
    ANSWER: ClassVar[type[Any]] = SelfAssessment
    review_id: str
    ratings: tuple[Rating, ...]
    reflection: str

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        if self.review_id:
            v.check(valid_id(self.review_id), "review_id", "is not a valid id")
        check_ratings(v, self.ratings)
        v.max_length(self.reflection, "reflection", MAX_TEXT)
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class InviteExternalRater(Command[InvitationMade]):
    """A customer asked to answer the person's 360 through a single-use link."""

    METHOD: ClassVar[str] = "InviteExternalRater"
    ANSWER: ClassVar[type[Any]] = InvitationMade
    review_id: str
    name: str
    email: str

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.check(valid_id(self.review_id), "review_id", "is required")
        v.require(self.name, "name")
        v.check(bool(EMAIL_PATTERN.match(self.email)) and len(self.email) <= 320, "email", "must be an e-mail address")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class ReissueInvitationLink(Command[InvitationMade]):
    """A retried InviteExternalRater (same idempotency key) never saw its link token: a fresh one replaces it,
    unless the link was used, withdrawn or expired (then none)."""

    METHOD: ClassVar[str] = "ReissueInvitationLink"
    ANSWER: ClassVar[type[Any]] = InvitationMade
    invitation: InvitationMade


@dataclass(frozen=True)
class SubmitReviewResponse(ExternalCommand[ResponseSubmitted]):
    """A rater's answer to a 360: a colleague with a bearer token, or a customer with their link token."""

    METHOD: ClassVar[str] = "SubmitReviewResponse"
    ANSWER: ClassVar[type[Any]] = ResponseSubmitted
    review_id: str
    ratings: tuple[Rating, ...]
    comment: str
    external_token: str


    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        self.check_caller()
        v = Validator()
        if not self.external or self.review_id:
            v.check(valid_id(self.review_id), "review_id", "is required")
        check_ratings(v, self.ratings)
        v.max_length(self.comment, "comment", MAX_TEXT)
        v.max_length(self.external_token, "external_token", 200)
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class ListReviews(Query[Any]):
    """The reviews the caller takes part in: about them, to answer (their own answer only), or to lead."""


@dataclass(frozen=True)
class GetReviewReport(Query[Any]):
    review_id: str

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        _check_id(self.review_id, "review_id", "is required")


@dataclass(frozen=True)
class GetGapReport(Query[Any]):
    employee_id: str
    review_id: str

    @property
    def subject(self) -> str:
        return self.employee_id or self.caller.employee_id

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        v = Validator()
        v.check(valid_id(self.subject), "employee_id", "is not a valid id")
        if self.review_id:
            v.check(valid_id(self.review_id), "review_id", "is not a valid id")
        v.raise_if_any()


@dataclass(frozen=True)
class GetDialogue(Query[Any]):
    dialogue_id: str

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        _check_id(self.dialogue_id, "dialogue_id", "is required")
