"""Demo actions that keep the demo organisation busy with feedback: praise, constructive feedback, requests, a 360, a paarse dialoog, a plan van aanpak."""
from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars.feedback.v1 import feedback_pb2_grpc

PRAISE = [
    "Sterk hoe je de klant gerust stelde toen de release uitliep.",
    "Je retro was behapbaar en iedereen kwam aan het woord. Merci!",
    "Knap opgelost, dat incident van gisteren: rustig en duidelijk gecommuniceerd.",
    "Dank je om de nieuwe collega zo goed op weg te helpen.",
]
CONSTRUCTIVE = [
    ("De overdracht naar de klantendienst kan concreter.",
     pb.Example(situation="Overdracht van ticket 4711 op dinsdag", behaviour="Er werden geen notities doorgegeven", impact="De klant moest zijn verhaal opnieuw doen")),
    ("Laat in vergaderingen wat meer ruimte voor anderen.",
     pb.Example(situation="Sprintplanning van maandag", behaviour="Je onderbrak Noor twee keer", impact="Haar voorstel kwam niet meer aan bod")),
    ("Je statusupdates komen vaak te laat.",
     pb.Example(situation="De oplevering voor Klant NV", behaviour="De vertraging werd pas op de deadline gemeld", impact="We konden de klant niet tijdig verwittigen")),
]
TAGS = ["klantgericht", "samenwerken", "communicatie", "eigenaarschap", "coachend leiderschap"]
QUESTIONS = ["Hoe kwam mijn presentatie over?", "Wat kan ik beter doen bij overdrachten?", "Hoe ervaar jij onze samenwerking deze maand?"]
COMPETENCIES = [
    pb.CompetencyQuestion(competency="samenwerken", question="Hoe werkt deze persoon samen met het team?"),
    pb.CompetencyQuestion(competency="klantgericht", question="Hoe goed luistert deze persoon naar klanten?"),
    pb.CompetencyQuestion(competency="eigenaarschap", question="Neemt deze persoon verantwoordelijkheid op?"),
]


def _stub(world: Any) -> feedback_pb2_grpc.FeedbackServiceStub:
    return feedback_pb2_grpc.FeedbackServiceStub(world.channel("feedback"))


def _name(world: Any, person: str) -> str:
    names = getattr(world, "names", {}) or {}
    return str(names.get(person, person))


def _colleagues(world: Any, person: str) -> list[str]:
    """People with the same manager: the natural peers."""
    manager = world.managers.get(person)
    return [p for p in world.people if p != person and manager and world.managers.get(p) == manager]


def _relation(world: Any, giver: str, receiver: str) -> int:
    if world.managers.get(receiver) == giver:
        return pb.RELATION_MANAGER
    if world.managers.get(giver) == receiver:
        return pb.RELATION_DIRECT_REPORT
    if "hr" in world.roles.get(giver, set()):
        return pb.RELATION_HR
    return pb.RELATION_PEER


def _due(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


async def give_praise(world: Any, rng: random.Random) -> str | None:
    giver = rng.choice(world.people)
    receiver = rng.choice([p for p in world.people if p != giver])
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=rng.randint(5, 600))
    request = pb.GiveFeedbackRequest(
        receiver_id=receiver, kind=pb.FEEDBACK_KIND_PRAISE, relation=_relation(world, giver, receiver), text=rng.choice(PRAISE),
        visibility=rng.choice([event_pb2.VISIBILITY_PUBLIC, event_pb2.VISIBILITY_PUBLIC, event_pb2.VISIBILITY_PRIVATE]),
        tags=[rng.choice(TAGS)], idempotency_key=f"demo-{uuid.uuid4().hex}",
    )
    request.moment_at.FromDatetime(moment)
    given = await _stub(world).GiveFeedback(request, metadata=world.auth(giver))
    world.state.setdefault("feedback_to_ack", []).append((given.id, receiver))
    return f"{_name(world, giver)} praised {_name(world, receiver)}: '{given.text[:50]}'"


async def give_constructive(world: Any, rng: random.Random) -> str | None:
    receiver = rng.choice([p for p in world.people if p in world.managers])
    candidates = _colleagues(world, receiver) + [world.managers[receiver]]
    giver = rng.choice(candidates)
    text, example = rng.choice(CONSTRUCTIVE)
    relation = _relation(world, giver, receiver)
    anonymous = relation == pb.RELATION_PEER and rng.random() < 0.3
    given = await _stub(world).GiveFeedback(
        pb.GiveFeedbackRequest(
            receiver_id=receiver, kind=pb.FEEDBACK_KIND_CONSTRUCTIVE, relation=relation, text=text, examples=[example],
            visibility=event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE if anonymous else event_pb2.VISIBILITY_RECEIVER_AND_MANAGER,
            tags=[rng.choice(TAGS)], idempotency_key=f"demo-{uuid.uuid4().hex}",
        ),
        metadata=world.auth(giver),
    )
    if not anonymous:
        world.state.setdefault("feedback_to_ack", []).append((given.id, receiver))
    who = "someone (anonymously)" if anonymous else _name(world, giver)
    return f"{who} gave {_name(world, receiver)} constructive feedback with a concrete example"


async def request_feedback(world: Any, rng: random.Random) -> str | None:
    requester = rng.choice([p for p in world.people if p in world.managers])
    options = _colleagues(world, requester) + [world.managers[requester]] + [p for p in world.people if "hr" in world.roles.get(p, set()) and p != requester]
    recipient = rng.choice(options)
    result = await _stub(world).RequestFeedback(
        pb.RequestFeedbackRequest(recipient_id=recipient, question=rng.choice(QUESTIONS), due_date=_due(rng.randint(3, 10)), idempotency_key=f"demo-{uuid.uuid4().hex}"),
        metadata=world.auth(requester),
    )
    world.state.setdefault("open_requests", []).append((result.request.id, recipient, requester))
    return f"{_name(world, requester)} asked {_name(world, recipient)} for feedback: '{result.request.question}'"


async def answer_request(world: Any, rng: random.Random) -> str | None:
    pending = world.state.get("open_requests", [])
    if not pending:
        return None
    request_id, recipient, requester = pending.pop(0)
    stub = _stub(world)
    if rng.random() < 0.2:
        await stub.DeclineFeedbackRequest(pb.DeclineFeedbackRequestRequest(request_id=request_id, reason="Ik heb te weinig met je samengewerkt om iets zinvols te zeggen."), metadata=world.auth(recipient))
        return f"{_name(world, recipient)} declined {_name(world, requester)}'s request (te weinig samengewerkt)"
    text, example = rng.choice(CONSTRUCTIVE)
    given = await stub.GiveFeedback(
        pb.GiveFeedbackRequest(
            request_id=request_id, kind=pb.FEEDBACK_KIND_CONSTRUCTIVE, relation=_relation(world, recipient, requester), text=text, examples=[example],
            visibility=event_pb2.VISIBILITY_RECEIVER_AND_MANAGER, idempotency_key=f"demo-{uuid.uuid4().hex}",
        ),
        metadata=world.auth(recipient),
    )
    world.state.setdefault("feedback_to_ack", []).append((given.id, requester))
    return f"{_name(world, recipient)} answered {_name(world, requester)}'s request with a concrete example"


async def acknowledge(world: Any, rng: random.Random) -> str | None:
    pending = world.state.get("feedback_to_ack", [])
    if not pending:
        return None
    feedback_id, receiver = pending.pop(0)
    plan = rng.random() < 0.4
    acked = await _stub(world).AcknowledgeFeedback(
        pb.AcknowledgeFeedbackRequest(
            feedback_id=feedback_id, note=rng.choice(["Merci, daar ga ik mee aan de slag!", "Dank je, fijn om te horen.", "Terechte opmerking, bedankt."]),
            create_action_item=plan, action_due_date=_due(30) if plan else "", idempotency_key=f"demo-{uuid.uuid4().hex}",
        ),
        metadata=world.auth(receiver),
    )
    if plan:
        world.state.setdefault("action_items", []).append((acked.action_item_id, receiver))
        return f"{_name(world, receiver)} thanked for feedback and put it in a plan van aanpak"
    return f"{_name(world, receiver)} thanked the giver: the feedback landed"


async def progress_action(world: Any, rng: random.Random) -> str | None:
    items = world.state.get("action_items", [])
    if not items:
        return None
    item_id, owner = rng.choice(items)
    step = rng.choice([20, 30, 50])
    current = world.state.setdefault("progress", {}).get(item_id, 0)
    done = current + step >= 100
    item = await _stub(world).UpdateActionItem(
        pb.UpdateActionItemRequest(
            action_item_id=item_id, progress_percent=min(100, current + step), state=pb.ActionItem.STATE_DONE if done else 0,
            note=rng.choice(["Eerste stap gezet.", "Besproken met mijn coach.", "Checklist toegepast bij de overdracht."]), idempotency_key=f"demo-{uuid.uuid4().hex}",
        ),
        metadata=world.auth(owner),
    )
    world.state["progress"][item_id] = item.progress_percent
    if done:
        items.remove((item_id, owner))
    return f"{_name(world, owner)} moved '{item.title[:40]}' to {item.progress_percent}%"


async def run_360(world: Any, rng: random.Random) -> str | None:
    """One step of a 360 cycle per call: open, nominate, approve, answers, self-assessment, close."""
    stub = _stub(world)
    cycle = world.state.get("cycle")
    hr = next((p for p in world.people if "hr" in world.roles.get(p, set())), None)
    if cycle is None:
        subject = rng.choice([p for p in world.people if len(_colleagues(world, p)) >= 3])
        review = (await stub.OpenReviewCycle(
            pb.OpenReviewCycleRequest(
                cycle_name=f"360° {dt.date.today():%B %Y}", subject_ids=[subject],
                rater_groups=[pb.RATER_GROUP_SELF, pb.RATER_GROUP_MANAGER, pb.RATER_GROUP_PEERS], questions=COMPETENCIES,
                due_date=_due(14), idempotency_key=f"demo-{uuid.uuid4().hex}",
            ),
            metadata=world.auth(hr or world.managers[subject]),
        )).reviews[0]
        world.state["cycle"] = {"id": review.id, "subject": subject, "step": "nominate", "raters": []}
        return f"360° cycle opened for {_name(world, subject)}"
    subject, review_id = cycle["subject"], cycle["id"]
    step = cycle["step"]
    if step == "nominate":
        peers = rng.sample(_colleagues(world, subject), 3)
        await stub.NominateRaters(pb.NominateRatersRequest(review_id=review_id, group=pb.RATER_GROUP_PEERS, rater_ids=peers), metadata=world.auth(subject))
        cycle.update(step="approve", raters=peers)
        return f"{_name(world, subject)} nominated three peers for the 360°"
    if step == "approve":
        manager = world.managers[subject]
        await stub.ApproveRaters(pb.ApproveRatersRequest(review_id=review_id), metadata=world.auth(manager))
        cycle.update(step="answer", todo=[*cycle["raters"], manager, subject])
        return f"{_name(world, manager)} approved the peers of {_name(world, subject)}"
    if step == "answer":
        rater = cycle["todo"].pop(0)
        ratings = [pb.Rating(competency=q.competency, score=rng.randint(2, 5)) for q in COMPETENCIES]
        if rater == subject:
            await stub.SubmitSelfAssessment(pb.SubmitSelfAssessmentRequest(review_id=review_id, ratings=ratings, reflection="Ik groei in klantgerichtheid, samenwerken kan sterker."), metadata=world.auth(rater))
            what = "wrote a self-assessment (zelfreflectie)"
        else:
            await stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(review_id=review_id, ratings=ratings, comment=rng.choice(["Altijd behulpzaam.", "Kan meer initiatief nemen.", "Sterk in moeilijke gesprekken."])), metadata=world.auth(rater))
            what = "answered the 360°"
        if not cycle["todo"]:
            cycle["step"] = "close"
        return f"{'A rater' if rater in cycle['raters'] else _name(world, rater)} {what} for {_name(world, subject)}"
    await stub.CloseReviewCycle(pb.CloseReviewCycleRequest(review_id=review_id), metadata=world.auth(world.managers[subject]))
    gap = await stub.GetGapReport(pb.GetGapReportRequest(employee_id=subject, review_id=review_id), metadata=world.auth(subject))
    world.state["cycle"] = None
    world.state.setdefault("closed_reviews", {})[subject] = review_id
    biggest = max(gap.gaps, key=lambda g: abs(g.gap), default=None)
    detail = f"; biggest gap on {biggest.competency} ({biggest.gap:+.1f})" if biggest else ""
    return f"360° for {_name(world, subject)} closed{detail}"


async def purple_dialogue(world: Any, rng: random.Random) -> str | None:
    """One step of a paarse dialoog per call: schedule, both prepare, shared notes, both sign, an action."""
    stub = _stub(world)
    current = world.state.get("dialogue")
    if current is None:
        employee = rng.choice([p for p in world.people if p in world.managers])
        review_id = world.state.get("closed_reviews", {}).get(employee, "")
        kind = rng.choice([pb.DIALOGUE_KIND_PERFORMANCE, pb.DIALOGUE_KIND_EVALUATION])
        dialogue = await stub.ScheduleDialogue(
            pb.ScheduleDialogueRequest(kind=kind, employee_id=employee, scheduled_for=_due(rng.randint(2, 10)), review_id=review_id, idempotency_key=f"demo-{uuid.uuid4().hex}"),
            metadata=world.auth(world.managers[employee]),
        )
        world.state["dialogue"] = {"id": dialogue.id, "employee": employee, "manager": dialogue.manager_id, "todo": [employee, dialogue.manager_id], "step": "prepare"}
        label = "functioneringsgesprek" if kind == pb.DIALOGUE_KIND_PERFORMANCE else "evaluatiegesprek"
        return f"paarse dialoog ({label}) scheduled for {_name(world, employee)}{' with the 360° results' if review_id else ''}"
    dialogue_id, employee, manager = current["id"], current["employee"], current["manager"]
    if current["step"] == "prepare":
        who = current["todo"].pop(0)
        reflection = "Mijn zelfreflectie: trots op de klantcases, wil groeien in coachen." if who == employee else "Mijn blik: sterke klantfocus, samen werken aan overdrachten."
        dialogue = await stub.SubmitPreparation(
            pb.SubmitPreparationRequest(dialogue_id=dialogue_id, reflection=reflection, agenda_items=["doelen", "ontwikkeling", "welzijn"], idempotency_key=f"demo-{uuid.uuid4().hex}"),
            metadata=world.auth(who),
        )
        if not current["todo"]:
            current.update(step="notes", version=dialogue.version)
        waiting = ", ".join(_name(world, p) for p in {employee, manager} - set(dialogue.prepared_by))
        return f"{_name(world, who)} prepared the paarse dialoog" + (f" (waiting for {waiting})" if waiting else " (both in: preparations now visible)")
    if current["step"] == "notes":
        dialogue = await stub.RecordDialogueNotes(
            pb.RecordDialogueNotesRequest(dialogue_id=dialogue_id, expected_version=current["version"], shared_notes="Samen afgesproken: mentor zoeken, maandelijks check-in, focus op overdrachten.", idempotency_key=f"demo-{uuid.uuid4().hex}"),
            metadata=world.auth(manager),
        )
        await stub.CreateActionItem(
            pb.CreateActionItemRequest(employee_id=employee, title="Mentor zoeken voor klantgesprekken", kind=pb.ACTION_KIND_DEVELOPMENT_STEP, due_date=_due(45), source_dialogue_id=dialogue_id, idempotency_key=f"demo-{uuid.uuid4().hex}"),
            metadata=world.auth(manager),
        )
        current.update(step="sign", todo=[employee, manager])
        return f"{_name(world, employee)} and {_name(world, manager)} held their dialogue and agreed a plan van aanpak"
    who = current["todo"].pop(0)
    dialogue = await stub.SignDialogue(pb.SignDialogueRequest(dialogue_id=dialogue_id, idempotency_key=f"demo-{uuid.uuid4().hex}"), metadata=world.auth(who))
    if not current["todo"]:
        world.state["dialogue"] = None
        return f"paarse dialoog of {_name(world, employee)} signed by both"
    return f"{_name(world, who)} signed the paarse dialoog"


async def coach_and_share(world: Any, rng: random.Random) -> str | None:
    """A person picks a coach and shares one item; the coach sees only that."""
    coaches = [p for p in world.people if "coach" in world.roles.get(p, set())]
    if not coaches or world.state.get("coached"):
        return None
    person = rng.choice([p for p in world.people if p not in coaches and p in world.managers])
    coach = coaches[0]
    stub = _stub(world)
    await stub.AssignCoach(pb.AssignCoachRequest(employee_id=person, coach_id=coach), metadata=world.auth(person))
    await stub.ShareWithCoach(pb.ShareWithCoachRequest(action_plan=True), metadata=world.auth(person))
    world.state["coached"] = True
    return f"{_name(world, person)} chose {_name(world, coach)} as coach and shared their plan van aanpak (only that)"


async def check_reads(world: Any, rng: random.Random) -> str | None:
    person = rng.choice(world.people)
    reads = await _stub(world).ListReads(pb.ListReadsRequest(), metadata=world.auth(person))
    if not reads.reads:
        return None
    readers = {r.reader_id for r in reads.reads}
    return f"{_name(world, person)} checked who read feedback about them: {len(reads.reads)} reads by {len(readers)} readers"


async def referral(world: Any, rng: random.Random) -> str | None:
    """Rare: a manager refers someone to professional support instead of playing therapist."""
    if rng.random() > 0.05:
        return None
    employee = rng.choice([p for p in world.people if p in world.managers])
    await _stub(world).RaiseReferral(
        pb.RaiseReferralRequest(employee_id=employee, note="Doorverwijzing naar professionele ondersteuning besproken.", idempotency_key=f"demo-{uuid.uuid4().hex}"),
        metadata=world.auth(world.managers[employee]),
    )
    return "a confidential referral to professional support was raised (only HR and the person see it)"


ACTIONS = [
    give_praise, give_praise, give_constructive, give_constructive, request_feedback, answer_request, acknowledge, acknowledge,
    progress_action, run_360, run_360, purple_dialogue, purple_dialogue, coach_and_share, check_reads, referral,
]
