"""Story handlers over in-memory fakes: drafting, co-authoring, curating and publishing the organisation story."""
from __future__ import annotations

import pytest

from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, StaleVersion
from paars_story.domain.plain_language import PlainLanguagePolicy
from paars_story.domain.story import Localized, Passage, PassageKind, ProposalState, ProposalUpdated, StoryPublished
from paars_story.service_layer import commands as c
from tests.unit.story_fakes import Store, bus, person

HR = person("hr-1", "hr")
LEADER = person("lead-1", "leader")
ANN = person("ann")
BOB = person("bob")

MISSION = Passage(
    "mission", PassageKind.MISSION, Localized("Missie", "Mission"),
    Localized("Wij helpen mensen groeien in hun werk.", "We help people grow in their work."),
)
OPENNESS = Passage(
    "value.openness", PassageKind.VALUE, Localized("Open", "Open"),
    Localized("Wij zeggen wat we denken. Wij luisteren goed.", "We say what we think. We listen well."),
    behaviours=(Localized("Je vraagt elke week om feedback.", "You ask for feedback every week."),),
)
DENSE = Passage(
    "vision", PassageKind.VISION, Localized("Visie", "Vision"),
    Localized(
        "De implementatie van de organisatiebrede communicatiestrategie wordt door het management gecoördineerd.",
        "The implementation of the organisation-wide communication strategy is coordinated by management.",
    ),
)


async def draft(store: Store, *passages: Passage, base: int = 0) -> int:
    version = await bus(store).handle(c.SaveDraft(HR, base_version=base, passages=passages))
    return version.version


async def test_hr_saves_a_draft_and_everyone_reads_it_beside_the_published_story() -> None:
    store = Store()
    assert await draft(store, MISSION, OPENNESS) == 1
    view = await bus(store).ask(c.GetStory(ANN))
    assert view.published is None and view.draft is not None
    assert [p.key for p in view.draft.passages] == ["mission", "value.openness"]
    assert view.draft.passages[1].behaviours[0].en == "You ask for feedback every week."


async def test_an_employee_may_not_save_or_publish_a_draft() -> None:
    store = Store()
    with pytest.raises(PermissionDenied):
        await bus(store).handle(c.SaveDraft(ANN, base_version=0, passages=(MISSION,)))
    with pytest.raises(PermissionDenied):
        await bus(store).handle(c.PublishDraft(ANN, draft_version=1, readability_override_reason=""))
    assert store.commits == 0


async def test_an_edit_from_an_older_version_is_refused_as_stale() -> None:
    store = Store()
    await draft(store, MISSION)
    await draft(store, MISSION, OPENNESS, base=1)
    with pytest.raises(StaleVersion):
        await draft(store, MISSION, base=1)
    assert sorted(store.versions) == [1, 2]


async def test_a_passage_with_a_wrong_key_or_kind_names_every_wrong_field() -> None:
    wrong = Passage("Value Openness", PassageKind.VALUE, Localized(), Localized())
    with pytest.raises(InvalidArgument) as raised:
        await bus(Store()).handle(c.SaveDraft(HR, base_version=0, passages=(wrong,)))
    fields = {v.field for v in raised.value.violations}
    assert {"passages[0].key", "passages[0].text", "passages[0].title"} <= fields


async def test_publishing_records_the_publisher_and_emits_the_whole_story() -> None:
    store = Store()
    version = await draft(store, MISSION, OPENNESS)
    published = await bus(store).handle(c.PublishDraft(LEADER, draft_version=version, readability_override_reason=""))
    assert published.published and published.published_by == "lead-1" and published.readability_override_reason == ""
    assert set(published.contributor_ids) == {"hr-1", "lead-1"}
    [event] = [e for e in store.outbox if isinstance(e, StoryPublished)]
    assert event.story.version == version and not any(ch.below_threshold for ch in event.checks)
    view = await bus(store).ask(c.GetStory(ANN))
    assert view.published is not None and view.published.version == version and view.draft is None


async def test_publishing_below_the_readability_threshold_needs_a_recorded_override() -> None:
    store = Store()
    version = await draft(store, MISSION, DENSE)
    with pytest.raises(InvalidArgument) as raised:
        await bus(store).handle(c.PublishDraft(HR, draft_version=version, readability_override_reason=""))
    assert raised.value.violations[0].field == "readability_override_reason"
    assert "vision" in raised.value.violations[0].description
    assert not store.versions[version].published and not store.outbox
    published = await bus(store).handle(c.PublishDraft(HR, draft_version=version, readability_override_reason="Legal wording, agreed with the works council."))
    assert published.readability_override_reason == "Legal wording, agreed with the works council."


async def test_a_lower_threshold_from_the_organisations_policy_lets_the_same_text_through() -> None:
    store = Store()
    version = await draft(store, DENSE)
    lenient = PlainLanguagePolicy(thresholds={"nl": -100.0, "en": -100.0})
    published = await bus(store, lenient).handle(c.PublishDraft(HR, draft_version=version, readability_override_reason="not needed"))
    assert published.readability_override_reason == ""


async def test_a_passage_written_in_one_language_only_is_not_published() -> None:
    store = Store()
    half = Passage("mission", PassageKind.MISSION, Localized("Missie", ""), Localized("Wij helpen mensen groeien.", ""))
    version = await draft(store, half)
    with pytest.raises(FailedPrecondition, match="mission: en"):
        await bus(store).handle(c.PublishDraft(HR, draft_version=version, readability_override_reason=""))


async def test_publishing_a_stale_or_already_published_version_is_refused() -> None:
    store = Store()
    version = await draft(store, MISSION)
    with pytest.raises(StaleVersion):
        await bus(store).handle(c.PublishDraft(HR, draft_version=version + 1, readability_override_reason=""))
    await bus(store).handle(c.PublishDraft(HR, draft_version=version, readability_override_reason=""))
    with pytest.raises(FailedPrecondition):
        await bus(store).handle(c.PublishDraft(HR, draft_version=version, readability_override_reason=""))


async def test_any_employee_proposes_comments_and_endorses_and_a_published_version_records_them_all() -> None:
    store = Store()
    first = await draft(store, MISSION)
    await bus(store).handle(c.PublishDraft(HR, draft_version=first, readability_override_reason=""))
    proposal = await bus(store).handle(c.ProposeChange(ANN, passage=OPENNESS, reason="Openness is how we work."))
    await bus(store).handle(c.CommentOnProposal(BOB, proposal_id=proposal.id, text="Add listening."))
    endorsed = await bus(store).handle(c.EndorseProposal(BOB, proposal_id=proposal.id))
    again = await bus(store).handle(c.EndorseProposal(BOB, proposal_id=proposal.id))
    assert endorsed.endorser_ids == again.endorser_ids == ("bob",)
    accepted = await bus(store).handle(c.DecideProposal(LEADER, proposal_id=proposal.id, accept=True))
    assert accepted.state is ProposalState.ACCEPTED and accepted.accepted_into_version == first + 1
    published = await bus(store).handle(c.PublishDraft(HR, draft_version=first + 1, readability_override_reason=""))
    assert [p.key for p in published.passages] == ["mission", "value.openness"]
    assert published.contributor_ids == ("ann", "bob", "hr-1", "lead-1")
    changes = [e.change for e in store.outbox if isinstance(e, ProposalUpdated)]
    assert changes == ["proposed", "commented", "endorsed", "accepted"]


async def test_contributors_start_afresh_after_a_publication() -> None:
    store = Store()
    first = await draft(store, MISSION)
    await bus(store).handle(c.PublishDraft(LEADER, draft_version=first, readability_override_reason=""))
    second = await bus(store).handle(c.SaveDraft(HR, base_version=first, passages=(MISSION, OPENNESS)))
    assert second.contributor_ids == ("hr-1",)


async def test_an_employee_may_not_decide_a_proposal_and_a_decided_one_takes_no_more_reactions() -> None:
    store = Store()
    proposal = await bus(store).handle(c.ProposeChange(ANN, passage=OPENNESS, reason=""))
    with pytest.raises(PermissionDenied):
        await bus(store).handle(c.DecideProposal(BOB, proposal_id=proposal.id, accept=True))
    declined = await bus(store).handle(c.DecideProposal(HR, proposal_id=proposal.id, accept=False))
    assert declined.state is ProposalState.DECLINED and not store.versions
    with pytest.raises(FailedPrecondition):
        await bus(store).handle(c.EndorseProposal(BOB, proposal_id=proposal.id))
    assert await bus(store).ask(c.ListProposals(ANN, open_only=True)) == []


async def test_an_unknown_proposal_is_not_found() -> None:
    with pytest.raises(NotFound):
        await bus(Store()).handle(c.EndorseProposal(BOB, proposal_id="nope"))


async def test_check_text_answers_without_a_database_and_refuses_an_unknown_language() -> None:
    result = bus(Store()).check_text(c.CheckText(ANN, language="nl", text=DENSE.text.nl))
    assert result.below_threshold and result.findings
    with pytest.raises(InvalidArgument):
        bus(Store()).check_text(c.CheckText(ANN, language="fr", text="Bonjour."))
