"""In-memory stand-ins for the feedback service's unit of work and repositories (fakes, the cosmicpython way):
handler tests run the real handlers and message bus over them, with no database and no broker."""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Sequence
from types import TracebackType
from typing import Self, TypeVar

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.config import FeedbackConfig
from paars_feedback.domain.feedback import ActionItem, Feedback, FeedbackRequest, Receiver
from paars_feedback.service_layer.commands import RequestKey
from paars_feedback.service_layer.messagebus import MessageBus
from paars_feedback.service_layer.unit_of_work import ActionItemRepository, Answer, Event, FeedbackRepository, RequestRepository
from paars_feedback.service_layer.unit_of_work import Clock as UowClock
from paars_platform.auth import Identity
from paars_platform.directory import manager_chain
from paars_platform.errors import InvalidArgument

A = TypeVar("A", Feedback, FeedbackRequest)
NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
CONFIG = FeedbackConfig(
    (event_pb2.VISIBILITY_RECEIVER_AND_MANAGER, event_pb2.VISIBILITY_PRIVATE, event_pb2.VISIBILITY_PUBLIC, event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE),
    3, 30, ((20, 60), (200, 86400)), 0.0,
)


class Clock:
    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclasses.dataclass(frozen=True)
class Person:
    active: bool = True
    manager_id: str | None = None


@dataclasses.dataclass(frozen=True)
class ReadLine:
    subject_id: str
    item_id: str
    reader_id: str
    basis: str
    path: str
    at: dt.datetime


@dataclasses.dataclass
class Store:
    """What the fake database holds; a unit of work works on a copy and writes it back on commit."""

    people: dict[str, Person] = dataclasses.field(default_factory=dict)
    feedback: dict[str, Feedback] = dataclasses.field(default_factory=dict)
    requests: dict[str, FeedbackRequest] = dataclasses.field(default_factory=dict)
    action_items: dict[str, ActionItem] = dataclasses.field(default_factory=dict)
    reads: list[ReadLine] = dataclasses.field(default_factory=list)
    answers: dict[tuple[str, str], tuple[str, str, Answer]] = dataclasses.field(default_factory=dict)
    outbox: list[Event] = dataclasses.field(default_factory=list)
    commits: int = 0


class FakeFeedbackRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _chain(self, employee_id: str) -> list[str]:
        return manager_chain(employee_id, lambda e: p.manager_id if (p := self.store.people.get(e)) else None)

    async def receiver(self, receiver_id: str, giver_id: str, since: Sequence[tuple[int, dt.datetime]]) -> Receiver | None:
        person = self.store.people.get(receiver_id)
        if person is None:
            return None
        mine = sorted((f.given_at for f in self.store.feedback.values() if f.giver_id == giver_id), reverse=True)
        oldest = []
        for count, after in since:
            recent = [at for at in mine if at > after]
            oldest.append(recent[count - 1] if len(recent) >= count else None)
        return Receiver(person.active, giver_id in self._chain(receiver_id), receiver_id in self._chain(giver_id), tuple(oldest))

    async def get(self, feedback_id: str, *, for_update: bool = False) -> Feedback | None:
        return self.store.feedback.get(feedback_id)

    async def add(self, feedback: Feedback) -> None:
        assert feedback.id not in self.store.feedback
        self.store.feedback[feedback.id] = feedback

    async def save(self, feedback: Feedback) -> None:
        stored = self.store.feedback[feedback.id]
        self.store.feedback[feedback.id] = dataclasses.replace(
            stored, acknowledged_at=feedback.acknowledged_at, acknowledgement_note=feedback.acknowledgement_note,
            action_item_id=feedback.action_item_id,
        )

    async def record_read(self, subject_id: str, item_id: str, reader_id: str, basis: str, path: str, at: dt.datetime) -> None:
        self.store.reads.append(ReadLine(subject_id, item_id, reader_id, basis, path, at))


class FakeRequestRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, request_id: str) -> FeedbackRequest | None:
        found = self.store.requests.get(request_id)
        return copy.deepcopy(found) if found is not None else None

    async def by_token(self, token_hash: str) -> FeedbackRequest | None:
        found = [r for r in self.store.requests.values() if r.token_hash == token_hash]
        return copy.deepcopy(found[0]) if found else None

    async def save(self, request: FeedbackRequest) -> None:
        stored = self.store.requests[request.id]
        for name in ("state", "answered_anonymously", "answered_feedback_id", "decline_reason", "updated_at"):
            setattr(stored, name, getattr(request, name))


class FakeActionItemRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, item: ActionItem) -> None:
        assert item.id not in self.store.action_items
        self.store.action_items[item.id] = item


class FakeUnitOfWork:
    """Works on a copy of the store; commit() writes the copy and the events back, anything else discards them."""

    feedback: FeedbackRepository
    requests: RequestRepository
    action_items: ActionItemRepository
    clock: UowClock

    def __init__(self, store: Store, clock: UowClock) -> None:
        self.store = store
        self.clock = clock
        self.committed = False
        self._events: list[Event] = []

    async def __aenter__(self) -> Self:
        self._work = copy.deepcopy(self.store)
        self.feedback = FakeFeedbackRepository(self._work)
        self.requests = FakeRequestRepository(self._work)
        self.action_items = FakeActionItemRepository(self._work)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc is None and self.committed:
            self._work.outbox.extend(self._events)
            self._work.commits += 1
            for field in dataclasses.fields(Store):
                setattr(self.store, field.name, getattr(self._work, field.name))

    def add_events(self, *events: Event) -> None:
        self._events.extend(events)

    async def recall(self, caller_key: str, method: str, request: RequestKey, answer_type: type[A]) -> A | None:
        found = self._work.answers.get((caller_key, request.key))
        if found is None:
            return None
        if found[:2] != (method, request.fingerprint):
            raise InvalidArgument("idempotency_key", "was already used for a different request")
        answer = found[2]
        assert isinstance(answer, answer_type)
        return answer

    async def remember(self, caller_key: str, method: str, request: RequestKey, answer: Answer) -> Answer | None:
        earlier = await self.recall(caller_key, method, request, type(answer))  # type: ignore[type-var]
        if earlier is None:
            self._work.answers[(caller_key, request.key)] = (method, request.fingerprint, answer)
        return earlier

    async def commit(self) -> list[Event]:
        self.committed = True
        return list(self._events)


class FakeService:
    """The bus over fake units of work sharing one store, as bootstrap wires the SQL ones."""

    def __init__(self, clock: Clock | None = None, config: FeedbackConfig = CONFIG) -> None:
        self.store = Store()
        self.clock = clock or Clock()
        self.observed: list[Event] = []
        self.bus = MessageBus(lambda: FakeUnitOfWork(self.store, self.clock), self.clock, config, observers=[self.observed.extend])

    def person(self, employee_id: str, *roles: str) -> Identity:
        return Identity(employee_id, frozenset(roles or ("employee",)), "system" if "system" in roles else "person")

    def request(self, request_id: str, *, subject: str = "ann", recipient: str | None = "bob", token_hash: str | None = None,
                expires_at: dt.datetime | None = None, state: int = pb.FeedbackRequest.STATE_OPEN) -> FeedbackRequest:
        """A stored request from the subject to the recipient (or, with a token hash, to an external recipient)."""
        request = FeedbackRequest(
            id=request_id, requester_id=subject, subject_id=subject, recipient_id=recipient, external_email="" if recipient else "c@example.org",
            external_name="" if recipient else "Customer", token_hash=token_hash, question="How did the demo land?",
            due_date=(NOW + dt.timedelta(days=7)).date(), expires_at=expires_at or NOW + dt.timedelta(days=7), state=state,
            answered_anonymously=False, relation=pb.RELATION_CUSTOMER if recipient is None else pb.RELATION_PEER, decline_reason="",
            answered_feedback_id=None, created_at=NOW - dt.timedelta(days=1), updated_at=NOW - dt.timedelta(days=1),
        )
        self.store.requests[request_id] = request
        return request
