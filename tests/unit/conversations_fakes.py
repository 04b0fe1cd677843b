"""In-memory stand-ins for the conversations service's unit of work and repositories: handler tests run the real
handlers and message bus over them, with no database and no broker."""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Sequence
from types import TracebackType
from typing import Self, TypeVar

from paars_conversations.domain import circles as ci
from paars_conversations.domain import coaching as co
from paars_conversations.domain import concerns as cn
from paars_conversations.domain import one_on_one as o
from paars_conversations.domain import support as su
from paars_conversations.domain.directory import Person
from paars_conversations.service_layer.messagebus import MessageBus
from paars_conversations.service_layer.unit_of_work import Event
from paars_platform.auth import Identity
from paars_platform.errors import InvalidArgument
from paars_platform.privileged import PrivilegedAct
from paars_platform.shape import RequestKey

A = TypeVar("A")

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@dataclasses.dataclass
class Store:
    """What the fake database holds; a unit of work works on a copy and writes it back on commit."""

    people: dict[str, Person] = dataclasses.field(default_factory=dict)
    pairs: dict[str, o.Pair] = dataclasses.field(default_factory=dict)
    meetings: dict[str, o.Meeting] = dataclasses.field(default_factory=dict)
    private_notes: list[tuple[str, o.Note]] = dataclasses.field(default_factory=list)
    reads: list[tuple[str, str, dt.datetime]] = dataclasses.field(default_factory=list)
    profiles: dict[str, co.CoachProfile] = dataclasses.field(default_factory=dict)
    requests: dict[str, co.CoachingRequest] = dataclasses.field(default_factory=dict)
    sessions: list[co.CoachingSession] = dataclasses.field(default_factory=list)
    concerns: dict[str, cn.Concern] = dataclasses.field(default_factory=dict)
    circles: dict[str, ci.Circle] = dataclasses.field(default_factory=dict)
    circle_sessions: list[ci.CircleSession] = dataclasses.field(default_factory=list)
    support: dict[str, su.ProfessionalService] = dataclasses.field(default_factory=dict)
    # (caller, key) -> (method, fingerprint, answer): the idempotency records.
    answers: dict[tuple[str, str], tuple[str, str, object]] = dataclasses.field(default_factory=dict)
    outbox: list[Event] = dataclasses.field(default_factory=list)
    # What the bus recorded as privileged (HR on someone's concern or circle): (actor, path, act).
    privileged: list[tuple[str, str, PrivilegedAct]] = dataclasses.field(default_factory=list)
    now: dt.datetime = NOW


class FakePeople:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def get(self, employee_id: str) -> Person | None:
        return self.s.people.get(employee_id)

    async def managers(self) -> list[Person]:
        return sorted((p for p in self.s.people.values() if p.active and "manager" in p.roles), key=lambda p: p.id)


class FakePairs:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def add(self, pair: o.Pair) -> None:
        self.s.pairs[pair.id] = pair

    async def get(self, pair_id: str, *, for_update: bool = False) -> o.Pair | None:
        return self.s.pairs.get(pair_id)

    async def save(self, pair: o.Pair) -> None:
        self.s.pairs[pair.id] = pair
        for mid, m in self.s.meetings.items():
            if m.pair.id == pair.id:
                self.s.meetings[mid] = dataclasses.replace(m, pair=pair)

    async def of_person(self, employee_id: str) -> list[o.Pair]:
        return sorted((p for p in self.s.pairs.values() if p.includes(employee_id)), key=lambda p: (p.created_at, p.id))

    async def between(self, a: str, b: str, kind: o.PairKind) -> o.Pair | None:
        return next((p for p in self.s.pairs.values() if p.kind is kind and p.members == {a, b}), None)


class FakeMeetings:
    def __init__(self, s: Store) -> None:
        self.s = s

    def _fresh(self, m: o.Meeting) -> o.Meeting:
        return dataclasses.replace(m, pair=self.s.pairs[m.pair.id])

    async def add(self, meeting: o.Meeting) -> None:
        self.s.meetings[meeting.id] = meeting

    async def get(self, meeting_id: str, *, for_update: bool = False) -> o.Meeting | None:
        m = self.s.meetings.get(meeting_id)
        return self._fresh(m) if m else None

    async def save(self, meeting: o.Meeting) -> None:
        assert meeting.id in self.s.meetings
        self.s.meetings[meeting.id] = meeting

    async def of_pair(self, pair_id: str) -> list[o.Meeting]:
        found = [self._fresh(m) for m in self.s.meetings.values() if m.pair.id == pair_id]
        return sorted(found, key=lambda m: m.scheduled_on, reverse=True)

    async def scheduled(self, pair_ids: list[str]) -> dict[str, o.Meeting]:
        found: dict[str, o.Meeting] = {}
        for m in sorted(self.s.meetings.values(), key=lambda m: m.scheduled_on):
            if m.pair.id in pair_ids and m.state is o.MeetingState.SCHEDULED:
                found.setdefault(m.pair.id, self._fresh(m))
        return found

    async def held_led_by(self, lead_id: str, since: dt.datetime) -> list[o.Meeting]:
        return [
            self._fresh(m) for m in self.s.meetings.values()
            if m.pair.lead_id == lead_id and m.state is o.MeetingState.HELD and m.held_at is not None and m.held_at >= since
        ]


class FakePrivateNotes:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def add(self, meeting_id: str, note: o.Note) -> None:
        self.s.private_notes.append((meeting_id, note))

    async def by_author(self, meeting_id: str, author_id: str) -> tuple[o.Note, ...]:
        return tuple(n for mid, n in self.s.private_notes if mid == meeting_id and n.author_id == author_id)


class FakeReads:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def record(self, meeting_id: str, reader_id: str, at: dt.datetime) -> None:
        self.s.reads.append((meeting_id, reader_id, at))

    async def of_meeting(self, meeting_id: str) -> list[tuple[str, dt.datetime]]:
        return [(who, at) for mid, who, at in reversed(self.s.reads) if mid == meeting_id]


class FakeCoaching:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def profile(self, coach_id: str) -> co.CoachProfile | None:
        return self.s.profiles.get(coach_id)

    async def save_profile(self, profile: co.CoachProfile) -> None:
        self.s.profiles[profile.coach_id] = profile

    async def profiles(self) -> list[co.CoachProfile]:
        return sorted(self.s.profiles.values(), key=lambda p: p.coach_id)

    async def add_request(self, request: co.CoachingRequest) -> None:
        self.s.requests[request.id] = request

    async def get_request(self, request_id: str, *, for_update: bool = False) -> co.CoachingRequest | None:
        return self.s.requests.get(request_id)

    async def save_request(self, request: co.CoachingRequest) -> None:
        assert request.id in self.s.requests
        self.s.requests[request.id] = request

    async def requests_of(self, employee_id: str) -> list[co.CoachingRequest]:
        found = [r for r in self.s.requests.values() if employee_id in r.members]
        return sorted(found, key=lambda r: r.requested_at, reverse=True)

    async def add_session(self, session: co.CoachingSession) -> None:
        self.s.sessions.append(session)

    async def sessions(self, request_id: str) -> list[co.CoachingSession]:
        return sorted((x for x in self.s.sessions if x.request_id == request_id), key=lambda x: x.held_on, reverse=True)


class FakeConcerns:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def add(self, concern: cn.Concern) -> None:
        self.s.concerns[concern.id] = concern

    async def get(self, concern_id: str, *, for_update: bool = False) -> cn.Concern | None:
        return self.s.concerns.get(concern_id)

    async def save(self, concern: cn.Concern) -> None:
        self.s.concerns[concern.id] = concern

    async def raised_by(self, employee_id: str) -> list[cn.Concern]:
        return [x for x in self.s.concerns.values() if x.raised_by == employee_id]

    async def every(self) -> list[cn.Concern]:
        return list(self.s.concerns.values())


class FakeCircles:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def add(self, circle: ci.Circle) -> None:
        self.s.circles[circle.id] = circle

    async def get(self, circle_id: str, *, for_update: bool = False) -> ci.Circle | None:
        return self.s.circles.get(circle_id)

    async def every(self) -> list[ci.Circle]:
        return list(self.s.circles.values())

    async def add_session(self, session: ci.CircleSession) -> None:
        self.s.circle_sessions.append(session)

    async def plan(self, circle_id: str, next_session_on: dt.date | None) -> None:
        self.s.circles[circle_id] = dataclasses.replace(self.s.circles[circle_id], next_session_on=next_session_on)

    async def sessions(self, circle_id: str) -> list[ci.CircleSession]:
        # Newest first; equal dates in reverse order of holding, as the SQL orders them.
        return [x for x in reversed(self.s.circle_sessions) if x.circle_id == circle_id]


class FakeSupport:
    def __init__(self, s: Store) -> None:
        self.s = s

    async def get(self, service_id: str, *, for_update: bool = False) -> su.ProfessionalService | None:
        return self.s.support.get(service_id)

    async def save(self, service: su.ProfessionalService) -> None:
        self.s.support[service.id] = service

    async def every(self) -> list[su.ProfessionalService]:
        return sorted(self.s.support.values(), key=lambda x: x.id)

    async def count(self) -> int:
        return len(self.s.support)


class FakeUnitOfWork:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.clock = lambda: store.now
        self._events: list[Event] = []
        self._committed = False

    async def __aenter__(self) -> Self:
        self._work = copy.copy(self.store)
        for f in dataclasses.fields(Store):
            value = getattr(self.store, f.name)
            if isinstance(value, dict | list):
                setattr(self._work, f.name, copy.copy(value))
        w = self._work
        self.people, self.pairs, self.meetings = FakePeople(w), FakePairs(w), FakeMeetings(w)
        self.private_notes, self.reads, self.coaching = FakePrivateNotes(w), FakeReads(w), FakeCoaching(w)
        self.concerns, self.circles, self.support = FakeConcerns(w), FakeCircles(w), FakeSupport(w)
        self.privileged: list[PrivilegedAct] = []
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc is None and self._committed:
            for f in dataclasses.fields(Store):
                if f.name not in ("outbox", "now", "privileged"):
                    setattr(self.store, f.name, getattr(self._work, f.name))
            self.store.outbox.extend(self._events)

    def add_events(self, *events: Event) -> None:
        self._events.extend(events)

    async def recall(self, caller_id: str, method: str, request: RequestKey, answer_type: type[A]) -> A | None:
        found = self._work.answers.get((caller_id, request.key))
        if found is None:
            return None
        if found[:2] != (method, request.fingerprint):
            raise InvalidArgument("idempotency_key", "was already used for a different request")
        assert isinstance(found[2], answer_type)
        return found[2]

    async def remember(self, caller_id: str, method: str, request: RequestKey, answer: object) -> None:
        self._work.answers[(caller_id, request.key)] = (method, request.fingerprint, answer)

    async def commit(self) -> None:
        self._committed = True


def bus(store: Store) -> MessageBus:
    async def record(actor: str, path: str, acts: Sequence[PrivilegedAct]) -> None:
        store.privileged.extend((actor, path, act) for act in acts)

    return MessageBus(lambda *, read_only=False: FakeUnitOfWork(store), record=record)


def person(employee_id: str, *roles: str) -> Identity:
    return Identity(employee_id, frozenset({"employee", *roles}))


def directory(store: Store, *people: Person) -> None:
    for p in people:
        store.people[p.id] = p


def employee(pid: str, manager: str | None, team: str | None, *roles: str, active: bool = True) -> Person:
    return Person(pid, pid.title(), manager, team, frozenset({"employee", *roles}), active)


def organisation() -> Store:
    """boss leads; mgr and mia manage team-a and team-b under boss; ann and bob report to mgr; cara is a coach;
    hr1 is HR; nia and olaf manage team-c and team-d under mia; pim manages team-e under boss."""
    store = Store()
    directory(
        store,
        employee("boss", None, "org", "manager", "leader"),
        employee("hr1", "boss", "org", "hr"),
        employee("adm", "boss", "org", "admin"),
        employee("mgr", "boss", "team-a", "manager"),
        employee("mia", "boss", "team-b", "manager"),
        employee("nia", "mia", "team-c", "manager"),
        employee("olaf", "mia", "team-d", "manager"),
        employee("pim", "boss", "team-e", "manager"),
        employee("ann", "mgr", "team-a"),
        employee("bob", "mgr", "team-a"),
        employee("cara", "boss", "org", "coach"),
        employee("gone", "mgr", "team-a", active=False),
    )
    return store
