"""The unit of work: one transaction around a use case, with the repositories it reads and writes through,
the events it leaves in the outbox, and the answers it remembers for retried requests. The SQL one is in
adapters/sql_unit_of_work.py; tests/unit/goals_fakes.py has one in memory."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self, TypeVar

from paars_goals.domain.erasure import LegalHold
from paars_goals.domain.goals import CheckIn, Comment, Goal, GoalUpdated, GoalView
from paars_goals.domain.org import Employee, EmployeeChanged, ImportCounts, OrgView, Team, TeamChanged
from paars_goals.domain.scim import ScimResource
from paars_goals.service_layer.commands import RequestKey
from paars_platform.erasure import ErasureRecord
from paars_platform.shape import RequestRace as RequestRace  # re-exported: the bus and tests import it from here

Clock = Callable[[], dt.datetime]
Event = GoalUpdated | TeamChanged | EmployeeChanged
# What a command answers, and so what a retried request is answered with again.
Answer = GoalView | Comment | ImportCounts | ErasureRecord | LegalHold
A = TypeVar("A", GoalView, Comment, ImportCounts, ErasureRecord, LegalHold)


class GoalRepository(Protocol):
    async def get(self, goal_id: str, *, for_update: bool = False) -> Goal | None:
        """The goal; for_update locks its row until the transaction ends (where the database has row locks)."""

    async def children(self, goal_id: str) -> list[Goal]:
        """The goals cascading from this one that count: agreed or closed, not mere proposals."""

    async def children_of(self, goal_ids: Sequence[str]) -> dict[str, list[Goal]]:
        """children() of several goals in one read: an entry for every id asked, [] when it has none."""

    async def owned_by(self, owner_id: str, *, include_all: bool) -> list[Goal]:
        """A person's individual goals, oldest first; agreed ones only unless include_all."""

    async def of_team(self, team_id: str) -> list[Goal]:
        """A team's agreed goals, oldest first."""

    async def add(self, goal: Goal) -> None: ...

    async def save(self, goal: Goal) -> None:
        """Writes the goal as the next version; StaleVersion when someone else wrote it first."""

    async def add_comment(self, comment: Comment) -> None: ...

    async def comments(self, goal_id: str) -> list[Comment]: ...

    async def add_check_in(self, check_in: CheckIn) -> None: ...

    async def check_ins(self, goal_id: str) -> list[CheckIn]: ...


class DirectoryRepository(Protocol):
    async def employee(self, employee_id: str) -> Employee | None: ...

    async def team(self, team_id: str) -> Team | None: ...

    async def story_keys(self, keys: Sequence[str]) -> set[str]:
        """Those of the keys that are values or themes of the published organisation story (goals' catalogue of
        story.story-published.v1)."""

    async def org(self) -> OrgView:
        """Everyone's manager and team, and the team tree, for the access rules."""

    async def employees(self, *, team_id: str = "", manager_id: str = "") -> list[Employee]:
        """Everyone (or those of one team or manager), by id."""

    async def teams(self) -> list[Team]:
        """Every team, by id."""

    async def employees_by_id(self, ids: Collection[str]) -> dict[str, Employee]:
        """Those of the ids the directory has, by id (what a write reads instead of everyone)."""

    async def teams_by_id(self, ids: Collection[str]) -> dict[str, Team]:
        """Those of the team ids the directory has, by id."""

    async def team_named(self, name: str) -> Team | None:
        """The team of that name, case-insensitively (the last by id if several are)."""

    async def root_teams(self) -> list[Team]:
        """The teams without a parent, by id."""

    async def add_team(self, team: Team) -> None: ...

    async def save_team(self, team: Team) -> None: ...

    async def add_employee(self, employee: Employee) -> None: ...

    async def save_employee(self, employee: Employee) -> None: ...



class ScimRepository(Protocol):
    """The SCIM resources the provisioning client wrote (service_layer/scim_handlers.py maps them)."""

    async def get(self, kind: str, resource_id: str) -> ScimResource | None: ...

    async def by_name(self, kind: str, name: str) -> ScimResource | None:
        """The resource whose name_key (lower-cased userName or displayName) this is."""

    async def all(self, kind: str) -> list[ScimResource]:
        """Every resource of the kind, oldest first."""

    async def many(self, kind: str, ids: Collection[str]) -> dict[str, ScimResource]:
        """Those of the ids that are resources of the kind, by id."""

    async def ids_among(self, kind: str, ids: Collection[str]) -> set[str]:
        """Those of the ids that are resources of the kind."""

    async def users_without_manager(self) -> list[ScimResource]:
        """The Users whose person has no manager in the directory (a report provisioned before their manager is one)."""

    async def groups_mentioning(self, resource_id: str) -> list[ScimResource]:
        """At least the Groups that have the id among their members (the caller checks)."""

    async def add(self, resource: ScimResource) -> None:
        """AlreadyExists when a resource of the kind has its id or name."""

    async def save(self, resource: ScimResource) -> None:
        """Writes resource.version over version - 1; StaleVersion when another write came first."""

    async def delete(self, kind: str, resource_id: str) -> None: ...


class ErasureRepository(Protocol):
    """Erasure and legal holds (issue 18 item 4): adapters/erasure_repository.py over adapters/person_data.KINDS."""

    async def holds(self, person_id: str = "") -> list[LegalHold]:
        """The person's holds (or everyone's), in force and released, oldest first."""

    async def hold(self, hold_id: str) -> LegalHold | None: ...

    async def add_hold(self, hold: LegalHold) -> None:
        """Stores the hold and records it in the audit of privileged actions about the person."""

    async def save_hold(self, hold: LegalHold) -> None:
        """Stores a released hold and records the release in the audit."""

    async def erasure(self, person_id: str) -> ErasureRecord | None:
        """What goals did when it erased the person, if it did."""

    async def erase(self, person_id: str, holds: Sequence[LegalHold], actor_id: str, reason: str, at: dt.datetime) -> ErasureRecord:
        """Deletes or anonymises goals' rows about the person except what the holds keep, deletes the outbox rows keyed
        by them, marks the directory record erased and records the erasure as a privileged action."""


@dataclass(frozen=True)
class PrivilegedAct:
    """HR or an admin reading or changing someone's individual goal (issue 18 item 6): recorded after the use case."""

    action: str
    subject_id: str
    goal_id: str
    basis: str


class UnitOfWork(Protocol):
    goals: GoalRepository
    directory: DirectoryRepository
    scim: ScimRepository
    erasure: ErasureRepository
    clock: Clock
    # What the use case did on a privileged basis; the bus records it once the use case is answered.
    privileged: list[PrivilegedAct]

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        """Rolls back unless commit() was called."""

    def add_events(self, *events: Event) -> None:
        """Events written to the outbox by commit(), in this order, in the same transaction as the change."""

    async def recall(self, caller_id: str, method: str, request: RequestKey, answer_type: type[A]) -> A | None:
        """The answer given to this caller's earlier request with this key; InvalidArgument when the key
        was used for a different request."""

    async def remember(self, caller_id: str, method: str, request: RequestKey, answer: Answer) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A fresh unit of work; read_only for queries (no transaction, no write lock)."""

