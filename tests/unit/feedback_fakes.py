"""In-memory stand-ins for the feedback service's unit of work and repositories (fakes, the cosmicpython way):
handler tests run the real handlers and message bus over them, with no database and no broker."""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Self, TypeVar

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.config import FeedbackConfig
from paars_feedback.domain.action_plan import DialoguePlan
from paars_feedback.domain.anonymity import Answer as RatedAnswer
from paars_feedback.domain.dialogue import Dialogue, Preparation
from paars_feedback.domain.feedback import (
    ActionItem,
    Feedback,
    FeedbackRequest,
    Invitation,
    ReadRecord,
    Receiver,
    Referral,
    RequestMade,
    SummaryGroup,
)
from paars_feedback.domain.feedback import Person as DirectoryPerson
from paars_feedback.domain.privacy import FeedbackView, Reader, Ties, feedback_view, ties_of
from paars_feedback.domain.review import ExternalRater, InvitationMade, ListedReview, Review, ReviewResponse, SelfAssessment
from paars_feedback.service_layer.commands import PageAfter, RequestKey
from paars_feedback.service_layer.messagebus import MessageBus
from paars_feedback.service_layer.unit_of_work import (
    ActionItemRepository,
    Answer,
    CoachRepository,
    DialogueRepository,
    DirectoryRepository,
    Event,
    FeedbackRepository,
    InvitationRepository,
    ReferralRepository,
    RequestRepository,
    ReviewRepository,
    ValueCatalogue,
)
from paars_feedback.service_layer.unit_of_work import Clock as UowClock
from paars_platform.auth import Identity
from paars_platform.directory import CHAIN_LIMIT, in_hr_scope, manager_chain, team_path
from paars_platform.errors import InvalidArgument, StaleVersion

A = TypeVar("A")
NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
CONFIG = FeedbackConfig(
    (event_pb2.VISIBILITY_RECEIVER_AND_MANAGER, event_pb2.VISIBILITY_PRIVATE, event_pb2.VISIBILITY_PUBLIC, event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE),
    3, 30, ((20, 60), (200, 86400)), 0.0,
)


class Clock:
    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclasses.dataclass(frozen=True)
class Person:
    active: bool = True
    manager_id: str | None = None
    team_id: str | None = None
    name: str = ""


@dataclasses.dataclass(frozen=True)
class ReadLine:
    subject_id: str
    item_id: str
    reader_id: str
    basis: str
    path: str
    at: dt.datetime


@dataclasses.dataclass
class Store:
    """What the fake database holds; a unit of work works on a copy and writes it back on commit."""

    people: dict[str, Person] = dataclasses.field(default_factory=dict)
    feedback: dict[str, Feedback] = dataclasses.field(default_factory=dict)
    requests: dict[str, FeedbackRequest] = dataclasses.field(default_factory=dict)
    action_items: dict[str, ActionItem] = dataclasses.field(default_factory=dict)
    reads: list[ReadLine] = dataclasses.field(default_factory=list)
    # team id -> parent team id
    teams: dict[str, str | None] = dataclasses.field(default_factory=dict)
    # employee id -> (coach id, assigned by, assigned at)
    coaches: dict[str, tuple[str, str, dt.datetime]] = dataclasses.field(default_factory=dict)
    # (employee id, kind, item id) -> shared at
    shares: dict[tuple[str, str, str], dt.datetime] = dataclasses.field(default_factory=dict)
    invitations: dict[str, Invitation] = dataclasses.field(default_factory=dict)
    # invitation id -> its link token's hash
    invitation_tokens: dict[str, str] = dataclasses.field(default_factory=dict)
    # Whom a review or dialogue is about (their tables are the review use cases'): (kind, id) -> employee id
    owners: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)
    referrals: list[Referral] = dataclasses.field(default_factory=list)
    # What action items know of the dialogues they are agreed in (the dialogues are the dialogue use cases').
    dialogue_plans: dict[str, DialoguePlan] = dataclasses.field(default_factory=dict)
    dialogues: dict[str, Dialogue] = dataclasses.field(default_factory=dict)
    reviews: dict[str, Review] = dataclasses.field(default_factory=dict)
    # (review id, rater id) -> (group, approved, nominated by)
    review_raters: dict[tuple[str, str], tuple[int, bool, str]] = dataclasses.field(default_factory=dict)
    review_answers: dict[str, list[RatedAnswer]] = dataclasses.field(default_factory=dict)
    # (review id, rater hash) -> the answer (kept beside its folded form in review_answers)
    review_responses: dict[tuple[str, str], ReviewResponse] = dataclasses.field(default_factory=dict)
    # Invited customers (the invitations themselves, as revoking and answering read them, are in invitations).
    external_raters: dict[str, ExternalRater] = dataclasses.field(default_factory=dict)
    self_assessments: list[SelfAssessment] = dataclasses.field(default_factory=list)
    # The value keys of the published organisation story (projected from story.story-published.v1).
    values: set[str] = dataclasses.field(default_factory=set)
    answers: dict[tuple[str, str], tuple[str, str, Answer]] = dataclasses.field(default_factory=dict)
    outbox: list[Event] = dataclasses.field(default_factory=list)
    commits: int = 0


class FakeFeedbackRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _chain(self, employee_id: str) -> list[str]:
        return manager_chain(employee_id, lambda e: p.manager_id if (p := self.store.people.get(e)) else None)

    async def receiver(self, receiver_id: str, giver_id: str, since: Sequence[tuple[int, dt.datetime]]) -> Receiver | None:
        person = self.store.people.get(receiver_id)
        if person is None:
            return None
        mine = sorted((f.given_at for f in self.store.feedback.values() if f.giver_id == giver_id), reverse=True)
        oldest = []
        for count, after in since:
            recent = [at for at in mine if at > after]
            oldest.append(recent[count - 1] if len(recent) >= count else None)
        return Receiver(person.active, giver_id in self._chain(receiver_id), receiver_id in self._chain(giver_id), tuple(oldest))

    async def get(self, feedback_id: str, *, for_update: bool = False) -> Feedback | None:
        return self.store.feedback.get(feedback_id)

    async def add(self, feedback: Feedback) -> None:
        assert feedback.id not in self.store.feedback
        self.store.feedback[feedback.id] = feedback

    async def save(self, feedback: Feedback) -> None:
        stored = self.store.feedback[feedback.id]
        self.store.feedback[feedback.id] = dataclasses.replace(
            stored, acknowledged_at=feedback.acknowledged_at, acknowledgement_note=feedback.acknowledgement_note,
            action_item_id=feedback.action_item_id,
        )

    async def record_read(self, subject_id: str, item_id: str, reader_id: str, basis: str, path: str, at: dt.datetime) -> None:
        self.store.reads.append(ReadLine(subject_id, item_id, reader_id, basis, path, at))

    async def record_reads(self, lines: Sequence[ReadRecord]) -> None:
        for r in lines:
            self.store.reads.append(ReadLine(r.subject_id, r.item_id, r.reader_id, r.reader_role, r.path, r.read_at))

    async def reads_of(self, subject_id: str, limit: int) -> list[ReadRecord]:
        mine = [ReadRecord(r.subject_id, r.reader_id, r.basis, r.item_id, r.path, r.at) for r in self.store.reads if r.subject_id == subject_id]
        return list(reversed(mine))[:limit]

    async def receivers_of(self, giver_id: str) -> list[str]:
        return sorted({f.receiver_id for f in self.store.feedback.values() if f.giver_id == giver_id})

    def _shared(self, item: Feedback) -> bool:
        return (item.receiver_id, "feedback", item.id) in self.store.shares

    def _view(self, reader: Reader, ties: Ties, item: Feedback) -> FeedbackView:
        """The policy itself (domain.privacy), where the SQL applies it as a filter (adapters/policy_query.py)."""
        per_item = dataclasses.replace(ties, is_author=bool(reader.employee_id) and item.giver_id == reader.employee_id, shared_with_coach=self._shared(item))
        return feedback_view(reader, per_item, item.visibility)

    async def page(
        self, reader: Reader, ties: Mapping[str, Ties], *, with_giver: bool, giver_id: str, after: PageAfter | None, limit: int,
    ) -> list[tuple[Feedback, bool]]:
        found = []
        for item in self.store.feedback.values():
            if item.receiver_id not in ties or (giver_id and item.giver_id != giver_id):
                continue
            view = self._view(reader, ties[item.receiver_id], item)
            if not view.listed or (with_giver and not view.giver):
                continue
            if after is not None and (item.given_at, item.id) >= (after.given_at, after.feedback_id):
                continue
            found.append(item)
        found.sort(key=lambda f: (f.given_at, f.id), reverse=True)
        return [(f, self._shared(f)) for f in found[:limit]]

    async def summary(self, employee_id: str, reader: Reader, ties: Ties) -> list[SummaryGroup]:
        groups: dict[tuple[int, int, int, bool, bool], list[float]] = {}
        for item in self.store.feedback.values():
            if item.receiver_id == employee_id and self._view(reader, ties, item).counted:
                key = (item.kind, item.visibility, item.relation, bool(item.examples), item.acknowledged_at is not None)
                groups.setdefault(key, []).append((item.given_at - item.moment_at).total_seconds() / 3600)
        return [SummaryGroup(*key, len(hours), sum(hours)) for key, hours in groups.items()]


class FakeRequestRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, request: FeedbackRequest) -> None:
        assert request.id not in self.store.requests
        assert request.token_hash is None or all(r.token_hash != request.token_hash for r in self.store.requests.values())
        self.store.requests[request.id] = copy.deepcopy(request)

    async def listed(self, recipient_id: str, requester_id: str, me: str, limit: int) -> list[FeedbackRequest]:
        def wanted(r: FeedbackRequest) -> bool:
            if not recipient_id and not requester_id:
                return me in (r.recipient_id, r.requester_id, r.subject_id)
            return (not recipient_id or r.recipient_id == recipient_id) and (not requester_id or r.requester_id == requester_id)

        found = sorted((r for r in self.store.requests.values() if wanted(r)), key=lambda r: r.id)
        found.sort(key=lambda r: r.created_at, reverse=True)
        return [copy.deepcopy(r) for r in found[:limit]]

    async def overdue(self, now: dt.datetime, request_ids: Sequence[str] | None, limit: int) -> list[FeedbackRequest]:
        found = [
            r for r in self.store.requests.values()
            if r.state == pb.FeedbackRequest.STATE_OPEN and r.expires_at is not None and r.expires_at <= now and (request_ids is None or r.id in request_ids)
        ]
        found.sort(key=lambda r: (r.expires_at, r.id))
        return [copy.deepcopy(r) for r in found[:limit]]

    async def save_token(self, request: FeedbackRequest) -> None:
        self.store.requests[request.id].token_hash = request.token_hash

    async def expire(self, request_ids: Sequence[str], now: dt.datetime) -> None:
        for request_id in request_ids:
            stored = self.store.requests[request_id]
            if stored.state == pb.FeedbackRequest.STATE_OPEN:
                stored.state, stored.updated_at = pb.FeedbackRequest.STATE_EXPIRED, now

    async def get(self, request_id: str) -> FeedbackRequest | None:
        found = self.store.requests.get(request_id)
        return copy.deepcopy(found) if found is not None else None

    async def by_token(self, token_hash: str) -> FeedbackRequest | None:
        found = [r for r in self.store.requests.values() if r.token_hash == token_hash]
        return copy.deepcopy(found[0]) if found else None

    async def save(self, request: FeedbackRequest) -> None:
        stored = self.store.requests[request.id]
        for name in ("state", "answered_anonymously", "answered_feedback_id", "decline_reason", "updated_at"):
            setattr(stored, name, getattr(request, name))


class FakeActionItemRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, item: ActionItem) -> None:
        assert item.id not in self.store.action_items
        self.store.action_items[item.id] = item

    async def get(self, item_id: str, *, for_update: bool = False) -> ActionItem | None:
        return self.store.action_items.get(item_id)

    async def save(self, item: ActionItem) -> None:
        assert item.id in self.store.action_items
        self.store.action_items[item.id] = item

    async def of(self, employee_id: str) -> list[ActionItem]:
        return sorted((i for i in self.store.action_items.values() if i.employee_id == employee_id), key=lambda i: (i.due_date, i.id))

    async def dialogue(self, dialogue_id: str) -> DialoguePlan | None:
        return self.store.dialogue_plans.get(dialogue_id)

    async def dialogues(self, dialogue_ids: Sequence[str]) -> dict[str, DialoguePlan]:
        return {i: self.store.dialogue_plans[i] for i in dialogue_ids if i in self.store.dialogue_plans}

    async def unsign(self, plan: DialoguePlan, at: dt.datetime) -> None:
        if plan.signed_by:
            self.store.dialogue_plans[plan.id] = dataclasses.replace(plan, signed_by=(), version=plan.version + 1)

    async def in_dialogue(self, dialogue_id: str) -> list[ActionItem]:
        return sorted((i for i in self.store.action_items.values() if i.source_dialogue_id == dialogue_id), key=lambda i: (i.created_at, i.id))


class FakeReviewRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, review_id: str) -> Review | None:
        return self.store.reviews.get(review_id)

    async def add(self, review: Review) -> None:
        assert review.id not in self.store.reviews
        self.store.reviews[review.id] = review
        self.store.owners[("review", review.id)] = review.subject_id

    async def save(self, review: Review) -> None:
        self.store.reviews[review.id] = dataclasses.replace(self.store.reviews[review.id], state=review.state, updated_at=review.updated_at)

    async def add_raters(self, review_id: str, rater_ids: Sequence[str], group: int, *, approved: bool, nominated_by: str) -> None:
        for rater in rater_ids:
            self.store.review_raters.setdefault((review_id, rater), (group, approved, nominated_by))

    async def nominated(self, review_id: str) -> set[str]:
        return {rater for (rid, rater), (group, _a, _n) in self.store.review_raters.items() if rid == review_id and group == pb.RATER_GROUP_PEERS}

    async def approve(self, review_id: str, rater_ids: Sequence[str]) -> None:
        for rater in rater_ids:
            group, _approved, by = self.store.review_raters[(review_id, rater)]
            self.store.review_raters[(review_id, rater)] = (group, True, by)

    async def answers(self, review_id: str) -> list[RatedAnswer]:
        return list(self.store.review_answers.get(review_id, []))

    async def add_self_assessment(self, assessment: SelfAssessment) -> None:
        self.store.self_assessments.append(assessment)

    async def latest_of(self, subject_id: str) -> Review | None:
        theirs = [r for r in self.store.reviews.values() if r.subject_id == subject_id]
        return max(theirs, key=lambda r: (r.created_at, r.id)) if theirs else None

    async def nomination(self, review_id: str, rater_id: str) -> tuple[int, bool] | None:
        found = self.store.review_raters.get((review_id, rater_id))
        return (found[0], found[1]) if found is not None else None

    async def add_response(self, response: ReviewResponse) -> bool:
        if (response.review_id, response.rater_hash) in self.store.review_responses:
            return False
        self.store.review_responses[(response.review_id, response.rater_hash)] = response
        comments = [response.comment] + [f"{r.competency}: {r.comment}" for r in response.ratings if r.comment]
        self.store.review_answers.setdefault(response.review_id, []).append(
            RatedAnswer(response.group, {r.competency: r.score for r in response.ratings}, comments),
        )
        return True

    async def rated_by(self, rater_id: str) -> dict[str, tuple[int, bool]]:
        return {rid: (group, approved) for (rid, rater), (group, approved, _n) in self.store.review_raters.items() if rater == rater_id}

    async def listed(self, employee_id: str, rated: Sequence[str], below: Sequence[str], hr_teams: Sequence[str]) -> list[ListedReview]:
        out = []
        for r in sorted(self.store.reviews.values(), key=lambda r: r.id):
            subject = self.store.people.get(r.subject_id)
            in_scope = subject is not None and subject.team_id in hr_teams
            if employee_id in (r.subject_id, r.manager_id, r.opened_by) or r.id in rated or r.subject_id in below or in_scope:
                out.append(ListedReview(r, in_scope))
        return sorted(out, key=lambda listed: listed.review.created_at, reverse=True)

    async def nominations(self, review_ids: Sequence[str]) -> dict[str, list[tuple[str, bool]]]:
        out: dict[str, list[tuple[str, bool]]] = {}
        for (rid, rater), (group, approved, _n) in sorted(self.store.review_raters.items()):
            if rid in review_ids and group == pb.RATER_GROUP_PEERS:
                out.setdefault(rid, []).append((rater, approved))
        return out

    async def answer_counts(self, review_ids: Sequence[str]) -> dict[str, int]:
        return {rid: len(answers) for rid, answers in self.store.review_answers.items() if rid in review_ids and answers}

    async def answered(self, rater_hashes: Mapping[str, str]) -> set[str]:
        return {rid for rid, hashed in rater_hashes.items() if (rid, hashed) in self.store.review_responses}

    async def self_ratings(self, employee_id: str, review_id: str | None) -> dict[str, float] | None:
        theirs = sorted((a for a in self.store.self_assessments if a.employee_id == employee_id), key=lambda a: (a.submitted_at, a.id), reverse=True)
        chosen = next((a for a in theirs if a.review_id == review_id), None) if review_id is not None else None
        chosen = chosen or (theirs[0] if theirs else None)
        return {r.competency: float(r.score) for r in chosen.ratings} if chosen is not None else None


class FakeDialogueRepository:
    """Dialogues in memory; an item's view of its dialogue (dialogue_plans) follows every change, as the one table does."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, dialogue_id: str) -> Dialogue | None:
        return self.store.dialogues.get(dialogue_id)

    async def of(self, person: str) -> list[Dialogue]:
        mine = [d for d in self.store.dialogues.values() if person in (d.employee_id, d.manager_id)]
        return sorted(mine, key=lambda d: d.id)

    def _keep(self, dialogue: Dialogue) -> None:
        self.store.dialogues[dialogue.id] = dialogue
        self.store.dialogue_plans[dialogue.id] = DialoguePlan(
            dialogue.id, dialogue.employee_id, dialogue.manager_id, dialogue.state, dialogue.signed_by, dialogue.version,
        )

    async def add(self, dialogue: Dialogue) -> None:
        assert dialogue.id not in self.store.dialogues
        self._keep(dialogue)

    async def save(self, dialogue: Dialogue, expected_version: int) -> None:
        if self.store.dialogues[dialogue.id].version != expected_version:
            raise StaleVersion(f"dialogue {dialogue.id} changed concurrently: reload and retry")
        kept = self.store.dialogues[dialogue.id].preparations
        self._keep(dataclasses.replace(dialogue, preparations=kept))

    async def save_preparation(self, dialogue_id: str, preparation: Preparation) -> None:
        stored = self.store.dialogues[dialogue_id]
        others = tuple(p for p in stored.preparations if p.author_id != preparation.author_id)
        self.store.dialogues[dialogue_id] = dataclasses.replace(stored, preparations=(*others, preparation))

    async def review_subject(self, review_id: str) -> str | None:
        return self.store.owners.get(("review", review_id))


class FakeDirectoryRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def person(self, employee_id: str) -> DirectoryPerson | None:
        p = self.store.people.get(employee_id)
        return DirectoryPerson(employee_id, p.name or employee_id, p.active) if p is not None else None

    async def manager_of(self, employee_id: str) -> str | None:
        p = self.store.people.get(employee_id)
        return p.manager_id if p is not None else None

    async def direct_reports(self, manager_id: str) -> list[str]:
        return sorted(i for i, p in self.store.people.items() if p.manager_id == manager_id and p.active)

    async def ties(self, reader: Reader, subject_id: str, *, author_id: str = "", share: tuple[str, str] | None = None) -> Ties:
        if not reader.is_person:
            return Ties()
        people = self.store.people
        chain = manager_chain(subject_id, lambda e: p.manager_id if (p := people.get(e)) else None)
        coach = self.store.coaches.get(subject_id, ("",))[0] or None
        shared = share is not None and coach == reader.employee_id and (subject_id, *share) in self.store.shares
        me, subject = people.get(reader.employee_id), people.get(subject_id)
        path = team_path(subject.team_id if subject else None, lambda t: self.store.teams.get(t))
        hr_scope = reader.has("hr") and in_hr_scope(me.team_id if me else None, path)
        return ties_of(reader.employee_id, subject_id=subject_id, author_id=author_id, manager_chain=chain, coach_id=coach, shared=shared, hr_scope=hr_scope)

    async def hr_teams(self, employee_id: str) -> list[str]:
        me = self.store.people.get(employee_id)
        if me is None or not me.team_id:
            return []
        # Every team whose path up reaches the HR person's team (team_path: the directory's one rule and limit).
        return sorted(t for t in self.store.teams if in_hr_scope(me.team_id, team_path(t, lambda u: self.store.teams.get(u), CHAIN_LIMIT)))


class FakeInvitationRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, invitation_id: str) -> Invitation | None:
        found = self.store.invitations.get(invitation_id)
        if found is None:
            return None
        invitation = copy.deepcopy(found)
        review = self.store.reviews.get(invitation.review_id)
        if review is not None:
            # As the SQL one joins it: the review's state now.
            invitation.review_closed = review.state == pb.Review.STATE_CLOSED
        return invitation

    async def by_token(self, token_hash: str) -> Invitation | None:
        found = [i for i, h in self.store.invitation_tokens.items() if h == token_hash]
        return await self.get(found[0]) if found else None

    async def add(self, rater: ExternalRater) -> None:
        review = self.store.reviews[rater.review_id]
        self.store.external_raters[rater.id] = rater
        self.store.invitations[rater.id] = Invitation(
            rater.id, rater.review_id, review.subject_id, review.opened_by, review.state == pb.Review.STATE_CLOSED, review.questions,
            review.due_date, None, None, rater.expires_at,
        )
        self.store.invitation_tokens[rater.id] = rater.token_hash

    async def save(self, invitation: Invitation) -> None:
        self.store.invitations[invitation.id].revoked_at = invitation.revoked_at
        self.store.invitations[invitation.id].used_at = invitation.used_at

    async def reissue(self, invitation_id: str, token_hash: str, now: dt.datetime) -> bool:
        found = self.store.invitations.get(invitation_id)
        if found is None or found.used_at is not None or found.revoked_at is not None or found.expires_at is None or found.expires_at <= now:
            return False
        self.store.invitation_tokens[invitation_id] = token_hash
        return True


class FakeCoachRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def assign(self, employee_id: str, coach_id: str, assigned_by: str, at: dt.datetime) -> None:
        self.store.coaches[employee_id] = (coach_id, assigned_by, at)
        for key in [k for k in self.store.shares if k[0] == employee_id]:
            del self.store.shares[key]

    async def owner_of(self, kind: str, item_id: str) -> tuple[str, int] | None:
        if kind == "feedback":
            item = self.store.feedback.get(item_id)
            return (item.receiver_id, item.visibility) if item is not None else None
        owner = self.store.owners.get((kind, item_id))
        return (owner, 0) if owner is not None else None

    async def share(self, employee_id: str, kind: str, item_id: str, at: dt.datetime) -> None:
        self.store.shares[(employee_id, kind, item_id)] = at

    async def unshare(self, employee_id: str, kind: str, item_id: str) -> None:
        self.store.shares.pop((employee_id, kind, item_id), None)

    async def shared(self, employee_id: str) -> list[str]:
        return [f"{kind}:{item}" for who, kind, item in sorted(self.store.shares) if who == employee_id]


class FakeReferralRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def add(self, referral: Referral) -> None:
        self.store.referrals.append(referral)

    async def of(self, employee_id: str) -> list[Referral]:
        return sorted((r for r in self.store.referrals if r.employee_id == employee_id), key=lambda r: (r.created_at, r.id))

    async def get_for_update(self, referral_id: str) -> Referral | None:
        return next((r for r in self.store.referrals if r.id == referral_id), None)

    async def save(self, referral: Referral) -> None:
        self.store.referrals = [referral if r.id == referral.id else r for r in self.store.referrals]


class FakeValueCatalogue:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def named(self, value_key: str) -> bool:
        return value_key in self.store.values


class FakeUnitOfWork:
    """Works on a copy of the store; commit() writes the copy and the events back, anything else discards them."""

    feedback: FeedbackRepository
    requests: RequestRepository
    action_items: ActionItemRepository
    directory: DirectoryRepository
    invitations: InvitationRepository
    coaches: CoachRepository
    referrals: ReferralRepository
    dialogues: DialogueRepository
    reviews: ReviewRepository
    values: ValueCatalogue
    clock: UowClock

    def __init__(self, store: Store, clock: UowClock, *, read_only: bool = False) -> None:
        self.store = store
        self.clock = clock
        self.read_only = read_only
        self.committed = False
        self._events: list[Event] = []

    async def __aenter__(self) -> Self:
        self._work = copy.deepcopy(self.store)
        self.feedback = FakeFeedbackRepository(self._work)
        self.requests = FakeRequestRepository(self._work)
        self.action_items = FakeActionItemRepository(self._work)
        self.directory = FakeDirectoryRepository(self._work)
        self.invitations = FakeInvitationRepository(self._work)
        self.coaches = FakeCoachRepository(self._work)
        self.referrals = FakeReferralRepository(self._work)
        self.dialogues = FakeDialogueRepository(self._work)
        self.reviews = FakeReviewRepository(self._work)
        self.values = FakeValueCatalogue(self._work)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc is None and self.committed:
            self._work.outbox.extend(self._events)
            self._work.commits += 1
            for field in dataclasses.fields(Store):
                setattr(self.store, field.name, getattr(self._work, field.name))

    def add_events(self, *events: Event) -> None:
        self._events.extend(events)

    async def recall(self, caller_key: str, method: str, request: RequestKey, answer_type: type[A]) -> A | None:
        found = self._work.answers.get((caller_key, request.key))
        if found is None:
            return None
        if found[:2] != (method, request.fingerprint):
            raise InvalidArgument("idempotency_key", "was already used for a different request")
        answer = found[2]
        assert isinstance(answer, answer_type)
        return answer

    async def remember(self, caller_key: str, method: str, request: RequestKey, answer: Answer) -> Answer | None:
        earlier = await self.recall(caller_key, method, request, type(answer))
        if earlier is None:
            # As the SQL one: a link token is never kept (a retry gets a fresh one).
            kept = dataclasses.replace(answer, token="") if isinstance(answer, RequestMade | InvitationMade) else answer
            self._work.answers[(caller_key, request.key)] = (method, request.fingerprint, kept)
        return earlier

    async def commit(self) -> list[Event]:
        assert not self.read_only, "a query's unit of work commits nothing"
        self.committed = True
        return list(self._events)


class FakeService:
    """The bus over fake units of work sharing one store, as bootstrap wires the SQL ones."""

    def __init__(self, clock: Clock | None = None, config: FeedbackConfig = CONFIG) -> None:
        self.store = Store()
        self.clock = clock or Clock()
        self.observed: list[Event] = []
        self.bus = MessageBus(
            lambda read_only=False: FakeUnitOfWork(self.store, self.clock, read_only=read_only), self.clock, config, observers=[self.observed.extend],
        )

    def invitation(self, invitation_id: str, *, subject: str = "ann", opened_by: str = "ann", token_hash: str = "",
                   expires_at: dt.datetime | None = None, closed: bool = False) -> Invitation:
        """A stored 360 invitation for an external rater about the subject."""
        invitation = Invitation(
            id=invitation_id, review_id=f"review-{invitation_id}", subject_id=subject, opened_by=opened_by, review_closed=closed,
            questions=(("collaboration", "How does Ann work with others?"),), due_date=(NOW + dt.timedelta(days=7)).date(),
            used_at=None, revoked_at=None, expires_at=expires_at or NOW + dt.timedelta(days=7),
        )
        self.store.invitations[invitation_id] = invitation
        self.store.invitation_tokens[invitation_id] = token_hash or f"{invitation_id:0<64}"
        return invitation

    def person(self, employee_id: str, *roles: str) -> Identity:
        return Identity(employee_id, frozenset(roles or ("employee",)), "system" if "system" in roles else "person")

    def request(self, request_id: str, *, subject: str = "ann", recipient: str | None = "bob", token_hash: str | None = None,
                expires_at: dt.datetime | None = None, state: int = pb.FeedbackRequest.STATE_OPEN) -> FeedbackRequest:
        """A stored request from the subject to the recipient (or, with a token hash, to an external recipient)."""
        request = FeedbackRequest(
            id=request_id, requester_id=subject, subject_id=subject, recipient_id=recipient, external_email="" if recipient else "c@example.org",
            external_name="" if recipient else "Customer", token_hash=token_hash, question="How did the demo land?",
            due_date=(NOW + dt.timedelta(days=7)).date(), expires_at=expires_at or NOW + dt.timedelta(days=7), state=state,
            answered_anonymously=False, relation=pb.RELATION_CUSTOMER if recipient is None else pb.RELATION_PEER, decline_reason="",
            answered_feedback_id=None, created_at=NOW - dt.timedelta(days=1), updated_at=NOW - dt.timedelta(days=1),
        )
        self.store.requests[request_id] = request
        return request
