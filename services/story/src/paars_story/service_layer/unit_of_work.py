"""The unit of work: one transaction around a use case, with the repositories it reads and writes through and
the events it leaves in the outbox. The SQL one is in adapters/sql_unit_of_work.py; tests/unit/story_fakes.py
has one in memory."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

from paars_story.domain.story import Proposal, ProposalUpdated, StoryPublished, StoryVersion

Clock = Callable[[], dt.datetime]
Event = StoryPublished | ProposalUpdated


class StoryRepository(Protocol):
    async def latest(self, *, for_update: bool = False) -> StoryVersion | None:
        """The newest version (draft or published); for_update locks it until the transaction ends."""

    async def latest_published(self) -> StoryVersion | None: ...

    async def get(self, version: int) -> StoryVersion | None: ...

    async def add(self, version: StoryVersion) -> None:
        """Writes a new version; StaleVersion when that number was written first by someone else."""

    async def mark_published(self, version: StoryVersion) -> None:
        """Records the publication (who, when, contributors, override) on an existing draft version."""


class ProposalRepository(Protocol):
    async def get(self, proposal_id: str, *, for_update: bool = False) -> Proposal | None: ...

    async def list(self, *, open_only: bool) -> list[Proposal]:
        """Newest first."""

    async def add(self, proposal: Proposal) -> None: ...

    async def save(self, proposal: Proposal) -> None:
        """Writes state, endorsements and accepted version, and any comments not yet stored."""


class UnitOfWork(Protocol):
    stories: StoryRepository
    proposals: ProposalRepository
    clock: Clock

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        """Rolls back unless commit() was called."""

    def add_events(self, *events: Event) -> None:
        """Events written to the outbox by commit(), in this order, in the same transaction as the change."""

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A fresh unit of work; read_only for queries (no transaction, no write lock)."""
