"""Goals' catalogue of the organisation story's values and themes, kept from story.story-published.v1 as the other
services keep the directory (event-carried state transfer): a goal may say which of them it serves. A newer
version replaces the catalogue whole; an older one (the compacted topic replayed) is ignored."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.story.v1 import story_pb2
from paars_goals.adapters import tables as t

_KINDS = {story_pb2.PASSAGE_KIND_VALUE: "value", story_pb2.PASSAGE_KIND_THEME: "theme"}


async def apply_story_published(conn: AsyncConnection, event: story_pb2.StoryPublished) -> None:
    story = event.story
    known = (await conn.execute(sa.select(sa.func.max(t.story_catalogue.c.story_version)))).scalar()
    if known is not None and known > story.version:
        return
    await conn.execute(t.story_catalogue.delete())
    rows = [
        {"key": p.key, "kind": _KINDS[p.kind], "title_nl": p.title.nl, "title_en": p.title.en, "story_version": story.version}
        for p in story.passages if p.kind in _KINDS
    ]
    if rows:
        await conn.execute(t.story_catalogue.insert(), rows)
