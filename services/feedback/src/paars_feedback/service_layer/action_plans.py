"""The action plan's use cases (plan van aanpak): create a step, progress it, confirm one agreed in a dialogue, list a
plan. Each a handler (command, unit of work, config) run by the message bus; the rules are domain/action_plan.py's."""
from __future__ import annotations

import uuid

from paars_feedback.config import FeedbackConfig
from paars_feedback.domain import action_plan as rules
from paars_feedback.domain.action_plan import ActionItemChanged, DialoguePlan, PlannedItem
from paars_feedback.domain.feedback import ActionItem
from paars_feedback.domain.privacy import action_plan_visible, is_hr_for
from paars_feedback.service_layer import commands as c
from paars_feedback.service_layer.common import reader_of
from paars_feedback.service_layer.unit_of_work import UnitOfWork
from paars_platform.errors import InvalidArgument, NotFound, PermissionDenied


async def _plan_of(uow: UnitOfWork, item: ActionItem) -> DialoguePlan | None:
    return await uow.action_items.dialogue(item.source_dialogue_id) if item.source_dialogue_id else None


async def create_action_item(command: c.CreateActionItem, uow: UnitOfWork, config: FeedbackConfig) -> PlannedItem:
    me, employee, owner = command.caller.employee_id, command.employee, command.owner
    for person, field in ((employee, "employee_id"), (owner, "owner_id")):
        if await uow.directory.person(person) is None:
            raise NotFound(f"{field}: employee {person!r} not found")
    if me != employee:
        reader = reader_of(command.caller)
        ties = await uow.directory.ties(reader, employee)
        if not (ties.in_manager_chain or ties.is_coach or is_hr_for(reader, ties)):
            raise PermissionDenied("only the person, their managers, their coach or HR plan their actions")
    if command.source_feedback_id:
        feedback = await uow.feedback.get(command.source_feedback_id)
        if feedback is None:
            raise NotFound(f"source_feedback_id: feedback {command.source_feedback_id!r} not found")
        if feedback.receiver_id != employee:
            raise InvalidArgument("source_feedback_id", "is feedback about someone else")
    plan: DialoguePlan | None = None
    confirmed: tuple[str, ...] = ()
    if command.source_dialogue_id:
        plan = await uow.action_items.dialogue(command.source_dialogue_id)
        if plan is None:
            raise NotFound(f"source_dialogue_id: dialogue {command.source_dialogue_id!r} not found")
        if plan.employee_id != employee:
            raise InvalidArgument("source_dialogue_id", "is a dialogue with someone else")
        confirmed = plan.propose(me, owner)
        # A signature is for the plan as it was: a new item clears it (as changed notes do).
        await uow.action_items.unsign(plan, uow.clock())
    item = rules.new_item(
        uuid.uuid4().hex, employee_id=employee, owner_id=owner, title=command.title, kind=command.kind, due=command.due, now=uow.clock(),
        source_feedback_id=command.source_feedback_id, source_dialogue_id=command.source_dialogue_id, source_goal_id=command.source_goal_id,
        confirmed_by=confirmed,
    )
    await uow.action_items.add(item)
    uow.add_events(ActionItemChanged(item, me, item.created_at))
    return PlannedItem.of(item, plan)


async def update_action_item(command: c.UpdateActionItem, uow: UnitOfWork, config: FeedbackConfig) -> PlannedItem:
    item = await uow.action_items.get(command.action_item_id, for_update=True)
    if item is None:
        raise NotFound(f"action item {command.action_item_id!r} not found")
    me = command.caller.employee_id
    if me not in (item.employee_id, item.owner_id):
        ties = await uow.directory.ties(reader_of(command.caller), item.employee_id)
        if not ties.in_manager_chain:
            raise PermissionDenied("only the person, the owner or their managers update an action item")
    item = rules.progressed(item, command.state, command.progress_percent, command.note, uow.clock())
    await uow.action_items.save(item)
    uow.add_events(ActionItemChanged(item, me, item.updated_at))
    return PlannedItem.of(item, await _plan_of(uow, item))


async def confirm_action_item(command: c.ConfirmActionItem, uow: UnitOfWork, config: FeedbackConfig) -> PlannedItem:
    item = await uow.action_items.get(command.action_item_id, for_update=True)
    if item is None:
        raise NotFound(f"action item {command.action_item_id!r} not found")
    plan = await _plan_of(uow, item)
    me = command.caller.employee_id
    agreed = rules.confirmed(item, plan, me, uow.clock())
    if agreed is not item:
        await uow.action_items.save(agreed)
        uow.add_events(ActionItemChanged(agreed, me, agreed.updated_at))
    return PlannedItem.of(agreed, plan)


async def list_action_items(query: c.ListActionItems, uow: UnitOfWork, config: FeedbackConfig) -> c.Answered[list[PlannedItem]]:
    if await uow.directory.person(query.subject) is None:
        raise NotFound(f"employee_id: employee {query.subject!r} not found")
    reader = reader_of(query.caller)
    items = await uow.action_items.of(query.subject)
    if not action_plan_visible(reader, await uow.directory.ties(reader, query.subject, share=("action-plan", query.subject))):
        # Owners of single items (a colleague who took one on) see just those.
        items = [i for i in items if i.owner_id == query.caller.employee_id]
        if not items:
            raise PermissionDenied("only the person, their managers, HR or a coach they shared it with see an action plan")
    plans = await uow.action_items.dialogues([i.source_dialogue_id for i in items if i.source_dialogue_id])
    return c.Answered([PlannedItem.of(i, plans.get(i.source_dialogue_id) if i.source_dialogue_id else None) for i in items])
