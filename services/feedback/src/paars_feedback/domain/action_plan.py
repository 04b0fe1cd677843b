"""Action plans (plan van aanpak): what may happen to a step, and the plan a dialogue's two people agree item by item."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain import dialogue as dialogue_rules
from paars_feedback.domain.dialogue import Dialogue
from paars_feedback.domain.feedback import ActionItem
from paars_platform.errors import FailedPrecondition, InvalidArgument, PermissionDenied

KINDS = (pb.ACTION_KIND_BUILD_STRENGTH, pb.ACTION_KIND_ADJUST_WEAKNESS, pb.ACTION_KIND_DEVELOPMENT_STEP)
STATES = (pb.ActionItem.STATE_OPEN, pb.ActionItem.STATE_IN_PROGRESS, pb.ActionItem.STATE_DONE, pb.ActionItem.STATE_DROPPED)
CLOSED = (pb.ActionItem.STATE_DONE, pb.ActionItem.STATE_DROPPED)


@dataclass(frozen=True)
class DialoguePlan:
    """What an action item needs to know of the dialogue it is agreed in (the dialogue itself is its use cases')."""

    id: str
    employee_id: str
    manager_id: str
    state: int
    signed_by: tuple[str, ...]
    version: int

    @property
    def people(self) -> tuple[str, str]:
        return dialogue_rules.participants(self.employee_id, self.manager_id)

    def check_may_change(self, field: str) -> None:
        """Items are proposed and confirmed in the conversation: after both prepared, before both signed."""
        if not dialogue_rules.may_change_plan(self.state):
            raise FailedPrecondition(f"{field}: the plan is agreed after both prepared and before both signed (now {pb.Dialogue.State.Name(self.state)})")

    def propose(self, proposer: str, owner_id: str) -> tuple[str, ...]:
        """Who has agreed to a new item: the one of the two who proposes it."""
        if proposer not in self.people:
            raise PermissionDenied("only the two people of the dialogue agree its action plan")
        if owner_id not in self.people:
            raise InvalidArgument("owner_id", "is one of the two people of the dialogue")
        self.check_may_change("source_dialogue_id")
        return (proposer,)


@dataclass(frozen=True)
class PlannedItem:
    """An item as its readers see it: who of its dialogue's two people has still to confirm it (none for other items)."""

    item: ActionItem
    awaiting: tuple[str, ...] = ()

    @staticmethod
    def of(item: ActionItem, plan: DialoguePlan | None) -> PlannedItem:
        return PlannedItem(item, tuple(dialogue_rules.awaiting_confirmation(plan.people, item.confirmed_by)) if plan is not None else ())


@dataclass(frozen=True)
class ActionItemChanged:
    """An item was created, progressed or confirmed: feedback.action-item-updated.v1."""

    item: ActionItem
    actor_id: str
    at: dt.datetime


def new_item(
    item_id: str, *, employee_id: str, owner_id: str, title: str, kind: int, due: dt.date, now: dt.datetime,
    source_feedback_id: str = "", source_dialogue_id: str = "", source_goal_id: str = "", confirmed_by: tuple[str, ...] = (),
) -> ActionItem:
    return ActionItem(
        id=item_id, employee_id=employee_id, owner_id=owner_id, title=title.strip(), kind=kind, due_date=due, state=pb.ActionItem.STATE_OPEN,
        progress_percent=0, source_feedback_id=source_feedback_id or None, source_dialogue_id=source_dialogue_id or None,
        source_goal_id=source_goal_id or None, progress_notes=(), created_at=now, updated_at=now, confirmed_by=confirmed_by,
    )


def progressed(item: ActionItem, state: int, percent: int, note: str, now: dt.datetime) -> ActionItem:
    """A step forward: a state asked for wins; some progress means in progress; done is 100 %. A closed item stays closed."""
    if item.state in CLOSED:
        raise FailedPrecondition(f"action_item_id: the item is {pb.ActionItem.State.Name(item.state)}")
    new_state = state or (pb.ActionItem.STATE_IN_PROGRESS if percent > 0 else item.state)
    progress = 100 if new_state == pb.ActionItem.STATE_DONE else max(percent, 0) or item.progress_percent
    notes = item.progress_notes + ((note.strip(),) if note.strip() else ())
    return replace(item, state=new_state, progress_percent=progress, progress_notes=notes, updated_at=now)


def confirmed(item: ActionItem, plan: DialoguePlan | None, person: str, now: dt.datetime) -> ActionItem:
    """One of the dialogue's two people agrees to an item of its plan (again: nothing changes)."""
    if plan is None:
        raise FailedPrecondition("action_item_id: only an item of a dialogue's action plan is confirmed")
    if person not in plan.people:
        raise PermissionDenied("only the two people of the dialogue confirm its action plan")
    if not dialogue_rules.may_change_plan(plan.state):
        raise FailedPrecondition(f"action_item_id: the dialogue is {pb.Dialogue.State.Name(plan.state)}")
    if person in item.confirmed_by:
        return item
    return replace(item, confirmed_by=item.confirmed_by + (person,), updated_at=now)


@dataclass(frozen=True)
class DialogueSeen:
    """A dialogue as one of its two people sees it after their own change: the notes, both preparations once both
    are in, and its action plan with who still has to confirm each item."""

    dialogue: Dialogue
    plan: tuple[PlannedItem, ...] = ()

    @staticmethod
    def of(dialogue: Dialogue, items: list[ActionItem]) -> DialogueSeen:
        plan = DialoguePlan(dialogue.id, dialogue.employee_id, dialogue.manager_id, dialogue.state, dialogue.signed_by, dialogue.version)
        return DialogueSeen(dialogue, tuple(PlannedItem.of(i, plan) for i in items))


@dataclass(frozen=True)
class DialogueRead:
    """One dialogue as its reader may see it (GetDialogue): what the view shows of it, and the 360 and gap report it
    pulls in as far as the reader may see them on their own."""

    seen: DialogueSeen
    notes: bool
    preparations: bool
    report: Any = None
    gap: Any = None
