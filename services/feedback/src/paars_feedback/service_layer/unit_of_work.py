"""The unit of work: one transaction around a use case, with the repositories it reads and writes through,
the events it leaves in the outbox, and the answers it remembers for retried requests. The SQL one is in
adapters/sql_unit_of_work.py; tests/unit/feedback_fakes.py has one in memory."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Protocol, Self, TypeVar

from paars_feedback.domain.action_plan import ActionItemChanged, DialoguePlan, DialogueSeen, PlannedItem
from paars_feedback.domain.anonymity import Answer as RatedAnswer
from paars_feedback.domain.dialogue import Dialogue, DialogueChanged, Preparation
from paars_feedback.domain.feedback import (
    ActionItem,
    ActionItemCreated,
    CoachAssigned,
    CoachShares,
    Feedback,
    FeedbackAcknowledged,
    FeedbackGiven,
    FeedbackRequest,
    FeedbackRequestChanged,
    Invitation,
    LinkRevoked,
    Person,
    ReadRecord,
    Receiver,
    Referral,
    ReferralRaised,
    ReferralUpdated,
    RequestMade,
    SummaryGroup,
)
from paars_feedback.domain.privacy import Reader, Ties
from paars_feedback.domain.review import (
    ExternalRater,
    InvitationMade,
    ListedReview,
    ResponseSubmitted,
    Review,
    ReviewChanged,
    ReviewResponse,
    ReviewsOpened,
    SelfAssessed,
    SelfAssessment,
)
from paars_feedback.service_layer.commands import PageAfter, RequestKey
from paars_platform.shape import RequestRace as RequestRace  # re-exported: the bus and tests import it from here

Clock = Callable[[], dt.datetime]
Event = FeedbackGiven | FeedbackRequestChanged | FeedbackAcknowledged | ActionItemCreated | ReferralRaised | ReferralUpdated | ActionItemChanged | DialogueChanged | ReviewChanged | SelfAssessed
# What a command answers, and so what a retried request is answered with again.
Answer = (
    Feedback | FeedbackRequest | RequestMade | LinkRevoked | CoachAssigned | CoachShares | Referral | PlannedItem | DialogueSeen | Review | ReviewsOpened
    | SelfAssessment | InvitationMade | ResponseSubmitted
)
A = TypeVar(
    "A", Feedback, FeedbackRequest, RequestMade, LinkRevoked, CoachAssigned, CoachShares, Referral, PlannedItem, DialogueSeen, Review, ReviewsOpened,
    SelfAssessment, InvitationMade, ResponseSubmitted,
)


class FeedbackRepository(Protocol):
    async def receiver(self, receiver_id: str, giver_id: str, since: Sequence[tuple[int, dt.datetime]]) -> Receiver | None:
        """The receiver (None when the directory has nobody by that id), whether either manages the other,
        and for each (count, since) the given_at of the giver's count-th most recent item after since:
        one read for everything GiveFeedback checks."""

    async def get(self, feedback_id: str, *, for_update: bool = False) -> Feedback | None:
        """The item; for_update locks its row until the transaction ends (where the database has row locks)."""

    async def add(self, feedback: Feedback) -> None: ...

    async def save(self, feedback: Feedback) -> None:
        """Writes what an item's life changes: its acknowledgement, note and action item."""

    async def record_read(self, subject_id: str, item_id: str, reader_id: str, basis: str, path: str, at: dt.datetime) -> None:
        """A line in the read audit."""

    async def record_reads(self, lines: Sequence[ReadRecord]) -> None:
        """Lines in the read audit, in one statement."""

    async def reads_of(self, subject_id: str, limit: int) -> list[ReadRecord]:
        """The read audit about one person, newest first."""

    async def receivers_of(self, giver_id: str) -> list[str]:
        """Everyone the giver gave an item to."""

    async def page(
        self, reader: Reader, ties: Mapping[str, Ties], *, with_giver: bool, giver_id: str, after: PageAfter | None, limit: int,
    ) -> list[tuple[Feedback, bool]]:
        """Items about the receivers in ties that the privacy policy lists to the reader (with_giver: and shows
        their giver), given by giver_id when set, newest first (given_at, id), after the cursor, at most limit;
        each with whether its receiver shared it with their coach."""

    async def summary(self, employee_id: str, reader: Reader, ties: Ties) -> list[SummaryGroup]:
        """What the reader may count of the items about the person, grouped (a handful of groups whatever the number of items)."""


class RequestRepository(Protocol):
    async def add(self, request: FeedbackRequest) -> None: ...

    async def get(self, request_id: str) -> FeedbackRequest | None: ...

    async def listed(self, recipient_id: str, requester_id: str, me: str, limit: int) -> list[FeedbackRequest]:
        """Requests sent to recipient_id and/or by requester_id; with neither, those the person `me` sent, got or is
        the subject of; newest first."""

    async def overdue(self, now: dt.datetime, request_ids: Sequence[str] | None, limit: int) -> list[FeedbackRequest]:
        """Open requests past their expiry (of these ids, when given), soonest expired first, at most limit."""

    async def save_token(self, request: FeedbackRequest) -> None:
        """Writes the request's link token hash."""

    async def expire(self, request_ids: Sequence[str], now: dt.datetime) -> None:
        """Marks these requests expired, those still open (one statement)."""

    async def by_token(self, token_hash: str) -> FeedbackRequest | None:
        """The request whose link token hashes to this."""

    async def save(self, request: FeedbackRequest) -> None:
        """Writes what a request's life changes: its state, how and by what it was answered, and when."""


class ActionItemRepository(Protocol):
    async def add(self, item: ActionItem) -> None: ...

    async def get(self, item_id: str, *, for_update: bool = False) -> ActionItem | None: ...

    async def save(self, item: ActionItem) -> None:
        """Writes what an item's life changes: state, progress, notes, confirmations."""

    async def of(self, employee_id: str) -> list[ActionItem]:
        """The person's whole plan, by due date."""

    async def dialogue(self, dialogue_id: str) -> DialoguePlan | None:
        """What an item needs of the dialogue it is agreed in."""

    async def dialogues(self, dialogue_ids: Sequence[str]) -> dict[str, DialoguePlan]: ...

    async def in_dialogue(self, dialogue_id: str) -> list[ActionItem]:
        """A dialogue's action plan, oldest item first."""

    async def unsign(self, plan: DialoguePlan, at: dt.datetime) -> None:
        """Clears the dialogue's signatures: a changed plan is not what anyone signed."""


class DirectoryRepository(Protocol):
    """The local projection of the org directory (filled from org events), as the use cases read it."""

    async def person(self, employee_id: str) -> Person | None: ...

    async def manager_of(self, employee_id: str) -> str | None:
        """The person's direct manager, if they have one."""

    async def direct_reports(self, manager_id: str) -> list[str]:
        """The active people who report to the manager, by id."""

    async def ties(self, reader: Reader, subject_id: str, *, author_id: str = "", share: tuple[str, str] | None = None) -> Ties:
        """The reader's ties to the person: manager chain, coach (and whether this item is shared with them), HR scope."""

    async def hr_teams(self, employee_id: str) -> list[str]:
        """The teams an HR person covers: their own team and every team below it (none without a team)."""


class InvitationRepository(Protocol):
    async def get(self, invitation_id: str) -> Invitation | None: ...

    async def by_token(self, token_hash: str) -> Invitation | None: ...

    async def add(self, rater: ExternalRater) -> None: ...

    async def save(self, invitation: Invitation) -> None:
        """Writes what an invitation's life changes: when it was used, when withdrawn."""

    async def reissue(self, invitation_id: str, token_hash: str, now: dt.datetime) -> bool:
        """A new link token for an invitation still open (not used, withdrawn or expired); False when there is none."""


class CoachRepository(Protocol):
    async def assign(self, employee_id: str, coach_id: str, assigned_by: str, at: dt.datetime) -> None:
        """The person's coach from now on; a new coach starts from nothing shared."""

    async def owner_of(self, kind: str, item_id: str) -> tuple[str, int] | None:
        """Whom a feedback item, review or dialogue is about, and (for feedback) its visibility (0 otherwise)."""

    async def share(self, employee_id: str, kind: str, item_id: str, at: dt.datetime) -> None: ...

    async def unshare(self, employee_id: str, kind: str, item_id: str) -> None: ...

    async def shared(self, employee_id: str) -> list[str]:
        """What the person shares with their coach, as "kind:item_id", sorted."""


class ReferralRepository(Protocol):
    async def add(self, referral: Referral) -> None: ...

    async def of(self, employee_id: str) -> list[Referral]:
        """The referrals about a person, oldest first."""

    async def get_for_update(self, referral_id: str) -> Referral | None:
        """One referral, locked for its change (PostgreSQL: FOR UPDATE)."""

    async def save(self, referral: Referral) -> None:
        """Its state, when it changed and who changed it."""



class ValueCatalogue(Protocol):
    """The organisation story's values, projected from its published versions (story.story-published.v1)."""

    async def named(self, value_key: str) -> bool:
        """The key is a value of the latest published story."""


class DialogueRepository(Protocol):
    async def get(self, dialogue_id: str) -> Dialogue | None:
        """The dialogue with both preparations (who may read them is the view's to say)."""

    async def of(self, person: str) -> list[Dialogue]:
        """The person's dialogues, as either of its two people, latest first."""

    async def add(self, dialogue: Dialogue) -> None: ...

    async def save(self, dialogue: Dialogue, expected_version: int) -> None:
        """Writes state, notes and signatures if the stored version is still expected_version, else StaleVersion."""

    async def save_preparation(self, dialogue_id: str, preparation: Preparation) -> None:
        """The side's preparation, replacing an earlier one of theirs."""

    async def review_subject(self, review_id: str) -> str | None:
        """Whom a 360 is about (None: no such review)."""


class ReviewRepository(Protocol):
    async def get(self, review_id: str) -> Review | None: ...

    async def add(self, review: Review) -> None: ...

    async def save(self, review: Review) -> None:
        """Writes the review's state."""

    async def add_raters(self, review_id: str, rater_ids: Sequence[str], group: int, *, approved: bool, nominated_by: str) -> None:
        """Raters in a group; one already there stays as they were."""

    async def nominated(self, review_id: str) -> set[str]:
        """The peers nominated, approved or not."""

    async def approve(self, review_id: str, rater_ids: Sequence[str]) -> None: ...

    async def answers(self, review_id: str) -> list[RatedAnswer]:
        """The answers as anonymity folds them (group, scores, comments), never who gave them."""

    async def add_self_assessment(self, assessment: SelfAssessment) -> None: ...

    async def latest_of(self, subject_id: str) -> Review | None:
        """The person's most recent 360."""

    async def self_ratings(self, employee_id: str, review_id: str | None) -> dict[str, float] | None:
        """Scores of the person's latest self-assessment for the review, else of their latest one."""

    async def nomination(self, review_id: str, rater_id: str) -> tuple[int, bool] | None:
        """The rater's group in the review and whether they are approved (None: not a rater of it)."""

    async def add_response(self, response: ReviewResponse) -> bool:
        """Keeps the answer; False (and nothing kept) when this rater already answered the review."""

    async def rated_by(self, rater_id: str) -> dict[str, tuple[int, bool]]:
        """The reviews the person is a rater of: review id -> (group, approved)."""

    async def listed(self, employee_id: str, rated: Sequence[str], below: Sequence[str], hr_teams: Sequence[str]) -> list[ListedReview]:
        """Reviews about the person, led by them (manager or opener), they rate (rated), about someone below them,
        or about someone in a team of hr_teams; newest first (created_at, id)."""

    async def nominations(self, review_ids: Sequence[str]) -> dict[str, list[tuple[str, bool]]]:
        """The peers nominated for each review, (rater id, approved) by rater id."""

    async def answer_counts(self, review_ids: Sequence[str]) -> dict[str, int]:
        """How many answered each review (reviews without answers left out)."""

    async def answered(self, rater_hashes: Mapping[str, str]) -> set[str]:
        """Of the reviews (review id -> a rater's hash), those that rater answered."""


class UnitOfWork(Protocol):
    feedback: FeedbackRepository
    requests: RequestRepository
    action_items: ActionItemRepository
    directory: DirectoryRepository
    invitations: InvitationRepository
    coaches: CoachRepository
    referrals: ReferralRepository
    values: ValueCatalogue
    dialogues: DialogueRepository
    reviews: ReviewRepository
    clock: Clock

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        """Rolls back unless commit() was called."""

    def add_events(self, *events: Event) -> None:
        """Events written to the outbox by commit(), in this order, in the same transaction as the change."""

    async def recall(self, caller_key: str, method: str, request: RequestKey, answer_type: type[A]) -> A | None:
        """The answer given to this caller's earlier request with this key; InvalidArgument when the key
        was used for a different request."""

    async def remember(self, caller_key: str, method: str, request: RequestKey, answer: Answer) -> Answer | None:
        """Keeps the answer for this key, in this transaction. When the key already has one (an earlier
        request, or a concurrent one that committed first) keeps nothing and returns that one instead
        (InvalidArgument when it was for a different request): the caller then rolls back."""

    async def commit(self) -> list[Event]:
        """Ends the use case's writes (events to the outbox); returns the events, for metrics once committed."""


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A unit of work; read_only: for a query (no transaction, no write lock), which commits nothing."""
