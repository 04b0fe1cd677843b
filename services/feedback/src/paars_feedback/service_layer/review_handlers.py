"""360 reviews in the older handler class (over Base.once): answers (with a bearer token or an outsider's link),
invitations, and the reviews a person takes part in. Opening, nominating, approving, closing, self-assessing and the
360 and gap reports are commands and queries in review_use_cases.py."""
from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters import directory
from paars_feedback.adapters import tables as t
from paars_feedback.domain import anonymity
from paars_feedback.service_layer import links
from paars_feedback.service_layer.common import (
    EMAIL_PATTERN,
    MAX_TEXT,
    PRODUCER,
    Base,
    hr_for,
    link_expiry,
    new_link_token,
    rater_hash,
    reader_of,
    token_hash,
    valid_id,
)
from paars_platform import outbox
from paars_platform.auth import Identity
from paars_platform.db import insert_ignore
from paars_platform.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Validator,
)
from paars_platform.events import new_metadata, timestamp

MAX_QUESTIONS = 30
# How far down the team tree a manager's reviews are listed (organisation -> team -> individual, with room).
CHAIN_DEPTH = 10
CLOSED = pb.Review.STATE_CLOSED


def review_to_proto(row: Any) -> pb.Review:
    return pb.Review(
        id=row.id, subject_id=row.subject_id, opened_by=row.opened_by, rater_groups=list(row.rater_groups),
        questions=[pb.CompetencyQuestion(competency=q["competency"], question=q["question"]) for q in row.questions],
        anonymity_threshold=row.anonymity_threshold, due_date=row.due_date.isoformat(), state=row.state, cycle_name=row.cycle_name,
    )


def validate_ratings(v: Validator, ratings: Any, field: str = "ratings", *, required: bool = True) -> None:
    if required:
        v.check(len(ratings) > 0, field, "at least one rating is required")
    v.check(len(ratings) <= MAX_QUESTIONS, field, f"at most {MAX_QUESTIONS} ratings")
    seen: set[str] = set()
    for i, rating in enumerate(ratings):
        if v.require(rating.competency, f"{field}[{i}].competency", 64):
            v.check(rating.competency not in seen, f"{field}[{i}].competency", "rated twice")
            seen.add(rating.competency)
        v.check(anonymity.valid_score(rating.score), f"{field}[{i}].score", "must be between 1 and 5")
        v.max_length(rating.comment, f"{field}[{i}].comment", 1000)


def check_competencies(ratings: Any, review: Any, field: str = "ratings") -> None:
    known = {q["competency"] for q in review.questions}
    for i, rating in enumerate(ratings):
        if rating.competency not in known:
            raise InvalidArgument(f"{field}[{i}].competency", f"is not a question of this review ({', '.join(sorted(known))})")


def _ratings_json(ratings: Any) -> list[dict[str, Any]]:
    return [{"competency": r.competency, "score": r.score, "comment": r.comment.strip()} for r in ratings]


async def load_review(conn: AsyncConnection, review_id: str, field: str = "review_id") -> Any:
    row = (await conn.execute(sa.select(t.reviews).where(t.reviews.c.id == review_id))).first()
    if row is None:
        raise NotFound(f"{field}: review {review_id!r} not found")
    return row


class ReviewHandlers(Base):
    async def _event(self, conn: AsyncConnection, review: Any, change: int, actor: str) -> pb.ReviewUpdated:
        """An answer came in: the count only, no rater identity (the close and its aggregates are review_use_cases')."""
        now = self.clock()
        count = (await conn.execute(sa.select(sa.func.count()).where(t.review_responses.c.review_id == review.id))).scalar() or 0
        event = pb.ReviewUpdated(
            metadata=new_metadata(producer=PRODUCER, subject_id=review.subject_id, visibility=event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE, actor_id=actor, occurred_at=now),
            review=review_to_proto(review), change=change, responses_received=count,  # type: ignore[arg-type]
        )
        return event

    async def invite_external(self, caller: Identity, request: pb.InviteExternalRaterRequest) -> pb.InviteExternalRaterResponse:
        v = Validator()
        v.check(valid_id(request.review_id), "review_id", "is required")
        v.require(request.name, "name")
        v.check(bool(EMAIL_PATTERN.match(request.email)) and len(request.email) <= 320, "email", "must be an e-mail address")
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()
        me = caller.employee_id
        # Set only when this call made the invitation: the token exists in clear nowhere but in this answer.
        issued: list[str] = []

        async def work(conn: AsyncConnection) -> pb.InviteExternalRaterResponse:
            review = await load_review(conn, request.review_id)
            if me != review.subject_id and not await hr_for(conn, caller, review.subject_id) and me not in await directory.manager_chain(conn, review.subject_id):
                raise PermissionDenied("the person, their managers or HR invite customers")
            if review.state == CLOSED:
                raise FailedPrecondition("review_id: the review is closed")
            if anonymity.CUSTOMERS not in review.rater_groups:
                raise FailedPrecondition("review_id: this review asks no customers")
            invitation_id = uuid.uuid4().hex
            now = self.clock()
            issued.append(new_link_token())
            expires = link_expiry(review.due_date, now, self.config.link_max_days)
            await conn.execute(
                t.review_invitations.insert().values(
                    id=invitation_id, review_id=review.id, name=request.name.strip(), email=request.email.strip().lower(),
                    token_hash=token_hash(issued[0]), used_at=None, created_at=now, expires_at=expires, revoked_at=None,
                )
            )
            return pb.InviteExternalRaterResponse(invitation_id=invitation_id, expires_at=timestamp(expires))

        response = await self.once(me, request.idempotency_key, "InviteExternalRater", request, pb.InviteExternalRaterResponse, work)
        response.external_token = issued[0] if issued else await self._reissue(response.invitation_id)
        return response

    async def _reissue(self, invitation_id: str) -> str:
        """A retried invitation (same idempotency key) never saw its token: a fresh one replaces it, unless used or withdrawn."""
        token = new_link_token()
        inv = t.review_invitations
        async with self.db.transaction() as conn:
            done = await conn.execute(
                inv.update().where(inv.c.id == invitation_id, inv.c.used_at.is_(None), inv.c.revoked_at.is_(None), inv.c.expires_at > self.clock())
                .values(token_hash=token_hash(token))
            )
        return token if done.rowcount == 1 else ""

    async def respond(self, caller: Identity, request: pb.SubmitReviewResponseRequest) -> pb.SubmitReviewResponseResponse:
        external = bool(request.external_token)
        # Who asks comes before what they ask: a caller without credentials learns nothing about its request.
        if not external and (not caller.employee_id or caller.kind == "anonymous"):
            raise Unauthenticated("a bearer token or an external_token is required")
        v = Validator()
        if not external or request.review_id:
            v.check(valid_id(request.review_id), "review_id", "is required")
        validate_ratings(v, request.ratings)
        v.max_length(request.comment, "comment", MAX_TEXT)
        v.max_length(request.external_token, "external_token", 200)
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()
        hashed = token_hash(request.external_token) if external else ""

        async def work(conn: AsyncConnection) -> pb.SubmitReviewResponseResponse:
            now = self.clock()
            inv = t.review_invitations
            group: int
            if external:
                invitation = (await conn.execute(sa.select(inv).where(inv.c.token_hash == hashed))).first()
                if invitation is None:
                    raise PermissionDenied("external_token: this link is not valid")
                if request.review_id and request.review_id != invitation.review_id:
                    raise InvalidArgument("review_id", "does not match the link")
                review = await load_review(conn, invitation.review_id)
                links.refuse_closed(links.invitation_link_state(invitation, review, now), invitation.expires_at)
                group, rater = anonymity.CUSTOMERS, f"invitation:{invitation.id}"
                await conn.execute(inv.update().where(inv.c.id == invitation.id).values(used_at=now))
            else:
                review = await load_review(conn, request.review_id)
                rater = caller.employee_id
                group = await self._group_of(conn, review, rater)
            if review.state == CLOSED:
                raise FailedPrecondition("review_id: the review is closed")
            check_competencies(request.ratings, review)
            fresh = await insert_ignore(
                conn, t.review_responses,
                {
                    "id": uuid.uuid4().hex, "review_id": review.id, "rater_group": group, "rater_hash": rater_hash(review.id, rater),
                    "ratings": _ratings_json(request.ratings), "comment": request.comment.strip(), "submitted_at": now,
                },
            )
            if not fresh:
                raise AlreadyExists("review_id: you already answered this review")
            response_id = (await conn.execute(sa.select(t.review_responses.c.id).where(t.review_responses.c.review_id == review.id, t.review_responses.c.rater_hash == rater_hash(review.id, rater)))).scalar_one()
            # No actor: the time of an answer must not say whose it was.
            await outbox.append(conn, t.platform["outbox"], await self._event(conn, review, pb.ReviewUpdated.CHANGE_RESPONSE_RECEIVED, ""))
            return pb.SubmitReviewResponseResponse(response_id=response_id)

        caller_key = f"external:{hashed[:32]}" if external else caller.employee_id
        return await self.once(caller_key, request.idempotency_key, "SubmitReviewResponse", request, pb.SubmitReviewResponseResponse, work)

    async def _group_of(self, conn: AsyncConnection, review: Any, rater: str) -> int:
        if rater == review.subject_id and anonymity.SELF in review.rater_groups:
            return anonymity.SELF
        if rater == review.manager_id and anonymity.MANAGER in review.rater_groups:
            return anonymity.MANAGER
        rr = t.review_raters
        row = (await conn.execute(sa.select(rr).where(rr.c.review_id == review.id, rr.c.rater_id == rater))).first()
        if row is None:
            raise PermissionDenied("you are not a rater of this review")
        if not row.approved:
            raise FailedPrecondition("review_id: your nomination awaits the manager's approval")
        return int(row.rater_group)

    async def list_mine(self, caller: Identity) -> pb.ListReviewsResponse:
        """The reviews the caller takes part in: about them, to answer (their own answer only), or to lead."""
        me = caller.employee_id
        r, rr, resp = t.reviews, t.review_raters, t.review_responses
        async with self.db.read() as conn:
            rated = {row.review_id: row for row in await conn.execute(sa.select(rr).where(rr.c.rater_id == me))}
            # Everyone below the caller leads to their reviews, as the report's own rule (the manager chain) reads them.
            below: set[str] = set()
            level = set(await directory.direct_reports(conn, me))
            for _ in range(CHAIN_DEPTH):
                level -= below | {me}
                if not level:
                    break
                below |= level
                level = {r for person in sorted(level) for r in await directory.direct_reports(conn, person)}
            mine = sa.or_(r.c.subject_id == me, r.c.manager_id == me, r.c.opened_by == me, r.c.id.in_(list(rated)), r.c.subject_id.in_(sorted(below)))
            # HR reads the reviews of the people in their scope: every review is a candidate, checked person by person.
            query = sa.select(r) if reader_of(caller).has("hr") else sa.select(r).where(mine)
            found = (await conn.execute(query.order_by(r.c.created_at.desc(), r.c.id))).all()
            hr_scope: dict[str, bool] = {}
            out = pb.ListReviewsResponse()
            for review in found:
                if review.subject_id not in hr_scope:
                    hr_scope[review.subject_id] = await hr_for(conn, caller, review.subject_id)
                lead = review.manager_id == me or review.opened_by == me or review.subject_id in below or hr_scope[review.subject_id]
                takes_part = review.subject_id == me or review.id in rated or (review.manager_id == me)
                if not (lead or takes_part):
                    continue
                entry = pb.ReviewEntry(review=review_to_proto(review))
                group: int = pb.RATER_GROUP_UNSPECIFIED
                if review.subject_id == me:
                    entry.roles.append(pb.ReviewEntry.ROLE_SUBJECT)
                    group = anonymity.SELF if anonymity.SELF in review.rater_groups else group
                elif review.manager_id == me and anonymity.MANAGER in review.rater_groups:
                    group = anonymity.MANAGER
                elif review.id in rated:
                    group = int(rated[review.id].rater_group)
                    entry.awaiting_approval = not rated[review.id].approved
                if group != pb.RATER_GROUP_UNSPECIFIED:
                    entry.roles.append(pb.ReviewEntry.ROLE_RATER)
                    entry.my_group = group  # type: ignore[assignment]
                    own = await conn.execute(sa.select(resp.c.id).where(resp.c.review_id == review.id, resp.c.rater_hash == rater_hash(review.id, me)))
                    entry.answered = own.first() is not None
                if lead:
                    entry.roles.append(pb.ReviewEntry.ROLE_LEAD)
                if review.subject_id == me or lead:
                    nominated = await conn.execute(sa.select(rr).where(rr.c.review_id == review.id, rr.c.rater_group == anonymity.PEERS).order_by(rr.c.rater_id))
                    entry.nominations.extend(pb.Nomination(rater_id=n.rater_id, approved=n.approved) for n in nominated)
                    entry.responses_received = (await conn.execute(sa.select(sa.func.count()).where(resp.c.review_id == review.id))).scalar() or 0
                out.reviews.append(entry)
        return out
