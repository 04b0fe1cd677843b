"""Goals' story catalogue and a goal's story keys on SQLite and PostgreSQL: the catalogue follows the newest
published story (an older one replayed is ignored), and the keys are stored with the goal."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from paars.story.v1 import story_pb2 as spb
from paars_goals.adapters.repository import goal_from_row
from paars_goals.adapters.story_catalogue import apply_story_published
from paars_goals.adapters.tables import goals as goals_table
from paars_goals.bootstrap import MIGRATIONS
from paars_platform.db import Database
from tests.helpers import migrated


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated(database_url, MIGRATIONS) as database:
        yield database


def published(version: int, *keys: str) -> spb.StoryPublished:
    kinds = {"value": spb.PASSAGE_KIND_VALUE, "theme": spb.PASSAGE_KIND_THEME, "mission": spb.PASSAGE_KIND_MISSION}
    return spb.StoryPublished(story=spb.StoryVersion(version=version, published=True, passages=[
        spb.Passage(key=k, kind=kinds[k.split(".")[0]], title=spb.LocalizedText(nl=k, en=k)) for k in keys
    ]))


async def test_the_catalogue_follows_the_newest_story_and_keeps_only_values_and_themes(db: Database) -> None:
    from paars_goals.adapters.repository import SqlDirectoryRepository

    async with db.transaction() as conn:
        await apply_story_published(conn, published(2, "mission", "value.openness", "theme.clients"))
        await apply_story_published(conn, published(1, "value.old"))
    async with db.read() as conn:
        assert await SqlDirectoryRepository(conn).story_keys(["value.openness", "theme.clients", "mission", "value.old"]) == {"value.openness", "theme.clients"}
    async with db.transaction() as conn:
        await apply_story_published(conn, published(3, "value.care"))
    async with db.read() as conn:
        assert await SqlDirectoryRepository(conn).story_keys(["value.openness", "value.care"]) == {"value.care"}
        assert await SqlDirectoryRepository(conn).story_keys([]) == set()


async def test_a_goal_row_written_before_story_keys_existed_reads_as_serving_none(db: Database) -> None:
    import datetime as dt

    import sqlalchemy as sa

    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    async with db.transaction() as conn:
        await conn.execute(goals_table.insert().values(
            id="g1", kind=1, level=3, title="t", description="", owner_id="ann", team_id=None, parent_goal_id=None, weight=1.0,
            key_results=[], start_date=now.date(), due_date=now.date(), agreement=1, closed_status=None, proposed_by="ann",
            counterpart_id="mgr", awaiting_from="mgr", confidence=0, last_check_in_at=None, version=1, created_at=now, updated_at=now,
        ))
    async with db.read() as conn:
        row = (await conn.execute(sa.select(goals_table))).first()
    assert goal_from_row(row).story_keys == ()
