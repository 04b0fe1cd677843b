"""Who may read what in the conversations service: the one policy every read path asks.

Roles never widen a reader's view here, with one exception written out below (HR reads boundary concerns, which
are raised *to* HR). An admin, HR or a manager higher up reads nothing of a 1:1, a coaching relationship or a
circle they are not in; a private note reaches its author and no one else, ever.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class Content(enum.Enum):
    """The kinds of content the service holds, each with its audience."""

    # The agenda, shared notes and agreements of a 1:1: the two people in it.
    SHARED_MEETING = "shared_meeting"
    # A private note: its author only.
    PRIVATE_NOTE = "private_note"
    # The hat a manager wore in a 1:1, and their mix of hats: that manager only.
    HAT = "hat"
    # Who read a 1:1 (the read audit): the two people in it; it names readers and times, never content.
    MEETING_READS = "meeting_reads"
    # A coaching request's topic, goals and sessions' notes: coach and coachee.
    COACHING = "coaching"
    # A circle session's case and notes: the circle's members (not HR, who formed the circle).
    CIRCLE_SESSION = "circle_session"
    # A circle's name and members: its members, and HR (who forms circles).
    CIRCLE_MEMBERSHIP = "circle_membership"
    # A boundary concern: the person who raised it, and HR.
    CONCERN = "concern"


@dataclass(frozen=True)
class Reader:
    employee_id: str
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Item:
    """A piece of content: its kind, who wrote or owns it, and the people it belongs to."""

    content: Content
    owner_id: str
    members: frozenset[str] = frozenset()


def may_read(reader: Reader, item: Item) -> bool:
    """The one decision: may this reader see this item?"""
    who = reader.employee_id
    if not who:
        return False
    match item.content:
        case Content.PRIVATE_NOTE | Content.HAT:
            return who == item.owner_id
        case Content.SHARED_MEETING | Content.MEETING_READS | Content.COACHING | Content.CIRCLE_SESSION:
            return who in item.members
        case Content.CIRCLE_MEMBERSHIP:
            return who in item.members or "hr" in reader.roles
        case Content.CONCERN:
            # Raised to HR: the one place a role opens content. The manager, analytics and events never see it.
            return who == item.owner_id or "hr" in reader.roles
    return False


# What an event may carry: ids, dates, states and counts. No event field holds a person's words; these are the
# fields of each event that name people (a concern's event names none).
EVENT_PEOPLE_FIELDS: dict[str, tuple[str, ...]] = {
    "OneOnOneScheduled": ("lead_id", "other_id"),
    "OneOnOneHeld": ("lead_id", "other_id"),
    "OneOnOneSkipped": ("lead_id", "other_id"),
    "AgreementConfirmed": ("owner_id",),
    "CoachingRequestUpdated": ("coachee_id", "coach_id"),
    "CoachingSessionCompleted": ("coachee_id", "coach_id"),
    "ConcernUpdated": (),
    "CircleSessionHeld": (),
    # The members, so that each is prompted before the session; never whose case it is, nor any case or note.
    "CircleSessionPlanned": ("member_ids",),
}
