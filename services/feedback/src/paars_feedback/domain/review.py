"""A 360 review's life: opened for a person, colleagues nominated by them and approved by a manager, closed; and the
event each step leaves (counts always, k-folded aggregates only at the close, never a rater's identity)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain import anonymity
from paars_feedback.domain.gap import Gap
from paars_platform.errors import FailedPrecondition, InvalidArgument, PermissionDenied

NOMINATING = pb.Review.STATE_NOMINATING
COLLECTING = pb.Review.STATE_COLLECTING
CLOSED = pb.Review.STATE_CLOSED


@dataclass(frozen=True)
class Review:
    id: str
    cycle_name: str
    subject_id: str
    opened_by: str
    manager_id: str | None
    rater_groups: tuple[int, ...]
    # (competency, question), in the order asked.
    questions: tuple[tuple[str, str], ...]
    anonymity_threshold: int
    due_date: dt.date
    state: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def open(
        review_id: str, *, cycle_name: str, subject_id: str, opened_by: str, manager_id: str | None, rater_groups: tuple[int, ...],
        questions: tuple[tuple[str, str], ...], threshold: int, due: dt.date, now: dt.datetime, field: str,
    ) -> Review:
        """Colleagues are nominated first when the review asks them; otherwise answers are collected at once."""
        if anonymity.MANAGER in rater_groups and not manager_id:
            raise FailedPrecondition(f"{field}: {subject_id} has no manager to rate them")
        return Review(
            review_id, cycle_name.strip(), subject_id, opened_by, manager_id, rater_groups,
            tuple((c.strip(), q.strip()) for c, q in questions), threshold, due, NOMINATING if anonymity.PEERS in rater_groups else COLLECTING, now, now,
        )

    def check_open(self) -> None:
        if self.state == CLOSED:
            raise FailedPrecondition("review_id: the review is closed")

    def check_nominee(self, rater_id: str, field: str) -> None:
        """People nominate colleagues; they and their manager answer in their own groups."""
        self.check_open()
        if anonymity.PEERS not in self.rater_groups:
            raise FailedPrecondition("review_id: this review asks no peers")
        if rater_id in (self.subject_id, self.manager_id):
            raise InvalidArgument(field, "the person and their manager rate in their own groups")

    def approved(self, now: dt.datetime) -> Review:
        self.check_open()
        return replace(self, state=COLLECTING, updated_at=now)

    def closed(self, now: dt.datetime) -> Review:
        if self.state == CLOSED:
            raise FailedPrecondition("review_id: the review is already closed")
        return replace(self, state=CLOSED, updated_at=now)


@dataclass(frozen=True)
class ReviewChanged:
    """feedback.review-updated.v1: how many answered; at the close the groups as a subscriber may see them (k-folded,
    no comments) and the manager's average for calibration. No rater's identity, ever."""

    review: Review
    change: int
    actor_id: str
    at: dt.datetime
    responses: int
    folded: anonymity.Folded | None = None

    @staticmethod
    def of(review: Review, change: int, actor_id: str, at: dt.datetime, answers: list[anonymity.Answer]) -> ReviewChanged:
        folded = None
        if change == pb.ReviewUpdated.CHANGE_CLOSED:
            folded = anonymity.without_comments(anonymity.fold(answers, review.anonymity_threshold, include_anonymous=True))
        return ReviewChanged(review, change, actor_id, at, len(answers), folded)


@dataclass(frozen=True)
class ReviewsOpened:
    """What OpenReviewCycle answers: a review per person."""

    reviews: tuple[Review, ...]


@dataclass(frozen=True)
class Rating:
    competency: str
    score: int
    comment: str = ""


@dataclass(frozen=True)
class SelfAssessment:
    """How the person sees themselves, on their review's competencies (or any): the self half of the gap report."""

    id: str
    employee_id: str
    review_id: str | None
    ratings: tuple[Rating, ...]
    reflection: str
    submitted_at: dt.datetime


@dataclass(frozen=True)
class SelfAssessed:
    """feedback.self-assessment-submitted.v1: the ratings without comments or reflection."""

    assessment: SelfAssessment


def check_competencies(review: Review, ratings: tuple[Rating, ...], field: str = "ratings") -> None:
    """Ratings are for the review's own competencies."""
    known = {competency for competency, _ in review.questions}
    for i, rating in enumerate(ratings):
        if rating.competency not in known:
            raise InvalidArgument(f"{field}[{i}].competency", f"is not a question of this review ({', '.join(sorted(known))})")


@dataclass(frozen=True)
class ReportSeen:
    """A 360 report as its reader may see it: the k-folded groups, with comments only where the view allows."""

    review: Review
    folded: anonymity.Folded


@dataclass(frozen=True)
class GapSeen:
    """Self against others per competency, for one person (domain/gap.py)."""

    employee_id: str
    gaps: tuple[Gap, ...]


def rater_group(review: Review, rater_id: str, nomination: tuple[int, bool] | None) -> int:
    """The group a colleague answers in: themselves, their manager, else their nomination (group, approved) once
    approved; anyone else is no rater of this review."""
    if rater_id == review.subject_id and anonymity.SELF in review.rater_groups:
        return anonymity.SELF
    if rater_id == review.manager_id and anonymity.MANAGER in review.rater_groups:
        return anonymity.MANAGER
    if nomination is None:
        raise PermissionDenied("you are not a rater of this review")
    group, approved = nomination
    if not approved:
        raise FailedPrecondition("review_id: your nomination awaits the manager's approval")
    return group


@dataclass(frozen=True)
class ExternalRater:
    """A customer invited to answer a 360 through a single-use link; only the link token's hash is kept."""

    id: str
    review_id: str
    name: str
    email: str
    token_hash: str
    created_at: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True)
class InvitationMade:
    """InviteExternalRater's answer: the invitation and its link token (in this answer only, never stored nor kept
    for a retry: a retried call gets a fresh one)."""

    invitation_id: str
    expires_at: dt.datetime
    token: str = ""


@dataclass(frozen=True)
class ReviewResponse:
    """One rater's answer, kept under a hash of the review and the rater: nobody can read back who gave it."""

    id: str
    review_id: str
    group: int
    rater_hash: str
    ratings: tuple[Rating, ...]
    comment: str
    submitted_at: dt.datetime


@dataclass(frozen=True)
class ResponseSubmitted:
    """SubmitReviewResponse's answer."""

    response_id: str


@dataclass(frozen=True)
class ListedReview:
    """A review a person may be listed, as the repository finds it: whether its subject is in the caller's HR scope."""

    review: Review
    in_hr_scope: bool


@dataclass(frozen=True)
class ReviewEntry:
    """A review as ListReviews shows it to one person: their roles in it and, for the person and whoever leads it,
    the peers nominated and the number of answers (never who answered)."""

    review: Review
    subject: bool
    lead: bool
    # The caller's own group when they rate (0: they do not).
    my_group: int = 0
    answered: bool = False
    awaiting_approval: bool = False
    # (rater id, approved), by rater id.
    nominations: tuple[tuple[str, bool], ...] = ()
    responses_received: int = 0
