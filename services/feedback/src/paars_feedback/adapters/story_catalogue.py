"""The local projection of the organisation story's value catalogue, applied from story.story-published.v1 (event-
carried state transfer, as the directory is from org.*): the values of the latest published version are what
feedback and praise may name."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.story.v1 import story_pb2
from paars_feedback.adapters import tables as t
from paars_platform.db import upsert, utcnow

_v = t.story_values
_NEWEST = sa.select(sa.func.max(_v.c.story_version))


async def apply_story_published(conn: AsyncConnection, event: story_pb2.StoryPublished) -> None:
    """The catalogue becomes the published version's values; an older version (the compacted topic may replay one,
    or deliver it late) changes nothing. A value the new version no longer has can no longer be named."""
    story = event.story
    newest = (await conn.execute(_NEWEST)).scalar()
    if newest is not None and newest > story.version:
        return
    values = [p for p in story.passages if p.kind == story_pb2.PASSAGE_KIND_VALUE and p.key]
    await conn.execute(_v.delete().where(_v.c.key.not_in([p.key for p in values])) if values else _v.delete())
    now = utcnow()
    for p in values:
        await upsert(conn, _v, {"key": p.key, "title_nl": p.title.nl, "title_en": p.title.en, "story_version": story.version, "updated_at": now}, ["key"])
