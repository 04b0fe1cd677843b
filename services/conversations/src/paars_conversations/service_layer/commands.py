"""What callers ask the conversations service to do (commands) or tell (queries), and the checks a request must
pass before anything is read or written: every wrong field named at once."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar, get_args, get_origin

from paars_conversations.domain import circles as ci
from paars_conversations.domain import coaching as co
from paars_conversations.domain import concerns as cn
from paars_conversations.domain import one_on_one as o
from paars_conversations.domain import support as su
from paars_platform.auth import Identity
from paars_platform.errors import Validator
from paars_platform.shape import RequestKey as RequestKey  # re-exported: callers import it from here
from paars_platform.values import valid_id

A = TypeVar("A")


def _id(v: Validator, value: str, field: str) -> None:
    if v.require(value, field, 64):
        v.check(valid_id(value), field, "is not a valid id")


MAX_IDEMPOTENCY_KEY = 200


@dataclass(frozen=True)
class Command(Generic[A]):
    """A change someone asks for, answered with an A. With a request key (paars_platform.shape.RequestKey) the
    bus remembers the answer: the same key again from the same caller is answered again, nothing done twice.
    METHOD (where the answer is remembered) is the RPC's name; ANSWER, the answer's type, is the A."""

    METHOD: ClassVar[str] = ""
    ANSWER: ClassVar[type[Any]] = object
    caller: Identity
    request: RequestKey = field(default=RequestKey(), kw_only=True)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "METHOD" not in cls.__dict__:
            cls.METHOD = cls.__name__
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is Command:
                cls.ANSWER = get_args(base)[0]

    def check(self) -> None:
        """Raises InvalidArgument with every wrong field."""
        v = Validator()
        self.validate(v)
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()

    def validate(self, v: Validator) -> None:
        """Adds the request's field violations."""


@dataclass(frozen=True)
class Query(Generic[A]):
    caller: Identity

    def check(self) -> None:
        v = Validator()
        self.validate(v)
        v.raise_if_any()

    def validate(self, v: Validator) -> None:
        """Adds the request's field violations."""


# ---------- 1:1s ----------


@dataclass(frozen=True)
class PairView:
    pair: o.Pair
    next_meeting: o.Meeting | None


@dataclass(frozen=True)
class SchedulePair(Command[PairView]):
    other_id: str
    kind: o.PairKind | None
    cadence_days: int
    first_on: dt.date | None
    first_on_raw: str = ""

    def validate(self, v: Validator) -> None:
        _id(v, self.other_id, "other_id")
        v.check(self.other_id != self.caller.employee_id, "other_id", "cannot be yourself")
        v.check(self.kind is not None, "kind", "must be manager_report, mentor, coach or peer")
        v.check(self.cadence_days in o.CADENCES, "cadence_days", "must be 7, 14, 21 or 28 days")
        if self.first_on is None:
            v.check(False, "first_on", "must be a date YYYY-MM-DD" if self.first_on_raw else "is required (YYYY-MM-DD)")


@dataclass(frozen=True)
class ReadMeeting(Command[o.MeetingView]):
    """Reading a meeting is a write: it lands in the meeting's read audit (never with a request key: a read
    again is a read again)."""

    METHOD: ClassVar[str] = "GetMeeting"

    meeting_id: str

    def validate(self, v: Validator) -> None:
        _id(v, self.meeting_id, "meeting_id")


@dataclass(frozen=True)
class AddAgendaTopic(Command[o.MeetingView]):
    meeting_id: str
    text: str
    link_kind: o.LinkKind
    link_id: str

    def validate(self, v: Validator) -> None:
        _id(v, self.meeting_id, "meeting_id")
        v.require(self.text, "text", o.MAX_TEXT)
        if self.link_kind is not o.LinkKind.NONE:
            _id(v, self.link_id, "link_id")
        else:
            v.check(not self.link_id, "link_kind", "is required with a link_id: goal, feedback, action item or insight")


@dataclass(frozen=True)
class AddNote(Command[o.MeetingView]):
    meeting_id: str
    text: str
    private: bool

    def validate(self, v: Validator) -> None:
        _id(v, self.meeting_id, "meeting_id")
        v.require(self.text, "text", o.MAX_TEXT)


@dataclass(frozen=True)
class ProposeAgreement(Command[o.MeetingView]):
    meeting_id: str
    text: str
    owner_id: str
    due_date: dt.date | None
    due_date_raw: str = ""

    def validate(self, v: Validator) -> None:
        _id(v, self.meeting_id, "meeting_id")
        v.require(self.text, "text", o.MAX_TEXT)
        _id(v, self.owner_id, "owner_id")
        v.check(not self.due_date_raw or self.due_date is not None, "due_date", "must be a date YYYY-MM-DD")


@dataclass(frozen=True)
class ConfirmAgreement(Command[o.MeetingView]):
    meeting_id: str
    agreement_id: str

    def validate(self, v: Validator) -> None:
        _id(v, self.meeting_id, "meeting_id")
        _id(v, self.agreement_id, "agreement_id")


@dataclass(frozen=True)
class CompleteMeeting(Command[o.MeetingView]):
    meeting_id: str
    held: bool

    def validate(self, v: Validator) -> None:
        _id(v, self.meeting_id, "meeting_id")


@dataclass(frozen=True)
class MarkHat(Command[o.MeetingView]):
    meeting_id: str
    hat: o.Hat | None

    def validate(self, v: Validator) -> None:
        _id(v, self.meeting_id, "meeting_id")
        v.check(self.hat is not None and self.hat is not o.Hat.UNMARKED, "hat", "must be leader, manager or coach")


@dataclass(frozen=True)
class ListPairs(Query[list[PairView]]):
    pass


@dataclass(frozen=True)
class ListMeetings(Query[list[o.MeetingView]]):
    pair_id: str

    def validate(self, v: Validator) -> None:
        _id(v, self.pair_id, "pair_id")


@dataclass(frozen=True)
class GetHatMix(Query[o.HatMix]):
    days: int

    def validate(self, v: Validator) -> None:
        v.check(1 <= self.days <= 366, "days", "must be between 1 and 366")


@dataclass(frozen=True)
class ListMeetingReads(Query[list[tuple[str, dt.datetime]]]):
    meeting_id: str

    def validate(self, v: Validator) -> None:
        _id(v, self.meeting_id, "meeting_id")


# ---------- coaching ----------


@dataclass(frozen=True)
class SetCoachProfile(Command[co.CoachProfile]):
    bio: str
    capacity: int

    def validate(self, v: Validator) -> None:
        v.max_length(self.bio, "bio", co.MAX_BIO)
        v.check(0 <= self.capacity <= co.MAX_CAPACITY, "capacity", f"must be between 0 and {co.MAX_CAPACITY}")


@dataclass(frozen=True)
class RequestCoaching(Command[co.CoachingRequest]):
    coach_id: str
    relation: co.Relation | None
    topic: str

    def validate(self, v: Validator) -> None:
        _id(v, self.coach_id, "coach_id")
        v.check(self.relation is not None, "relation", "must be manager, internal_coach or peer")
        v.require(self.topic, "topic", co.MAX_TOPIC)


@dataclass(frozen=True)
class AnswerCoachingRequest(Command[co.CoachingRequest]):
    request_id: str
    accept: bool

    def validate(self, v: Validator) -> None:
        _id(v, self.request_id, "request_id")


@dataclass(frozen=True)
class AddCoachingGoal(Command[co.CoachingRequest]):
    request_id: str
    text: str
    development_goal_id: str

    def validate(self, v: Validator) -> None:
        _id(v, self.request_id, "request_id")
        v.require(self.text, "text", co.MAX_TOPIC)
        if self.development_goal_id:
            _id(v, self.development_goal_id, "development_goal_id")


@dataclass(frozen=True)
class RecordCoachingSession(Command[co.CoachingSession]):
    request_id: str
    held_on: dt.date | None
    notes: str
    held_on_raw: str = ""

    def validate(self, v: Validator) -> None:
        _id(v, self.request_id, "request_id")
        if self.held_on is None:
            v.check(False, "held_on", "must be a date YYYY-MM-DD" if self.held_on_raw else "is required (YYYY-MM-DD)")
        v.max_length(self.notes, "notes", co.MAX_NOTES)


@dataclass(frozen=True)
class ListCoaches(Query[list[co.CoachProfile]]):
    pass


@dataclass(frozen=True)
class ListCoachingRequests(Query[list[co.CoachingRequest]]):
    pass


@dataclass(frozen=True)
class ListCoachingSessions(Query[list[co.CoachingSession]]):
    request_id: str

    def validate(self, v: Validator) -> None:
        _id(v, self.request_id, "request_id")


# ---------- boundary concerns ----------


@dataclass(frozen=True)
class RaiseConcern(Command[cn.Concern]):
    kind: cn.Kind | None
    text: str

    def validate(self, v: Validator) -> None:
        v.check(self.kind is not None, "kind", "must be therapist_role, coach_is_evaluator, contradictory_expectations or other")
        v.require(self.text, "text", cn.MAX_TEXT)


@dataclass(frozen=True)
class AcknowledgeConcern(Command[cn.Concern]):
    concern_id: str

    def validate(self, v: Validator) -> None:
        _id(v, self.concern_id, "concern_id")


@dataclass(frozen=True)
class ResolveConcern(Command[cn.Concern]):
    concern_id: str
    resolution: str

    def validate(self, v: Validator) -> None:
        _id(v, self.concern_id, "concern_id")
        v.require(self.resolution, "resolution", cn.MAX_TEXT)


@dataclass(frozen=True)
class ListConcerns(Query[list[cn.Concern]]):
    all: bool


# ---------- circles ----------


@dataclass(frozen=True)
class SuggestCircle(Query[list[str]]):
    size: int
    exclude_ids: tuple[str, ...] = ()

    def validate(self, v: Validator) -> None:
        v.check(ci.MIN_SIZE <= self.size <= ci.MAX_SIZE, "size", f"must be between {ci.MIN_SIZE} and {ci.MAX_SIZE}")


@dataclass(frozen=True)
class FormCircle(Command[ci.Circle]):
    name: str
    member_ids: tuple[str, ...]
    first_session_on: dt.date | None = None
    first_session_on_raw: str = ""

    def validate(self, v: Validator) -> None:
        v.require(self.name, "name", ci.MAX_NAME)
        if self.first_session_on is None and self.first_session_on_raw:
            v.check(False, "first_session_on", "must be a date YYYY-MM-DD")
        for i, m in enumerate(self.member_ids[: ci.MAX_SIZE + 1]):
            _id(v, m, f"member_ids[{i}]")


@dataclass(frozen=True)
class HoldCircleSession(Command[ci.CircleSession]):
    circle_id: str
    held_on: dt.date | None
    case_text: str
    notes: str
    held_on_raw: str = ""
    next_session_on: dt.date | None = None
    next_session_on_raw: str = ""

    def validate(self, v: Validator) -> None:
        _id(v, self.circle_id, "circle_id")
        if self.held_on is None:
            v.check(False, "held_on", "must be a date YYYY-MM-DD" if self.held_on_raw else "is required (YYYY-MM-DD)")
        if self.next_session_on is None and self.next_session_on_raw:
            v.check(False, "next_session_on", "must be a date YYYY-MM-DD")
        v.require(self.case_text, "case_text", ci.MAX_CASE)
        v.max_length(self.notes, "notes", ci.MAX_CASE)


@dataclass(frozen=True)
class CircleView:
    circle: ci.Circle
    next_case_owner_id: str


@dataclass(frozen=True)
class ListCircles(Query[list[CircleView]]):
    pass


@dataclass(frozen=True)
class ListCircleSessions(Query[list[ci.CircleSession]]):
    circle_id: str

    def validate(self, v: Validator) -> None:
        _id(v, self.circle_id, "circle_id")


# ---------- professional services HR keeps ----------


@dataclass(frozen=True)
class SetProfessionalService(Command[su.ProfessionalService]):
    service_id: str
    kind: su.Kind | None
    name: str
    description: str
    contact: str
    active: bool

    def validate(self, v: Validator) -> None:
        if self.service_id:
            _id(v, self.service_id, "service_id")
        v.check(self.kind is not None, "kind", "must be employee_assistance, occupational_physician, confidential_counsellor, external_coach or other")
        v.require(self.name, "name", su.MAX_NAME)
        v.max_length(self.description, "description", su.MAX_DESCRIPTION)
        v.require(self.contact, "contact", su.MAX_CONTACT)


@dataclass(frozen=True)
class ListProfessionalServices(Query[list[su.ProfessionalService]]):
    include_retired: bool = False
