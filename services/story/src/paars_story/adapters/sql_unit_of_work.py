"""The unit of work on the service's database: one transaction (or, for queries, one read connection) and the
outbox rows of its events, committed together or not at all. The transaction and the events are
paars_platform.unit_of_work's; story remembers no idempotent answers, and its events are written with the
plain-language policy."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from paars_platform import outbox
from paars_platform.db import Database
from paars_platform.privileged import PrivilegedAct
from paars_platform.unit_of_work import SqlUnitOfWorkBase
from paars_story.adapters import tables as t
from paars_story.adapters.personal_repository import SqlAmbitionRepository, SqlJargonRepository, SqlReachRepository
from paars_story.adapters.protobuf import event_to_proto
from paars_story.adapters.repository import SqlProposalRepository, SqlStoryRepository
from paars_story.adapters.team_repository import SqlDirectory, SqlTeamStoryRepository
from paars_story.domain.plain_language import PlainLanguagePolicy
from paars_story.service_layer.unit_of_work import (
    AmbitionRepository,
    Clock,
    Directory,
    Event,
    JargonRepository,
    ProposalRepository,
    ReachRepository,
    StoryRepository,
    TeamStoryRepository,
)


class SqlUnitOfWork(SqlUnitOfWorkBase[Event]):
    stories: StoryRepository
    proposals: ProposalRepository
    team_stories: TeamStoryRepository
    directory: Directory
    reach: ReachRepository
    jargon: JargonRepository
    ambitions: AmbitionRepository

    def __init__(self, db: Database, clock: Clock, policy: PlainLanguagePolicy, *, read_only: bool = False) -> None:
        super().__init__(db, clock, read_only=read_only)
        self.policy = policy

    def _attach(self, conn: AsyncConnection) -> None:
        self.privileged: list[PrivilegedAct] = []
        self.stories = SqlStoryRepository(conn)
        self.proposals = SqlProposalRepository(conn)
        self.team_stories = SqlTeamStoryRepository(conn)
        self.directory = SqlDirectory(conn)
        self.reach = SqlReachRepository(conn)
        self.jargon = SqlJargonRepository(conn)
        self.ambitions = SqlAmbitionRepository(conn)

    async def commit(self) -> None:
        await outbox.append(self._connection, t.platform["outbox"], *(event_to_proto(e, self.policy) for e in self._events))
        self._events.clear()
        self._committed = True
