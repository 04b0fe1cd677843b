"""In-memory stand-ins for the goals service's unit of work and repositories (fakes, the cosmicpython way):
handler tests run the real handlers and message bus over them, with no database and no broker."""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Collection, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

from paars.goals.v1 import goals_pb2 as pb
from paars_goals.domain.erasure import LegalHold
from paars_goals.domain.goals import CheckIn, Comment, Goal, GoalView
from paars_goals.domain.org import Employee, ImportCounts, OrgView, Team
from paars_goals.service_layer import commands
from paars_goals.service_layer.commands import RequestKey
from paars_goals.service_layer.messagebus import MessageBus
from paars_goals.service_layer.unit_of_work import Answer, DirectoryRepository, ErasureRepository, Event, GoalRepository, PrivilegedAct
from paars_goals.service_layer.unit_of_work import Clock as UowClock
from paars_platform.auth import Identity
from paars_platform.erasure import ErasureRecord, Kept
from paars_platform.errors import InvalidArgument, StaleVersion

A = TypeVar("A", GoalView, Comment, ImportCounts, ErasureRecord, LegalHold)
NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclasses.dataclass
class Store:
    """What the fake database holds; a unit of work works on a copy and writes it back on commit."""

    goals: dict[str, Goal] = dataclasses.field(default_factory=dict)
    comments: list[Comment] = dataclasses.field(default_factory=list)
    check_ins: list[CheckIn] = dataclasses.field(default_factory=list)
    employees: dict[str, Employee] = dataclasses.field(default_factory=dict)
    teams: dict[str, Team] = dataclasses.field(default_factory=dict)
    answers: dict[tuple[str, str], tuple[str, str, Answer]] = dataclasses.field(default_factory=dict)
    outbox: list[Event] = dataclasses.field(default_factory=list)
    commits: int = 0
    # Goals' catalogue of the story's values and themes (from story.story-published.v1).
    story_catalogue: set[str] = dataclasses.field(default_factory=set)
    legal_holds: dict[str, LegalHold] = dataclasses.field(default_factory=dict)
    # Erasure: what each erasure did, and the audit lines of the holds (action, actor, subject, reason).
    erasures: dict[str, ErasureRecord] = dataclasses.field(default_factory=dict)
    audit: list[tuple[str, str, str, str]] = dataclasses.field(default_factory=list)


class FakeGoalRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, goal_id: str, *, for_update: bool = False) -> Goal | None:
        goal = self.store.goals.get(goal_id)
        return copy.deepcopy(goal) if goal is not None else None

    async def children(self, goal_id: str) -> list[Goal]:
        return [copy.deepcopy(g) for g in self.store.goals.values() if g.parent_goal_id == goal_id and g.agreement != pb.AGREEMENT_STATE_PROPOSED]

    async def children_of(self, goal_ids: Sequence[str]) -> dict[str, list[Goal]]:
        return {goal_id: await self.children(goal_id) for goal_id in goal_ids}

    async def owned_by(self, owner_id: str, *, include_all: bool) -> list[Goal]:
        found = [
            g for g in self.store.goals.values()
            if g.owner_id == owner_id and g.level == pb.GOAL_LEVEL_INDIVIDUAL and (include_all or g.agreement == pb.AGREEMENT_STATE_AGREED)
        ]
        return [copy.deepcopy(g) for g in sorted(found, key=lambda g: g.created_at)]

    async def of_team(self, team_id: str) -> list[Goal]:
        found = [g for g in self.store.goals.values() if g.team_id == team_id and g.agreement == pb.AGREEMENT_STATE_AGREED]
        return [copy.deepcopy(g) for g in sorted(found, key=lambda g: g.created_at)]

    async def add(self, goal: Goal) -> None:
        self.store.goals[goal.id] = copy.deepcopy(goal)

    async def save(self, goal: Goal) -> None:
        stored = self.store.goals.get(goal.id)
        if stored is None or stored.version != goal.version:
            raise StaleVersion(f"goal {goal.id} changed concurrently: reload and retry")
        goal.version += 1
        self.store.goals[goal.id] = copy.deepcopy(goal)

    async def add_comment(self, comment: Comment) -> None:
        self.store.comments.append(comment)

    async def comments(self, goal_id: str) -> list[Comment]:
        return sorted((c for c in self.store.comments if c.goal_id == goal_id), key=lambda c: c.created_at)

    async def add_check_in(self, check_in: CheckIn) -> None:
        self.store.check_ins.append(check_in)

    async def check_ins(self, goal_id: str) -> list[CheckIn]:
        return sorted((c for c in self.store.check_ins if c.goal_id == goal_id), key=lambda c: c.created_at)


class FakeDirectoryRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def employee(self, employee_id: str) -> Employee | None:
        return self.store.employees.get(employee_id)

    async def team(self, team_id: str) -> Team | None:
        return self.store.teams.get(team_id)

    async def story_keys(self, keys: Sequence[str]) -> set[str]:
        return set(keys) & self.store.story_catalogue

    async def org(self) -> OrgView:
        people = self.store.employees.values()
        return OrgView({e.id: e.manager_id for e in people}, {e.id: e.team_id for e in people}, {t.id: t.parent_team_id for t in self.store.teams.values()})

    async def employees(self, *, team_id: str = "", manager_id: str = "") -> list[Employee]:
        return [
            e for _, e in sorted(self.store.employees.items())
            if (not team_id or e.team_id == team_id) and (not manager_id or e.manager_id == manager_id)
        ]

    async def teams(self) -> list[Team]:
        return [t for _, t in sorted(self.store.teams.items())]

    async def employees_by_id(self, ids: Collection[str]) -> dict[str, Employee]:
        return {i: self.store.employees[i] for i in ids if i in self.store.employees}

    async def teams_by_id(self, ids: Collection[str]) -> dict[str, Team]:
        return {i: self.store.teams[i] for i in ids if i in self.store.teams}

    async def team_named(self, name: str) -> Team | None:
        named = [t for _, t in sorted(self.store.teams.items()) if t.name.lower() == name.strip().lower()]
        return named[-1] if named else None

    async def root_teams(self) -> list[Team]:
        return [t for _, t in sorted(self.store.teams.items()) if t.parent_team_id is None]

    async def add_team(self, team: Team) -> None:
        self.store.teams[team.id] = team

    async def save_team(self, team: Team) -> None:
        self.store.teams[team.id] = team

    async def add_employee(self, employee: Employee) -> None:
        self.store.employees[employee.id] = employee

    async def save_employee(self, employee: Employee) -> None:
        self.store.employees[employee.id] = employee


class FakeErasureRepository:
    """Erasure over the fake store: goals the person owns go (with their comments and check-ins), their id leaves the
    goals of others, unless a hold keeps the kind (the SQL one walks adapters/person_data.KINDS)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def holds(self, person_id: str = "") -> list[LegalHold]:
        return sorted((h for h in self.store.legal_holds.values() if not person_id or h.person_id == person_id), key=lambda h: (h.placed_at, h.id))

    async def hold(self, hold_id: str) -> LegalHold | None:
        return self.store.legal_holds.get(hold_id)

    async def add_hold(self, hold: LegalHold) -> None:
        self.store.legal_holds[hold.id] = hold
        self.store.audit.append(("legal_hold", hold.placed_by, hold.person_id, hold.reason))

    async def save_hold(self, hold: LegalHold) -> None:
        self.store.legal_holds[hold.id] = hold
        self.store.audit.append(("release_legal_hold", hold.released_by, hold.person_id, hold.release_reason))

    async def erasure(self, person_id: str) -> ErasureRecord | None:
        return self.store.erasures.get(person_id)

    async def erase(self, person_id: str, holds: Sequence[LegalHold], actor_id: str, reason: str, at: dt.datetime) -> ErasureRecord:
        held = {h.kind: h.reason for h in holds if h.service in ("", "goals")}
        erased: dict[str, int] = {}
        kept: list[Kept] = []
        if "goals" in held:
            kept.append(Kept("goals", held["goals"], sum(1 for g in self.store.goals.values() if g.owner_id == person_id)))
        else:
            owned = {gid for gid, g in self.store.goals.items() if g.owner_id == person_id}
            for gid in owned:
                del self.store.goals[gid]
            self.store.comments = [x for x in self.store.comments if x.goal_id not in owned]
            self.store.check_ins = [x for x in self.store.check_ins if x.goal_id not in owned]
            erased["goals"] = len(owned)
        erased["events"] = 0
        record = ErasureRecord("goals", person_id, at, erased, tuple(kept))
        self.store.erasures[person_id] = record
        self.store.audit.append(("erase", actor_id, person_id, reason))
        return record


class FakeUnitOfWork:
    """Works on a copy of the store; commit() writes the copy and the events back, anything else discards them."""

    goals: GoalRepository
    directory: DirectoryRepository
    erasure: ErasureRepository
    clock: UowClock

    def __init__(self, store: Store, clock: UowClock, *, read_only: bool = False) -> None:
        self.store = store
        self.clock = clock
        self.read_only = read_only
        self.committed = False
        self._events: list[Event] = []

    async def __aenter__(self) -> Self:
        self._work = copy.deepcopy(self.store)
        self.privileged: list[PrivilegedAct] = []
        self.goals = FakeGoalRepository(self._work)
        self.directory = FakeDirectoryRepository(self._work)
        self.erasure = FakeErasureRepository(self._work)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc is None and self.committed:
            self._work.outbox.extend(self._events)
            self._work.commits += 1
            for name in ("goals", "comments", "check_ins", "employees", "teams", "answers", "outbox", "commits", "legal_holds", "erasures", "audit"):
                setattr(self.store, name, getattr(self._work, name))

    def add_events(self, *events: Event) -> None:
        self._events.extend(events)

    async def recall(self, caller_id: str, method: str, request: RequestKey, answer_type: type[A]) -> A | None:
        found = self._work.answers.get((caller_id, request.key))
        if found is None:
            return None
        if found[:2] != (method, request.fingerprint):
            raise InvalidArgument("idempotency_key", "was already used for a different request")
        answer = found[2]
        assert isinstance(answer, answer_type)
        return answer

    async def remember(self, caller_id: str, method: str, request: RequestKey, answer: Answer) -> None:
        self._work.answers[(caller_id, request.key)] = (method, request.fingerprint, answer)

    async def commit(self) -> None:
        self.committed = True


class FakeService:
    """The bus over fake units of work sharing one store, as bootstrap wires the SQL ones."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.store = Store()
        self.clock = clock or Clock()
        self.forgotten: list[str] = []

        def unit_of_work(*, read_only: bool = False) -> FakeUnitOfWork:
            return FakeUnitOfWork(self.store, self.clock, read_only=read_only)

        def forget(command: Any) -> None:
            self.forgotten.extend(e.id for e in command.employees)

        def forget_erased(command: Any) -> None:
            self.forgotten.append(command.person_id)

        # What the bus recorded as privileged (HR's or an admin's reads and changes): (actor, path, act).
        self.privileged: list[tuple[str, str, PrivilegedAct]] = []

        async def record(actor: str, path: str, acts: Sequence[PrivilegedAct]) -> None:
            self.privileged.extend((actor, path, act) for act in acts)

        self.bus = MessageBus(unit_of_work, self.clock, then={commands.ImportDirectory: forget, commands.ErasePerson: forget_erased}, record=record)

    def person(self, employee_id: str, *roles: str) -> Identity:
        return Identity(employee_id, frozenset(roles or ("employee",)))
