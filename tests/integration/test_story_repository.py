"""The story service's repositories and unit of work on SQLite and on PostgreSQL (each test runs on both): what
the handler tests' fakes promise, the SQL keeps."""
from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from paars_platform.db import Database
from paars_platform.errors import StaleVersion
from paars_story.adapters import tables as t
from paars_story.adapters.sql_unit_of_work import SqlUnitOfWork
from paars_story.bootstrap import MIGRATIONS, message_bus
from paars_story.domain.plain_language import PlainLanguagePolicy
from paars_story.domain.story import (
    Localized,
    Passage,
    PassageKind,
    Proposal,
    ProposalComment,
    ProposalState,
    StoryVersion,
)
from paars_story.service_layer import commands as c
from tests.helpers import migrated
from tests.unit.story_fakes import person

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
POLICY = PlainLanguagePolicy()
OPENNESS = Passage(
    "value.openness", PassageKind.VALUE, Localized("Open", "Open"),
    Localized("Wij zeggen wat we denken.", "We say what we think."),
    behaviours=(Localized("Je vraagt om feedback.", "You ask for feedback."),),
)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated(database_url, MIGRATIONS) as database:
        yield database


def uow(db: Database, *, read_only: bool = False) -> SqlUnitOfWork:
    return SqlUnitOfWork(db, lambda: NOW, POLICY, read_only=read_only)


async def outbox_topics(db: Database) -> list[str]:
    async with db.read() as conn:
        return [r.topic for r in await conn.execute(sa.select(t.platform["outbox"].c.topic).order_by(t.platform["outbox"].c.id))]


async def test_a_version_is_stored_whole_and_read_back_equal(db: Database) -> None:
    version = StoryVersion(1, (OPENNESS,), NOW, "hr-1", contributor_ids=("ann", "hr-1"))
    async with uow(db) as u:
        await u.stories.add(version)
        await u.commit()
    async with uow(db, read_only=True) as u:
        assert await u.stories.get(1) == version
        assert await u.stories.latest() == version
        assert await u.stories.latest_published() is None


async def test_a_second_version_with_the_same_number_is_stale(db: Database) -> None:
    async with uow(db) as u:
        await u.stories.add(StoryVersion(1, (OPENNESS,), NOW, "hr-1"))
        await u.commit()
    with pytest.raises(StaleVersion):
        async with uow(db) as u:
            await u.stories.add(StoryVersion(1, (), NOW, "lead-1"))
            await u.commit()
    async with uow(db, read_only=True) as u:
        stored = await u.stories.get(1)
        assert stored is not None and stored.updated_by == "hr-1"


async def test_a_proposal_keeps_its_comments_in_order_and_its_endorsements(db: Database) -> None:
    proposal = Proposal("p1", "ann", OPENNESS, "why not", NOW)
    async with uow(db) as u:
        await u.proposals.add(proposal)
        await u.commit()
    later = NOW + dt.timedelta(minutes=1)
    updated = Proposal(
        "p1", "ann", OPENNESS, "why not", NOW, state=ProposalState.ACCEPTED, endorser_ids=("bob", "cas"),
        comments=(ProposalComment("c1", "bob", "yes", NOW), ProposalComment("c2", "cas", "and listen", later)),
        accepted_into_version=3,
    )
    async with uow(db) as u:
        await u.proposals.save(updated)
        await u.commit()
    async with uow(db, read_only=True) as u:
        assert await u.proposals.get("p1") == updated
        assert await u.proposals.list(open_only=True) == []
        assert await u.proposals.list(open_only=False) == [updated]


async def test_a_use_case_writes_its_change_and_its_events_together_or_not_at_all(db: Database) -> None:
    bus = message_bus(db, POLICY, clock=lambda: NOW)
    hr = person("hr-1", "hr")
    draft = await bus.handle(c.SaveDraft(hr, base_version=0, passages=(OPENNESS,)))
    assert await outbox_topics(db) == []
    published = await bus.handle(c.PublishDraft(hr, draft_version=draft.version, readability_override_reason=""))
    assert published.published and await outbox_topics(db) == ["story.story-published.v1"]
    # A refused use case leaves neither a change nor an event.
    with pytest.raises(StaleVersion):
        await bus.handle(c.SaveDraft(hr, base_version=0, passages=(OPENNESS,)))
    proposal = await bus.handle(c.ProposeChange(person("ann"), passage=OPENNESS, reason=""))
    assert await outbox_topics(db) == ["story.story-published.v1", "story.proposal-updated.v1"]
    view = await bus.ask(c.GetStory(person("ann")))
    assert view.published == published and view.draft is None
    assert [p.id for p in await bus.ask(c.ListProposals(person("ann"), open_only=True))] == [proposal.id]
