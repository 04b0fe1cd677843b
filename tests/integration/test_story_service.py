"""The story service in-process over real gRPC, a real database and a real broker; its callers' roles come from
the directory the goals service publishes (org.* events), as in production."""
from __future__ import annotations

import asyncio
import pathlib
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import SimpleNamespace

import grpc
import pytest
import sqlalchemy as sa

from paars.org.v1 import org_pb2_grpc
from paars.story.v1 import story_pb2 as pb
from paars.story.v1 import story_pb2_grpc
from paars_cli import demo_story
from paars_goals.bootstrap import build as build_goals
from paars_platform.errors import field_violations
from paars_platform.runtime import ServiceRuntime
from paars_story.adapters import tables as t
from paars_story.bootstrap import build
from tests.conftest import make_settings
from tests.helpers import auth, decoded, demo_directory, read_topic, system_auth

DEMO_PEOPLE = {"boss", "hr1", "mgr", "ann", "bob", "cas"}


@dataclass
class Story:
    stub: story_pb2_grpc.StoryServiceStub
    runtime: ServiceRuntime
    bootstrap: str
    channel: grpc.aio.Channel


async def _projected(runtime: ServiceRuntime) -> bool:
    assert runtime.db is not None
    async with runtime.db.read() as conn:
        return {r.id for r in await conn.execute(sa.select(t.people.c.id))} >= DEMO_PEOPLE


@pytest.fixture
async def story(database_url: str, private_kafka_bootstrap: str, tmp_path: pathlib.Path) -> AsyncIterator[Story]:
    goals = build_goals(make_settings("goals", database_url=f"sqlite+aiosqlite:///{tmp_path}/goals.db", kafka_bootstrap=private_kafka_bootstrap))
    group = f"paars-story-org-{uuid.uuid4().hex[:8]}"
    runtime = build(make_settings(
        "story", database_url=database_url, kafka_bootstrap=private_kafka_bootstrap, extra={"org_consumer_group": group},
        consumer_session_timeout_ms=2000, consumer_rebalance_timeout_ms=300,
    ))
    await goals.start()
    await runtime.start()
    goals_channel = grpc.aio.insecure_channel(f"127.0.0.1:{goals.grpc_port}")
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{runtime.grpc_port}")
    try:
        await org_pb2_grpc.OrgServiceStub(goals_channel).ImportDirectory(demo_directory(), metadata=system_auth())
        for _ in range(300):
            if await _projected(runtime):
                break
            await asyncio.sleep(0.1)
        assert await _projected(runtime), "the directory never reached the story projection"
        yield Story(story_pb2_grpc.StoryServiceStub(channel), runtime, private_kafka_bootstrap, channel)
    finally:
        await channel.close()
        await goals_channel.close()
        await runtime.stop()
        await goals.stop()


def text(nl: str, en: str) -> pb.LocalizedText:
    return pb.LocalizedText(nl=nl, en=en)


MISSION = pb.Passage(
    key="mission", kind=pb.PASSAGE_KIND_MISSION, title=text("Missie", "Mission"),
    text=text("Wij helpen mensen groeien in hun werk.", "We help people grow in their work."),
)
DENSE_VISION = pb.Passage(
    key="vision", kind=pb.PASSAGE_KIND_VISION, title=text("Visie", "Vision"),
    text=text(
        "De implementatie van de organisatiebrede communicatiestrategie wordt door het management gecoördineerd.",
        "The implementation of the organisation-wide communication strategy is coordinated by management.",
    ),
)
OPENNESS = pb.Passage(
    key="value.openness", kind=pb.PASSAGE_KIND_VALUE, title=text("Open", "Open"),
    text=text("Wij zeggen wat we denken.", "We say what we think."),
    behaviours=[text("Je vraagt elke week om feedback.", "You ask for feedback every week.")],
)


async def test_hr_publishes_the_story_co_authored_by_employees_and_the_event_carries_it(story: Story) -> None:
    # Roles come from the directory projection: the tokens carry none.
    hr, leader, ann, bob = auth("hr1"), auth("boss"), auth("ann"), auth("bob")
    draft = await story.stub.SaveDraft(pb.SaveDraftRequest(base_version=0, passages=[MISSION, DENSE_VISION]), metadata=hr)
    assert draft.version == 1 and not draft.published
    [vision_check] = [c for c in draft.checks if c.passage_key == "vision"]
    assert all(ch.below_threshold for ch in vision_check.checks)
    assert {f.kind for ch in vision_check.checks for f in ch.findings} >= {pb.FINDING_KIND_PASSIVE, pb.FINDING_KIND_NOMINALISATION}

    # Below the threshold: refused without an override, naming the field.
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await story.stub.PublishDraft(pb.PublishDraftRequest(draft_version=1), metadata=leader)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(refused.value)] == ["readability_override_reason"]

    # An employee proposes a value, a colleague comments and endorses, a leader accepts it into the next draft.
    proposal = await story.stub.ProposeChange(pb.ProposeChangeRequest(passage=OPENNESS, reason="Zo werken we."), metadata=ann)
    await story.stub.CommentOnProposal(pb.CommentOnProposalRequest(proposal_id=proposal.proposal_id, text="Goed idee."), metadata=bob)
    await story.stub.EndorseProposal(pb.EndorseProposalRequest(proposal_id=proposal.proposal_id), metadata=bob)
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await story.stub.DecideProposal(pb.DecideProposalRequest(proposal_id=proposal.proposal_id, accept=True), metadata=bob)
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    accepted = await story.stub.DecideProposal(pb.DecideProposalRequest(proposal_id=proposal.proposal_id, accept=True), metadata=leader)
    assert accepted.state == pb.PROPOSAL_STATE_ACCEPTED and accepted.accepted_into_version == 2

    # A stale edit is ABORTED; publishing with a recorded override works.
    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await story.stub.SaveDraft(pb.SaveDraftRequest(base_version=1, passages=[MISSION]), metadata=hr)
    assert stale.value.code() == grpc.StatusCode.ABORTED
    reason = "De visie is zo afgesproken met de directie."
    published = await story.stub.PublishDraft(pb.PublishDraftRequest(draft_version=2, readability_override_reason=reason), metadata=hr)
    assert published.published and published.readability_override_reason == reason
    assert set(published.contributor_ids) == {"ann", "bob", "boss", "hr1"}

    view = await story.stub.GetStory(pb.GetStoryRequest(), metadata=auth("cas"))
    assert view.published.version == 2 and not view.HasField("draft")
    assert [p.key for p in view.published.passages] == ["mission", "vision", "value.openness"]

    # The relay publishes after the commit; on a loaded machine that can take a while.
    records = read_topic(story.bootstrap, "story.story-published.v1", until=lambda rs: any(isinstance(e, pb.StoryPublished) for e in decoded(rs)), timeout=60)
    [event] = [e for e in decoded(records) if isinstance(e, pb.StoryPublished)]
    assert event.story.version == 2 and event.story.readability_override_reason == reason
    assert event.metadata.producer == "paars-story" and event.metadata.actor_id == "hr1"
    changes = [e.change for e in decoded(read_topic(story.bootstrap, "story.proposal-updated.v1", at_least=4, timeout=60))]
    assert changes == ["proposed", "commented", "endorsed", "accepted"]


async def test_an_employee_may_not_curate_and_anyone_may_check_a_text(story: Story) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await story.stub.SaveDraft(pb.SaveDraftRequest(base_version=0, passages=[MISSION]), metadata=auth("ann"))
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    checked = await story.stub.CheckText(pb.CheckTextRequest(language="nl", text=DENSE_VISION.text.nl), metadata=auth("ann"))
    assert checked.score_name == "Flesch-Douma" and checked.below_threshold
    passive = [f for f in checked.findings if f.kind == pb.FINDING_KIND_PASSIVE]
    assert passive and DENSE_VISION.text.nl[passive[0].start:passive[0].end] == passive[0].words
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await story.stub.CheckText(pb.CheckTextRequest(language="fr", text="Bonjour."), metadata=auth("ann"))
    assert unknown.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_the_demo_publishes_a_story_in_both_languages_and_employees_co_author_it(story: Story) -> None:
    world = SimpleNamespace(
        people=sorted(DEMO_PEOPLE), roles={"boss": {"manager", "leader"}, "hr1": {"hr"}}, state={},
        channel=lambda service: story.channel, auth=lambda person: auth(person),
    )
    rng = random.Random(7)
    line = await demo_story.publish_story(world, rng)
    assert line and "published" in line
    assert await demo_story.publish_story(world, rng) is None  # once
    view = await story.stub.GetStory(pb.GetStoryRequest(), metadata=auth("ann"))
    assert view.published.version == 1 and len(view.published.passages) == len(demo_story.STORY)
    assert all(p.text.nl and p.text.en for p in view.published.passages)
    assert not any(ch.below_threshold for c in view.published.checks for ch in c.checks), "the demo story is plain"
    await demo_story.propose_passage(world, rng)
    for _ in range(6):
        await demo_story.react_to_proposal(world, rng)
    [proposal] = (await story.stub.ListProposals(pb.ListProposalsRequest(), metadata=auth("ann"))).proposals
    assert proposal.endorser_ids or proposal.comments


async def test_a_team_writes_its_story_with_its_manager_who_publishes_it_and_the_event_names_the_manager(story: Story) -> None:
    hr, ann, mgr, cas = auth("hr1"), auth("ann"), auth("mgr"), auth("cas")
    draft = await story.stub.SaveDraft(pb.SaveDraftRequest(base_version=0, passages=[MISSION, OPENNESS]), metadata=hr)
    await story.stub.PublishDraft(pb.PublishDraftRequest(draft_version=draft.version), metadata=hr)
    told = text("Wij zeggen elkaar wat beter kan, elke week.", "We tell each other what could be better, every week.")
    first = await story.stub.SaveTeamStory(pb.SaveTeamStoryRequest(
        team_id="team-a", base_version=0, title=text("Team A", "Team A"), text=told, value_keys=["value.openness"],
    ), metadata=ann)
    assert first.version == 1 and first.story_version == 1 and first.check.checks[0].language == "nl"
    with pytest.raises(grpc.aio.AioRpcError) as not_theirs:
        await story.stub.PublishTeamStory(pb.PublishTeamStoryRequest(team_id="team-a", version=1), metadata=cas)
    assert not_theirs.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await story.stub.SaveTeamStory(pb.SaveTeamStoryRequest(team_id="team-a", base_version=1, text=told, value_keys=["value.nope"]), metadata=cas)
    assert [f for f, _ in field_violations(unknown.value)] == ["value_keys"]
    published = await story.stub.PublishTeamStory(pb.PublishTeamStoryRequest(team_id="team-a", version=1), metadata=mgr)
    assert published.published and published.published_by == "mgr"
    listed = await story.stub.ListTeamStories(pb.ListTeamStoriesRequest(), metadata=auth("bob"))
    assert [s.team_id for s in listed.stories] == ["team-a"]
    records = read_topic(story.bootstrap, "story.team-story-published.v1", until=lambda rs: bool(decoded(rs)), timeout=60)
    [event] = decoded(records)
    assert isinstance(event, pb.TeamStoryPublished) and event.manager_id == "mgr" and event.team_name == "Team A"
    assert event.story.value_keys == ["value.openness"] and event.metadata.subject_id == "team-a"


async def test_an_ambition_is_read_through_the_api_only_by_whom_it_is_shared_with(story: Story) -> None:
    ann, mgr = auth("ann"), auth("mgr")
    saved = await story.stub.SaveAmbition(pb.SaveAmbitionRequest(text="Over twee jaar leid ik een team.", share_with_manager=False), metadata=ann)
    assert saved.text == "Over twee jaar leid ik een team." and not saved.shared_with_manager
    for reader in ("mgr", "bob", "hr1", "boss"):
        with pytest.raises(grpc.aio.AioRpcError) as hidden:
            await story.stub.GetAmbition(pb.GetAmbitionRequest(employee_id="ann"), metadata=auth(reader))
        assert hidden.value.code() == grpc.StatusCode.NOT_FOUND, reader
    await story.stub.SaveAmbition(pb.SaveAmbitionRequest(text="Over twee jaar leid ik een team.", share_with_manager=True), metadata=ann)
    assert (await story.stub.GetAmbition(pb.GetAmbitionRequest(employee_id="ann"), metadata=mgr)).shared_with_manager
    for reader in ("bob", "hr1", "boss"):
        with pytest.raises(grpc.aio.AioRpcError) as still_hidden:
            await story.stub.GetAmbition(pb.GetAmbitionRequest(employee_id="ann"), metadata=auth(reader))
        assert still_hidden.value.code() == grpc.StatusCode.NOT_FOUND, reader


async def test_hr_keeps_the_jargon_list_through_the_api_and_reach_is_counted_per_team(story: Story) -> None:
    hr = auth("hr1")
    terms = [pb.JargonTerm(language="nl", term="synergie", plain="samenwerken")]
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await story.stub.SetJargon(pb.SetJargonRequest(terms=terms), metadata=auth("ann"))
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    kept = await story.stub.SetJargon(pb.SetJargonRequest(terms=terms), metadata=hr)
    assert [(t.term, t.plain) for t in kept.terms] == [("synergie", "samenwerken")]
    checked = await story.stub.CheckText(pb.CheckTextRequest(language="nl", text="Wij zoeken synergie."), metadata=auth("ann"))
    assert [f.words for f in checked.findings if f.kind == pb.FINDING_KIND_JARGON] == ["synergie"]

    draft = await story.stub.SaveDraft(pb.SaveDraftRequest(base_version=0, passages=[MISSION]), metadata=hr)
    await story.stub.PublishDraft(pb.PublishDraftRequest(draft_version=draft.version), metadata=hr)
    for reader in ("ann", "bob", "cas"):
        await story.stub.MarkStoryRead(pb.MarkStoryReadRequest(version=draft.version), metadata=auth(reader))
    reach = await story.stub.GetStoryReach(pb.GetStoryReachRequest(), metadata=hr)
    teams = {t.team_id: t for t in reach.teams}
    assert reach.k == 3 and teams["team-a"].read.value == 3 and not teams["team-a"].read.hidden
    mine = await story.stub.GetStoryReach(pb.GetStoryReachRequest(), metadata=auth("mgr"))
    assert [t.team_id for t in mine.teams] == ["team-a"]
