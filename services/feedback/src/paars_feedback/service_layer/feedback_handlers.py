"""Feedback use cases: read and seek; coaches, referrals and the read audit. Giving,
acknowledging and declining are in item_handlers.py, through the message bus (the shape docs/architecture.md describes)."""
from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters import directory
from paars_feedback.adapters import tables as t
from paars_feedback.adapters.policy_query import SHARED, visible_clause
from paars_feedback.adapters.protobuf import request_to_proto
from paars_feedback.domain import privacy
from paars_feedback.domain.privacy import (
    FeedbackView,
    Reader,
    Ties,
    feedback_view,
)
from paars_feedback.service_layer import links
from paars_feedback.service_layer.commands import RELATIONS
from paars_feedback.service_layer.common import (
    EMAIL_PATTERN,
    MAX_TEXT,
    PRODUCER,
    Base,
    Read,
    audited_reads,
    end_of_day,
    hr_for,
    link_expiry,
    new_link_token,
    parse_date,
    reader_of,
    record_reads,
    require_text,
    ties_for,
    token_hash,
    valid_id,
)
from paars_feedback.service_layer.links import request_event
from paars_platform import outbox
from paars_platform.auth import Identity
from paars_platform.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Validator,
)
from paars_platform.events import new_metadata, timestamp
from paars_platform.values import enum_name


def _listed(view: FeedbackView) -> bool:
    return view.listed


def _listed_with_giver(view: FeedbackView) -> bool:
    return view.listed and view.giver


def _counted(view: FeedbackView) -> bool:
    return view.counted


def feedback_to_proto(row: Any, view: FeedbackView) -> pb.Feedback:
    """The item as this view allows: never the giver (nor their relation or request) of an anonymous item, never text without content."""
    item = pb.Feedback(
        id=row.id, receiver_id=row.receiver_id, kind=row.kind, setting=row.setting,
        visibility=row.visibility, goal_ids=list(row.goal_ids), tags=list(row.tags), moment_at=timestamp(row.moment_at),
        given_at=timestamp(row.given_at), acknowledged=row.acknowledged_at is not None,
        action_item_id=row.action_item_id or "",
    )
    if row.acknowledged_at is not None:
        item.acknowledged_at.CopyFrom(timestamp(row.acknowledged_at))
    if view.giver:
        item.giver_id = row.giver_id
        item.relation = row.relation
        item.request_id = row.request_id or ""
    if view.content:
        item.text = row.text
        item.examples.extend(pb.Example(**e) for e in row.examples)
        item.acknowledgement_note = row.acknowledgement_note
    return item


def _content_reads(shown: list[tuple[Any, FeedbackView]]) -> list[Read]:
    """Content reads go to the read audit, except an author rereading an anonymous item: that record
    would tell the receiver who wrote it."""
    return [Read(r.receiver_id, r.id, v.basis) for r, v in shown if v.content and not (r.visibility == privacy.ANONYMOUS and v.basis == "author")]


def _page_token(row: Any) -> str:
    """A keyset cursor: the (given_at, id) of the last item on the page."""
    return base64.urlsafe_b64encode(f"k:{row.given_at.isoformat()}|{row.id}".encode()).decode()


def _after(token: str) -> tuple[dt.datetime, str] | None:
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token.encode()).decode()
        at, _, item_id = raw.removeprefix("k:").partition("|")
        if raw.startswith("k:") and valid_id(item_id):
            moment = dt.datetime.fromisoformat(at)
            if moment.tzinfo is not None:
                return moment, item_id
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidArgument("page_token", "is not a token this service gave out")


def _hours_between(dialect: str, start: Any, end: Any) -> Any:
    """end - start in hours, as each backend computes it."""
    if dialect == "sqlite":
        return (sa.func.julianday(end) - sa.func.julianday(start)) * 24.0
    return sa.func.extract("epoch", end - start) / 3600.0


class FeedbackHandlers(Base):
    # ---------- reading ----------

    async def _view(self, conn: AsyncConnection, reader: Reader, row: Any) -> FeedbackView:
        ties = await ties_for(conn, reader, row.receiver_id, author_id=row.giver_id, share=("feedback", row.id))
        return feedback_view(reader, ties, row.visibility)

    async def get(self, caller: Identity, feedback_id: str) -> pb.Feedback:
        if not valid_id(feedback_id):
            raise InvalidArgument("feedback_id", "is required")
        reader = reader_of(caller)
        async with self.db.transaction() as conn:
            row = (await conn.execute(sa.select(t.feedback).where(t.feedback.c.id == feedback_id))).first()
            if row is None:
                raise NotFound(f"feedback {feedback_id!r} not found")
            view = await self._view(conn, reader, row)
            if not view.listed:
                if view.counted:
                    raise PermissionDenied("this feedback is anonymous: only counts and averages are shown (GetFeedbackSummary)")
                raise PermissionDenied("this feedback is not yours to read")
            await self._audit(conn, reader, [(row, view)], "GetFeedback")
            return feedback_to_proto(row, view)

    async def _audit(self, conn: AsyncConnection, reader: Reader, shown: list[tuple[Any, FeedbackView]], path: str) -> None:
        await record_reads(conn, reader, _content_reads(shown), path)

    async def _receiver_ties(self, conn: AsyncConnection, reader: Reader, receivers: list[str], giver_id: str) -> dict[str, Ties]:
        """The reader's ties to each receiver: what the policy needs besides the per-item cases.
        An author listing their own items needs none (authorship grants them everything)."""
        if reader.is_person and reader.employee_id == giver_id:
            return {r: Ties() for r in receivers}
        return {r: await ties_for(conn, reader, r) for r in receivers}

    async def list_for(self, caller: Identity, request: pb.ListFeedbackRequest) -> pb.ListFeedbackResponse:
        v = Validator()
        receiver_id = request.receiver_id
        if not receiver_id and not request.giver_id:
            receiver_id = caller.employee_id
        if receiver_id:
            v.check(valid_id(receiver_id), "receiver_id", "is not a valid id")
        if request.giver_id:
            v.check(valid_id(request.giver_id), "giver_id", "is not a valid id")
        v.check(0 <= request.page_size <= 200, "page_size", "must be between 0 and 200 (0 means 50)")
        v.raise_if_any()
        after = _after(request.page_token)
        size = request.page_size or 50
        reader = reader_of(caller)
        f = t.feedback
        # Filtering by giver must not reveal who gave an item whose giver the reader may not see.
        grants = _listed_with_giver if request.giver_id else _listed
        # Read without the write transaction (on SQLite the service's one write lock, and a wake-up of the
        # outbox relay at every commit); the audit's own write follows only when the page shows something it records.
        async with self.db.read() as conn:
            if receiver_id:
                receivers = [receiver_id]
            else:
                receivers = list((await conn.execute(sa.select(f.c.receiver_id).where(f.c.giver_id == request.giver_id).distinct())).scalars())
            ties = await self._receiver_ties(conn, reader, receivers, request.giver_id)
            query = sa.select(f, SHARED.label("shared")).where(sa.or_(sa.false(), *(sa.and_(f.c.receiver_id == r, visible_clause(reader, ties[r], grants)) for r in receivers)))
            if request.giver_id:
                query = query.where(f.c.giver_id == request.giver_id)
            if after is not None:
                query = query.where(sa.or_(f.c.given_at < after[0], sa.and_(f.c.given_at == after[0], f.c.id < after[1])))
            rows = (await conn.execute(query.order_by(f.c.given_at.desc(), f.c.id.desc()).limit(size + 1))).all()
            page = [
                (r, feedback_view(reader, replace(ties[r.receiver_id], is_author=r.giver_id == reader.employee_id, shared_with_coach=bool(r.shared)), r.visibility))
                for r in rows[:size]
            ]
        reads = audited_reads(reader, _content_reads(page))
        if reads:
            async with self.db.transaction(notify=False) as conn:
                await record_reads(conn, reader, reads, "ListFeedback")
        next_token = _page_token(rows[size - 1]) if len(rows) > size else ""
        return pb.ListFeedbackResponse(feedback=[feedback_to_proto(r, v) for r, v in page], next_page_token=next_token)

    async def summary(self, caller: Identity, request: pb.GetFeedbackSummaryRequest) -> pb.FeedbackSummary:
        employee_id = request.employee_id or caller.employee_id
        if not valid_id(employee_id):
            raise InvalidArgument("employee_id", "is not a valid id")
        reader = reader_of(caller)
        out = pb.FeedbackSummary(employee_id=employee_id)
        f = t.feedback
        delay_hours = 0.0
        async with self.db.read() as conn:
            await directory.person(conn, employee_id, "employee_id")
            ties = await ties_for(conn, reader, employee_id)
            # Counted in the database, a handful of groups back whatever the number of items.
            keys = (
                f.c.kind, f.c.visibility, f.c.relation, (sa.func.json_array_length(f.c.examples) > 0).label("has_example"),
                f.c.acknowledged_at.is_not(None).label("acknowledged"),
            )
            query = (
                sa.select(*keys, sa.func.count().label("n"), sa.func.sum(_hours_between(conn.dialect.name, f.c.moment_at, f.c.given_at)).label("hours"))
                .where(f.c.receiver_id == employee_id, visible_clause(reader, ties, _counted))
                .group_by(*keys)
            )
            for row in (await conn.execute(query)).all():
                out.total += row.n
                kind = enum_name(pb.FeedbackKind, row.kind, "FEEDBACK_KIND_")
                out.by_kind[kind] = out.by_kind[kind] + row.n
                if row.visibility == privacy.ANONYMOUS:
                    out.anonymous += row.n
                else:
                    relation = enum_name(pb.Relation, row.relation, "RELATION_")
                    out.by_relation[relation] = out.by_relation[relation] + row.n
                out.with_example += row.n if row.has_example else 0
                out.acknowledged += row.n if row.acknowledged else 0
                delay_hours += float(row.hours or 0.0)
        out.average_delay_hours = round(delay_hours / out.total, 3) if out.total else 0.0
        return out

    # ---------- seeking ----------

    async def request(self, caller: Identity, request: pb.RequestFeedbackRequest) -> pb.RequestFeedbackResponse:
        me = caller.employee_id
        subject = request.subject_id or me
        v = Validator()
        v.check(valid_id(subject), "subject_id", "is not a valid id")
        external = bool(request.external_email)
        if external:
            v.check(not request.recipient_id, "recipient_id", "give a recipient_id or an external_email, not both")
            v.check(bool(EMAIL_PATTERN.match(request.external_email)) and len(request.external_email) <= 320, "external_email", "must be an e-mail address")
            require_text(v, request.external_name, "external_name")
        elif v.check(valid_id(request.recipient_id), "recipient_id", "is required (or an external_email)"):
            v.check(request.recipient_id != me, "recipient_id", "you cannot ask yourself for feedback: ask someone else, or write a self-assessment")
            v.check(request.recipient_id != subject, "recipient_id", "cannot be the person the feedback is about")
        require_text(v, request.question, "question", 1000)
        due = parse_date(request.due_date, "due_date", v)
        if due is not None:
            v.check(due >= self.clock().date(), "due_date", "cannot be in the past")
        v.check(request.relation == pb.RELATION_UNSPECIFIED or request.relation in RELATIONS, "relation", "unknown relation")
        v.check(not external or request.relation in (pb.RELATION_UNSPECIFIED, pb.RELATION_CUSTOMER), "relation", "an external recipient answers as a customer")
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()
        assert due is not None
        # Set only when this call made the request: a link token exists in clear nowhere but in this answer.
        issued: list[str] = []

        async def work(conn: AsyncConnection) -> pb.RequestFeedbackResponse:
            await directory.person(conn, subject, "subject_id")
            if subject != me and not await hr_for(conn, caller, subject) and me not in await directory.manager_chain(conn, subject):
                raise PermissionDenied("subject_id: you seek feedback about yourself (managers and HR also for their people)")
            if not external:
                recipient = await directory.person(conn, request.recipient_id, "recipient_id")
                if not recipient.active:
                    raise FailedPrecondition("recipient_id: the person is no longer active")
            now = self.clock()
            request_id = uuid.uuid4().hex
            if external:
                issued.append(new_link_token())
            await conn.execute(
                t.feedback_requests.insert().values(
                    id=request_id, requester_id=me, subject_id=subject, recipient_id=None if external else request.recipient_id,
                    external_email=request.external_email.strip().lower(), external_name=request.external_name.strip(),
                    token_hash=token_hash(issued[0]) if external else None,
                    question=request.question.strip(), due_date=due,
                    expires_at=link_expiry(due, now, self.config.link_max_days) if external else end_of_day(due),
                    state=pb.FeedbackRequest.STATE_OPEN, answered_anonymously=False,
                    relation=pb.RELATION_CUSTOMER if external else request.relation, decline_reason="",
                    answered_feedback_id=None, created_at=now, updated_at=now,
                )
            )
            row = (await conn.execute(sa.select(t.feedback_requests).where(t.feedback_requests.c.id == request_id))).one()
            await outbox.append(conn, t.platform["outbox"], request_event(row, me, now))
            # The token is not part of what the idempotency table keeps.
            return pb.RequestFeedbackResponse(request=request_to_proto(row, me, now))

        response = await self.once(me, request.idempotency_key, "RequestFeedback", request, pb.RequestFeedbackResponse, work)
        if response.request.external_email:
            response.external_token = issued[0] if issued else await self._reissue(response.request.id)
        return response

    async def _reissue(self, request_id: str) -> str:
        """A retried RequestFeedback (same idempotency key) never saw its token: it gets a fresh one and the
        first stops working. A request no longer open gets none."""
        token = new_link_token()
        fr = t.feedback_requests
        now = self.clock()
        async with self.db.transaction() as conn:
            done = await conn.execute(
                fr.update().where(fr.c.id == request_id, fr.c.state == pb.FeedbackRequest.STATE_OPEN, fr.c.answered_anonymously.is_(False), fr.c.expires_at > now)
                .values(token_hash=token_hash(token))
            )
        return token if done.rowcount == 1 else ""

    async def list_requests(self, caller: Identity, request: pb.ListFeedbackRequestsRequest) -> pb.ListFeedbackRequestsResponse:
        me = caller.employee_id
        fr = t.feedback_requests
        where = []
        if request.recipient_id:
            where.append(fr.c.recipient_id == request.recipient_id)
        if request.requester_id:
            where.append(fr.c.requester_id == request.requester_id)
        if not request.recipient_id and not request.requester_id:
            where.append(sa.or_(fr.c.recipient_id == me, fr.c.requester_id == me, fr.c.subject_id == me))
        # A read, not a write transaction: on SQLite every write transaction waits for the service's one
        # write lock (behind every feedback being given), and the list shows an overdue request as expired
        # by itself (public_state), whether or not it has been marked yet.
        async with self.db.read() as conn:
            for field in ("recipient_id", "requester_id"):
                value = getattr(request, field)
                if value and value != me and not await hr_for(conn, caller, value):
                    raise PermissionDenied(f"{field}: you list your own requests")
            now = self.clock()
            rows = (await conn.execute(sa.select(fr).where(*where).order_by(fr.c.created_at.desc(), fr.c.id).limit(500))).all()
        if any(r.state == links.OPEN_STATE and r.expires_at is not None and r.expires_at <= now for r in rows):
            # Reading is one of the moments a request past its expiry is marked so (the sweep is the other);
            # only a list that shows one pays for the write.
            async with self.db.transaction() as conn:
                await links.expire_due(conn, now, sa.and_(*where))
        return pb.ListFeedbackRequestsResponse(requests=[request_to_proto(r, me, now) for r in rows])

    async def expire_overdue(self) -> int:
        """One sweep: requests past their expiry become expired (with their events). Returns how many."""
        async with self.db.transaction() as conn:
            return await links.expire_due(conn, self.clock())

    # ---------- links ----------

    async def get_link(self, request: pb.GetLinkRequest) -> pb.Link:
        """What a link token opens and whether it is still open; the token is the only credential."""
        if not request.external_token or len(request.external_token) > 200:
            raise InvalidArgument("external_token", "is required (at most 200 characters)")
        hashed = token_hash(request.external_token)
        now = self.clock()
        fr, inv = t.feedback_requests, t.review_invitations
        async with self.db.read() as conn:
            row = (await conn.execute(sa.select(fr).where(fr.c.token_hash == hashed))).first()
            if row is not None:
                out = pb.Link(
                    kind=pb.Link.KIND_FEEDBACK_REQUEST, state=links.request_link_state(row, now), subject_name=await self._name_of(conn, row.subject_id),
                    requester_name=await self._name_of(conn, row.requester_id), question=row.question, due_date=row.due_date.isoformat(),
                )
                expires = row.expires_at
            else:
                invitation = (await conn.execute(sa.select(inv).where(inv.c.token_hash == hashed))).first()
                if invitation is None:
                    raise NotFound("external_token: this link is not valid")
                review = (await conn.execute(sa.select(t.reviews).where(t.reviews.c.id == invitation.review_id))).one()
                out = pb.Link(
                    kind=pb.Link.KIND_REVIEW_INVITATION, state=links.invitation_link_state(invitation, review, now),
                    subject_name=await self._name_of(conn, review.subject_id), requester_name=await self._name_of(conn, review.opened_by),
                    questions=[pb.CompetencyQuestion(competency=q["competency"], question=q["question"]) for q in review.questions],
                    due_date=review.due_date.isoformat(),
                )
                expires = invitation.expires_at
        if expires is not None:
            out.expires_at.CopyFrom(timestamp(expires))
        return out

    async def _name_of(self, conn: AsyncConnection, employee_id: str) -> str:
        return (await conn.execute(sa.select(t.people.c.name).where(t.people.c.id == employee_id))).scalar() or ""

    async def revoke_link(self, caller: Identity, request: pb.RevokeLinkRequest) -> pb.RevokeLinkResponse:
        v = Validator()
        if v.check(bool(request.request_id) != bool(request.invitation_id), "request_id", "name a request_id or an invitation_id"):
            field = "request_id" if request.request_id else "invitation_id"
            v.check(valid_id(request.request_id or request.invitation_id), field, "is not a valid id")
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()
        me = caller.employee_id
        fr, inv = t.feedback_requests, t.review_invitations

        async def work(conn: AsyncConnection) -> pb.RevokeLinkResponse:
            now = self.clock()
            if request.request_id:
                row = (await conn.execute(sa.select(fr).where(fr.c.id == request.request_id))).first()
                if row is None:
                    raise NotFound(f"request_id: feedback request {request.request_id!r} not found")
                if me != row.requester_id and not await hr_for(conn, caller, row.subject_id):
                    raise PermissionDenied("request_id: whoever sent the request (or HR) withdraws it")
                # An anonymously answered request is open to the requester: withdrawing it works the same.
                state = links.public_state(row, now)
                if state != pb.FeedbackRequest.STATE_OPEN:
                    raise FailedPrecondition(f"request_id: the request is {enum_name(pb.FeedbackRequest.State, state, 'STATE_')}")
                await conn.execute(fr.update().where(fr.c.id == row.id).values(state=pb.FeedbackRequest.STATE_REVOKED, updated_at=now))
                row = (await conn.execute(sa.select(fr).where(fr.c.id == row.id))).one()
                await outbox.append(conn, t.platform["outbox"], request_event(row, me, now))
                return pb.RevokeLinkResponse(state=pb.LINK_STATE_REVOKED)
            invitation = (await conn.execute(sa.select(inv).where(inv.c.id == request.invitation_id))).first()
            if invitation is None:
                raise NotFound(f"invitation_id: invitation {request.invitation_id!r} not found")
            review = (await conn.execute(sa.select(t.reviews).where(t.reviews.c.id == invitation.review_id))).one()
            if me not in (review.subject_id, review.opened_by) and not await hr_for(conn, caller, review.subject_id) and me not in await directory.manager_chain(conn, review.subject_id):
                raise PermissionDenied("invitation_id: the person, their managers or HR withdraw an invitation")
            link_state = links.invitation_link_state(invitation, review, now)
            if link_state != pb.LINK_STATE_OPEN:
                raise FailedPrecondition(f"invitation_id: the invitation is {enum_name(pb.LinkState, link_state, 'LINK_STATE_')}")
            await conn.execute(inv.update().where(inv.c.id == invitation.id).values(revoked_at=now))
            return pb.RevokeLinkResponse(state=pb.LINK_STATE_REVOKED)

        return await self.once(me, request.idempotency_key, "RevokeLink", request, pb.RevokeLinkResponse, work)

    # ---------- coaches, referrals, the read audit ----------

    async def assign_coach(self, caller: Identity, request: pb.AssignCoachRequest) -> pb.AssignCoachResponse:
        v = Validator()
        v.check(valid_id(request.employee_id), "employee_id", "is required")
        if v.check(valid_id(request.coach_id), "coach_id", "is required"):
            v.check(request.coach_id != request.employee_id, "coach_id", "nobody coaches themselves")
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()

        async def work(conn: AsyncConnection) -> pb.AssignCoachResponse:
            if caller.employee_id != request.employee_id and not caller.has("admin") and not await hr_for(conn, caller, request.employee_id):
                raise PermissionDenied("a person chooses their coach, or HR assigns one")
            await directory.person(conn, request.employee_id, "employee_id")
            await directory.person(conn, request.coach_id, "coach_id")
            values = {"employee_id": request.employee_id, "coach_id": request.coach_id, "assigned_by": caller.employee_id, "assigned_at": self.clock()}
            await conn.execute(t.coach_assignments.delete().where(t.coach_assignments.c.employee_id == request.employee_id))
            await conn.execute(t.coach_assignments.insert().values(**values))
            # A new coach starts from nothing shared.
            await conn.execute(t.coach_shares.delete().where(t.coach_shares.c.employee_id == request.employee_id))
            return pb.AssignCoachResponse()

        return await self.once(caller.employee_id, request.idempotency_key, "AssignCoach", request, pb.AssignCoachResponse, work)

    async def share_with_coach(self, caller: Identity, request: pb.ShareWithCoachRequest) -> pb.ShareWithCoachResponse:
        v = Validator()
        targets = [(k, getattr(request, f)) for k, f in (("feedback", "feedback_id"), ("review", "review_id"), ("dialogue", "dialogue_id")) if getattr(request, f)]
        for kind, value in targets:
            v.check(valid_id(value), f"{kind}_id", "is not a valid id")
        v.check(bool(targets) or request.action_plan, "feedback_id", "name something to share: feedback_id, review_id, dialogue_id or action_plan")
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()
        me = caller.employee_id

        async def work(conn: AsyncConnection) -> pb.ShareWithCoachResponse:
            owners = {
                "feedback": (t.feedback, t.feedback.c.receiver_id),
                "review": (t.reviews, t.reviews.c.subject_id),
                "dialogue": (t.dialogues, t.dialogues.c.employee_id),
            }
            items = list(targets) + ([("action-plan", me)] if request.action_plan else [])
            for kind, item_id in items:
                if kind in owners:
                    table, owner_col = owners[kind]
                    row = (await conn.execute(sa.select(owner_col.label("owner"), *([t.feedback.c.visibility] if kind == "feedback" else [])).where(table.c.id == item_id))).first()
                    if row is None:
                        raise NotFound(f"{kind}_id: {kind} {item_id!r} not found")
                    if row.owner != me:
                        raise PermissionDenied(f"{kind}_id: you share only what is about you")
                    if kind == "feedback" and row.visibility == privacy.ANONYMOUS:
                        raise FailedPrecondition("feedback_id: anonymous feedback is only shown in aggregate")
                s = t.coach_shares
                await conn.execute(s.delete().where(s.c.employee_id == me, s.c.kind == kind, s.c.item_id == item_id))
                if not request.revoke:
                    await conn.execute(s.insert().values(employee_id=me, kind=kind, item_id=item_id, shared_at=self.clock()))
            rows = await conn.execute(sa.select(t.coach_shares).where(t.coach_shares.c.employee_id == me).order_by(t.coach_shares.c.kind, t.coach_shares.c.item_id))
            return pb.ShareWithCoachResponse(shared=[f"{r.kind}:{r.item_id}" for r in rows])

        return await self.once(me, request.idempotency_key, "ShareWithCoach", request, pb.ShareWithCoachResponse, work)

    async def raise_referral(self, caller: Identity, request: pb.RaiseReferralRequest) -> pb.RaiseReferralResponse:
        v = Validator()
        v.check(valid_id(request.employee_id), "employee_id", "is required")
        v.max_length(request.note, "note", MAX_TEXT)
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()
        me = caller.employee_id

        async def work(conn: AsyncConnection) -> pb.RaiseReferralResponse:
            await directory.person(conn, request.employee_id, "employee_id")
            may = (
                me == request.employee_id or await hr_for(conn, caller, request.employee_id)
                or me in await directory.manager_chain(conn, request.employee_id)
                or me == await directory.coach_of(conn, request.employee_id)
            )
            if not may:
                raise PermissionDenied("the person, their managers, their coach or HR raise a referral")
            now = self.clock()
            referral_id = uuid.uuid4().hex
            await conn.execute(t.referrals.insert().values(id=referral_id, employee_id=request.employee_id, raised_by=me, note=request.note.strip(), created_at=now))
            # No content and no actor: only that a referral exists, for HR's follow-up.
            await outbox.append(
                conn, t.platform["outbox"],
                pb.ReferralRaised(
                    metadata=new_metadata(producer=PRODUCER, subject_id=request.employee_id, visibility=event_pb2.VISIBILITY_HR_ONLY, occurred_at=now),
                    referral_id=referral_id,
                ),
            )
            return pb.RaiseReferralResponse(referral_id=referral_id)

        return await self.once(me, request.idempotency_key, "RaiseReferral", request, pb.RaiseReferralResponse, work)

    async def list_referrals(self, caller: Identity, request: pb.ListReferralsRequest) -> pb.ListReferralsResponse:
        employee_id = request.employee_id or caller.employee_id
        if not valid_id(employee_id):
            raise InvalidArgument("employee_id", "is not a valid id")
        reader = reader_of(caller)
        async with self.db.transaction() as conn:
            basis = privacy.referral_visible(reader, await ties_for(conn, reader, employee_id))
            if not basis:
                raise PermissionDenied("a referral is visible to HR and the person only")
            rows = (await conn.execute(sa.select(t.referrals).where(t.referrals.c.employee_id == employee_id).order_by(t.referrals.c.created_at))).all()
            await record_reads(conn, reader, [Read(employee_id, r.id, basis) for r in rows], "ListReferrals")
        return pb.ListReferralsResponse(
            referrals=[pb.Referral(id=r.id, employee_id=r.employee_id, note=r.note, raised_at=timestamp(r.created_at)) for r in rows]
        )

    async def list_reads(self, caller: Identity, request: pb.ListReadsRequest) -> pb.ListReadsResponse:
        employee_id = request.employee_id or caller.employee_id
        if not valid_id(employee_id):
            raise InvalidArgument("employee_id", "is not a valid id")
        reader = reader_of(caller)
        c = t.content_reads
        async with self.db.read() as conn:
            if not privacy.reads_visible(reader, await ties_for(conn, reader, employee_id)):
                raise PermissionDenied("who read someone's feedback is for that person (and HR) to see")
            rows = (await conn.execute(sa.select(c).where(c.c.subject_id == employee_id).order_by(c.c.id.desc()).limit(1000))).all()
        return pb.ListReadsResponse(
            reads=[pb.ReadRecord(reader_id=r.reader_id, reader_role=r.reader_role, feedback_id=r.item_id, path=r.path, read_at=timestamp(r.read_at)) for r in rows]
        )
