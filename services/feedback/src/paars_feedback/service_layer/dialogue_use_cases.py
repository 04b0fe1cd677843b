"""The purple dialogue's use cases that change it (schedule, prepare, shared notes, sign) and its list, each a handler
(command, unit of work, config) run by the message bus; the rules are domain/dialogue.py's. Reading one dialogue
with its 360 pulled in stays in dialogue_handlers.py until the review use cases move to this shape."""
from __future__ import annotations

import uuid

from paars_feedback.config import FeedbackConfig
from paars_feedback.domain import dialogue as rules
from paars_feedback.domain.action_plan import DialogueSeen
from paars_feedback.domain.dialogue import Dialogue, DialogueChanged
from paars_feedback.domain.privacy import is_hr_for
from paars_feedback.service_layer import commands as c
from paars_feedback.service_layer.common import reader_of
from paars_feedback.service_layer.unit_of_work import UnitOfWork
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied


async def _dialogue(uow: UnitOfWork, dialogue_id: str) -> Dialogue:
    dialogue = await uow.dialogues.get(dialogue_id)
    if dialogue is None:
        raise NotFound(f"dialogue {dialogue_id!r} not found")
    return dialogue


async def _seen(uow: UnitOfWork, dialogue: Dialogue) -> DialogueSeen:
    return DialogueSeen.of(dialogue, await uow.action_items.in_dialogue(dialogue.id))


async def schedule_dialogue(command: c.ScheduleDialogue, uow: UnitOfWork, config: FeedbackConfig) -> DialogueSeen:
    me, employee = command.caller.employee_id, command.employee_id
    if await uow.directory.person(employee) is None:
        raise NotFound(f"employee_id: employee {employee!r} not found")
    manager = await uow.directory.manager_of(employee)
    if not manager:
        raise FailedPrecondition("employee_id: the person has no manager to hold the dialogue with")
    if me not in (employee, manager):
        reader = reader_of(command.caller)
        if not (reader.has("hr") and is_hr_for(reader, await uow.directory.ties(reader, employee))):
            raise PermissionDenied("the person, their manager or HR schedule a dialogue")
    if command.review_id:
        subject = await uow.dialogues.review_subject(command.review_id)
        if subject is None:
            raise NotFound(f"review_id: review {command.review_id!r} not found")
        if subject != employee:
            raise InvalidArgument("review_id", "is the review of someone else")
    dialogue = Dialogue.schedule(
        uuid.uuid4().hex, kind=command.kind, employee_id=employee, manager_id=manager, scheduled_for=command.scheduled_for,
        review_id=command.review_id, goal_ids=command.goal_ids, now=uow.clock(),
    )
    await uow.dialogues.add(dialogue)
    uow.add_events(DialogueChanged(dialogue, me, dialogue.created_at))
    return DialogueSeen(dialogue)


async def submit_preparation(command: c.SubmitPreparation, uow: UnitOfWork, config: FeedbackConfig) -> DialogueSeen:
    me = command.caller.employee_id
    dialogue = await _dialogue(uow, command.dialogue_id)
    prepared, mine = dialogue.prepare(me, command.reflection, command.agenda_items, uow.clock())
    await uow.dialogues.save_preparation(dialogue.id, mine)
    await uow.dialogues.save(prepared, dialogue.version)
    uow.add_events(DialogueChanged(prepared, me, prepared.updated_at))
    return await _seen(uow, prepared)


async def record_dialogue_notes(command: c.RecordDialogueNotes, uow: UnitOfWork, config: FeedbackConfig) -> DialogueSeen:
    me = command.caller.employee_id
    dialogue = await _dialogue(uow, command.dialogue_id)
    noted = dialogue.record_notes(me, command.shared_notes, command.expected_version, uow.clock())
    await uow.dialogues.save(noted, dialogue.version)
    uow.add_events(DialogueChanged(noted, me, noted.updated_at))
    return await _seen(uow, noted)


async def sign_dialogue(command: c.SignDialogue, uow: UnitOfWork, config: FeedbackConfig) -> DialogueSeen:
    me = command.caller.employee_id
    dialogue = await _dialogue(uow, command.dialogue_id)
    plan = await uow.action_items.in_dialogue(dialogue.id)
    signed = dialogue.sign(me, rules.plan_agreed(dialogue.people, [i.confirmed_by for i in plan]), uow.clock())
    if signed is not dialogue:
        await uow.dialogues.save(signed, dialogue.version)
        uow.add_events(DialogueChanged(signed, me, signed.updated_at))
    return DialogueSeen.of(signed, plan)


async def list_dialogues(query: c.ListDialogues, uow: UnitOfWork, config: FeedbackConfig) -> c.Answered[list[Dialogue]]:
    return c.Answered(await uow.dialogues.of(query.caller.employee_id))
