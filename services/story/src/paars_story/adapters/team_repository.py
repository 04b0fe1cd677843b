"""SQL repositories of team stories and of the directory projection as the story's use cases read it."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_platform.errors import StaleVersion
from paars_story.adapters import tables as t
from paars_story.domain.ambition import Relations
from paars_story.domain.story import Localized
from paars_story.domain.team_story import Team, TeamStory

_T = t.team_stories


def _team_story(row: Any) -> TeamStory:
    return TeamStory(
        team_id=row.team_id, version=row.version, title=Localized(**row.title), text=Localized(**row.text),
        value_keys=tuple(row.value_keys), theme_keys=tuple(row.theme_keys), story_version=row.story_version,
        updated_at=row.updated_at, updated_by=row.updated_by, published=bool(row.published), published_at=row.published_at,
        published_by=row.published_by, contributor_ids=tuple(row.contributor_ids), readability_override_reason=row.readability_override_reason,
    )


class SqlTeamStoryRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def latest(self, team_id: str, *, for_update: bool = False) -> TeamStory | None:
        statement = sa.select(_T).where(_T.c.team_id == team_id).order_by(_T.c.version.desc()).limit(1)
        if for_update and self.conn.dialect.name == "postgresql":
            statement = statement.with_for_update()
        row = (await self.conn.execute(statement)).first()
        return _team_story(row) if row is not None else None

    async def latest_published(self, team_id: str) -> TeamStory | None:
        statement = sa.select(_T).where(_T.c.team_id == team_id, _T.c.published.is_(True)).order_by(_T.c.version.desc()).limit(1)
        row = (await self.conn.execute(statement)).first()
        return _team_story(row) if row is not None else None

    async def all_published(self) -> list[TeamStory]:
        """Each team's newest published version."""
        newest = sa.select(_T.c.team_id, sa.func.max(_T.c.version).label("version")).where(_T.c.published.is_(True)).group_by(_T.c.team_id).subquery()
        statement = sa.select(_T).join(newest, sa.and_(_T.c.team_id == newest.c.team_id, _T.c.version == newest.c.version)).order_by(_T.c.team_id)
        return [_team_story(r) for r in await self.conn.execute(statement)]

    async def add(self, story: TeamStory) -> None:
        try:
            await self.conn.execute(_T.insert().values(**self._row(story)))
        except IntegrityError:
            raise StaleVersion(f"team story {story.team_id} version {story.version} was written concurrently: reload and edit again") from None

    async def mark_published(self, story: TeamStory) -> None:
        row = self._row(story)
        await self.conn.execute(_T.update().where(_T.c.team_id == story.team_id, _T.c.version == story.version).values(
            published=row["published"], published_at=row["published_at"], published_by=row["published_by"],
            contributor_ids=row["contributor_ids"], readability_override_reason=row["readability_override_reason"],
        ))

    @staticmethod
    def _row(s: TeamStory) -> dict[str, Any]:
        return {
            "team_id": s.team_id, "version": s.version, "title": {"nl": s.title.nl, "en": s.title.en},
            "text": {"nl": s.text.nl, "en": s.text.en}, "value_keys": list(s.value_keys), "theme_keys": list(s.theme_keys),
            "story_version": s.story_version, "updated_at": s.updated_at, "updated_by": s.updated_by, "published": s.published,
            "published_at": s.published_at, "published_by": s.published_by, "contributor_ids": list(s.contributor_ids),
            "readability_override_reason": s.readability_override_reason,
        }


class SqlDirectory:
    """The people and teams of the projection, as the use cases ask for them."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def team(self, team_id: str) -> Team | None:
        row = (await self.conn.execute(sa.select(t.teams).where(t.teams.c.id == team_id))).first()
        return Team(row.id, row.name, row.manager_id or "") if row is not None else None

    async def teams(self) -> list[Team]:
        return [Team(r.id, r.name, r.manager_id or "") for r in await self.conn.execute(sa.select(t.teams).order_by(t.teams.c.name))]

    async def team_of(self, employee_id: str) -> str:
        row = (await self.conn.execute(sa.select(t.people.c.team_id).where(t.people.c.id == employee_id))).first()
        return (row.team_id or "") if row is not None else ""

    async def relations(self, employee_id: str) -> Relations | None:
        row = (await self.conn.execute(sa.select(t.people.c.manager_id, t.people.c.coach_id).where(t.people.c.id == employee_id))).first()
        return Relations(row.manager_id or "", row.coach_id or "") if row is not None else None

    async def members(self) -> dict[str, list[str]]:
        """Each team's active people."""
        found: dict[str, list[str]] = {}
        rows = await self.conn.execute(sa.select(t.people.c.id, t.people.c.team_id).where(t.people.c.active.is_(True), t.people.c.team_id.is_not(None)))
        for r in rows:
            found.setdefault(r.team_id, []).append(r.id)
        return found
