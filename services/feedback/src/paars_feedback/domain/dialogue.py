"""The purple dialogue: both people prepare, neither sees the other's preparation first, both sign."""
from __future__ import annotations

from collections.abc import Collection

from paars.feedback.v1 import feedback_pb2 as pb

PREPARING = pb.Dialogue.STATE_PREPARING
READY = pb.Dialogue.STATE_READY
HELD = pb.Dialogue.STATE_HELD
SIGNED = pb.Dialogue.STATE_SIGNED


def participants(employee_id: str, manager_id: str) -> tuple[str, str]:
    return (employee_id, manager_id)


def both_prepared(people: tuple[str, str], prepared_by: Collection[str]) -> bool:
    return all(p in prepared_by for p in people)


def waiting_for(people: tuple[str, str], prepared_by: Collection[str]) -> list[str]:
    return [p for p in people if p not in prepared_by]


def state(people: tuple[str, str], prepared_by: Collection[str], notes_recorded: bool, signed_by: Collection[str]) -> int:
    if not both_prepared(people, prepared_by):
        return PREPARING
    if all(p in signed_by for p in people):
        return SIGNED
    return HELD if notes_recorded else READY


def may_prepare(current_state: int) -> bool:
    """Preparations can be revised until both are in; after that they are what both read."""
    return current_state == PREPARING


def may_record_notes(current_state: int) -> bool:
    return current_state in (READY, HELD)


def may_sign(current_state: int) -> bool:
    return current_state in (READY, HELD)


def awaiting_confirmation(people: tuple[str, str], confirmed_by: Collection[str]) -> list[str]:
    """Who of the dialogue's two people has not yet agreed to an item of its action plan."""
    return [p for p in people if p not in confirmed_by]


def plan_agreed(people: tuple[str, str], confirmations: Collection[Collection[str]]) -> bool:
    """The action plan is agreed when both people confirmed every item of it (an empty plan is agreed)."""
    return all(not awaiting_confirmation(people, confirmed) for confirmed in confirmations)


def may_change_plan(current_state: int) -> bool:
    """Items are added and confirmed in the conversation: after both prepared, before both signed."""
    return current_state in (READY, HELD)
