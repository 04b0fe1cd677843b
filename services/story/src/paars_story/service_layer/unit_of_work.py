"""The unit of work: one transaction around a use case, with the repositories it reads and writes through and
the events it leaves in the outbox. The SQL one is in adapters/sql_unit_of_work.py; tests/unit/story_fakes.py
has one in memory."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

from paars_platform.privileged import PrivilegedAct
from paars_story.domain.ambition import Ambition, Relations
from paars_story.domain.plain_language import PlainLanguagePolicy
from paars_story.domain.story import Proposal, ProposalUpdated, StoryPublished, StoryVersion
from paars_story.domain.team_story import Team, TeamStory, TeamStoryPublished

Clock = Callable[[], dt.datetime]
Event = StoryPublished | ProposalUpdated | TeamStoryPublished


class StoryRepository(Protocol):
    async def latest(self, *, for_update: bool = False) -> StoryVersion | None:
        """The newest version (draft or published); for_update locks it until the transaction ends."""

    async def latest_published(self) -> StoryVersion | None: ...

    async def next_published(self, version: int) -> StoryVersion | None:
        """The first published version after this one (None: it is the story now)."""

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


class TeamStoryRepository(Protocol):
    async def latest(self, team_id: str, *, for_update: bool = False) -> TeamStory | None: ...

    async def latest_published(self, team_id: str) -> TeamStory | None: ...

    async def all_published(self) -> list[TeamStory]:
        """Each team's newest published version."""

    async def add(self, story: TeamStory) -> None:
        """Writes a new version; StaleVersion when that number was written first."""

    async def mark_published(self, story: TeamStory) -> None: ...


class Directory(Protocol):
    """The story service's projection of the org directory, as the use cases read it."""

    async def team(self, team_id: str) -> Team | None: ...

    async def teams(self) -> list[Team]: ...

    async def team_of(self, employee_id: str) -> str:
        """The person's team id, empty when none."""

    async def relations(self, employee_id: str) -> Relations | None:
        """The person's manager and coach; None for someone the directory does not know."""

    async def members(self) -> dict[str, list[str]]:
        """Each team's active people."""


class ReachRepository(Protocol):
    async def mark_read(self, version: int, employee_id: str, at: dt.datetime) -> None: ...

    async def readers(self, version: int) -> set[str]: ...

    async def reactors(self, after: dt.datetime | None = None, until: dt.datetime | None = None) -> set[str]:
        """Who proposed, commented on or endorsed a proposal in (after, until]."""


class JargonRepository(Protocol):
    async def all(self) -> dict[str, dict[str, str]]:
        """language -> term -> plainer words."""

    async def replace(self, terms: dict[str, dict[str, str]]) -> None: ...


class AmbitionRepository(Protocol):
    async def get(self, employee_id: str) -> Ambition | None: ...

    async def save(self, ambition: Ambition) -> None: ...


class UnitOfWork(Protocol):
    stories: StoryRepository
    proposals: ProposalRepository
    team_stories: TeamStoryRepository
    directory: Directory
    reach: ReachRepository
    jargon: JargonRepository
    ambitions: AmbitionRepository
    # The plain-language policy the events of this unit of work are written with (the organisation's jargon
    # list included); the message bus sets it.
    policy: PlainLanguagePolicy
    clock: Clock
    # What the command did on a privileged basis (an override of the readability check); the bus records it.
    privileged: list[PrivilegedAct]

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        """Rolls back unless commit() was called."""

    def add_events(self, *events: Event) -> None:
        """Events written to the outbox by commit(), in this order, in the same transaction as the change."""

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A fresh unit of work; read_only for queries (no transaction, no write lock)."""
