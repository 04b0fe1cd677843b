"""Team stories, reach, the jargon list and ambitions on SQLite and on PostgreSQL (each test runs on both): what
the handler tests' fakes promise (tests/unit/story_fakes.py), the SQL keeps."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from paars.org.v1 import org_pb2
from paars_platform.db import Database
from paars_platform.errors import NotFound, StaleVersion
from paars_story.adapters import directory
from paars_story.adapters import tables as t
from paars_story.adapters.sql_unit_of_work import SqlUnitOfWork
from paars_story.bootstrap import MIGRATIONS, message_bus
from paars_story.domain.ambition import Ambition, Relations
from paars_story.domain.plain_language import PlainLanguagePolicy
from paars_story.domain.story import Localized
from paars_story.domain.team_story import Team, TeamStory
from paars_story.service_layer import commands as c
from tests.helpers import migrated
from tests.integration.test_story_repository import OPENNESS
from tests.unit.story_fakes import person

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
POLICY = PlainLanguagePolicy()
STORY = TeamStory(
    "product", 1, Localized("Ons verhaal", "Our story"), Localized("Wij bouwen wat klanten helpt.", "We build what helps clients."),
    ("value.openness",), (), 3, NOW, "lotte", contributor_ids=("lotte",),
)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated(database_url, MIGRATIONS) as database:
        yield database


def uow(db: Database, *, read_only: bool = False) -> SqlUnitOfWork:
    return SqlUnitOfWork(db, lambda: NOW, POLICY, read_only=read_only)


async def directory_of(db: Database) -> None:
    """The projection as the org events leave it: two teams, people with managers and a coach."""
    async with db.transaction() as conn:
        for team_id, name, manager in (("product", "Product", "jan"), ("klant", "Klantendienst", "sofie")):
            await directory.apply_team_changed(conn, org_pb2.TeamChanged(team=org_pb2.Team(id=team_id, name=name, manager_id=manager, version=1)))
        for pid, team, manager, coach in (
            ("jan", "product", "els", ""), ("lotte", "product", "jan", "koen"), ("pieter", "product", "jan", ""),
            ("fatima", "product", "jan", ""), ("ruben", "klant", "sofie", ""), ("koen", "", "els", ""),
        ):
            await directory.apply_employee_changed(conn, org_pb2.EmployeeChanged(employee=org_pb2.Employee(
                id=pid, name=pid.title(), team_id=team, manager_id=manager, coach_id=coach, active=True, version=1,
                roles=[org_pb2.ROLE_EMPLOYEE],
            )))


async def test_team_story_versions_are_stored_whole_per_team_and_a_second_one_with_the_same_number_is_stale(db: Database) -> None:
    async with uow(db) as w:
        await w.team_stories.add(STORY)
        await w.team_stories.add(dataclasses.replace(STORY, team_id="klant"))
        await w.commit()
    with pytest.raises(StaleVersion):
        async with uow(db) as w:
            await w.team_stories.add(STORY)
    async with uow(db) as w:
        published = dataclasses.replace(STORY, published=True, published_at=NOW, published_by="jan", contributor_ids=("jan", "lotte"))
        await w.team_stories.mark_published(published)
        await w.team_stories.add(dataclasses.replace(STORY, version=2))
        await w.commit()
    async with uow(db, read_only=True) as w:
        assert await w.team_stories.latest_published("product") == published
        assert (await w.team_stories.latest("product")).version == 2  # type: ignore[union-attr]
        assert await w.team_stories.all_published() == [published]


async def test_the_directory_reads_teams_members_and_relations_from_the_projection(db: Database) -> None:
    await directory_of(db)
    async with uow(db, read_only=True) as w:
        assert await w.directory.team("product") == Team("product", "Product", "jan")
        assert [t.id for t in await w.directory.teams()] == ["klant", "product"]
        assert await w.directory.team_of("lotte") == "product" and await w.directory.team_of("nobody") == ""
        assert await w.directory.relations("lotte") == Relations("jan", "koen")
        members = await w.directory.members()
        assert sorted(members["product"]) == ["fatima", "jan", "lotte", "pieter"] and "" not in members


async def test_a_read_counts_once_and_reactions_and_proposals_are_found(db: Database) -> None:
    bus = message_bus(db, POLICY, clock=lambda: NOW)
    proposal = await bus.handle(c.ProposeChange(person("lotte"), passage=OPENNESS, reason=""))
    await bus.handle(c.EndorseProposal(person("pieter"), proposal_id=proposal.id))
    await bus.handle(c.CommentOnProposal(person("ruben"), proposal_id=proposal.id, text="Mooi"))
    async with uow(db) as w:
        await w.reach.mark_read(1, "lotte", NOW)
        await w.reach.mark_read(1, "lotte", NOW + dt.timedelta(hours=1))
        await w.reach.mark_read(2, "pieter", NOW)
        await w.commit()
    async with uow(db, read_only=True) as w:
        assert await w.reach.readers(1) == {"lotte"}
        assert await w.reach.reactors() == {"lotte", "pieter", "ruben"}
        assert await w.reach.reactors(NOW, None) == set(), "nothing after the proposal's time"
        assert await w.reach.reactors(NOW - dt.timedelta(seconds=1), NOW) == {"lotte", "pieter", "ruben"}


async def test_the_jargon_list_is_replaced_whole_and_the_checks_use_it(db: Database) -> None:
    bus = message_bus(db, POLICY, clock=lambda: NOW)
    await bus.handle(c.SetJargon(person("hr-1", "hr"), terms=(("nl", "synergie", "samenwerken"), ("en", "leverage", "use"))))
    await bus.handle(c.SetJargon(person("hr-1", "hr"), terms=(("nl", "synergie", "samen doen"),)))
    async with uow(db, read_only=True) as w:
        assert await w.jargon.all() == {"nl": {"synergie": "samen doen"}}
    assert (await bus.effective_policy()).jargon == {"nl": {"synergie": "samen doen"}}


async def test_an_ambition_is_stored_and_replaced_and_read_only_by_whom_it_is_shared_with(db: Database) -> None:
    await directory_of(db)
    async with uow(db) as w:
        await w.ambitions.save(Ambition("lotte", "Een team leiden", False, True, ("value.openness",), NOW))
        await w.ambitions.save(Ambition("lotte", "Een team leiden, over twee jaar", False, True, ("value.openness",), NOW))
        await w.commit()
    async with uow(db, read_only=True) as w:
        assert await w.ambitions.get("lotte") == Ambition("lotte", "Een team leiden, over twee jaar", False, True, ("value.openness",), NOW)
    bus = message_bus(db, POLICY, clock=lambda: NOW)
    assert (await bus.ask(c.GetAmbition(person("koen", "coach"), employee_id="lotte"))).text.endswith("twee jaar")
    with pytest.raises(NotFound):
        await bus.ask(c.GetAmbition(person("jan", "manager"), employee_id="lotte"))


async def test_a_published_team_story_leaves_its_event_in_the_outbox_with_the_change(db: Database) -> None:
    await directory_of(db)
    bus = message_bus(db, POLICY, clock=lambda: NOW)
    hr = person("hr-1", "hr")
    draft = await bus.handle(c.SaveDraft(hr, base_version=0, passages=(OPENNESS,)))
    await bus.handle(c.PublishDraft(hr, draft_version=draft.version, readability_override_reason=""))
    story = await bus.handle(c.SaveTeamStory(
        person("lotte"), team_id="product", base_version=0, title=STORY.title, text=STORY.text, value_keys=("value.openness",), theme_keys=(),
    ))
    published = await bus.handle(c.PublishTeamStory(person("jan", "manager"), team_id="product", version=story.version, readability_override_reason=""))
    assert published.published
    async with db.read() as conn:
        topics = [r.topic for r in await conn.execute(sa.select(t.platform["outbox"].c.topic).order_by(t.platform["outbox"].c.id))]
    assert topics == ["story.story-published.v1", "story.team-story-published.v1"]
