"""Handlers beside the organisation story, over in-memory fakes: team stories (written by the team with its
manager, linked to values and themes, checked, versioned, published with an event), the story's reach per team
(k = 3), the jargon list kept through the API, and a person's own ambition read only by whom they shared it with."""
from __future__ import annotations

import pytest

from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, StaleVersion
from paars_story.domain.plain_language import FindingKind
from paars_story.domain.story import Localized, StoryPublished
from paars_story.domain.team_story import Team, TeamStoryPublished
from paars_story.service_layer import commands as c
from tests.unit.story_fakes import Store, bus, person
from tests.unit.test_story_handlers import HR, LEADER, MISSION, OPENNESS, draft

MANAGER = person("jan", "manager")
LOTTE, PIETER, FATIMA, WOUT = person("lotte"), person("pieter"), person("fatima"), person("wout")
OUTSIDER = person("ruben")
COACH = person("koen", "coach")
TEXT = Localized("Wij bouwen software die klanten snel helpt.", "We build software that helps clients fast.")


async def published_store() -> Store:
    store = Store()
    store.teams = {
        "product": Team("product", "Product", "jan"), "klant": Team("klant", "Klantendienst", "sofie"),
        "people": Team("people", "People & Culture", "els"),
    }
    store.people = {
        "jan": ("product", "els", ""), "lotte": ("product", "jan", "koen"), "pieter": ("product", "jan", ""),
        "fatima": ("product", "jan", ""), "wout": ("product", "jan", ""), "ruben": ("klant", "sofie", ""),
        "noor": ("klant", "sofie", ""), "koen": ("people", "els", ""), "hanne": ("people", "els", ""), "els": ("people", "", ""),
    }
    version = await draft(store, MISSION, OPENNESS)
    await bus(store).handle(c.PublishDraft(LEADER, draft_version=version, readability_override_reason=""))
    return store


def save(caller, *, base: int = 0, text: Localized = TEXT, values: tuple[str, ...] = ("value.openness",), themes: tuple[str, ...] = ()) -> c.SaveTeamStory:
    return c.SaveTeamStory(caller, team_id="product", base_version=base, title=Localized("Ons verhaal", "Our story"), text=text, value_keys=values, theme_keys=themes)


async def test_a_team_member_and_the_manager_write_versions_and_the_manager_publishes_with_an_event() -> None:
    store = await published_store()
    first = await bus(store).handle(save(LOTTE))
    second = await bus(store).handle(save(MANAGER, base=first.version))
    assert (first.version, second.version) == (1, 2) and second.story_version == 1
    assert second.contributor_ids == ("jan", "lotte")
    published = await bus(store).handle(c.PublishTeamStory(MANAGER, team_id="product", version=2, readability_override_reason=""))
    assert published.published and published.published_by == "jan"
    event = store.outbox[-1]
    assert isinstance(event, TeamStoryPublished) and event.team.manager_id == "jan" and event.story.value_keys == ("value.openness",)
    view = await bus(store).ask(c.GetTeamStory(OUTSIDER, team_id="product"))
    assert view.published is not None and view.published.version == 2 and view.draft is None and view.manager_id == "jan"
    assert [s.team_id for s in await bus(store).ask(c.ListTeamStories(OUTSIDER))] == ["product"]


async def test_someone_outside_the_team_may_not_write_it_and_a_member_may_not_publish_it() -> None:
    store = await published_store()
    with pytest.raises(PermissionDenied):
        await bus(store).handle(save(OUTSIDER))
    await bus(store).handle(save(LOTTE))
    with pytest.raises(PermissionDenied):
        await bus(store).handle(c.PublishTeamStory(LOTTE, team_id="product", version=1, readability_override_reason=""))
    assert await bus(store).handle(c.PublishTeamStory(HR, team_id="product", version=1, readability_override_reason=""))


async def test_a_team_story_links_only_to_values_and_themes_of_the_published_story() -> None:
    store = await published_store()
    with pytest.raises(InvalidArgument) as refused:
        await bus(store).handle(save(LOTTE, values=("value.courage",)))
    assert refused.value.violations[0].field == "value_keys"
    with pytest.raises(InvalidArgument):
        await bus(store).handle(save(LOTTE, values=(), themes=("value.openness",)))


async def test_before_the_organisation_story_is_published_there_is_nothing_to_tell() -> None:
    store = Store()
    store.teams = {"product": Team("product", "Product", "jan")}
    store.people = {"lotte": ("product", "jan", "")}
    with pytest.raises(FailedPrecondition):
        await bus(store).handle(save(LOTTE))


async def test_a_stale_edit_is_refused_and_a_team_story_below_the_threshold_needs_a_reason() -> None:
    store = await published_store()
    hard = Localized(
        "De implementatie van de teambrede communicatiestrategie wordt door het management gecoördineerd en geëvalueerd.",
        "The implementation of the team-wide communication strategy is coordinated and evaluated by management.",
    )
    await bus(store).handle(save(LOTTE, text=hard))
    with pytest.raises(StaleVersion):
        await bus(store).handle(save(PIETER, base=0))
    with pytest.raises(InvalidArgument) as refused:
        await bus(store).handle(c.PublishTeamStory(MANAGER, team_id="product", version=1, readability_override_reason=""))
    assert refused.value.violations[0].field == "readability_override_reason"
    published = await bus(store).handle(c.PublishTeamStory(MANAGER, team_id="product", version=1, readability_override_reason="Zo zegt de klant het."))
    assert published.readability_override_reason == "Zo zegt de klant het."


async def test_a_team_story_in_one_language_is_not_published() -> None:
    store = await published_store()
    await bus(store).handle(save(LOTTE, text=Localized("Wij helpen klanten.", "")))
    with pytest.raises(FailedPrecondition):
        await bus(store).handle(c.PublishTeamStory(MANAGER, team_id="product", version=1, readability_override_reason=""))


async def test_reach_counts_per_team_hold_back_what_fewer_than_three_people_did() -> None:
    store = await published_store()
    readers = ("lotte", "pieter", "fatima", "wout", "koen", "hanne", "els", "ruben")
    for reader in readers:
        await bus(store).handle(c.MarkStoryRead(person(reader), version=1))
    await bus(store).handle(c.MarkStoryRead(LOTTE, version=1))  # twice counts once
    answer = await bus(store).ask(c.GetStoryReach(HR, version=0))
    teams = {t.team_id: t for t in answer.teams}
    assert answer.k == 3 and answer.version == 1
    assert teams["product"].read.value == 4 and not teams["product"].read.hidden
    assert teams["klant"].members.hidden and teams["klant"].read.hidden, "a team of two is held back whole"
    # With one team held back, the organisation's total would give it away: the next smallest is held back too.
    assert teams["people"].read.hidden and teams["people"].members.hidden
    assert answer.organisation.read.value == 8


async def test_a_manager_sees_the_reach_of_their_own_team_only_and_an_employee_none() -> None:
    store = await published_store()
    answer = await bus(store).ask(c.GetStoryReach(MANAGER, version=1))
    assert [t.team_id for t in answer.teams] == ["product"] and answer.organisation.read.hidden
    with pytest.raises(PermissionDenied):
        await bus(store).ask(c.GetStoryReach(LOTTE, version=1))


async def test_reading_an_unpublished_version_is_not_recorded() -> None:
    store = await published_store()
    with pytest.raises(NotFound):
        await bus(store).handle(c.MarkStoryRead(LOTTE, version=9))


async def test_hr_keeps_the_jargon_list_and_the_check_points_at_its_terms_at_once() -> None:
    store = await published_store()
    story_bus = bus(store)
    with pytest.raises(PermissionDenied):
        await story_bus.handle(c.SetJargon(LOTTE, terms=(("nl", "synergie", "samenwerking"),)))
    await story_bus.handle(c.SetJargon(HR, terms=(("nl", "Synergie", "samenwerken"), ("en", "leverage", "use"))))
    assert await story_bus.ask(c.GetJargon(LOTTE)) == {"nl": {"synergie": "samenwerken"}, "en": {"leverage": "use"}}
    policy = await story_bus.effective_policy()
    found = story_bus.check_text(c.CheckText(LOTTE, language="nl", text="Wij zoeken synergie."), policy)
    assert [(f.words, f.suggestion) for f in found.findings if f.kind is FindingKind.JARGON] == [("synergie", "“synergie” staat op de jargonlijst: schrijf “samenwerken”.")]
    with pytest.raises(InvalidArgument):
        await story_bus.handle(c.SetJargon(HR, terms=(("fr", "synergie", "x"),)))


async def test_an_ambition_is_read_by_its_owner_and_by_the_manager_or_coach_only_when_shared_with_them() -> None:
    store = await published_store()
    await bus(store).handle(c.SaveAmbition(LOTTE, text="Ik wil een team leiden.", share_with_manager=False, share_with_coach=True, passage_keys=("value.openness",)))
    assert (await bus(store).ask(c.GetAmbition(LOTTE, employee_id="lotte"))).text == "Ik wil een team leiden."
    assert (await bus(store).ask(c.GetAmbition(COACH, employee_id="lotte"))).passage_keys == ("value.openness",)
    for reader in (MANAGER, HR, PIETER, person("els", "admin", "leader")):
        with pytest.raises(NotFound):
            await bus(store).ask(c.GetAmbition(reader, employee_id="lotte"))
    await bus(store).handle(c.SaveAmbition(LOTTE, text="Ik wil een team leiden.", share_with_manager=True, share_with_coach=False, passage_keys=()))
    assert (await bus(store).ask(c.GetAmbition(MANAGER, employee_id="lotte"))).shared_with_manager
    with pytest.raises(NotFound):
        await bus(store).ask(c.GetAmbition(COACH, employee_id="lotte"))


async def test_an_ambition_links_only_to_values_and_themes_and_an_unwritten_one_reads_empty_for_its_owner() -> None:
    store = await published_store()
    with pytest.raises(InvalidArgument):
        await bus(store).handle(c.SaveAmbition(PIETER, text="Groeien", share_with_manager=False, share_with_coach=False, passage_keys=("mission",)))
    assert (await bus(store).ask(c.GetAmbition(PIETER, employee_id=""))).text == ""


async def test_observers_hear_of_every_command_that_succeeded() -> None:
    store = await published_store()
    heard: list[str] = []
    await bus(store, observers=(lambda command, answer: heard.append(type(command).__name__),)).handle(save(LOTTE))
    assert heard == ["SaveTeamStory"]
    assert not any(isinstance(e, StoryPublished) for e in store.outbox[1:])


async def test_reactions_count_for_the_version_that_was_the_story_when_they_came() -> None:
    import dataclasses
    import datetime as dt

    store = await published_store()
    # The first version was published at the fakes' clock; a proposal and reactions come an hour later.
    later = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
    story_bus = bus(store)
    proposal = await story_bus.handle(c.ProposeChange(LOTTE, passage=OPENNESS, reason=""))
    store.proposals[proposal.id] = dataclasses.replace(store.proposals[proposal.id], created_at=later, endorser_ids=("pieter", "fatima"))
    assert (await story_bus.ask(c.GetStoryReach(HR, version=1))).organisation.reacted.value == 3
    # Version 2 is published before them: they no longer count for version 1, and count for version 2.
    store.versions[2] = dataclasses.replace(store.versions[1], version=2, published_at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC))
    assert (await story_bus.ask(c.GetStoryReach(HR, version=1))).organisation.reacted.value == 0
    assert (await story_bus.ask(c.GetStoryReach(HR, version=2))).organisation.reacted.value == 3
