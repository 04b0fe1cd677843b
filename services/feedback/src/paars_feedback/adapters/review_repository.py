"""360 reviews on the feedback database: every statement of the review lifecycle (the review, its nominated raters,
the answers as anonymity reads them), and a review as protobuf (answers and events)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters import tables as t
from paars_feedback.domain import anonymity
from paars_feedback.domain.review import (
    GapSeen,
    InvitationMade,
    ListedReview,
    Rating,
    ReportSeen,
    ResponseSubmitted,
    Review,
    ReviewChanged,
    ReviewEntry,
    ReviewResponse,
    ReviewsOpened,
    SelfAssessed,
    SelfAssessment,
)
from paars_feedback.service_layer.common import PRODUCER
from paars_platform.db import insert_ignore
from paars_platform.events import new_metadata, timestamp

_r, _rr, _resp = t.reviews, t.review_raters, t.review_responses
_GET = sa.select(_r).where(_r.c.id == sa.bindparam("b_id"))
_SAVE = _r.update().where(_r.c.id == sa.bindparam("b_id")).values(state=sa.bindparam("b_state"), updated_at=sa.bindparam("b_updated_at"))
_NOMINATED = sa.select(_rr.c.rater_id).where(_rr.c.review_id == sa.bindparam("b_id"), _rr.c.rater_group == anonymity.PEERS)
_sa = t.self_assessments
_LATEST = sa.select(_r).where(_r.c.subject_id == sa.bindparam("b_subject")).order_by(_r.c.created_at.desc(), _r.c.id).limit(1)
_SELF = sa.select(_sa).where(_sa.c.employee_id == sa.bindparam("b_employee")).order_by(_sa.c.submitted_at.desc(), _sa.c.id).limit(1)
_ANSWERS = sa.select(_resp.c.rater_group, _resp.c.ratings, _resp.c.comment).where(_resp.c.review_id == sa.bindparam("b_id"))
_NOMINATION = sa.select(_rr.c.rater_group, _rr.c.approved).where(_rr.c.review_id == sa.bindparam("b_id"), _rr.c.rater_id == sa.bindparam("b_rater"))
_RATED_BY = sa.select(_rr.c.review_id, _rr.c.rater_group, _rr.c.approved).where(_rr.c.rater_id == sa.bindparam("b_rater"))
_NOMINATIONS = (
    sa.select(_rr.c.review_id, _rr.c.rater_id, _rr.c.approved)
    .where(_rr.c.review_id.in_(sa.bindparam("b_ids", expanding=True)), _rr.c.rater_group == anonymity.PEERS).order_by(_rr.c.rater_id)
)
_COUNTS = (
    sa.select(_resp.c.review_id, sa.func.count().label("n")).where(_resp.c.review_id.in_(sa.bindparam("b_ids", expanding=True)))
    .group_by(_resp.c.review_id)
)
_ANSWERED = sa.select(_resp.c.review_id, _resp.c.rater_hash).where(
    _resp.c.review_id.in_(sa.bindparam("b_ids", expanding=True)), _resp.c.rater_hash.in_(sa.bindparam("b_hashes", expanding=True)),
)


def review_from_row(row: Any) -> Review:
    return Review(
        id=row.id, cycle_name=row.cycle_name, subject_id=row.subject_id, opened_by=row.opened_by, manager_id=row.manager_id,
        rater_groups=tuple(row.rater_groups), questions=tuple((q["competency"], q["question"]) for q in row.questions),
        anonymity_threshold=row.anonymity_threshold, due_date=row.due_date, state=row.state, created_at=row.created_at, updated_at=row.updated_at,
    )


async def answers_of(conn: AsyncConnection, review_id: str) -> list[anonymity.Answer]:
    """The answers as anonymity folds them: group, scores and comments, never who gave them."""
    out = []
    for r in await conn.execute(_ANSWERS, {"b_id": review_id}):
        comments = [r.comment] + [f"{x['competency']}: {x['comment']}" for x in r.ratings if x.get("comment")]
        out.append(anonymity.Answer(r.rater_group, {x["competency"]: x["score"] for x in r.ratings}, comments))
    return out


class SqlReviewRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, review_id: str) -> Review | None:
        row = (await self.conn.execute(_GET, {"b_id": review_id})).first()
        return review_from_row(row) if row is not None else None

    async def add(self, review: Review) -> None:
        await self.conn.execute(_r.insert().values(
            id=review.id, cycle_name=review.cycle_name, subject_id=review.subject_id, opened_by=review.opened_by, manager_id=review.manager_id,
            rater_groups=list(review.rater_groups), questions=[{"competency": c, "question": q} for c, q in review.questions],
            anonymity_threshold=review.anonymity_threshold, due_date=review.due_date, state=review.state,
            created_at=review.created_at, updated_at=review.updated_at,
        ))

    async def save(self, review: Review) -> None:
        await self.conn.execute(_SAVE, {"b_id": review.id, "b_state": review.state, "b_updated_at": review.updated_at})

    async def add_raters(self, review_id: str, rater_ids: Sequence[str], group: int, *, approved: bool, nominated_by: str) -> None:
        """Raters of the review in a group; one already there stays as they were."""
        for rater in rater_ids:
            await insert_ignore(self.conn, _rr, {"review_id": review_id, "rater_id": rater, "rater_group": group, "approved": approved, "nominated_by": nominated_by})

    async def nominated(self, review_id: str) -> set[str]:
        return {r.rater_id for r in await self.conn.execute(_NOMINATED, {"b_id": review_id})}

    async def approve(self, review_id: str, rater_ids: Sequence[str]) -> None:
        if rater_ids:
            await self.conn.execute(_rr.update().where(_rr.c.review_id == review_id, _rr.c.rater_id.in_(sorted(rater_ids))).values(approved=True))

    async def answers(self, review_id: str) -> list[anonymity.Answer]:
        return await answers_of(self.conn, review_id)

    async def latest_of(self, subject_id: str) -> Review | None:
        row = (await self.conn.execute(_LATEST, {"b_subject": subject_id})).first()
        return review_from_row(row) if row is not None else None

    async def self_ratings(self, employee_id: str, review_id: str | None) -> dict[str, float] | None:
        """The person's latest self-assessment for the review, else their latest of any (review_id None: the latest)."""
        row = None
        if review_id is not None:
            row = (await self.conn.execute(_SELF.where(_sa.c.review_id == review_id), {"b_employee": employee_id})).first()
        if row is None:
            row = (await self.conn.execute(_SELF, {"b_employee": employee_id})).first()
        return {x["competency"]: float(x["score"]) for x in row.ratings} if row is not None else None

    async def nomination(self, review_id: str, rater_id: str) -> tuple[int, bool] | None:
        row = (await self.conn.execute(_NOMINATION, {"b_id": review_id, "b_rater": rater_id})).first()
        return (int(row.rater_group), bool(row.approved)) if row is not None else None

    async def add_response(self, response: ReviewResponse) -> bool:
        return await insert_ignore(self.conn, _resp, {
            "id": response.id, "review_id": response.review_id, "rater_group": response.group, "rater_hash": response.rater_hash,
            "ratings": [{"competency": r.competency, "score": r.score, "comment": r.comment} for r in response.ratings],
            "comment": response.comment, "submitted_at": response.submitted_at,
        })

    async def rated_by(self, rater_id: str) -> dict[str, tuple[int, bool]]:
        return {r.review_id: (int(r.rater_group), bool(r.approved)) for r in await self.conn.execute(_RATED_BY, {"b_rater": rater_id})}

    async def listed(self, employee_id: str, rated: Sequence[str], below: Sequence[str], hr_teams: Sequence[str]) -> list[ListedReview]:
        """One statement: the subject's team (people, outer-joined: someone the directory lost is in nobody's scope)
        says whether HR covers them, and bounds HR's search to the teams they cover instead of every review."""
        p = t.people
        in_scope = p.c.team_id.in_(list(hr_teams)) if hr_teams else sa.false()
        mine = sa.or_(
            _r.c.subject_id == employee_id, _r.c.manager_id == employee_id, _r.c.opened_by == employee_id,
            _r.c.id.in_(list(rated)), _r.c.subject_id.in_(list(below)), in_scope,
        )
        query = (
            sa.select(_r, in_scope.label("in_hr_scope")).select_from(_r.outerjoin(p, p.c.id == _r.c.subject_id))
            .where(mine).order_by(_r.c.created_at.desc(), _r.c.id)
        )
        return [ListedReview(review_from_row(row), bool(row.in_hr_scope)) for row in await self.conn.execute(query)]

    async def nominations(self, review_ids: Sequence[str]) -> dict[str, list[tuple[str, bool]]]:
        out: dict[str, list[tuple[str, bool]]] = {}
        for r in await self.conn.execute(_NOMINATIONS, {"b_ids": list(review_ids)}):
            out.setdefault(r.review_id, []).append((r.rater_id, bool(r.approved)))
        return out

    async def answer_counts(self, review_ids: Sequence[str]) -> dict[str, int]:
        return {r.review_id: int(r.n) for r in await self.conn.execute(_COUNTS, {"b_ids": list(review_ids)})}

    async def answered(self, rater_hashes: Mapping[str, str]) -> set[str]:
        rows = await self.conn.execute(_ANSWERED, {"b_ids": list(rater_hashes), "b_hashes": sorted(set(rater_hashes.values()))})
        return {r.review_id for r in rows if rater_hashes.get(r.review_id) == r.rater_hash}

    async def add_self_assessment(self, assessment: SelfAssessment) -> None:
        await self.conn.execute(t.self_assessments.insert().values(
            id=assessment.id, employee_id=assessment.employee_id, review_id=assessment.review_id,
            ratings=[{"competency": r.competency, "score": r.score, "comment": r.comment} for r in assessment.ratings],
            reflection=assessment.reflection, submitted_at=assessment.submitted_at,
        ))


def review_to_proto(review: Review) -> pb.Review:
    return pb.Review(
        id=review.id, subject_id=review.subject_id, opened_by=review.opened_by, rater_groups=list(review.rater_groups),  # type: ignore[arg-type]
        questions=[pb.CompetencyQuestion(competency=c, question=q) for c, q in review.questions], anonymity_threshold=review.anonymity_threshold,
        due_date=review.due_date.isoformat(), state=review.state, cycle_name=review.cycle_name,  # type: ignore[arg-type]
    )


def review_from_proto(message: pb.Review) -> Review:
    """A remembered answer back (its manager and times are not in it)."""
    epoch = dt.datetime.fromtimestamp(0, dt.UTC)
    return Review(
        id=message.id, cycle_name=message.cycle_name, subject_id=message.subject_id, opened_by=message.opened_by, manager_id=None,
        rater_groups=tuple(message.rater_groups), questions=tuple((q.competency, q.question) for q in message.questions),
        anonymity_threshold=message.anonymity_threshold, due_date=dt.date.fromisoformat(message.due_date), state=message.state,
        created_at=epoch, updated_at=epoch,
    )


def entries_to_proto(entries: Sequence[ReviewEntry]) -> pb.ListReviewsResponse:
    out = pb.ListReviewsResponse()
    for e in entries:
        entry = pb.ReviewEntry(
            review=review_to_proto(e.review), answered=e.answered, awaiting_approval=e.awaiting_approval,
            nominations=[pb.Nomination(rater_id=rater, approved=approved) for rater, approved in e.nominations],
        )
        if e.subject:
            entry.roles.append(pb.ReviewEntry.ROLE_SUBJECT)
        if e.my_group:
            entry.roles.append(pb.ReviewEntry.ROLE_RATER)
            entry.my_group = e.my_group  # type: ignore[assignment]
        if e.lead:
            entry.roles.append(pb.ReviewEntry.ROLE_LEAD)
        if e.subject or e.lead:
            entry.responses_received = e.responses_received
        out.reviews.append(entry)
    return out


def invitation_to_proto(made: InvitationMade) -> pb.InviteExternalRaterResponse:
    return pb.InviteExternalRaterResponse(invitation_id=made.invitation_id, expires_at=timestamp(made.expires_at), external_token=made.token)


def invitation_from_proto(message: pb.InviteExternalRaterResponse) -> InvitationMade:
    return InvitationMade(message.invitation_id, message.expires_at.ToDatetime(tzinfo=dt.UTC))


def response_to_proto(submitted: ResponseSubmitted) -> pb.SubmitReviewResponseResponse:
    return pb.SubmitReviewResponseResponse(response_id=submitted.response_id)


def opened_to_proto(opened: ReviewsOpened) -> pb.OpenReviewCycleResponse:
    return pb.OpenReviewCycleResponse(reviews=[review_to_proto(r) for r in opened.reviews])


def opened_from_proto(message: pb.OpenReviewCycleResponse) -> ReviewsOpened:
    return ReviewsOpened(tuple(review_from_proto(r) for r in message.reviews))


def review_event(changed: ReviewChanged) -> pb.ReviewUpdated:
    """Counts always; aggregates (as a subscriber reads them) only at the close; no rater identity ever."""
    review = changed.review
    event = pb.ReviewUpdated(
        metadata=new_metadata(
            producer=PRODUCER, subject_id=review.subject_id, visibility=event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE, actor_id=changed.actor_id,
            occurred_at=changed.at,
        ),
        review=review_to_proto(review), change=changed.change, responses_received=changed.responses,  # type: ignore[arg-type]
    )
    if changed.folded is not None:
        event.results.extend(
            pb.GroupResult(group=g.group, responses=g.responses, averages=g.averages, comments=list(g.comments)) for g in changed.folded.groups
        )
        manager = changed.folded.group(anonymity.MANAGER)
        if manager is not None and manager.averages and review.manager_id:
            event.rater_manager_id = review.manager_id
            event.manager_average = round(sum(manager.averages.values()) / len(manager.averages), 4)
    return event


def assessment_to_proto(assessment: SelfAssessment) -> pb.SelfAssessment:
    return pb.SelfAssessment(
        id=assessment.id, employee_id=assessment.employee_id, review_id=assessment.review_id or "",
        ratings=[pb.Rating(competency=r.competency, score=r.score, comment=r.comment) for r in assessment.ratings],
        reflection=assessment.reflection, submitted_at=timestamp(assessment.submitted_at),
    )


def assessment_from_proto(message: pb.SelfAssessment) -> SelfAssessment:
    return SelfAssessment(
        message.id, message.employee_id, message.review_id or None, tuple(Rating(r.competency, r.score, r.comment) for r in message.ratings),
        message.reflection, message.submitted_at.ToDatetime(tzinfo=dt.UTC),
    )


def assessed_event(event: SelfAssessed) -> pb.SelfAssessmentSubmitted:
    a = event.assessment
    return pb.SelfAssessmentSubmitted(
        metadata=new_metadata(producer=PRODUCER, subject_id=a.employee_id, visibility=event_pb2.VISIBILITY_RECEIVER_AND_MANAGER, actor_id=a.employee_id, occurred_at=a.submitted_at),
        assessment_id=a.id, employee_id=a.employee_id, review_id=a.review_id or "",
        ratings=[pb.Rating(competency=r.competency, score=r.score) for r in a.ratings],
    )


def report_to_proto(seen: ReportSeen) -> pb.ReviewReport:
    return pb.ReviewReport(
        review=review_to_proto(seen.review),
        groups=[pb.GroupResult(group=g.group, responses=g.responses, averages=g.averages, comments=list(g.comments)) for g in seen.folded.groups],
        suppressed_groups=seen.folded.suppressed_groups,
    )


def gap_to_proto(seen: GapSeen) -> pb.GapReport:
    return pb.GapReport(employee_id=seen.employee_id, gaps=[
        pb.CompetencyGap(
            competency=g.competency, self_score=g.self_score or 0.0, others_by_group=g.others_by_group, others_average=g.others_average or 0.0,
            gap=g.gap or 0.0, conversation_starter=g.conversation_starter,
        )
        for g in seen.gaps
    ])
