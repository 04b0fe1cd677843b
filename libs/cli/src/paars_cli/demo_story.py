"""Demo actions for the organisation story: HR drafts and a leader publishes the story in Dutch and English, then
employees propose, comment and endorse, and curators take proposals in; each team writes its own story with its
manager, people read the story, write an ambition (shared with their manager), praise a colleague naming a value,
and propose a goal that serves a theme."""
from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as fb
from paars.feedback.v1 import feedback_pb2_grpc
from paars.goals.v1 import goals_pb2 as gl
from paars.goals.v1 import goals_pb2_grpc
from paars.story.v1 import story_pb2 as pb
from paars.story.v1 import story_pb2_grpc
from paars_cli import demo_org


def _text(nl: str, en: str) -> pb.LocalizedText:
    return pb.LocalizedText(nl=nl, en=en)


STORY = [
    pb.Passage(
        key="mission", kind=pb.PASSAGE_KIND_MISSION, title=_text("Missie", "Mission"),
        text=_text("Wij helpen mensen en teams groeien in hun werk.", "We help people and teams grow in their work."),
    ),
    pb.Passage(
        key="vision", kind=pb.PASSAGE_KIND_VISION, title=_text("Visie", "Vision"),
        text=_text("Goed werk doe je samen. Wie vaak feedback krijgt, leert snel.", "Good work is done together. If you get feedback often, you learn fast."),
    ),
    pb.Passage(
        key="value.openness", kind=pb.PASSAGE_KIND_VALUE, title=_text("Open", "Open"),
        text=_text("Wij zeggen wat we denken. Wij luisteren goed.", "We say what we think. We listen well."),
        behaviours=[_text("Je vraagt elke week om feedback.", "You ask for feedback every week.")],
    ),
    pb.Passage(
        key="value.care", kind=pb.PASSAGE_KIND_VALUE, title=_text("Zorg", "Care"),
        text=_text("Wij zorgen voor elkaar en voor onze klanten.", "We take care of each other and of our clients."),
        behaviours=[_text("Je helpt een nieuwe collega op weg.", "You help a new colleague find their way.")],
    ),
    pb.Passage(
        key="theme.clients", kind=pb.PASSAGE_KIND_THEME, title=_text("Dicht bij de klant", "Close to our clients"),
        text=_text("Wij geven elke klant snel een goed antwoord.", "We give every client a good answer, fast."),
    ),
]
PROPOSALS = [
    pb.Passage(
        key="value.courage", kind=pb.PASSAGE_KIND_VALUE, title=_text("Moed", "Courage"),
        text=_text("Wij durven nieuwe dingen te proberen.", "We dare to try new things."),
        behaviours=[_text("Je deelt een idee, ook als het nog niet af is.", "You share an idea, even when it is not finished.")],
    ),
    pb.Passage(
        key="theme.growth", kind=pb.PASSAGE_KIND_THEME, title=_text("Samen groeien", "Growing together"),
        text=_text("Elke medewerker leert elk jaar iets nieuws.", "Every employee learns something new each year."),
    ),
]
COMMENTS = ["Mooi, dit herken ik in ons team.", "Kan het nog korter?", "Graag, dit mist nog in ons verhaal."]


def _stub(world: Any) -> story_pb2_grpc.StoryServiceStub:
    return story_pb2_grpc.StoryServiceStub(world.channel("story"))


def _with_role(world: Any, role: str) -> list[str]:
    return [p for p in world.people if role in world.roles.get(p, set())]


async def publish_story(world: Any, rng: random.Random) -> str | None:
    """Once: HR writes the first draft, a leader publishes it (the demo texts pass the plain-language check)."""
    if world.state.get("story_published"):
        return None
    stub = _stub(world)
    current = await stub.GetStory(pb.GetStoryRequest(), metadata=world.auth(world.people[0]), timeout=10)
    if current.published.version:
        world.state["story_published"] = True
        return None
    latest = max(current.draft.version, current.published.version)
    hr, leader = rng.choice(_with_role(world, "hr")), rng.choice(_with_role(world, "leader"))
    draft = await stub.SaveDraft(pb.SaveDraftRequest(base_version=latest, passages=STORY), metadata=world.auth(hr), timeout=10)
    await stub.PublishDraft(pb.PublishDraftRequest(draft_version=draft.version), metadata=world.auth(leader), timeout=10)
    world.state["story_published"] = True
    return f"{hr} drafted and {leader} published the organisation story (version {draft.version}, nl and en)"


async def propose_passage(world: Any, rng: random.Random) -> str | None:
    if not world.state.get("story_published"):
        # Whichever story action comes first publishes the story, so the demo has one from its first minute.
        return await publish_story(world, rng)
    person = rng.choice([p for p in world.people if not world.roles.get(p, set()) & {"hr", "leader"}])
    passage = rng.choice(PROPOSALS)
    proposal = await _stub(world).ProposeChange(
        pb.ProposeChangeRequest(passage=passage, reason="Dit hoort bij hoe wij werken."), metadata=world.auth(person), timeout=10,
    )
    return f"{person} proposed {passage.key} for the story ({proposal.proposal_id[:8]})"


async def react_to_proposal(world: Any, rng: random.Random) -> str | None:
    if not world.state.get("story_published"):
        # Whichever story action comes first publishes the story, so the demo has one from its first minute.
        return await publish_story(world, rng)
    person = rng.choice(world.people)
    stub = _stub(world)
    open_ones = (await stub.ListProposals(pb.ListProposalsRequest(open_only=True), metadata=world.auth(person), timeout=10)).proposals
    if not open_ones:
        return None
    proposal = rng.choice(open_ones)
    if rng.random() < 0.5:
        await stub.EndorseProposal(pb.EndorseProposalRequest(proposal_id=proposal.proposal_id), metadata=world.auth(person), timeout=10)
        return f"{person} endorsed the proposal for {proposal.passage.key}"
    await stub.CommentOnProposal(
        pb.CommentOnProposalRequest(proposal_id=proposal.proposal_id, text=rng.choice(COMMENTS)), metadata=world.auth(person), timeout=10,
    )
    return f"{person} commented on the proposal for {proposal.passage.key}"


async def curate_proposal(world: Any, rng: random.Random) -> str | None:
    if not world.state.get("story_published"):
        # Whichever story action comes first publishes the story, so the demo has one from its first minute.
        return await publish_story(world, rng)
    stub = _stub(world)
    curator = rng.choice(_with_role(world, "hr") + _with_role(world, "leader"))
    open_ones = (await stub.ListProposals(pb.ListProposalsRequest(open_only=True), metadata=world.auth(curator), timeout=10)).proposals
    endorsed = [p for p in open_ones if len(p.endorser_ids) >= 2]
    if not endorsed:
        return None
    proposal = endorsed[0]
    accepted = await stub.DecideProposal(
        pb.DecideProposalRequest(proposal_id=proposal.proposal_id, accept=True), metadata=world.auth(curator), timeout=10,
    )
    return f"{curator} took {proposal.passage.key} into draft version {accepted.accepted_into_version} of the story"


# Each team's own telling (Dutch and English), linked to the story's values and themes.
TEAM_STORIES = {
    "product": (
        _text("Zo bouwen wij", "How we build"),
        _text("Wij tonen klanten elke twee weken wat nieuw is. Wij vragen wat beter kan.", "Every two weeks we show clients what is new. We ask what could be better."),
        ["value.openness"], ["theme.clients"],
    ),
    "klant": (
        _text("Zo helpen wij", "How we help"),
        _text("Wij bellen elke klant binnen een dag terug. Wij zorgen voor elkaar op drukke dagen.", "We call every client back within a day. We look after each other on busy days."),
        ["value.care"], ["theme.clients"],
    ),
}
AMBITIONS = ["Ik wil over twee jaar een team leiden.", "Ik wil beter leren presenteren voor klanten.", "Ik wil nieuwe collega's begeleiden."]
VALUE_PRAISE = {
    "value.openness": "Dank je om in de retro eerlijk te zeggen wat niet werkte.",
    "value.care": "Fijn hoe je gisteren de nieuwe collega op weg hielp.",
}


async def write_team_story(world: Any, rng: random.Random) -> str | None:
    """Once per team: a member drafts the team's story, its manager publishes it."""
    if not world.state.get("story_published"):
        return await publish_story(world, rng)
    done = world.state.setdefault("team_stories", set())
    left = [t for t in TEAM_STORIES if t not in done]
    if not left:
        return None
    team_id = left[0]
    manager = next(m for tid, _n, _p, m in demo_org.TEAMS if tid == team_id)
    members = [p for p, _n, _m, t, *_ in demo_org.PEOPLE if t == team_id and p != manager] or [manager]
    title, text, values, themes = TEAM_STORIES[team_id]
    stub = _stub(world)
    current = await stub.GetTeamStory(pb.GetTeamStoryRequest(team_id=team_id), metadata=world.auth(manager), timeout=10)
    if current.published.version:
        done.add(team_id)
        return None
    base = max(current.draft.version, current.published.version)
    draft = await stub.SaveTeamStory(pb.SaveTeamStoryRequest(
        team_id=team_id, base_version=base, title=title, text=text, value_keys=values, theme_keys=themes,
    ), metadata=world.auth(rng.choice(members)), timeout=10)
    await stub.PublishTeamStory(pb.PublishTeamStoryRequest(team_id=team_id, version=draft.version), metadata=world.auth(manager), timeout=10)
    done.add(team_id)
    return f"{manager} published the story of team {team_id} (version {draft.version}), written with {', '.join(draft.contributor_ids)}"


async def read_and_dream(world: Any, rng: random.Random) -> str | None:
    """Someone reads the story (counted per team, k = 3) and writes an ambition, shared with their manager."""
    if not world.state.get("story_published"):
        return await publish_story(world, rng)
    person = rng.choice(world.people)
    stub = _stub(world)
    story = await stub.GetStory(pb.GetStoryRequest(), metadata=world.auth(person), timeout=10)
    await stub.MarkStoryRead(pb.MarkStoryReadRequest(version=story.published.version), metadata=world.auth(person), timeout=10)
    keys = [p.key for p in story.published.passages if p.kind in (pb.PASSAGE_KIND_VALUE, pb.PASSAGE_KIND_THEME)]
    await stub.SaveAmbition(pb.SaveAmbitionRequest(
        text=rng.choice(AMBITIONS), share_with_manager=True, share_with_coach=rng.random() < 0.5, passage_keys=rng.sample(keys, k=min(1, len(keys))),
    ), metadata=world.auth(person), timeout=10)
    return f"{person} read version {story.published.version} of the story and wrote an ambition, shared with their manager"


async def praise_a_value(world: Any, rng: random.Random) -> str | None:
    """Praise that names a value of the story: analytics counts the values lived."""
    if not world.state.get("story_published"):
        return await publish_story(world, rng)
    giver = rng.choice(world.people)
    receiver = rng.choice([p for p in world.people if p != giver])
    value = rng.choice(sorted(VALUE_PRAISE))
    request = fb.GiveFeedbackRequest(
        receiver_id=receiver, kind=fb.FEEDBACK_KIND_PRAISE, relation=_relation(world, giver, receiver), text=VALUE_PRAISE[value],
        visibility=event_pb2.VISIBILITY_PUBLIC, value_key=value, idempotency_key=f"demo-{uuid.uuid4().hex}",
    )
    request.moment_at.FromDatetime(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=rng.randint(5, 300)))
    await feedback_pb2_grpc.FeedbackServiceStub(world.channel("feedback")).GiveFeedback(request, metadata=world.auth(giver), timeout=10)
    return f"{giver} praised {receiver} for living {value}"


async def goal_for_a_theme(world: Any, rng: random.Random) -> str | None:
    """A personal goal that serves a theme of the story (goals checks it against its catalogue of the story)."""
    if not world.state.get("story_published"):
        return await publish_story(world, rng)
    owner = rng.choice([p for p in world.people if world.managers.get(p)])
    goal = await goals_pb2_grpc.GoalServiceStub(world.channel("goals")).ProposeGoal(gl.ProposeGoalRequest(
        kind=gl.GOAL_KIND_PERFORMANCE, level=gl.GOAL_LEVEL_INDIVIDUAL, owner_id=owner, title="Elke klantvraag binnen een dag beantwoord",
        key_results=[gl.KeyResult(title="vragen binnen een dag", start_value=0, target_value=20)],
        due_date=(dt.date.today() + dt.timedelta(days=120)).isoformat(), story_keys=["theme.clients"],
        idempotency_key=f"demo-{uuid.uuid4().hex}",
    ), metadata=world.auth(owner), timeout=10)
    return f"{owner} proposed a goal that serves theme.clients ({goal.id[:8]})"


def _relation(world: Any, giver: str, receiver: str) -> int:
    if world.managers.get(receiver) == giver:
        return fb.RELATION_MANAGER
    if world.managers.get(giver) == receiver:
        return fb.RELATION_DIRECT_REPORT
    return fb.RELATION_PEER


ACTIONS = [
    publish_story, propose_passage, react_to_proposal, react_to_proposal, curate_proposal, write_team_story, write_team_story,
    read_and_dream, praise_a_value, goal_for_a_theme,
]
