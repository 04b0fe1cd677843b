"""In-memory stand-ins for the story service's unit of work and repositories: handler tests run the real
handlers and message bus over them, with no database and no broker."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from paars_platform.auth import Identity
from paars_platform.errors import StaleVersion
from paars_platform.privileged import PrivilegedAct
from paars_story.domain.ambition import Ambition, Relations
from paars_story.domain.plain_language import PlainLanguagePolicy
from paars_story.domain.story import Proposal, StoryVersion
from paars_story.domain.team_story import Team, TeamStory
from paars_story.service_layer.messagebus import MessageBus, Observer
from paars_story.service_layer.unit_of_work import (
    AmbitionRepository,
    Directory,
    Event,
    JargonRepository,
    ProposalRepository,
    ReachRepository,
    StoryRepository,
    TeamStoryRepository,
)

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
    team_stories: dict[tuple[str, int], TeamStory] = dataclasses.field(default_factory=dict)
    # The directory projection: teams, and each person's (team, manager, coach).
    teams: dict[str, Team] = dataclasses.field(default_factory=dict)
    people: dict[str, tuple[str, str, str]] = dataclasses.field(default_factory=dict)
    reads: set[tuple[int, str]] = dataclasses.field(default_factory=set)
    jargon: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    ambitions: dict[str, Ambition] = dataclasses.field(default_factory=dict)
    # What the bus recorded as privileged (an override of the readability check): (actor, path, act).
    privileged: list[tuple[str, str, PrivilegedAct]] = dataclasses.field(default_factory=list)


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

    async def next_published(self, version: int) -> StoryVersion | None:
        later = [v for v in self.versions.values() if v.published and v.version > version]
        return min(later, key=lambda v: v.version) if later else None

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


class FakeTeamStoryRepository:
    def __init__(self, stories: dict[tuple[str, int], TeamStory]) -> None:
        self.stories = stories

    def _of(self, team_id: str) -> list[TeamStory]:
        return sorted((s for (t, _), s in self.stories.items() if t == team_id), key=lambda s: s.version)

    async def latest(self, team_id: str, *, for_update: bool = False) -> TeamStory | None:
        found = self._of(team_id)
        return found[-1] if found else None

    async def latest_published(self, team_id: str) -> TeamStory | None:
        found = [s for s in self._of(team_id) if s.published]
        return found[-1] if found else None

    async def all_published(self) -> list[TeamStory]:
        teams = sorted({t for t, _ in self.stories})
        return [s for s in [await self.latest_published(t) for t in teams] if s is not None]

    async def add(self, story: TeamStory) -> None:
        if (story.team_id, story.version) in self.stories:
            raise StaleVersion(f"team story {story.team_id} version {story.version} was written concurrently")
        self.stories[(story.team_id, story.version)] = story

    async def mark_published(self, story: TeamStory) -> None:
        assert (story.team_id, story.version) in self.stories
        self.stories[(story.team_id, story.version)] = story


class FakeDirectory:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def team(self, team_id: str) -> Team | None:
        return self.store.teams.get(team_id)

    async def teams(self) -> list[Team]:
        return sorted(self.store.teams.values(), key=lambda t: t.name)

    async def team_of(self, employee_id: str) -> str:
        return self.store.people.get(employee_id, ("", "", ""))[0]

    async def relations(self, employee_id: str) -> Relations | None:
        found = self.store.people.get(employee_id)
        return Relations(found[1], found[2]) if found else None

    async def members(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for person, (team, _m, _c) in self.store.people.items():
            if team:
                out.setdefault(team, []).append(person)
        return out


class FakeReachRepository:
    def __init__(self, reads: set[tuple[int, str]], proposals: dict[str, Proposal]) -> None:
        self.reads = reads
        self.proposals = proposals

    async def mark_read(self, version: int, employee_id: str, at: dt.datetime) -> None:
        self.reads.add((version, employee_id))

    async def readers(self, version: int) -> set[str]:
        return {e for v, e in self.reads if v == version}

    async def reactors(self, after: dt.datetime | None = None, until: dt.datetime | None = None) -> set[str]:
        def inside(at: dt.datetime) -> bool:
            return (after is None or at > after) and (until is None or at <= until)

        found = {c.author_id for p in self.proposals.values() for c in p.comments if inside(c.created_at)}
        for p in self.proposals.values():
            if inside(p.created_at):
                found |= {p.author_id, *p.endorser_ids}
        return found


class FakeJargonRepository:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.replaced: dict[str, dict[str, str]] | None = None

    async def all(self) -> dict[str, dict[str, str]]:
        return self.replaced if self.replaced is not None else {k: dict(v) for k, v in self.store.jargon.items()}

    async def replace(self, terms: dict[str, dict[str, str]]) -> None:
        self.replaced = {k: dict(v) for k, v in terms.items()}


class FakeAmbitionRepository:
    def __init__(self, ambitions: dict[str, Ambition]) -> None:
        self.ambitions = ambitions

    async def get(self, employee_id: str) -> Ambition | None:
        return self.ambitions.get(employee_id)

    async def save(self, ambition: Ambition) -> None:
        self.ambitions[ambition.employee_id] = ambition


class FakeUnitOfWork:
    stories: StoryRepository
    proposals: ProposalRepository
    team_stories: TeamStoryRepository
    directory: Directory
    reach: ReachRepository
    jargon: JargonRepository
    ambitions: AmbitionRepository
    policy: PlainLanguagePolicy

    def __init__(self, store: Store) -> None:
        self.store = store
        self.clock = clock
        self._events: list[Event] = []
        self._committed = False

    async def __aenter__(self) -> Self:
        # Frozen dataclasses: copying the dicts is a copy of the state.
        self._versions = dict(self.store.versions)
        self._proposals = dict(self.store.proposals)
        self._team_stories = dict(self.store.team_stories)
        self._reads = set(self.store.reads)
        self._ambitions = dict(self.store.ambitions)
        self.stories = FakeStoryRepository(self._versions)
        self.proposals = FakeProposalRepository(self._proposals)
        self.team_stories = FakeTeamStoryRepository(self._team_stories)
        self.directory = FakeDirectory(self.store)
        self.reach = FakeReachRepository(self._reads, self._proposals)
        self._jargon = FakeJargonRepository(self.store)
        self.jargon = self._jargon
        self.ambitions = FakeAmbitionRepository(self._ambitions)
        self.policy = PlainLanguagePolicy()
        self.privileged: list[PrivilegedAct] = []
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc is None and self._committed:
            self.store.versions = self._versions
            self.store.proposals = self._proposals
            self.store.team_stories = self._team_stories
            self.store.reads = self._reads
            self.store.ambitions = self._ambitions
            if self._jargon.replaced is not None:
                self.store.jargon = self._jargon.replaced
            self.store.outbox.extend(self._events)
            self.store.commits += 1

    def add_events(self, *events: Event) -> None:
        self._events.extend(events)

    async def commit(self) -> None:
        self._committed = True


def bus(store: Store, policy: PlainLanguagePolicy = PlainLanguagePolicy(), observers: tuple[Observer, ...] = ()) -> MessageBus:
    async def record(actor: str, path: str, acts: Sequence[PrivilegedAct]) -> None:
        store.privileged.extend((actor, path, act) for act in acts)

    return MessageBus(lambda *, read_only=False: FakeUnitOfWork(store), policy, observers=observers, record=record)


def person(employee_id: str, *roles: str) -> Identity:
    return Identity(employee_id, frozenset({"employee", *roles}))
