"""Who may read what: the one privacy policy every read path of the feedback service asks (pure, no I/O).

Readers are people (author, receiver, the receiver's manager chain, HR, coach, admin, colleagues),
subscribing systems (what leaves in events) and external link-token callers. Each decision names its
basis, which the read audit records.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from paars.common.v1 import event_pb2

PRIVATE = event_pb2.VISIBILITY_PRIVATE
RECEIVER_AND_MANAGER = event_pb2.VISIBILITY_RECEIVER_AND_MANAGER
PUBLIC = event_pb2.VISIBILITY_PUBLIC
ANONYMOUS = event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE
FEEDBACK_VISIBILITIES = (PRIVATE, RECEIVER_AND_MANAGER, PUBLIC, ANONYMOUS)


@dataclass(frozen=True)
class Reader:
    """Who asks: a person, a subscribing system (events), or an external link-token holder."""

    employee_id: str
    roles: frozenset[str] = frozenset()
    kind: str = "person"

    @property
    def is_person(self) -> bool:
        return self.kind == "person" and bool(self.employee_id)

    @property
    def is_system(self) -> bool:
        return self.kind == "system"

    def has(self, role: str) -> bool:
        return self.is_person and role in self.roles


# What every outgoing event is read as: a subscribing system with no personal ties.
SUBSCRIBER = Reader("paars-feedback-events", frozenset({"system"}), "system")


@dataclass(frozen=True)
class Ties:
    """How a reader relates to the person an item is about, from the org projection."""

    is_subject: bool = False
    is_author: bool = False
    in_manager_chain: bool = False
    is_coach: bool = False
    # The person shared this very item with their coach.
    shared_with_coach: bool = False
    # Author or receiver side of a dialogue, or owner of an action item.
    is_participant: bool = False
    # The person is in the subtree of the team the reader belongs to (what an HR reader covers).
    in_hr_scope: bool = False


def ties_of(
    reader_id: str,
    *,
    subject_id: str,
    author_id: str = "",
    manager_chain: Iterable[str] = (),
    coach_id: str | None = None,
    shared: bool = False,
    participants: Iterable[str] = (),
    hr_scope: bool = False,
) -> Ties:
    if not reader_id:
        return Ties()
    return Ties(
        is_subject=reader_id == subject_id,
        is_author=bool(author_id) and reader_id == author_id,
        in_manager_chain=reader_id in set(manager_chain),
        is_coach=bool(coach_id) and reader_id == coach_id,
        shared_with_coach=shared,
        is_participant=reader_id in set(participants),
        in_hr_scope=hr_scope,
    )


def is_hr_for(reader: Reader, ties: Ties) -> bool:
    """The one HR scope of every Paars service: HR reads within the subtree of the team they belong to
    (an HR person in the organisation's root team covers everyone; one without a team covers nobody)."""
    return reader.has("hr") and ties.in_hr_scope


@dataclass(frozen=True)
class FeedbackView:
    """What of one feedback item a reader gets."""

    basis: str = ""
    # The item appears at all (ids, kind, relation, tags, links, times, visibility).
    listed: bool = False
    # Text, examples and the acknowledgement note.
    content: bool = False
    # Who gave it: the giver id, their relation to the receiver and the request it answered.
    giver: bool = False
    # Contributes to counts and averages.
    counted: bool = False



NOTHING = FeedbackView()


def _union(views: list[FeedbackView]) -> FeedbackView:
    """The most a reader gets from all their ties; the basis is the strongest one (content > listed > counted)."""
    if not views:
        return NOTHING
    strongest = max(views, key=lambda v: (v.content, v.listed, v.counted))
    return FeedbackView(
        basis=strongest.basis,
        listed=any(v.listed for v in views),
        content=any(v.content for v in views),
        giver=any(v.giver for v in views),
        counted=any(v.counted for v in views),
    )


def _full(basis: str) -> FeedbackView:
    return FeedbackView(basis, True, True, True, True)


def _count_only(basis: str) -> FeedbackView:
    return FeedbackView(basis, counted=True)


def feedback_view(reader: Reader, ties: Ties, visibility: int) -> FeedbackView:
    """The decision for one feedback item. Anonymous-in-aggregate items never leave as items except
    to their own author and to subscribers (without giver and text); everyone else only counts them."""
    if visibility not in FEEDBACK_VISIBILITIES:
        return NOTHING
    if reader.is_system:
        return FeedbackView("system", listed=True, content=visibility == PUBLIC, giver=visibility != ANONYMOUS, counted=True)
    if not reader.is_person:
        return NOTHING
    views: list[FeedbackView] = []
    if ties.is_author:
        views.append(_full("author"))
    if ties.is_subject:
        views.append(_count_only("receiver") if visibility == ANONYMOUS else _full("receiver"))
    if ties.in_manager_chain:
        if visibility in (RECEIVER_AND_MANAGER, PUBLIC):
            views.append(_full("manager"))
        elif visibility == ANONYMOUS:
            views.append(_count_only("manager"))
    if is_hr_for(reader, ties):
        if visibility == PUBLIC:
            views.append(_full("hr"))
        elif visibility in (RECEIVER_AND_MANAGER, ANONYMOUS):
            views.append(_count_only("hr"))
    if ties.is_coach and ties.shared_with_coach and visibility != ANONYMOUS:
        views.append(_full("coach"))
    if visibility == PUBLIC:
        views.append(_full("admin" if reader.has("admin") else "colleague"))
    return _union(views)


@dataclass(frozen=True)
class ReportView:
    """What of a 360 report, gap report or self-assessment a reader gets."""

    basis: str = ""
    # Aggregates (responses, averages) after anonymity folding.
    aggregates: bool = False
    # Unattributed comments and reflections.
    comments: bool = False


def report_view(reader: Reader, ties: Ties) -> ReportView:
    """360 results, self-assessments and gap reports: the person, their managers, HR, and a coach the
    person shared them with. Subscribers get aggregates without comments. Raters get nothing back."""
    if reader.is_system:
        return ReportView("system", aggregates=True, comments=False)
    if not reader.is_person:
        return ReportView()
    if ties.is_subject:
        return ReportView("receiver", True, True)
    if ties.in_manager_chain:
        return ReportView("manager", True, True)
    if is_hr_for(reader, ties):
        return ReportView("hr", True, True)
    if ties.is_coach and ties.shared_with_coach:
        return ReportView("coach", True, True)
    return ReportView()


@dataclass(frozen=True)
class DialogueView:
    basis: str = ""
    # State, dates, who prepared and signed, linked goal and review ids.
    listed: bool = False
    # Both preparations: only once both people have submitted theirs.
    preparations: bool = False
    notes: bool = False


def dialogue_view(reader: Reader, ties: Ties, *, both_prepared: bool) -> DialogueView:
    """The two people own the dialogue; higher managers and HR follow its progress, not its content;
    a coach sees it only when the person shared it."""
    if reader.is_system:
        return DialogueView("system", listed=True)
    if not reader.is_person:
        return DialogueView()
    if ties.is_participant:
        return DialogueView("participant", True, both_prepared, True)
    if ties.is_coach and ties.shared_with_coach:
        return DialogueView("coach", True, both_prepared, True)
    if ties.in_manager_chain:
        return DialogueView("manager", listed=True)
    if is_hr_for(reader, ties):
        return DialogueView("hr", listed=True)
    return DialogueView()


def action_plan_visible(reader: Reader, ties: Ties) -> str:
    """The basis on which a reader sees a person's action items, or "" when they may not."""
    if reader.is_system:
        return "system"
    if not reader.is_person:
        return ""
    if ties.is_subject:
        return "receiver"
    if ties.is_participant:
        return "owner"
    if ties.in_manager_chain:
        return "manager"
    if is_hr_for(reader, ties):
        return "hr"
    if ties.is_coach and ties.shared_with_coach:
        return "coach"
    return ""


def referral_visible(reader: Reader, ties: Ties) -> str:
    """A confidential referral: HR and the person only (subscribers learn only that one exists)."""
    if not reader.is_person:
        return ""
    if ties.is_subject:
        return "receiver"
    if is_hr_for(reader, ties):
        return "hr"
    return ""


def may_handle_referral(reader: Reader, ties: Ties) -> bool:
    """Acknowledging and closing a referral: HR for the person, and not about themselves (the person reads
    theirs, HR follows it up; whoever raised it is neither, unless HR)."""
    return reader.is_person and not ties.is_subject and is_hr_for(reader, ties)


def reads_visible(reader: Reader, ties: Ties) -> str:
    """The read audit of someone's feedback: the person, and HR."""
    return referral_visible(reader, ties)


def feedback_event_view(visibility: int) -> FeedbackView:
    """What a FeedbackGiven event may carry: read as a subscribing system."""
    return feedback_view(SUBSCRIBER, Ties(), visibility)


@dataclass(frozen=True)
class RowCase:
    """One combination of what varies per item once the reader's ties to its receiver are known."""

    visibility: int
    is_author: bool
    shared_with_coach: bool


def row_cases(reader: Reader, ties: Ties, grants: Callable[[FeedbackView], bool]) -> list[RowCase]:
    """Every per-item case in which feedback_view grants what `grants` asks (listed, counted, ...), for a
    reader whose ties to the receiver are fixed. Visibility, authorship and a coach share are all that vary
    per item, so these cases are the policy itself, enumerated for a query to filter on: the rules stay here."""
    return [
        RowCase(visibility, author, shared)
        for visibility in FEEDBACK_VISIBILITIES
        for author in (False, True)
        for shared in (False, True)
        if grants(feedback_view(reader, replace(ties, is_author=author, shared_with_coach=shared), visibility))
    ]
