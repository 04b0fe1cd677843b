"""The story's repositories on SQL (SQLite and PostgreSQL alike): versions written whole, passages as JSON."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_platform.errors import StaleVersion
from paars_story.adapters import tables as t
from paars_story.domain.story import Localized, Passage, PassageKind, Proposal, ProposalComment, ProposalState, StoryVersion


def _localized(value: Localized) -> dict[str, str]:
    return {"nl": value.nl, "en": value.en}


def passage_to_json(p: Passage) -> dict[str, Any]:
    return {
        "key": p.key, "kind": p.kind.name, "title": _localized(p.title), "text": _localized(p.text),
        "behaviours": [_localized(b) for b in p.behaviours],
    }


def passage_from_json(data: dict[str, Any]) -> Passage:
    return Passage(
        data["key"], PassageKind[data["kind"]], Localized(**data["title"]), Localized(**data["text"]),
        tuple(Localized(**b) for b in data["behaviours"]),
    )


def _version(row: Any) -> StoryVersion:
    return StoryVersion(
        version=row.version, passages=tuple(passage_from_json(p) for p in row.passages), updated_at=row.updated_at,
        updated_by=row.updated_by, published=bool(row.published), published_at=row.published_at,
        published_by=row.published_by, contributor_ids=tuple(row.contributor_ids),
        readability_override_reason=row.readability_override_reason,
    )


_V = t.story_versions


class SqlStoryRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def latest(self, *, for_update: bool = False) -> StoryVersion | None:
        statement = sa.select(_V).order_by(_V.c.version.desc()).limit(1)
        if for_update and self.conn.dialect.name == "postgresql":
            statement = statement.with_for_update()
        row = (await self.conn.execute(statement)).first()
        return _version(row) if row is not None else None

    async def latest_published(self) -> StoryVersion | None:
        row = (await self.conn.execute(sa.select(_V).where(_V.c.published.is_(True)).order_by(_V.c.version.desc()).limit(1))).first()
        return _version(row) if row is not None else None

    async def next_published(self, version: int) -> StoryVersion | None:
        statement = sa.select(_V).where(_V.c.published.is_(True), _V.c.version > version).order_by(_V.c.version).limit(1)
        row = (await self.conn.execute(statement)).first()
        return _version(row) if row is not None else None

    async def get(self, version: int) -> StoryVersion | None:
        row = (await self.conn.execute(sa.select(_V).where(_V.c.version == version))).first()
        return _version(row) if row is not None else None

    async def add(self, version: StoryVersion) -> None:
        # The primary key is the version number: of two curators saving from the same version, one loses.
        # The failed insert ends the use case, so its transaction is rolled back as a whole (no savepoint needed).
        try:
            await self.conn.execute(_V.insert().values(**self._row(version)))
        except IntegrityError:
            raise StaleVersion(f"story version {version.version} was written concurrently: reload and edit again") from None

    async def mark_published(self, version: StoryVersion) -> None:
        row = self._row(version)
        await self.conn.execute(_V.update().where(_V.c.version == version.version).values(
            published=row["published"], published_at=row["published_at"], published_by=row["published_by"],
            contributor_ids=row["contributor_ids"], readability_override_reason=row["readability_override_reason"],
        ))

    @staticmethod
    def _row(v: StoryVersion) -> dict[str, Any]:
        return {
            "version": v.version, "passages": [passage_to_json(p) for p in v.passages], "updated_at": v.updated_at,
            "updated_by": v.updated_by, "published": v.published, "published_at": v.published_at,
            "published_by": v.published_by, "contributor_ids": list(v.contributor_ids),
            "readability_override_reason": v.readability_override_reason,
        }


_P = t.proposals
_C = t.proposal_comments


class SqlProposalRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def _comments(self, proposal_ids: list[str]) -> dict[str, list[ProposalComment]]:
        found: dict[str, list[ProposalComment]] = {pid: [] for pid in proposal_ids}
        if proposal_ids:
            rows = await self.conn.execute(sa.select(_C).where(_C.c.proposal_id.in_(proposal_ids)).order_by(_C.c.created_at, _C.c.id))
            for r in rows:
                found[r.proposal_id].append(ProposalComment(r.id, r.author_id, r.text, r.created_at))
        return found

    @staticmethod
    def _proposal(row: Any, comments: list[ProposalComment]) -> Proposal:
        return Proposal(
            id=row.id, author_id=row.author_id, passage=passage_from_json(row.passage), reason=row.reason,
            created_at=row.created_at, state=ProposalState[row.state], endorser_ids=tuple(row.endorser_ids),
            comments=tuple(comments), accepted_into_version=row.accepted_into_version,
        )

    async def get(self, proposal_id: str, *, for_update: bool = False) -> Proposal | None:
        statement = sa.select(_P).where(_P.c.id == proposal_id)
        if for_update and self.conn.dialect.name == "postgresql":
            statement = statement.with_for_update()
        row = (await self.conn.execute(statement)).first()
        if row is None:
            return None
        return self._proposal(row, (await self._comments([row.id]))[row.id])

    async def list(self, *, open_only: bool) -> list[Proposal]:
        statement = sa.select(_P).order_by(_P.c.created_at.desc(), _P.c.id)
        if open_only:
            statement = statement.where(_P.c.state == ProposalState.OPEN.name)
        rows = list(await self.conn.execute(statement))
        comments = await self._comments([r.id for r in rows])
        return [self._proposal(r, comments[r.id]) for r in rows]

    async def add(self, proposal: Proposal) -> None:
        await self.conn.execute(_P.insert().values(
            id=proposal.id, author_id=proposal.author_id, passage=passage_to_json(proposal.passage),
            reason=proposal.reason, state=proposal.state.name, endorser_ids=list(proposal.endorser_ids),
            created_at=proposal.created_at, accepted_into_version=proposal.accepted_into_version,
        ))
        await self._add_comments(proposal, set())

    async def save(self, proposal: Proposal) -> None:
        await self.conn.execute(_P.update().where(_P.c.id == proposal.id).values(
            state=proposal.state.name, endorser_ids=list(proposal.endorser_ids),
            accepted_into_version=proposal.accepted_into_version,
        ))
        stored = {r.id for r in await self.conn.execute(sa.select(_C.c.id).where(_C.c.proposal_id == proposal.id))}
        await self._add_comments(proposal, stored)

    async def _add_comments(self, proposal: Proposal, stored: set[str]) -> None:
        new = [
            {"id": c.id, "proposal_id": proposal.id, "author_id": c.author_id, "text": c.text, "created_at": c.created_at}
            for c in proposal.comments if c.id not in stored
        ]
        if new:
            await self.conn.execute(_C.insert(), new)
