"""1:1 conversations: a pair on a cadence, its meetings with a shared agenda, shared and private notes,
agreements both confirm, and the hat the manager wore. Pure rules; who reads what is domain/privacy.py."""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field, replace

from paars_conversations.domain import privacy
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

MAX_TEXT = 4000
MAX_TOPICS = 50
MAX_NOTES = 200
MAX_AGREEMENTS = 30
CADENCES = (7, 14, 21, 28)
DEFAULT_CADENCE = 14
HAT_MIX_DAYS = 90


class PairKind(enum.Enum):
    MANAGER_REPORT = 1
    MENTOR = 2
    COACH = 3
    PEER = 4


class MeetingState(enum.Enum):
    SCHEDULED = 1
    HELD = 2
    SKIPPED = 3


class Hat(enum.Enum):
    UNMARKED = 0
    LEADER = 1
    MANAGER = 2
    COACH = 3


class LinkKind(enum.Enum):
    NONE = 0
    GOAL = 1
    FEEDBACK = 2
    ACTION_ITEM = 3
    INSIGHT = 4


@dataclass(frozen=True)
class Pair:
    id: str
    lead_id: str
    other_id: str
    kind: PairKind
    cadence_days: int
    created_at: dt.datetime
    consecutive_skips: int = 0

    @property
    def members(self) -> frozenset[str]:
        return frozenset((self.lead_id, self.other_id))

    def includes(self, employee_id: str) -> bool:
        return employee_id in self.members


@dataclass(frozen=True)
class AgendaTopic:
    id: str
    author_id: str
    text: str
    link_kind: LinkKind
    link_id: str
    added_at: dt.datetime


@dataclass(frozen=True)
class Note:
    id: str
    author_id: str
    text: str
    written_at: dt.datetime
    private: bool = False


@dataclass(frozen=True)
class Agreement:
    id: str
    text: str
    owner_id: str
    due_date: dt.date | None
    proposed_by: str
    confirmed_by: tuple[str, ...] = ()

    def confirmed(self, members: frozenset[str]) -> bool:
        return members <= set(self.confirmed_by)


@dataclass(frozen=True)
class Meeting:
    """One occurrence of a pair's 1:1. Private notes are not part of it: they live apart, read by author."""

    id: str
    pair: Pair
    scheduled_on: dt.date
    state: MeetingState = MeetingState.SCHEDULED
    agenda: tuple[AgendaTopic, ...] = ()
    shared_notes: tuple[Note, ...] = ()
    agreements: tuple[Agreement, ...] = ()
    hat: Hat = Hat.UNMARKED
    held_at: dt.datetime | None = None

    def _member(self, who: str) -> None:
        if not self.pair.includes(who):
            raise PermissionDenied("only the two people in a 1:1 take part in it")

    def add_topic(self, topic: AgendaTopic) -> Meeting:
        self._member(topic.author_id)
        if len(self.agenda) >= MAX_TOPICS:
            raise FailedPrecondition(f"a 1:1 agenda holds at most {MAX_TOPICS} topics")
        return replace(self, agenda=(*self.agenda, topic))

    def add_shared_note(self, note: Note) -> Meeting:
        self._member(note.author_id)
        if len(self.shared_notes) >= MAX_NOTES:
            raise FailedPrecondition(f"a 1:1 holds at most {MAX_NOTES} shared notes")
        return replace(self, shared_notes=(*self.shared_notes, replace(note, private=False)))

    def check_private_note_author(self, author_id: str) -> None:
        self._member(author_id)

    def propose(self, agreement: Agreement) -> Meeting:
        self._member(agreement.proposed_by)
        if agreement.owner_id not in self.pair.members:
            raise InvalidArgument("owner_id", "must be one of the two people in the 1:1")
        if len(self.agreements) >= MAX_AGREEMENTS:
            raise FailedPrecondition(f"a 1:1 holds at most {MAX_AGREEMENTS} agreements")
        # Who proposes it agrees to it.
        return replace(self, agreements=(*self.agreements, replace(agreement, confirmed_by=(agreement.proposed_by,))))

    def confirm(self, agreement_id: str, by: str) -> tuple[Meeting, Agreement, bool]:
        """The meeting, the agreement and whether this confirmation made it an action item (both confirmed)."""
        self._member(by)
        for i, a in enumerate(self.agreements):
            if a.id == agreement_id:
                if by in a.confirmed_by:
                    return self, a, False
                confirmed = replace(a, confirmed_by=(*a.confirmed_by, by))
                agreements = (*self.agreements[:i], confirmed, *self.agreements[i + 1:])
                return replace(self, agreements=agreements), confirmed, confirmed.confirmed(self.pair.members)
        raise NotFound(f"agreement {agreement_id!r} not found in this 1:1")

    def complete(self, *, held: bool, by: str, at: dt.datetime) -> Meeting:
        self._member(by)
        if self.state is not MeetingState.SCHEDULED:
            raise FailedPrecondition(f"this 1:1 is already {self.state.name.lower()}")
        if held:
            return replace(self, state=MeetingState.HELD, held_at=at)
        return replace(self, state=MeetingState.SKIPPED)

    def mark_hat(self, hat: Hat, by: str) -> Meeting:
        if self.pair.kind is not PairKind.MANAGER_REPORT or by != self.pair.lead_id:
            raise PermissionDenied("only the manager of a manager-report 1:1 marks the hat they wore in it")
        return replace(self, hat=hat)

    def next_on(self) -> dt.date:
        return self.scheduled_on + dt.timedelta(days=self.pair.cadence_days)


def after_completion(pair: Pair, meeting: Meeting) -> Pair:
    """Skips in a row count up; a held 1:1 starts the count again."""
    if meeting.state is MeetingState.HELD:
        return replace(pair, consecutive_skips=0)
    return replace(pair, consecutive_skips=pair.consecutive_skips + 1)


def shared_item(pair: Pair) -> privacy.Item:
    return privacy.Item(privacy.Content.SHARED_MEETING, pair.lead_id, pair.members)


@dataclass(frozen=True)
class MeetingView:
    """A meeting as one reader may see it: the shared part, their own private notes, the hat if theirs."""

    meeting: Meeting
    notes: tuple[Note, ...]
    hat: Hat


def view_for(reader: privacy.Reader, meeting: Meeting, private_notes: tuple[Note, ...]) -> MeetingView:
    """Applies the policy to every part of a meeting; raises PermissionDenied when the reader may see none of it."""
    if not privacy.may_read(reader, shared_item(meeting.pair)):
        raise PermissionDenied("only the two people in a 1:1 read it")
    own = tuple(n for n in private_notes if privacy.may_read(reader, privacy.Item(privacy.Content.PRIVATE_NOTE, n.author_id)))
    # In the order written; at the same moment, shared notes first (sorted() keeps that order).
    notes = tuple(sorted((*meeting.shared_notes, *own), key=lambda n: n.written_at))
    hat_item = privacy.Item(privacy.Content.HAT, meeting.pair.lead_id)
    hat = meeting.hat if privacy.may_read(reader, hat_item) and meeting.pair.kind is PairKind.MANAGER_REPORT else Hat.UNMARKED
    return MeetingView(meeting, notes, hat)


@dataclass(frozen=True)
class HatMix:
    days: int
    counts: dict[Hat, int] = field(default_factory=dict)


def hat_mix(meetings: list[Meeting], manager_id: str, *, today: dt.date, days: int = HAT_MIX_DAYS) -> HatMix:
    """The manager's own held manager-report 1:1s of the last `days` days, counted by hat."""
    since = today - dt.timedelta(days=days)
    counts = {h: 0 for h in Hat}
    for m in meetings:
        if (m.pair.lead_id == manager_id and m.pair.kind is PairKind.MANAGER_REPORT and m.state is MeetingState.HELD
                and m.held_at is not None and m.held_at.date() >= since):
            counts[m.hat] += 1
    return HatMix(days, counts)


@dataclass(frozen=True)
class OneOnOneScheduled:
    meeting: Meeting


@dataclass(frozen=True)
class OneOnOneHeld:
    meeting: Meeting


@dataclass(frozen=True)
class OneOnOneSkipped:
    meeting: Meeting
    consecutive_skips: int


@dataclass(frozen=True)
class AgreementConfirmed:
    meeting: Meeting
    agreement: Agreement
    actor_id: str
