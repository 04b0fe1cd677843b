"""Demo actions for conversations: a manager and a report set up their 1:1 and both add to its shared agenda (the
manager keeps a private note too); an employee asks their manager for coaching, which is accepted and a session
held; 1:1s are held with an agreement both confirm. The first conversations action sets up the 1:1 and the request."""
from __future__ import annotations

import datetime as dt
import random
from typing import Any

from paars.conversations.v1 import conversations_pb2 as pb
from paars.conversations.v1 import conversations_pb2_grpc

TOPICS_REPORT = [
    "Hoe loopt mijn doel rond de retrospectives?",
    "Ik wil graag feedback op mijn presentatie van dinsdag.",
    "Welke opleiding past bij mijn ontwikkeldoel?",
]
TOPICS_MANAGER = [
    "Wat heb je nodig om je doel te halen?",
    "De feedback van de klant van vorige week.",
    "Hoe gaat het met je werkdruk?",
]
PRIVATE = "Vragen naar haar werkdruk; niet invullen voor haar."
COACHING_TOPICS = ["Ik wil leren feedback te geven aan mijn leidinggevende.", "Ik wil rustiger presenteren voor een groep."]
AGREEMENTS = ["Plant de volgende retro en leidt die.", "Vraag twee collega's om feedback op de presentatie."]


def _stub(world: Any) -> conversations_pb2_grpc.ConversationsServiceStub:
    return conversations_pb2_grpc.ConversationsServiceStub(world.channel("conversations"))


def _reports(world: Any, manager: str) -> list[str]:
    return [p for p in world.people if world.managers.get(p) == manager]


def _pairs(world: Any) -> list[tuple[str, str]]:
    return [(world.managers[p], p) for p in world.people if world.managers.get(p) and "hr" not in world.roles.get(p, set())]


async def _ensure_started(world: Any, rng: random.Random) -> list[str]:
    """Once: one 1:1 with a shared agenda and a private note, and one coaching request (what make run shows)."""
    lines: list[str] = []
    if world.state.get("conversations_started"):
        return lines
    stub = _stub(world)
    # A manager and a report who manages no one: the 1:1 most people know.
    manager, report = sorted(_pairs(world), key=lambda pair: ("manager" in world.roles.get(pair[1], set()), pair))[0]
    existing = await stub.ListPairs(pb.ListPairsRequest(), metadata=world.auth(manager), timeout=10)
    pair = next((p for p in existing.pairs if p.other_id == report and p.kind == pb.PAIR_KIND_MANAGER_REPORT), None)
    if pair is None:
        first_on = (dt.date.today() + dt.timedelta(days=2)).isoformat()
        pair = await stub.SchedulePair(
            pb.SchedulePairRequest(other_id=report, kind=pb.PAIR_KIND_MANAGER_REPORT, cadence_days=14, first_on=first_on),
            metadata=world.auth(manager), timeout=10,
        )
        await stub.AddAgendaTopic(pb.AddAgendaTopicRequest(meeting_id=pair.next_meeting_id, text=TOPICS_REPORT[0]), metadata=world.auth(report), timeout=10)
        await stub.AddAgendaTopic(pb.AddAgendaTopicRequest(meeting_id=pair.next_meeting_id, text=TOPICS_MANAGER[0]), metadata=world.auth(manager), timeout=10)
        await stub.AddNote(pb.AddNoteRequest(meeting_id=pair.next_meeting_id, text=PRIVATE, private=True), metadata=world.auth(manager), timeout=10)
        lines.append(f"{manager} and {report} set up their 1:1 every 14 days; both added to its shared agenda")
    # An employee who manages no one asks their manager (Emma asks Sofie in the demo directory).
    others = [r for _, r in _pairs(world) if r != report]
    coachee = sorted(others, key=lambda r: ("manager" in world.roles.get(r, set()), r))[0] if others else report
    asked = await stub.ListCoachingRequests(pb.ListCoachingRequestsRequest(), metadata=world.auth(coachee), timeout=10)
    if not any(r.coachee_id == coachee for r in asked.requests):
        await stub.RequestCoaching(
            pb.RequestCoachingRequest(coach_id=world.managers[coachee], relation=pb.COACH_RELATION_MANAGER, topic=rng.choice(COACHING_TOPICS)),
            metadata=world.auth(coachee), timeout=10,
        )
        lines.append(f"{coachee} asked {world.managers[coachee]} for coaching")
    world.state["conversations_started"] = True
    return lines


async def start_conversations(world: Any, rng: random.Random) -> str | None:
    return "; ".join(await _ensure_started(world, rng)) or None


async def add_to_agenda(world: Any, rng: random.Random) -> str | None:
    started = await _ensure_started(world, rng)
    if started:
        return "; ".join(started)
    manager, report = rng.choice(_pairs(world))
    stub = _stub(world)
    pairs = (await stub.ListPairs(pb.ListPairsRequest(), metadata=world.auth(report), timeout=10)).pairs
    pair = next((p for p in pairs if p.lead_id == manager and p.kind == pb.PAIR_KIND_MANAGER_REPORT), None)
    if pair is None:
        first_on = (dt.date.today() + dt.timedelta(days=rng.randint(1, 7))).isoformat()
        pair = await stub.SchedulePair(pb.SchedulePairRequest(other_id=manager, first_on=first_on), metadata=world.auth(report), timeout=10)
        return f"{report} set up a 1:1 with {manager} on {pair.next_on}"
    who, topics = rng.choice([(report, TOPICS_REPORT), (manager, TOPICS_MANAGER)])
    await stub.AddAgendaTopic(pb.AddAgendaTopicRequest(meeting_id=pair.next_meeting_id, text=rng.choice(topics)), metadata=world.auth(who), timeout=10)
    return f"{who} added a topic to the 1:1 of {manager} and {report} on {pair.next_on}"


async def hold_one_on_one(world: Any, rng: random.Random) -> str | None:
    if await _ensure_started(world, rng):
        return None
    manager, report = rng.choice(_pairs(world))
    stub = _stub(world)
    pairs = (await stub.ListPairs(pb.ListPairsRequest(), metadata=world.auth(manager), timeout=10)).pairs
    pair = next((p for p in pairs if p.other_id == report and p.kind == pb.PAIR_KIND_MANAGER_REPORT), None)
    if pair is None:
        return None
    meeting = await stub.GetMeeting(pb.GetMeetingRequest(meeting_id=pair.next_meeting_id), metadata=world.auth(report), timeout=10)
    if not meeting.agenda:
        return None
    proposed = await stub.ProposeAgreement(
        pb.ProposeAgreementRequest(meeting_id=meeting.meeting_id, text=rng.choice(AGREEMENTS), owner_id=report,
                                   due_date=(dt.date.today() + dt.timedelta(days=14)).isoformat()),
        metadata=world.auth(report), timeout=10,
    )
    await stub.ConfirmAgreement(
        pb.ConfirmAgreementRequest(meeting_id=meeting.meeting_id, agreement_id=proposed.agreements[-1].agreement_id), metadata=world.auth(manager), timeout=10,
    )
    await stub.MarkHat(pb.MarkHatRequest(meeting_id=meeting.meeting_id, hat=rng.choice([pb.HAT_LEADER, pb.HAT_MANAGER, pb.HAT_COACH])), metadata=world.auth(manager), timeout=10)
    await stub.CompleteMeeting(pb.CompleteMeetingRequest(meeting_id=meeting.meeting_id, held=True), metadata=world.auth(manager), timeout=10)
    return f"{manager} and {report} held their 1:1 ({len(meeting.agenda)} topics) and both confirmed an agreement"


async def answer_coaching(world: Any, rng: random.Random) -> str | None:
    if await _ensure_started(world, rng):
        return None
    stub = _stub(world)
    for coach in sorted({m for m, _ in _pairs(world)}):
        requests = (await stub.ListCoachingRequests(pb.ListCoachingRequestsRequest(), metadata=world.auth(coach), timeout=10)).requests
        for r in requests:
            if r.coach_id != coach:
                continue
            if r.state == pb.COACHING_STATE_REQUESTED:
                await stub.AnswerCoachingRequest(pb.AnswerCoachingRequestRequest(request_id=r.request_id, accept=True), metadata=world.auth(coach), timeout=10)
                return f"{coach} accepted to coach {r.coachee_id}"
            if r.state == pb.COACHING_STATE_ACCEPTED:
                await stub.RecordCoachingSession(
                    pb.RecordCoachingSessionRequest(request_id=r.request_id, held_on=dt.date.today().isoformat(), notes="Geoefend met een echte situatie."),
                    metadata=world.auth(coach), timeout=10,
                )
                return f"{coach} and {r.coachee_id} held a coaching session"
    return None


ACTIONS = [start_conversations, add_to_agenda, add_to_agenda, hold_one_on_one, answer_coaching]
