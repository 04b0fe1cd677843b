"""In-memory stand-ins for the story service's unit of work and repositories: handler tests run the real
handlers and message bus over them, with no database and no broker."""
from __future__ import annotations

import dataclasses
import datetime as dt
from types import TracebackType
from typing import Self

from paars_platform.auth import Identity
from paars_platform.errors import StaleVersion
from paars_story.domain.plain_language import PlainLanguagePolicy
from paars_story.domain.story import Proposal, StoryVersion
from paars_story.service_layer.messagebus import MessageBus
from paars_story.service_layer.unit_of_work import Event, ProposalRepository, StoryRepository

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def clock() -> dt.datetime:
    return NOW


@dataclasses.dataclass
class Store:
    """What the fake database holds; a unit of work works on copies and writes them back on commit."""

    versions: dict[int, StoryVersion] = dataclasses.field(default_factory=dict)
    proposals: dict[str, Proposal] = dataclasses.field(default_factory=dict)
    outbox: list[Event] = dataclasses.field(default_factory=list)
    commits: int = 0


class FakeStoryRepository:
    def __init__(self, versions: dict[int, StoryVersion]) -> None:
        self.versions = versions

    async def latest(self, *, for_update: bool = False) -> StoryVersion | None:
        return self.versions[max(self.versions)] if self.versions else None

    async def latest_published(self) -> StoryVersion | None:
        published = [v for v in self.versions.values() if v.published]
        return max(published, key=lambda v: v.version) if published else None

    async def get(self, version: int) -> StoryVersion | None:
        return self.versions.get(version)

    async def add(self, version: StoryVersion) -> None:
        if version.version in self.versions:
            raise StaleVersion(f"story version {version.version} was written concurrently")
        self.versions[version.version] = version

    async def mark_published(self, version: StoryVersion) -> None:
        assert version.version in self.versions
        self.versions[version.version] = version


class FakeProposalRepository:
    def __init__(self, proposals: dict[str, Proposal]) -> None:
        self.proposals = proposals

    async def get(self, proposal_id: str, *, for_update: bool = False) -> Proposal | None:
        return self.proposals.get(proposal_id)

    async def list(self, *, open_only: bool) -> list[Proposal]:
        found = [p for p in self.proposals.values() if not open_only or p.state.name == "OPEN"]
        return sorted(found, key=lambda p: p.created_at, reverse=True)

    async def add(self, proposal: Proposal) -> None:
        self.proposals[proposal.id] = proposal

    async def save(self, proposal: Proposal) -> None:
        assert proposal.id in self.proposals
        self.proposals[proposal.id] = proposal


class FakeUnitOfWork:
    stories: StoryRepository
    proposals: ProposalRepository

    def __init__(self, store: Store) -> None:
        self.store = store
        self.clock = clock
        self._events: list[Event] = []
        self._committed = False

    async def __aenter__(self) -> Self:
        # Frozen dataclasses: copying the dicts is a copy of the state.
        self._versions = dict(self.store.versions)
        self._proposals = dict(self.store.proposals)
        self.stories = FakeStoryRepository(self._versions)
        self.proposals = FakeProposalRepository(self._proposals)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc is None and self._committed:
            self.store.versions = self._versions
            self.store.proposals = self._proposals
            self.store.outbox.extend(self._events)
            self.store.commits += 1

    def add_events(self, *events: Event) -> None:
        self._events.extend(events)

    async def commit(self) -> None:
        self._committed = True


def bus(store: Store, policy: PlainLanguagePolicy = PlainLanguagePolicy()) -> MessageBus:
    return MessageBus(lambda *, read_only=False: FakeUnitOfWork(store), policy)


def person(employee_id: str, *roles: str) -> Identity:
    return Identity(employee_id, frozenset({"employee", *roles}))
