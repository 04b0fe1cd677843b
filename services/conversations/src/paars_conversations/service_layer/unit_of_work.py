"""The unit of work: one transaction around a use case, the repositories it reads and writes through, and the
events it leaves in the outbox. The SQL one is adapters/sql_unit_of_work.py; tests/unit/conversations_fakes.py
has one in memory. Private notes have a repository of their own whose only read takes the author's id."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from paars_conversations.domain import circles as ci
from paars_conversations.domain import coaching as co
from paars_conversations.domain import concerns as cn
from paars_conversations.domain import one_on_one as o
from paars_conversations.domain import support as su
from paars_conversations.domain.directory import Person
from paars_platform.privileged import PrivilegedAct
from paars_platform.shape import RequestKey
from paars_platform.shape import RequestRace as RequestRace  # re-exported: the bus and tests import it from here

A = TypeVar("A")

Clock = Callable[[], dt.datetime]
Event = (
    o.OneOnOneScheduled | o.OneOnOneHeld | o.OneOnOneSkipped | o.AgreementConfirmed | co.CoachingRequestUpdated | co.CoachingSessionCompleted
    | cn.ConcernUpdated | ci.CircleSessionHeld | ci.CircleSessionPlanned
)


class PeopleRepository(Protocol):
    async def get(self, employee_id: str) -> Person | None: ...

    async def managers(self) -> list[Person]:
        """Every active person with the manager role."""


class PairRepository(Protocol):
    async def add(self, pair: o.Pair) -> None: ...

    async def get(self, pair_id: str, *, for_update: bool = False) -> o.Pair | None: ...

    async def save(self, pair: o.Pair) -> None: ...

    async def of_person(self, employee_id: str) -> list[o.Pair]:
        """The pairs the person is in, oldest first."""

    async def between(self, a: str, b: str, kind: o.PairKind) -> o.Pair | None: ...


class MeetingRepository(Protocol):
    async def add(self, meeting: o.Meeting) -> None: ...

    async def get(self, meeting_id: str, *, for_update: bool = False) -> o.Meeting | None: ...

    async def save(self, meeting: o.Meeting) -> None:
        """Writes state, hat, agenda, shared notes and agreements."""

    async def of_pair(self, pair_id: str) -> list[o.Meeting]:
        """Newest first."""

    async def scheduled(self, pair_ids: list[str]) -> dict[str, o.Meeting]:
        """Each pair's scheduled (next) meeting."""

    async def held_led_by(self, lead_id: str, since: dt.datetime) -> list[o.Meeting]: ...


class PrivateNoteRepository(Protocol):
    async def add(self, meeting_id: str, note: o.Note) -> None: ...

    async def by_author(self, meeting_id: str, author_id: str) -> tuple[o.Note, ...]:
        """The author's own private notes on a meeting: there is no read of anyone else's."""


class ReadAuditRepository(Protocol):
    async def record(self, meeting_id: str, reader_id: str, at: dt.datetime) -> None: ...

    async def of_meeting(self, meeting_id: str) -> list[tuple[str, dt.datetime]]:
        """(reader, when), newest first."""


class CoachingRepository(Protocol):
    async def profile(self, coach_id: str) -> co.CoachProfile | None: ...

    async def save_profile(self, profile: co.CoachProfile) -> None: ...

    async def profiles(self) -> list[co.CoachProfile]: ...

    async def add_request(self, request: co.CoachingRequest) -> None: ...

    async def get_request(self, request_id: str, *, for_update: bool = False) -> co.CoachingRequest | None: ...

    async def save_request(self, request: co.CoachingRequest) -> None: ...

    async def requests_of(self, employee_id: str) -> list[co.CoachingRequest]:
        """As coachee or coach, newest first."""

    async def add_session(self, session: co.CoachingSession) -> None: ...

    async def sessions(self, request_id: str) -> list[co.CoachingSession]:
        """Newest first."""


class ConcernRepository(Protocol):
    async def add(self, concern: cn.Concern) -> None: ...

    async def get(self, concern_id: str, *, for_update: bool = False) -> cn.Concern | None: ...

    async def save(self, concern: cn.Concern) -> None: ...

    async def raised_by(self, employee_id: str) -> list[cn.Concern]: ...

    async def every(self) -> list[cn.Concern]: ...


class CircleRepository(Protocol):
    async def add(self, circle: ci.Circle) -> None: ...

    async def get(self, circle_id: str, *, for_update: bool = False) -> ci.Circle | None: ...

    async def every(self) -> list[ci.Circle]: ...

    async def add_session(self, session: ci.CircleSession) -> None: ...

    async def plan(self, circle_id: str, next_session_on: dt.date | None) -> None:
        """Sets (or, with None, clears) the circle's next planned session."""
        ...

    async def sessions(self, circle_id: str) -> list[ci.CircleSession]:
        """Newest first."""


class SupportRepository(Protocol):
    """The catalogue of professional services HR keeps."""

    async def get(self, service_id: str, *, for_update: bool = False) -> su.ProfessionalService | None: ...

    async def save(self, service: su.ProfessionalService) -> None:
        """Adds or replaces the entry."""

    async def every(self) -> list[su.ProfessionalService]: ...

    async def count(self) -> int: ...


class UnitOfWork(Protocol):
    people: PeopleRepository
    pairs: PairRepository
    meetings: MeetingRepository
    private_notes: PrivateNoteRepository
    reads: ReadAuditRepository
    coaching: CoachingRepository
    concerns: ConcernRepository
    circles: CircleRepository
    support: SupportRepository
    clock: Clock
    # What the use case did on a privileged basis (HR on someone's concern); the bus records it once answered.
    privileged: list[PrivilegedAct]

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        """Rolls back unless commit() was called."""

    def add_events(self, *events: Event) -> None:
        """Events written to the outbox by commit(), in this order, in the same transaction as the change."""

    async def recall(self, caller_id: str, method: str, request: RequestKey, answer_type: type[A]) -> A | None:
        """The answer remembered for the caller's key; InvalidArgument(idempotency_key) if it was another request."""

    async def remember(self, caller_id: str, method: str, request: RequestKey, answer: Any) -> None:
        """Stores the answer with the change; RequestRace if a concurrent request with the key got there first."""

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A fresh unit of work; read_only for queries (no transaction, no write lock)."""
