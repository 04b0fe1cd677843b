"""The purple dialogue: both people prepare, neither sees the other's preparation first, both sign."""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from paars.feedback.v1 import feedback_pb2 as pb
from paars_platform.errors import FailedPrecondition, PermissionDenied, StaleVersion

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


@dataclass(frozen=True)
class Preparation:
    """One side's preparation: private until both are in (privacy.dialogue_view)."""

    author_id: str
    reflection: str
    agenda_items: tuple[str, ...]
    submitted_at: dt.datetime


@dataclass(frozen=True)
class Dialogue:
    """A purple dialogue between a person and their manager, with what each of them prepared."""

    id: str
    kind: int
    employee_id: str
    manager_id: str
    scheduled_for: str
    state: int
    review_id: str | None
    goal_ids: tuple[str, ...]
    shared_notes: str
    notes_recorded: bool
    signed_by: tuple[str, ...]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    preparations: tuple[Preparation, ...] = ()

    @staticmethod
    def schedule(
        dialogue_id: str, *, kind: int, employee_id: str, manager_id: str, scheduled_for: str, review_id: str, goal_ids: tuple[str, ...], now: dt.datetime,
    ) -> Dialogue:
        return Dialogue(
            dialogue_id, kind, employee_id, manager_id, scheduled_for, PREPARING, review_id or None, goal_ids, "", False, (), 1, now, now,
        )

    @property
    def people(self) -> tuple[str, str]:
        return participants(self.employee_id, self.manager_id)

    @property
    def prepared_by(self) -> list[str]:
        return [p.author_id for p in self.preparations if p.author_id in self.people]

    @property
    def both_prepared(self) -> bool:
        return both_prepared(self.people, self.prepared_by)

    def check_participant(self, person: str) -> None:
        if person not in self.people:
            raise PermissionDenied("only the two people of the dialogue take part in it")

    def _next(self, now: dt.datetime, **changes: Any) -> Dialogue:
        """The next version, its state following from who prepared, the notes and who signed."""
        changed = replace(self, **changes)
        return replace(
            changed, state=state(changed.people, changed.prepared_by, changed.notes_recorded, changed.signed_by), version=self.version + 1, updated_at=now,
        )

    def prepare(self, author: str, reflection: str, agenda: tuple[str, ...], now: dt.datetime) -> tuple[Dialogue, Preparation]:
        """A side's preparation, replacing an earlier one of theirs; preparations close once both are in."""
        self.check_participant(author)
        if not may_prepare(self.state):
            raise FailedPrecondition("dialogue_id: both preparations are in; add to the shared notes instead")
        mine = Preparation(author, reflection.strip(), tuple(a.strip() for a in agenda), now)
        kept = tuple(p for p in self.preparations if p.author_id != author) + (mine,)
        return self._next(now, preparations=kept), mine

    def record_notes(self, author: str, notes: str, expected_version: int, now: dt.datetime) -> Dialogue:
        self.check_participant(author)
        if expected_version and expected_version != self.version:
            raise StaleVersion(f"dialogue {self.id} is at version {self.version}, not {expected_version}: reload and retry")
        if not may_record_notes(self.state):
            raise FailedPrecondition(f"dialogue_id: notes follow both preparations and precede both signatures (now {pb.Dialogue.State.Name(self.state)})")
        # Changed notes are not what anyone signed.
        return self._next(now, shared_notes=notes.strip(), notes_recorded=True, signed_by=())

    def sign(self, person: str, plan_agreed: bool, now: dt.datetime) -> Dialogue:
        """Signed after both prepared and once both confirmed every item of the plan; signing again changes nothing."""
        self.check_participant(person)
        if not may_sign(self.state):
            raise FailedPrecondition(f"dialogue_id: a dialogue is signed after both prepared it (now {pb.Dialogue.State.Name(self.state)})")
        if person in self.signed_by:
            return self
        if not plan_agreed:
            raise FailedPrecondition("dialogue_id: both people confirm every item of the action plan before signing")
        return self._next(now, signed_by=self.signed_by + (person,))


@dataclass(frozen=True)
class DialogueChanged:
    """Scheduled, prepared, noted or signed: feedback.dialogue-updated.v1 (no content)."""

    dialogue: Dialogue
    actor_id: str
    at: dt.datetime
