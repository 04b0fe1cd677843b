"""What callers ask the goals service to do (commands, imperative) or tell (queries), and the checks a request
must pass before anything is read or written: every wrong field named at once."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from paars.goals.v1 import goals_pb2 as pb
from paars.org.v1 import org_pb2
from paars_goals.domain import erasure as erasure_rules
from paars_goals.domain.erasure import LegalHold
from paars_goals.domain.goals import AlignmentNode, Comment, GoalDetail, GoalView, ProposedKeyResult, TeamGoals
from paars_goals.domain.org import MAX_TIME_ZONE, Employee, ImportCounts, Team, valid_time_zone
from paars_platform import shape
from paars_platform.auth import Identity
from paars_platform.erasure import ErasureRecord
from paars_platform.errors import PermissionDenied, Validator
from paars_platform.shape import RequestKey as RequestKey  # re-exported: callers import it from here
from paars_platform.values import EMAIL_PATTERN, parse_date, valid_id

MAX_KEY_RESULTS = 10
MAX_TITLE = 200
MAX_TEXT = 4000
MAX_VALUE = 1e12
MAX_IMPORT = 20_000
MAX_IDEMPOTENCY_KEY = 200
MAX_STORY_KEYS = 10


A = TypeVar("A")


@dataclass(frozen=True)
class Command(shape.Command[A]):
    """A change someone asks for, answered with an A (METHOD, ANSWER, caller and request: paars_platform.shape)."""

    def check(self, today: dt.date) -> None:
        """Raises InvalidArgument (every wrong field) or PermissionDenied for what the command alone decides."""


def finite(x: float) -> bool:
    return x == x and abs(x) <= MAX_VALUE


def _check_key_results(krs: tuple[ProposedKeyResult, ...], v: Validator, prefix: str = "key_results", required: bool = True) -> None:
    if required:
        v.check(len(krs) > 0, prefix, "at least one measurable key result is required")
    v.check(len(krs) <= MAX_KEY_RESULTS, prefix, f"at most {MAX_KEY_RESULTS} key results")
    for i, kr in enumerate(krs):
        f = f"{prefix}[{i}]"
        v.require(kr.title, f"{f}.title")
        v.max_length(kr.unit, f"{f}.unit", 32)
        for name, value in (("start_value", kr.start_value), ("target_value", kr.target_value), ("current_value", kr.current_value)):
            v.check(finite(value), f"{f}.{name}", f"must be a finite number within ±{MAX_VALUE:g}")
        v.check(kr.start_value != kr.target_value, f"{f}.target_value", "must differ from start_value")
        if kr.id:
            v.check(valid_id(kr.id), f"{f}.id", "is not a valid id")


@dataclass(frozen=True)
class ProposeGoal(Command[GoalView]):
    METHOD: ClassVar[str] = "ProposeGoal"
    ANSWER: ClassVar[type[Any]] = GoalView
    kind: int
    level: int
    title: str
    description: str
    owner_id: str
    team_id: str
    parent_goal_id: str
    weight: float
    key_results: tuple[ProposedKeyResult, ...]
    start_date: str
    due_date: str
    # Values or themes of the published organisation story (checked against goals' catalogue by the handler).
    story_keys: tuple[str, ...] = ()

    def check(self, today: dt.date) -> None:
        v = Validator()
        v.check(len(self.story_keys) <= MAX_STORY_KEYS, "story_keys", f"at most {MAX_STORY_KEYS}")
        v.check(self.kind in (pb.GOAL_KIND_PERFORMANCE, pb.GOAL_KIND_DEVELOPMENT, pb.GOAL_KIND_WELLBEING), "kind", "must be performance, development or wellbeing")
        v.check(self.level in (pb.GOAL_LEVEL_ORGANISATION, pb.GOAL_LEVEL_TEAM, pb.GOAL_LEVEL_INDIVIDUAL), "level", "must be organisation, team or individual")
        v.require(self.title, "title", MAX_TITLE)
        v.max_length(self.description, "description", MAX_TEXT)
        v.check(finite(self.weight) and 0 <= self.weight <= 100, "weight", "must be between 0 and 100 (0 means 1)")
        _check_key_results(self.key_results, v)
        # parse_date only for a value that is there: presence is checked (and worded) here.
        start = parse_date(self.start_date, "start_date", v) if self.start_date else today
        due = parse_date(self.due_date, "due_date", v) if v.require(self.due_date, "due_date", 10) else None
        if start and due:
            v.check(due > start, "due_date", "must be after start_date")
        if self.level == pb.GOAL_LEVEL_INDIVIDUAL:
            v.check(valid_id(self.owner_id), "owner_id", "is required for an individual goal")
        if self.level == pb.GOAL_LEVEL_TEAM:
            v.check(valid_id(self.team_id), "team_id", "is required for a team goal")
        if self.parent_goal_id:
            v.check(valid_id(self.parent_goal_id), "parent_goal_id", "is not a valid id")
        v.max_length(self.request.key, "idempotency_key", MAX_IDEMPOTENCY_KEY)
        v.raise_if_any()


@dataclass(frozen=True)
class CounterProposeGoal(Command[GoalView]):
    METHOD: ClassVar[str] = "CounterProposeGoal"
    ANSWER: ClassVar[type[Any]] = GoalView
    goal_id: str
    expected_version: int
    comment: str
    title: str
    description: str
    weight: float
    key_results: tuple[ProposedKeyResult, ...]
    due_date: str
    # None keeps the goal's values and themes of the story; a tuple (empty clears) replaces them, checked
    # against goals' catalogue by the handler as when proposing.
    story_keys: tuple[str, ...] | None = None

    def check(self, today: dt.date) -> None:
        v = Validator()
        v.require(self.goal_id, "goal_id", 64)
        v.require(self.comment, "comment", MAX_TEXT)
        v.check(self.story_keys is None or len(self.story_keys) <= MAX_STORY_KEYS, "story_keys", f"at most {MAX_STORY_KEYS}")
        v.max_length(self.title, "title", MAX_TITLE)
        v.max_length(self.description, "description", MAX_TEXT)
        v.check(finite(self.weight) and 0 <= self.weight <= 100, "weight", "must be between 0 and 100 (0 keeps it)")
        _check_key_results(self.key_results, v, required=False)
        if self.due_date:
            parse_date(self.due_date, "due_date", v)
        v.raise_if_any()


@dataclass(frozen=True)
class AgreeGoal(Command[GoalView]):
    METHOD: ClassVar[str] = "AgreeGoal"
    ANSWER: ClassVar[type[Any]] = GoalView
    goal_id: str
    expected_version: int
    comment: str

    def check(self, today: dt.date) -> None:
        v = Validator()
        v.require(self.goal_id, "goal_id", 64)
        v.max_length(self.comment, "comment", MAX_TEXT)
        v.raise_if_any()


@dataclass(frozen=True)
class CommentOnGoal(Command[Comment]):
    METHOD: ClassVar[str] = "CommentOnGoal"
    ANSWER: ClassVar[type[Any]] = Comment
    goal_id: str
    text: str

    def check(self, today: dt.date) -> None:
        v = Validator()
        v.require(self.goal_id, "goal_id", 64)
        v.require(self.text, "text", MAX_TEXT)
        v.raise_if_any()


@dataclass(frozen=True)
class CheckIn(Command[GoalView]):
    METHOD: ClassVar[str] = "CheckIn"
    ANSWER: ClassVar[type[Any]] = GoalView
    goal_id: str
    expected_version: int
    note: str
    confidence: int
    # (key result id, its current value)
    updates: tuple[tuple[str, float], ...]

    def check(self, today: dt.date) -> None:
        v = Validator()
        v.require(self.goal_id, "goal_id", 64)
        v.max_length(self.note, "note", MAX_TEXT)
        v.check(1 <= self.confidence <= 5, "confidence", "must be between 1 (low) and 5 (high)")
        v.check(0 < len(self.updates) <= MAX_KEY_RESULTS or bool(self.note.strip()), "updates", "a check-in needs key-result updates or a note")
        v.check(len(self.updates) <= MAX_KEY_RESULTS, "updates", f"at most {MAX_KEY_RESULTS} updates")
        for i, (key_result_id, value) in enumerate(self.updates):
            v.check(bool(key_result_id), f"updates[{i}].key_result_id", "is required")
            v.check(finite(value), f"updates[{i}].current_value", "must be a finite number")
        v.raise_if_any()


@dataclass(frozen=True)
class CloseGoal(Command[GoalView]):
    METHOD: ClassVar[str] = "CloseGoal"
    ANSWER: ClassVar[type[Any]] = GoalView
    goal_id: str
    expected_version: int
    achieved: bool
    note: str

    def check(self, today: dt.date) -> None:
        v = Validator()
        v.require(self.goal_id, "goal_id", 64)
        v.max_length(self.note, "note", MAX_TEXT)
        v.raise_if_any()


@dataclass(frozen=True)
class TeamRecord:
    id: str
    name: str
    parent_team_id: str
    manager_id: str


@dataclass(frozen=True)
class EmployeeRecord:
    id: str
    name: str
    email: str
    manager_id: str
    team_id: str
    roles: tuple[int, ...]
    active: bool
    time_zone: str
    coach_id: str


@dataclass(frozen=True)
class ImportDirectory(Command[ImportCounts]):
    METHOD: ClassVar[str] = "ImportDirectory"
    ANSWER: ClassVar[type[Any]] = ImportCounts
    teams: tuple[TeamRecord, ...]
    employees: tuple[EmployeeRecord, ...]

    def check(self, today: dt.date) -> None:
        if not self.caller.has("hr", "admin", "system"):
            raise PermissionDenied("only HR, admins or systems import the directory")
        v = Validator()
        v.check(len(self.teams) + len(self.employees) <= MAX_IMPORT, "employees", f"at most {MAX_IMPORT} rows per import")
        v.check(len(self.teams) + len(self.employees) > 0, "employees", "nothing to import")
        seen_teams: set[str] = set()
        for i, team in enumerate(self.teams):
            f = f"teams[{i}]"
            if v.check(valid_id(team.id), f"{f}.id", "must be 1-64 letters, digits or . _ @ -"):
                v.check(team.id not in seen_teams, f"{f}.id", "appears twice in this import")
                seen_teams.add(team.id)
            v.require(team.name, f"{f}.name")
            if team.parent_team_id:
                v.check(valid_id(team.parent_team_id), f"{f}.parent_team_id", "is not a valid id")
                v.check(team.parent_team_id != team.id, f"{f}.parent_team_id", "a team cannot be its own parent")
        seen: set[str] = set()
        known_roles = set(org_pb2.Role.values()) - {org_pb2.ROLE_UNSPECIFIED}
        for i, emp in enumerate(self.employees):
            f = f"employees[{i}]"
            if v.check(valid_id(emp.id), f"{f}.id", "must be 1-64 letters, digits or . _ @ -"):
                v.check(emp.id not in seen, f"{f}.id", "appears twice in this import")
                seen.add(emp.id)
            v.require(emp.name, f"{f}.name")
            v.check(bool(EMAIL_PATTERN.match(emp.email)) and len(emp.email) <= 320, f"{f}.email", "must be an e-mail address")
            if emp.manager_id:
                v.check(valid_id(emp.manager_id), f"{f}.manager_id", "is not a valid id")
                v.check(emp.manager_id != emp.id, f"{f}.manager_id", "nobody manages themselves")
            if emp.team_id:
                v.check(valid_id(emp.team_id), f"{f}.team_id", "is not a valid id")
            if emp.coach_id:
                v.check(valid_id(emp.coach_id), f"{f}.coach_id", "is not a valid id")
                v.check(emp.coach_id != emp.id, f"{f}.coach_id", "nobody coaches themselves")
            v.check(len(emp.roles) > 0, f"{f}.roles", "at least one role is required")
            v.check(all(r in known_roles for r in emp.roles), f"{f}.roles", "unknown role")
            if emp.time_zone and v.max_length(emp.time_zone, f"{f}.time_zone", MAX_TIME_ZONE):
                v.check(valid_time_zone(emp.time_zone), f"{f}.time_zone", "is not an IANA time zone")
        v.raise_if_any()


# ---------- queries: reads, no transaction, no idempotency ----------


@dataclass(frozen=True)
class Query(Generic[A]):
    """A question, answered with an A."""


@dataclass(frozen=True)
class GetGoal(Query[GoalDetail]):
    caller: Identity
    goal_id: str


@dataclass(frozen=True)
class ListGoals(Query[list[GoalView]]):
    caller: Identity
    owner_id: str
    include_all: bool


@dataclass(frozen=True)
class ListTeamGoals(Query[TeamGoals]):
    caller: Identity
    team_id: str


@dataclass(frozen=True)
class GetAlignmentTree(Query[AlignmentNode]):
    caller: Identity
    goal_id: str


@dataclass(frozen=True)
class GetEmployee(Query[Employee]):
    employee_id: str


@dataclass(frozen=True)
class ListEmployees(Query[list[Employee]]):
    team_id: str
    manager_id: str


@dataclass(frozen=True)
class ListTeams(Query[list[Team]]):
    """Every team."""


# ---------- erasure and legal holds (issue 18 item 4) ----------


def _check_reason(reason: str, v: Validator) -> None:
    if v.require(reason, "reason", erasure_rules.REASON_MAX):
        v.check(len(reason.strip()) >= erasure_rules.REASON_MIN, "reason", f"must say why in at least {erasure_rules.REASON_MIN} characters")


def _require_hr(caller: Identity) -> None:
    if caller.kind != "person" or not caller.has("hr"):
        raise PermissionDenied("only HR may erase a person or keep their data under a legal hold")


@dataclass(frozen=True)
class ErasePerson(Command[ErasureRecord]):
    """HR erases a person: their directory record anonymised, goals' rows about them deleted or anonymised except
    what a legal hold keeps, and every service told (CHANGE_ERASED). Erasing an erased person answers the record."""

    METHOD: ClassVar[str] = "ErasePerson"
    ANSWER: ClassVar[type[Any]] = ErasureRecord
    person_id: str
    reason: str

    def check(self, today: dt.date) -> None:
        _require_hr(self.caller)
        v = Validator()
        if v.require(self.person_id, "person_id", 100):
            v.check(self.person_id != self.caller.employee_id, "person_id", "HR cannot erase themselves; another HR person does")
        _check_reason(self.reason, v)
        v.raise_if_any()


@dataclass(frozen=True)
class PlaceLegalHold(Command[LegalHold]):
    METHOD: ClassVar[str] = "PlaceLegalHold"
    ANSWER: ClassVar[type[Any]] = LegalHold
    person_id: str
    service: str
    kind: str
    reason: str

    def check(self, today: dt.date) -> None:
        _require_hr(self.caller)
        v = Validator()
        v.require(self.person_id, "person_id", 100)
        erasure_rules.check_hold_scope(self.service, self.kind, v)
        _check_reason(self.reason, v)
        v.raise_if_any()


@dataclass(frozen=True)
class ReleaseLegalHold(Command[LegalHold]):
    METHOD: ClassVar[str] = "ReleaseLegalHold"
    ANSWER: ClassVar[type[Any]] = LegalHold
    hold_id: str
    reason: str

    def check(self, today: dt.date) -> None:
        _require_hr(self.caller)
        v = Validator()
        v.require(self.hold_id, "hold_id", 64)
        _check_reason(self.reason, v)
        v.raise_if_any()


@dataclass(frozen=True)
class ListLegalHolds(Query[list[LegalHold]]):
    caller: Identity
    person_id: str
