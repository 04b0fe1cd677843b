"""The transaction scaffolding every service's SQL unit of work shares: one transaction (or, read_only, one
read connection), the events collected for the outbox, and the recall of an idempotent answer. A service
subclasses SqlUnitOfWorkBase, attaches its repositories in _attach, names its idempotency table and the
function that decodes a stored answer (IDEMPOTENCY, ANSWER_DECODER; only a service that recalls answers), and keeps its own commit() (its outbox rows) and remember() (how it meets a key that is taken)."""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_platform.db import Database
from paars_platform.errors import InvalidArgument
from paars_platform.shape import RequestKey, RequestRace

E = TypeVar("E")
T = TypeVar("T")


class _Rollback(Exception):
    """Ends a transaction that was not committed."""


@functools.cache
def recall_statement(table: sa.Table) -> sa.Select[Any]:
    """The stored answer of (caller, key), built once per idempotency table."""
    return sa.select(table.c.method, table.c.request_hash, table.c.response).where(
        table.c.caller == sa.bindparam("b_caller"), table.c.key == sa.bindparam("b_key")
    )


class SqlUnitOfWorkBase(Generic[E]):
    # The service's idempotency_keys table and the decoder of its stored answers (a stored answer back as
    # the domain object answer_type): only a service that recalls answers sets them.
    IDEMPOTENCY: ClassVar[sa.Table | None] = None
    ANSWER_DECODER: ClassVar[Callable[[type[Any], bytes], Any] | None] = None

    def __init__(self, db: Database, clock: Callable[[], dt.datetime], *, read_only: bool = False) -> None:
        self.db = db
        self.clock = clock
        self.read_only = read_only
        self._events: list[E] = []
        self._committed = False
        self._remembered = False
        self._scope: contextlib.AbstractAsyncContextManager[AsyncConnection] | None = None
        self._conn: AsyncConnection | None = None

    def _attach(self, conn: AsyncConnection) -> None:
        """Sets the service's repositories on the unit of work's connection."""

    async def __aenter__(self) -> Self:
        self._scope = self.db.read() if self.read_only else self.db.transaction()
        self._conn = await self._scope.__aenter__()
        self._attach(self._conn)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self._scope is not None
        if exc is None and not self._committed and not self.read_only:
            # Database.transaction() commits when its block ends without an error: hand it one to roll back.
            await self._scope.__aexit__(_Rollback, _Rollback(), None)
            return
        try:
            await self._scope.__aexit__(exc_type, exc, tb)
        except IntegrityError as error:
            if self._remembered:
                # The idempotency record collided at commit: a concurrent request with the key won.
                raise RequestRace() from error
            raise

    def add_events(self, *events: E) -> None:
        self._events.extend(events)

    async def recall(self, caller: str, method: str, request: RequestKey, answer_type: type[T]) -> T | None:
        decoder = type(self).ANSWER_DECODER
        assert self.IDEMPOTENCY is not None and decoder is not None, "this unit of work keeps no idempotent answers"
        row = (await self._connection.execute(recall_statement(self.IDEMPOTENCY), {"b_caller": caller, "b_key": request.key})).first()
        if row is None:
            return None
        if row.method != method or row.request_hash != request.fingerprint:
            raise InvalidArgument("idempotency_key", "was already used for a different request")
        return cast(T, decoder(answer_type, bytes(row.response)))

    @property
    def _connection(self) -> AsyncConnection:
        assert self._conn is not None, "the unit of work is used outside its `async with`"
        return self._conn
