"""A person's own ambition: their story beside the organisation's. Private by default: read by the person, and by
their manager or their coach only when they chose to share it with them."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MAX_AMBITION = 4000


@dataclass(frozen=True)
class Ambition:
    employee_id: str
    text: str
    shared_with_manager: bool
    shared_with_coach: bool
    passage_keys: tuple[str, ...]
    updated_at: dt.datetime


@dataclass(frozen=True)
class Relations:
    """Who the owner's manager and coach are, from the directory projection."""

    manager_id: str
    coach_id: str


def may_read(ambition: Ambition, reader_id: str, relations: Relations) -> bool:
    """The owner always; the manager or coach only if shared with them; nobody else (HR and admins neither)."""
    if reader_id == ambition.employee_id:
        return True
    if ambition.shared_with_manager and relations.manager_id and reader_id == relations.manager_id:
        return True
    return bool(ambition.shared_with_coach and relations.coach_id and reader_id == relations.coach_id)
