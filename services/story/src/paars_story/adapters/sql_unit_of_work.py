"""The unit of work on the service's database: one transaction (or, for queries, one read connection) and the
outbox rows of its events, committed together or not at all."""
from __future__ import annotations

import contextlib
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection

from paars_platform import outbox
from paars_platform.db import Database
from paars_story.adapters import tables as t
from paars_story.adapters.protobuf import event_to_proto
from paars_story.adapters.repository import SqlProposalRepository, SqlStoryRepository
from paars_story.domain.plain_language import PlainLanguagePolicy
from paars_story.service_layer.unit_of_work import Clock, Event, ProposalRepository, StoryRepository


class _Rollback(Exception):
    """Ends a transaction that was not committed."""


class SqlUnitOfWork:
    stories: StoryRepository
    proposals: ProposalRepository

    def __init__(self, db: Database, clock: Clock, policy: PlainLanguagePolicy, *, read_only: bool = False) -> None:
        self.db = db
        self.clock = clock
        self.policy = policy
        self.read_only = read_only
        self._events: list[Event] = []
        self._committed = False
        self._scope: contextlib.AbstractAsyncContextManager[AsyncConnection] | None = None
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        self._scope = self.db.read() if self.read_only else self.db.transaction()
        self._conn = await self._scope.__aenter__()
        self.stories = SqlStoryRepository(self._conn)
        self.proposals = SqlProposalRepository(self._conn)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        assert self._scope is not None
        if exc is None and not self._committed and not self.read_only:
            # Database.transaction() commits when its block ends without an error: hand it one to roll back.
            await self._scope.__aexit__(_Rollback, _Rollback(), None)
            return
        await self._scope.__aexit__(exc_type, exc, tb)

    def add_events(self, *events: Event) -> None:
        self._events.extend(events)

    async def commit(self) -> None:
        assert self._conn is not None, "the unit of work is used outside its `async with`"
        await outbox.append(self._conn, t.platform["outbox"], *(event_to_proto(e, self.policy) for e in self._events))
        self._events.clear()
        self._committed = True
