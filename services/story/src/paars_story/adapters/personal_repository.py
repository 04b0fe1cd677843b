"""SQL repositories of who read the story, the organisation's jargon list, and people's own ambitions."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_platform.db import upsert
from paars_story.adapters import tables as t
from paars_story.domain.ambition import Ambition


class SqlReachRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def mark_read(self, version: int, employee_id: str, at: dt.datetime) -> None:
        """Once per person and version: a second read keeps the first time."""
        found = (await self.conn.execute(sa.select(t.story_reads.c.version).where(
            t.story_reads.c.version == version, t.story_reads.c.employee_id == employee_id,
        ))).first()
        if found is None:
            await upsert(self.conn, t.story_reads, {"version": version, "employee_id": employee_id, "read_at": at}, ["version", "employee_id"])

    async def readers(self, version: int) -> set[str]:
        return {r.employee_id for r in await self.conn.execute(sa.select(t.story_reads.c.employee_id).where(t.story_reads.c.version == version))}

    async def reactors(self, after: dt.datetime | None = None, until: dt.datetime | None = None) -> set[str]:
        """Who proposed, commented on or endorsed a proposal in (after, until] (a proposal's endorsements count at
        its time: they carry none of their own)."""
        P, C = t.proposals, t.proposal_comments
        proposals = sa.select(P.c.author_id, P.c.endorser_ids)
        comments = sa.select(C.c.author_id).distinct()
        if after is not None:
            proposals, comments = proposals.where(P.c.created_at > after), comments.where(C.c.created_at > after)
        if until is not None:
            proposals, comments = proposals.where(P.c.created_at <= until), comments.where(C.c.created_at <= until)
        found = {r.author_id for r in await self.conn.execute(comments)}
        for r in await self.conn.execute(proposals):
            found.add(r.author_id)
            found.update(r.endorser_ids)
        return found


class SqlJargonRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def all(self) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for r in await self.conn.execute(sa.select(t.jargon_terms).order_by(t.jargon_terms.c.language, t.jargon_terms.c.term)):
            found.setdefault(r.language, {})[r.term] = r.plain
        return found

    async def replace(self, terms: dict[str, dict[str, str]]) -> None:
        await self.conn.execute(t.jargon_terms.delete())
        rows = [{"language": lang, "term": term, "plain": plain} for lang, listed in terms.items() for term, plain in listed.items()]
        if rows:
            await self.conn.execute(t.jargon_terms.insert(), rows)


class SqlAmbitionRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, employee_id: str) -> Ambition | None:
        row = (await self.conn.execute(sa.select(t.ambitions).where(t.ambitions.c.employee_id == employee_id))).first()
        if row is None:
            return None
        return Ambition(row.employee_id, row.text, bool(row.shared_with_manager), bool(row.shared_with_coach), tuple(row.passage_keys), row.updated_at)

    async def save(self, ambition: Ambition) -> None:
        await upsert(self.conn, t.ambitions, {
            "employee_id": ambition.employee_id, "text": ambition.text, "shared_with_manager": ambition.shared_with_manager,
            "shared_with_coach": ambition.shared_with_coach, "passage_keys": list(ambition.passage_keys), "updated_at": ambition.updated_at,
        }, ["employee_id"])
