"""What callers ask the feedback service to do (commands, imperative), and the checks a request must pass
before anything is read or written: who asks first, then every wrong field named at once."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.config import FeedbackConfig
from paars_feedback.domain import privacy
from paars_feedback.domain.feedback import Example, Feedback, FeedbackRequest
from paars_feedback.service_layer.common import MAX_TEXT, check_ids, check_tags, require_text, timestamp_value, token_hash, valid_id
from paars_platform import shape
from paars_platform.errors import Unauthenticated, Validator
from paars_platform.shape import RequestKey as RequestKey  # re-exported: callers import it from here
from paars_platform.values import enum_name, parse_date

# The kinds of action item (action_plans.KINDS; repeated here so that checking a command imports no SQL).
ACTION_KINDS = (pb.ACTION_KIND_BUILD_STRENGTH, pb.ACTION_KIND_ADJUST_WEAKNESS, pb.ACTION_KIND_DEVELOPMENT_STEP)

KINDS = (pb.FEEDBACK_KIND_PRAISE, pb.FEEDBACK_KIND_CONSTRUCTIVE, pb.FEEDBACK_KIND_SUGGESTION)
RELATIONS = tuple(r for r in pb.Relation.values() if r != pb.RELATION_UNSPECIFIED)
SETTINGS = (pb.FEEDBACK_SETTING_UNSPECIFIED, pb.FEEDBACK_SETTING_INFORMAL, pb.FEEDBACK_SETTING_FORMAL)
MAX_EXAMPLES = 10
MAX_IDEMPOTENCY_KEY = 200
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


@dataclass(frozen=True)
class Moment:
    """A google.protobuf.Timestamp as sent: checked (and turned into a time) by GiveFeedback.check."""

    seconds: int
    nanos: int


@dataclass(frozen=True)
class GiveFeedback(Command[Feedback]):
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

    @property
    def external(self) -> bool:
        return bool(self.external_token)

    @property
    def token_hash(self) -> str:
        return token_hash(self.external_token) if self.external else ""

    @property
    def caller_key(self) -> str:
        return f"external:{self.token_hash[:32]}" if self.external else self.caller.employee_id

    def visibility_in(self, config: FeedbackConfig) -> int:
        """The chosen visibility, or the organisation's default."""
        return self.visibility or config.allowed_visibilities[0]

    def moment_at(self) -> dt.datetime | None:
        if self.moment is None:
            return None
        return dt.datetime.fromtimestamp(self.moment.seconds, dt.UTC) + dt.timedelta(microseconds=self.moment.nanos // 1000)

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        # Who asks comes before what they ask: a caller without credentials learns nothing about its request.
        if not self.external and (not self.caller.employee_id or self.caller.kind == "anonymous"):
            raise Unauthenticated("a bearer token or an external_token is required")
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
class DeclineFeedbackRequest(Command[FeedbackRequest]):
    METHOD: ClassVar[str] = "DeclineFeedbackRequest"
    ANSWER: ClassVar[type[Any]] = FeedbackRequest
    request_id: str
    reason: str
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

    def check(self, now: dt.datetime, config: FeedbackConfig) -> None:
        # Who asks comes before what they ask, as for GiveFeedback.
        if not self.external and (not self.caller.employee_id or self.caller.kind == "anonymous"):
            raise Unauthenticated("a bearer token or an external_token is required")
        v = Validator()
        if not self.external or self.request_id:
            v.check(valid_id(self.request_id), "request_id", "is required")
        v.max_length(self.reason, "reason", 1000)
        v.max_length(self.external_token, "external_token", 200)
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()
