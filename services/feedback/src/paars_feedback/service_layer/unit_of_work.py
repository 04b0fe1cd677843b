"""The unit of work: one transaction around a use case, with the repositories it reads and writes through,
the events it leaves in the outbox, and the answers it remembers for retried requests. The SQL one is in
adapters/sql_unit_of_work.py; tests/unit/feedback_fakes.py has one in memory."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Protocol, Self, TypeVar

from paars_feedback.domain.feedback import (
    ActionItem,
    ActionItemCreated,
    Feedback,
    FeedbackAcknowledged,
    FeedbackGiven,
    FeedbackRequest,
    FeedbackRequestChanged,
    Receiver,
)
from paars_feedback.service_layer.commands import RequestKey
from paars_platform.shape import RequestRace as RequestRace  # re-exported: the bus and tests import it from here

Clock = Callable[[], dt.datetime]
Event = FeedbackGiven | FeedbackRequestChanged | FeedbackAcknowledged | ActionItemCreated
# What a command answers, and so what a retried request is answered with again.
Answer = Feedback | FeedbackRequest
A = TypeVar("A", Feedback, FeedbackRequest)


class FeedbackRepository(Protocol):
    async def receiver(self, receiver_id: str, giver_id: str, since: Sequence[tuple[int, dt.datetime]]) -> Receiver | None:
        """The receiver (None when the directory has nobody by that id), whether either manages the other,
        and for each (count, since) the given_at of the giver's count-th most recent item after since:
        one read for everything GiveFeedback checks."""

    async def get(self, feedback_id: str, *, for_update: bool = False) -> Feedback | None:
        """The item; for_update locks its row until the transaction ends (where the database has row locks)."""

    async def add(self, feedback: Feedback) -> None: ...

    async def save(self, feedback: Feedback) -> None:
        """Writes what an item's life changes: its acknowledgement, note and action item."""

    async def record_read(self, subject_id: str, item_id: str, reader_id: str, basis: str, path: str, at: dt.datetime) -> None:
        """A line in the read audit."""


class RequestRepository(Protocol):
    async def get(self, request_id: str) -> FeedbackRequest | None: ...

    async def by_token(self, token_hash: str) -> FeedbackRequest | None:
        """The request whose link token hashes to this."""

    async def save(self, request: FeedbackRequest) -> None:
        """Writes what a request's life changes: its state, how and by what it was answered, and when."""


class ActionItemRepository(Protocol):
    async def add(self, item: ActionItem) -> None: ...



class UnitOfWork(Protocol):
    feedback: FeedbackRepository
    requests: RequestRepository
    action_items: ActionItemRepository
    clock: Clock

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        """Rolls back unless commit() was called."""

    def add_events(self, *events: Event) -> None:
        """Events written to the outbox by commit(), in this order, in the same transaction as the change."""

    async def recall(self, caller_key: str, method: str, request: RequestKey, answer_type: type[A]) -> A | None:
        """The answer given to this caller's earlier request with this key; InvalidArgument when the key
        was used for a different request."""

    async def remember(self, caller_key: str, method: str, request: RequestKey, answer: Answer) -> Answer | None:
        """Keeps the answer for this key, in this transaction. When the key already has one (an earlier
        request, or a concurrent one that committed first) keeps nothing and returns that one instead
        (InvalidArgument when it was for a different request): the caller then rolls back."""

    async def commit(self) -> list[Event]:
        """Ends the use case's writes (events to the outbox); returns the events, for metrics once committed."""


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
