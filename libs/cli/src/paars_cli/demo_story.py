"""Demo actions for the organisation story: HR drafts and a leader publishes the story in Dutch and English, then
employees propose, comment and endorse, and curators take proposals in."""
from __future__ import annotations

import random
from typing import Any

from paars.story.v1 import story_pb2 as pb
from paars.story.v1 import story_pb2_grpc


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


ACTIONS = [publish_story, propose_passage, react_to_proposal, react_to_proposal, curate_proposal]
