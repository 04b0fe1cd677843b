"""Issue 18 item 6 in story, over the fakes: publishing a story over the readability check, and HR (or a leader, an
admin) publishing a team's story instead of its manager, are privileged acts; a manager publishing their own team's
story within the check, and anyone reading stories, are none. The SQL lines and ListPrivilegedActions are
tests/integration/test_privileged_reads.py."""
from __future__ import annotations

from paars_platform.privileged import PrivilegedAct
from paars_story.domain.story import Localized
from paars_story.service_layer import commands as c
from tests.unit.story_fakes import Store, bus
from tests.unit.test_story_handlers import DENSE, HR, MISSION, draft
from tests.unit.test_story_team_handlers import LOTTE, MANAGER, OUTSIDER, published_store, save

HARD = Localized(
    "De implementatie van de teambrede communicatiestrategie wordt door het management gecoördineerd en geëvalueerd.",
    "The implementation of the team-wide communication strategy is coordinated and evaluated by management.",
)


async def test_the_organisation_story_published_over_the_readability_check_is_an_override_in_the_publishers_audit() -> None:
    store = Store()
    version = await draft(store, MISSION, DENSE)
    await bus(store).handle(c.PublishDraft(HR, draft_version=version, readability_override_reason="Legal wording, agreed with the works council."))

    assert store.privileged == [("hr-1", "PublishDraft", PrivilegedAct(
        "override", "hr-1", "hr", "story", str(version),
        {"check": "readability", "override_reason": "Legal wording, agreed with the works council.", "version": version},
    ))]


async def test_a_team_story_over_the_check_is_an_override_about_its_manager_and_hr_publishing_it_is_a_privileged_act() -> None:
    store = await published_store()
    before = list(store.privileged)
    await bus(store).handle(save(LOTTE))
    await bus(store).handle(c.PublishTeamStory(MANAGER, team_id="product", version=1, readability_override_reason=""))
    await bus(store).ask(c.GetTeamStory(OUTSIDER, team_id="product"))
    assert store.privileged == before  # the manager's own work within the check, and a read: nothing

    await bus(store).handle(save(LOTTE, base=1, text=HARD))
    await bus(store).handle(c.PublishTeamStory(MANAGER, team_id="product", version=2, readability_override_reason="Zo zegt de klant het."))
    await bus(store).handle(save(LOTTE, base=2))
    await bus(store).handle(c.PublishTeamStory(HR, team_id="product", version=3, readability_override_reason=""))

    assert store.privileged[len(before):] == [
        ("jan", "PublishTeamStory", PrivilegedAct(
            "override", "jan", "manager", "team_story", "product",
            {"check": "readability", "override_reason": "Zo zegt de klant het.", "version": 2},
        )),
        ("hr-1", "PublishTeamStory", PrivilegedAct("publish", "jan", "hr", "team_story", "product", {"version": 3})),
    ]
