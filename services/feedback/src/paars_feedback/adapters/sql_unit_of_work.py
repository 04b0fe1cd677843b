"""The unit of work on the feedback database: one transaction, the outbox rows of its events and the
idempotency record of its answer, committed together or not at all."""
from __future__ import annotations

import contextlib
import functools
from types import TracebackType
from typing import Any, Self, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_feedback.adapters import tables as t
from paars_feedback.adapters.protobuf import decode_answer, encode_answer, event_to_proto
from paars_feedback.adapters.repository import SqlActionItemRepository, SqlFeedbackRepository, SqlRequestRepository
from paars_feedback.domain.feedback import Feedback, FeedbackRequest
from paars_feedback.service_layer.commands import RequestKey
from paars_feedback.service_layer.unit_of_work import (
    ActionItemRepository,
    Answer,
    Clock,
    Event,
    FeedbackRepository,
    RequestRace,
    RequestRepository,
)
from paars_platform import outbox
from paars_platform.db import Database, dialect_insert, utcnow
from paars_platform.errors import InvalidArgument

A = TypeVar("A", Feedback, FeedbackRequest)

_IDEMPOTENCY = t.platform["idempotency_keys"]
_RECALL = sa.select(_IDEMPOTENCY.c.method, _IDEMPOTENCY.c.request_hash, _IDEMPOTENCY.c.response).where(
    _IDEMPOTENCY.c.caller == sa.bindparam("b_caller"), _IDEMPOTENCY.c.key == sa.bindparam("b_key")
)


@functools.cache
def _remember(dialect: str) -> Any:
    """The idempotency record, or nothing when the key has one: no error, so the transaction stays usable."""
    return dialect_insert(dialect)(_IDEMPOTENCY).on_conflict_do_nothing(index_elements=["caller", "key"])


class _Rollback(Exception):
    """Ends a transaction that was not committed."""


class SqlUnitOfWork:
    feedback: FeedbackRepository
    requests: RequestRepository
    action_items: ActionItemRepository

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._events: list[Event] = []
        self._committed = False
        self._remembered = False
        self._scope: contextlib.AbstractAsyncContextManager[AsyncConnection] | None = None
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        self._scope = self.db.transaction()
        self._conn = await self._scope.__aenter__()
        self.feedback = SqlFeedbackRepository(self._conn)
        self.requests = SqlRequestRepository(self._conn)
        self.action_items = SqlActionItemRepository(self._conn)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self._scope is not None
        if exc is None and not self._committed:
            # Database.transaction() commits when its block ends without an error: hand it one to roll back.
            await self._scope.__aexit__(_Rollback, _Rollback(), None)
            return
        try:
            await self._scope.__aexit__(exc_type, exc, tb)
        except IntegrityError as error:
            if self._remembered:
                raise RequestRace() from error
            raise

    def add_events(self, *events: Event) -> None:
        self._events.extend(events)

    async def recall(self, caller_key: str, method: str, request: RequestKey, answer_type: type[A]) -> A | None:
        row = (await self._connection.execute(_RECALL, {"b_caller": caller_key, "b_key": request.key})).first()
        if row is None:
            return None
        if row.method != method or row.request_hash != request.fingerprint:
            raise InvalidArgument("idempotency_key", "was already used for a different request")
        return cast(A, decode_answer(answer_type, bytes(row.response)))

    async def remember(self, caller_key: str, method: str, request: RequestKey, answer: Answer) -> Answer | None:
        self._remembered = True
        kept = await self._connection.execute(_remember(self._connection.dialect.name), {
            "caller": caller_key, "key": request.key, "method": method, "request_hash": request.fingerprint,
            "response": encode_answer(answer), "created_at": utcnow(),
        })
        if kept.rowcount == 1:
            return None
        # The key has an answer already (on PostgreSQL a concurrent holder of the key was waited for, and its
        # committed row is visible to the next statement).
        earlier = await self.recall(caller_key, method, request, type(answer))  # type: ignore[type-var]
        if earlier is None:
            raise RequestRace()
        return earlier

    async def commit(self) -> list[Event]:
        await outbox.append(self._connection, t.platform["outbox"], *(event_to_proto(e) for e in self._events))
        events, self._events = self._events, []
        self._committed = True
        return events

    @property
    def _connection(self) -> AsyncConnection:
        assert self._conn is not None, "the unit of work is used outside its `async with`"
        return self._conn
