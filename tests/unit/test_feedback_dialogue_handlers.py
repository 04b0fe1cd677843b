"""The purple dialogue through the message bus over fake repositories: scheduling, private preparations that open
when both are in, shared notes on the version seen, signatures that wait for an agreed plan, and nobody else."""
from __future__ import annotations

import datetime as dt

import pytest

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters.dialogue_repository import dialogue_to_proto
from paars_feedback.adapters.dialogue_repository import read_to_proto as dialogue_read_proto
from paars_feedback.domain.anonymity import Answer
from paars_feedback.domain.dialogue import DialogueChanged
from paars_feedback.service_layer import commands as c
from paars_platform.auth import Identity
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, StaleVersion
from tests.unit.feedback_fakes import NOW, FakeService, Person

DUE = (NOW + dt.timedelta(days=14)).date().isoformat()


def a_service() -> FakeService:
    """mgr -> ann, bob; boss over mgr; hr in the root team; a 360 about ann."""
    service = FakeService()
    service.store.teams.update({"t-root": None, "t-eng": "t-root"})
    service.store.people.update({
        "boss": Person(team_id="t-root"), "mgr": Person(manager_id="boss", team_id="t-eng"), "ann": Person(manager_id="mgr", team_id="t-eng"),
        "bob": Person(manager_id="mgr", team_id="t-eng"), "hr": Person(team_id="t-root"),
    })
    service.store.owners[("review", "r1")] = "ann"
    return service


def schedule(caller: Identity, employee: str = "ann", review: str = "", when: str = "2026-03-05") -> c.ScheduleDialogue:
    return c.ScheduleDialogue(caller, c.RequestKey(), pb.DIALOGUE_KIND_PERFORMANCE, employee, when, review, ())


def prepare(caller: Identity, dialogue_id: str, reflection: str) -> c.SubmitPreparation:
    return c.SubmitPreparation(caller, c.RequestKey(), dialogue_id, reflection, ("growth",))


def notes(caller: Identity, dialogue_id: str, text: str, version: int = 0) -> c.RecordDialogueNotes:
    return c.RecordDialogueNotes(caller, c.RequestKey(), dialogue_id, version, text)


def sign(caller: Identity, dialogue_id: str) -> c.SignDialogue:
    return c.SignDialogue(caller, c.RequestKey(), dialogue_id)


async def test_the_person_their_manager_or_hr_schedule_and_the_dialogue_is_with_the_manager() -> None:
    service = a_service()
    seen = await service.bus.handle(schedule(service.person("ann"), review="r1"))
    assert (seen.dialogue.manager_id, seen.dialogue.state, seen.dialogue.review_id) == ("mgr", pb.Dialogue.STATE_PREPARING, "r1")
    await service.bus.handle(schedule(service.person("hr", "hr")))
    for outsider in ("bob", "boss"):
        with pytest.raises(PermissionDenied):
            await service.bus.handle(schedule(service.person(outsider)))
    with pytest.raises(FailedPrecondition, match="no manager"):
        await service.bus.handle(schedule(service.person("hr", "hr"), employee="boss"))
    with pytest.raises(InvalidArgument, match="review_id"):
        await service.bus.handle(schedule(service.person("mgr"), employee="bob", review="r1"))
    with pytest.raises(NotFound, match="review_id"):
        await service.bus.handle(schedule(service.person("ann"), review="r9"))
    with pytest.raises(InvalidArgument) as err:
        await service.bus.handle(schedule(service.person("ann"), when="next week"))
    assert [v.field for v in err.value.violations] == ["scheduled_for"]
    changed = [e for e in service.store.outbox if isinstance(e, DialogueChanged)]
    assert [(e.actor_id, e.dialogue.employee_id) for e in changed] == [("ann", "ann"), ("hr", "ann")]


async def test_a_preparation_stays_private_until_both_are_in_and_is_revisable_until_then() -> None:
    service = a_service()
    dialogue = (await service.bus.handle(schedule(service.person("mgr")))).dialogue
    first = await service.bus.handle(prepare(service.person("ann"), dialogue.id, "My first draft"))
    revised = await service.bus.handle(prepare(service.person("ann"), dialogue.id, "Ann's own view"))
    assert revised.dialogue.prepared_by == ["ann"] and revised.dialogue.version == first.dialogue.version + 1
    shown = dialogue_to_proto(revised)
    assert not shown.preparations and "Ann's own view" not in str(shown), "nobody, not even Ann, reads a preparation before both are in"
    with pytest.raises(PermissionDenied):
        await service.bus.handle(prepare(service.person("bob"), dialogue.id, "Bob's opinion"))
    both = await service.bus.handle(prepare(service.person("mgr"), dialogue.id, "The manager's view"))
    assert both.dialogue.state == pb.Dialogue.STATE_READY
    assert [(p.author_id, p.reflection) for p in dialogue_to_proto(both).preparations] == [("ann", "Ann's own view"), ("mgr", "The manager's view")]
    with pytest.raises(FailedPrecondition, match="both preparations are in"):
        await service.bus.handle(prepare(service.person("ann"), dialogue.id, "One more change"))


async def ready(service: FakeService) -> str:
    dialogue = (await service.bus.handle(schedule(service.person("mgr")))).dialogue
    await service.bus.handle(prepare(service.person("ann"), dialogue.id, "Ann's view"))
    await service.bus.handle(prepare(service.person("mgr"), dialogue.id, "Mgr's view"))
    return dialogue.id


async def test_notes_are_written_on_the_version_seen_and_clear_signatures() -> None:
    service = a_service()
    dialogue_id = await ready(service)
    version = service.store.dialogues[dialogue_id].version
    with pytest.raises(StaleVersion):
        await service.bus.handle(notes(service.person("ann"), dialogue_id, "Agreed: a mentor", version=version - 1))
    await service.bus.handle(sign(service.person("ann"), dialogue_id))
    held = await service.bus.handle(notes(service.person("mgr"), dialogue_id, "Agreed: a mentor", version=version + 1))
    assert (held.dialogue.state, held.dialogue.shared_notes, held.dialogue.signed_by) == (pb.Dialogue.STATE_HELD, "Agreed: a mentor", ())


async def test_both_sign_once_every_item_of_the_plan_is_confirmed_and_a_third_person_cannot() -> None:
    service = a_service()
    dialogue_id = await ready(service)
    planned = await service.bus.handle(c.CreateActionItem(
        service.person("mgr"), c.RequestKey(), "ann", "ann", "Find a mentor", pb.ACTION_KIND_BUILD_STRENGTH, DUE, "", dialogue_id, "",
    ))
    with pytest.raises(FailedPrecondition, match="confirm every item"):
        await service.bus.handle(sign(service.person("mgr"), dialogue_id))
    await service.bus.handle(c.ConfirmActionItem(service.person("ann"), c.RequestKey(), planned.item.id))
    for outsider in (service.person("bob"), service.person("boss"), service.person("hr", "hr")):
        with pytest.raises(PermissionDenied):
            await service.bus.handle(sign(outsider, dialogue_id))
    await service.bus.handle(sign(service.person("ann"), dialogue_id))
    again = await service.bus.handle(sign(service.person("ann"), dialogue_id))
    assert again.dialogue.signed_by == ("ann",)
    signed = await service.bus.handle(sign(service.person("mgr"), dialogue_id))
    assert signed.dialogue.state == pb.Dialogue.STATE_SIGNED and [p.awaiting for p in signed.plan] == [()]
    states = [e.dialogue.state for e in service.store.outbox if isinstance(e, DialogueChanged)]
    assert states[-1] == pb.Dialogue.STATE_SIGNED and states.count(pb.Dialogue.STATE_SIGNED) == 1, "signing twice publishes nothing"


async def test_each_person_lists_only_their_own_dialogues() -> None:
    service = a_service()
    mine = (await service.bus.handle(schedule(service.person("ann")))).dialogue
    await service.bus.handle(schedule(service.person("mgr"), employee="bob"))
    assert [d.id for d in await service.bus.ask(c.ListDialogues(service.person("ann")))] == [mine.id]
    assert len(await service.bus.ask(c.ListDialogues(service.person("mgr")))) == 2
    assert await service.bus.ask(c.ListDialogues(service.person("boss"))) == []


async def test_reading_a_dialogue_shows_each_reader_what_their_view_allows_and_pulls_the_360_in() -> None:
    service = a_service()
    review = (await service.bus.handle(c.OpenReviewCycle(
        service.person("mgr"), c.RequestKey(), "360", ("ann",), (pb.RATER_GROUP_MANAGER,), (("collaboration", "How?"),), 0, DUE,
    ))).reviews[0]
    service.store.review_answers[review.id] = [Answer(pb.RATER_GROUP_MANAGER, {"collaboration": 3}, ["Steady"])]
    dialogue = (await service.bus.handle(schedule(service.person("mgr"), review=review.id))).dialogue
    await service.bus.handle(prepare(service.person("ann"), dialogue.id, "Ann's private view"))
    early = dialogue_read_proto(await service.bus.ask(c.GetDialogue(service.person("mgr"), dialogue.id)))
    assert early.prepared_by == ["ann"] and not early.preparations and "Ann's private view" not in str(early)
    assert early.review_report.groups[0].group == pb.RATER_GROUP_MANAGER and early.gap_report.gaps[0].competency == "collaboration"
    higher = dialogue_read_proto(await service.bus.ask(c.GetDialogue(service.person("boss"), dialogue.id)))
    assert higher.state == pb.Dialogue.STATE_PREPARING and not higher.shared_notes and not higher.HasField("review_report")
    with pytest.raises(PermissionDenied):
        await service.bus.ask(c.GetDialogue(service.person("bob"), dialogue.id))
    await service.bus.handle(prepare(service.person("mgr"), dialogue.id, "Mgr's view"))
    both = dialogue_read_proto(await service.bus.ask(c.GetDialogue(service.person("ann"), dialogue.id)))
    assert {p.reflection for p in both.preparations} == {"Ann's private view", "Mgr's view"}
    assert [(line.reader_id, line.path) for line in service.store.reads] == [("mgr", "GetDialogue")], "the manager's read of the 360 is audited"
