"""The purple dialogue's use cases: schedule, prepare, shared notes, sign, the list, and reading one with its 360 pulled
in; each a handler (command or query, unit of work, config) run by the message bus; the rules are domain/dialogue.py's."""
from __future__ import annotations

import uuid
from dataclasses import replace

from paars_feedback.config import FeedbackConfig
from paars_feedback.domain import dialogue as rules
from paars_feedback.domain.action_plan import DialogueRead, DialogueSeen
from paars_feedback.domain.dialogue import Dialogue, DialogueChanged
from paars_feedback.domain.privacy import dialogue_view, is_hr_for
from paars_feedback.service_layer import commands as c
from paars_feedback.service_layer import review_use_cases
from paars_feedback.service_layer.common import Read, reader_of
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


async def get_dialogue(query: c.GetDialogue, uow: UnitOfWork, config: FeedbackConfig) -> c.Answered[DialogueRead]:
    """The two people read it all (both preparations once both are in); higher managers and HR its progress; a coach
    what the person shared. The 360 comes in only as far as the reader may see it on their own, and is audited."""
    dialogue = await _dialogue(uow, query.dialogue_id)
    reader = reader_of(query.caller)
    ties = await uow.directory.ties(reader, dialogue.employee_id, share=("dialogue", dialogue.id))
    ties = replace(ties, is_participant=reader.employee_id in dialogue.people)
    view = dialogue_view(reader, ties, both_prepared=dialogue.both_prepared)
    if not view.listed:
        raise PermissionDenied("a dialogue is for its two people (managers and HR follow its progress)")
    read = DialogueRead(await _seen(uow, dialogue), notes=view.notes, preparations=view.preparations)
    then: tuple[c.Command[int], ...] = ()
    if dialogue.review_id and view.notes:
        review = await uow.reviews.get(dialogue.review_id)
        if review is not None:
            report_seen, seen = await review_use_cases.report_for(uow, reader, review)
            if seen is not None:
                read = replace(read, report=seen)
            if report_seen.comments:
                read = replace(read, gap=await review_use_cases.gap_for(uow, dialogue.employee_id, review))
                then = review_use_cases.audit(reader, Read(review.subject_id, review.id, report_seen.basis), "GetDialogue", uow.clock())
    return c.Answered(read, then)
