"""Every SQL statement of the reshaped use cases (each built once where its shape is fixed, values passed as
parameters) and the row <-> domain mapping of feedback items, requests, invitations, coaches, referrals and
the read audit."""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters import asyncpg_direct, directory
from paars_feedback.adapters import tables as t
from paars_feedback.adapters.policy_query import SHARED, visible_clause
from paars_feedback.domain.feedback import (
    ActionItem,
    Example,
    Feedback,
    FeedbackRequest,
    Invitation,
    Person,
    ReadRecord,
    Receiver,
    Referral,
    SummaryGroup,
)
from paars_feedback.domain.privacy import FeedbackView, Reader, Ties, ties_of
from paars_feedback.domain.review import ExternalRater
from paars_feedback.service_layer.commands import PageAfter
from paars_platform.directory import CHAIN_LIMIT

_f, _fr, _people = t.feedback, t.feedback_requests, t.people
OPEN, EXPIRED = pb.FeedbackRequest.STATE_OPEN, pb.FeedbackRequest.STATE_EXPIRED


def feedback_from_row(row: Any) -> Feedback:
    return Feedback(
        id=row.id, giver_id=row.giver_id, receiver_id=row.receiver_id, kind=row.kind, relation=row.relation, setting=row.setting,
        text=row.text, examples=tuple(Example(e["situation"], e["behaviour"], e["impact"]) for e in row.examples),
        visibility=row.visibility, goal_ids=tuple(row.goal_ids), tags=tuple(row.tags), moment_at=row.moment_at, given_at=row.given_at,
        request_id=row.request_id, acknowledged_at=row.acknowledged_at, acknowledgement_note=row.acknowledgement_note,
        action_item_id=row.action_item_id, value_key=row.value_key,
    )


def feedback_to_row(feedback: Feedback) -> dict[str, Any]:
    return {
        "id": feedback.id, "giver_id": feedback.giver_id, "receiver_id": feedback.receiver_id, "kind": feedback.kind,
        "relation": feedback.relation, "setting": feedback.setting, "text": feedback.text,
        "examples": [{"situation": e.situation, "behaviour": e.behaviour, "impact": e.impact} for e in feedback.examples],
        "visibility": feedback.visibility, "goal_ids": list(feedback.goal_ids), "tags": list(feedback.tags),
        "moment_at": feedback.moment_at, "given_at": feedback.given_at, "request_id": feedback.request_id,
        "acknowledged_at": feedback.acknowledged_at, "acknowledgement_note": feedback.acknowledgement_note,
        "action_item_id": feedback.action_item_id, "value_key": feedback.value_key,
    }


def request_from_row(row: Any) -> FeedbackRequest:
    return FeedbackRequest(**{c.name: getattr(row, c.name) for c in _fr.c})


def _manages(name: str, start: str, target: str) -> Any:
    """EXISTS: `target` is in the manager chain of `start` (at most CHAIN_LIMIT managers up; a cycle stops
    there, as paars_platform.directory's chain does: the start never manages themselves)."""
    first, up = _people.alias(f"{name}_first"), _people.alias(f"{name}_up")
    chain = sa.select(first.c.manager_id.label("id"), sa.literal(1).label("depth")).where(first.c.id == sa.bindparam(start)).cte(name, recursive=True)
    chain = chain.union_all(sa.select(up.c.manager_id, chain.c.depth + 1).where(up.c.id == chain.c.id, chain.c.depth < CHAIN_LIMIT))
    return sa.exists(sa.select(chain.c.id).where(chain.c.id == sa.bindparam(target), chain.c.id != sa.bindparam(start)))


@functools.cache
def _receiver_statement(windows: int) -> Any:
    """The receiver, both manager relations and the giver's items in each limit window: one round trip."""
    oldest = [
        sa.select(_f.c.given_at)
        .where(_f.c.giver_id == sa.bindparam("giver"), _f.c.given_at > sa.bindparam(f"since_{i}"))
        .order_by(_f.c.given_at.desc()).offset(sa.bindparam(f"skip_{i}", type_=sa.Integer)).limit(1)
        .scalar_subquery().label(f"oldest_{i}")
        for i in range(windows)
    ]
    return sa.select(
        _people.c.active, _manages("up_from_receiver", "receiver", "giver").label("giver_manages"),
        _manages("up_from_giver", "giver", "receiver").label("receiver_manages"), *oldest,
    ).where(_people.c.id == sa.bindparam("receiver")).execution_options(**asyncpg_direct.DIRECT)


_INSERT_FEEDBACK = _f.insert()
_FEEDBACK_BY_ID = sa.select(_f).where(_f.c.id == sa.bindparam("b_id"))
_FEEDBACK_BY_ID_FOR_UPDATE = _FEEDBACK_BY_ID.with_for_update()
_SAVE_FEEDBACK = _f.update().where(_f.c.id == sa.bindparam("b_id")).values(
    acknowledged_at=sa.bindparam("b_acknowledged_at"), acknowledgement_note=sa.bindparam("b_acknowledgement_note"),
    action_item_id=sa.bindparam("b_action_item_id"),
)
_INSERT_ACTION_ITEM = t.action_items.insert()
_INSERT_READ = t.content_reads.insert()
_INSERT_READS = t.content_reads.insert()
_c = t.content_reads
_READS_OF = sa.select(_c).where(_c.c.subject_id == sa.bindparam("b_subject")).order_by(_c.c.id.desc()).limit(sa.bindparam("b_limit", type_=sa.Integer))
_RECEIVERS_OF = sa.select(_f.c.receiver_id).where(_f.c.giver_id == sa.bindparam("b_giver")).distinct()
_INSERT_REQUEST = _fr.insert()
_SAVE_TOKEN = _fr.update().where(_fr.c.id == sa.bindparam("b_id")).values(token_hash=sa.bindparam("b_token_hash"))
_REQUEST_BY_ID = sa.select(_fr).where(_fr.c.id == sa.bindparam("b_id"))
_REQUEST_BY_TOKEN = sa.select(_fr).where(_fr.c.token_hash == sa.bindparam("b_token_hash"))
_SAVE_REQUEST = _fr.update().where(_fr.c.id == sa.bindparam("b_id")).values(
    state=sa.bindparam("b_state"), answered_anonymously=sa.bindparam("b_answered_anonymously"),
    answered_feedback_id=sa.bindparam("b_answered_feedback_id"), decline_reason=sa.bindparam("b_decline_reason"),
    updated_at=sa.bindparam("b_updated_at"),
)


def _listed(view: FeedbackView) -> bool:
    return view.listed


def _listed_with_giver(view: FeedbackView) -> bool:
    return view.listed and view.giver


def _counted(view: FeedbackView) -> bool:
    return view.counted


def _hours_between(dialect: str, start: Any, end: Any) -> Any:
    """end - start in hours, as each backend computes it."""
    if dialect == "sqlite":
        return (sa.func.julianday(end) - sa.func.julianday(start)) * 24.0
    return sa.func.extract("epoch", end - start) / 3600.0


def read_from_row(row: Any) -> ReadRecord:
    return ReadRecord(row.subject_id, row.reader_id, row.reader_role, row.item_id, row.path, row.read_at)


class SqlFeedbackReads:
    """The reading half of the feedback repository (the privacy policy as SQL: adapters/policy_query.py)."""

    conn: AsyncConnection

    async def record_reads(self, lines: Sequence[ReadRecord]) -> None:
        if lines:
            await self.conn.execute(_INSERT_READS, [
                {"subject_id": r.subject_id, "reader_id": r.reader_id, "reader_role": r.reader_role, "item_id": r.item_id, "path": r.path, "read_at": r.read_at}
                for r in lines
            ])

    async def reads_of(self, subject_id: str, limit: int) -> list[ReadRecord]:
        return [read_from_row(r) for r in await self.conn.execute(_READS_OF, {"b_subject": subject_id, "b_limit": limit})]

    async def receivers_of(self, giver_id: str) -> list[str]:
        return list((await self.conn.execute(_RECEIVERS_OF, {"b_giver": giver_id})).scalars())

    async def page(
        self, reader: Reader, ties: Mapping[str, Ties], *, with_giver: bool, giver_id: str, after: PageAfter | None, limit: int,
    ) -> list[tuple[Feedback, bool]]:
        grants = _listed_with_giver if with_giver else _listed
        query = sa.select(_f, SHARED.label("shared")).where(
            sa.or_(sa.false(), *(sa.and_(_f.c.receiver_id == r, visible_clause(reader, ties[r], grants)) for r in ties))
        )
        if giver_id:
            query = query.where(_f.c.giver_id == giver_id)
        if after is not None:
            query = query.where(sa.or_(_f.c.given_at < after.given_at, sa.and_(_f.c.given_at == after.given_at, _f.c.id < after.feedback_id)))
        rows = (await self.conn.execute(query.order_by(_f.c.given_at.desc(), _f.c.id.desc()).limit(limit))).all()
        return [(feedback_from_row(r), bool(r.shared)) for r in rows]

    async def summary(self, employee_id: str, reader: Reader, ties: Ties) -> list[SummaryGroup]:
        # Counted in the database: a handful of groups back whatever the number of items.
        keys = (
            _f.c.kind, _f.c.visibility, _f.c.relation, (sa.func.json_array_length(_f.c.examples) > 0).label("has_example"),
            _f.c.acknowledged_at.is_not(None).label("acknowledged"),
        )
        query = (
            sa.select(*keys, sa.func.count().label("n"), sa.func.sum(_hours_between(self.conn.dialect.name, _f.c.moment_at, _f.c.given_at)).label("hours"))
            .where(_f.c.receiver_id == employee_id, visible_clause(reader, ties, _counted))
            .group_by(*keys)
        )
        return [
            SummaryGroup(r.kind, r.visibility, r.relation, bool(r.has_example), bool(r.acknowledged), r.n, float(r.hours or 0.0))
            for r in (await self.conn.execute(query)).all()
        ]


class SqlFeedbackRepository(SqlFeedbackReads):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def receiver(self, receiver_id: str, giver_id: str, since: Sequence[tuple[int, dt.datetime]]) -> Receiver | None:
        params: dict[str, Any] = {"receiver": receiver_id, "giver": giver_id}
        for i, (count, after) in enumerate(since):
            params[f"since_{i}"], params[f"skip_{i}"] = after, count - 1
        row = (await self.conn.execute(_receiver_statement(len(since)), params)).first()
        if row is None:
            return None
        return Receiver(
            active=bool(row.active), giver_manages=bool(row.giver_manages), receiver_manages=bool(row.receiver_manages),
            oldest_in_window=tuple(row[3 + i] for i in range(len(since))),
        )

    async def get(self, feedback_id: str, *, for_update: bool = False) -> Feedback | None:
        row = (await self.conn.execute(_FEEDBACK_BY_ID_FOR_UPDATE if for_update else _FEEDBACK_BY_ID, {"b_id": feedback_id})).first()
        return feedback_from_row(row) if row is not None else None

    async def add(self, feedback: Feedback) -> None:
        await self.conn.execute(_INSERT_FEEDBACK, feedback_to_row(feedback))

    async def save(self, feedback: Feedback) -> None:
        await self.conn.execute(_SAVE_FEEDBACK, {
            "b_id": feedback.id, "b_acknowledged_at": feedback.acknowledged_at, "b_acknowledgement_note": feedback.acknowledgement_note,
            "b_action_item_id": feedback.action_item_id,
        })

    async def record_read(self, subject_id: str, item_id: str, reader_id: str, basis: str, path: str, at: dt.datetime) -> None:
        await self.conn.execute(_INSERT_READ, {
            "subject_id": subject_id, "reader_id": reader_id, "reader_role": basis, "item_id": item_id, "path": path, "read_at": at,
        })


class SqlRequestRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, request: FeedbackRequest) -> None:
        await self.conn.execute(_INSERT_REQUEST, {c.name: getattr(request, c.name) for c in _fr.c})

    async def get(self, request_id: str) -> FeedbackRequest | None:
        row = (await self.conn.execute(_REQUEST_BY_ID, {"b_id": request_id})).first()
        return request_from_row(row) if row is not None else None

    async def listed(self, recipient_id: str, requester_id: str, me: str, limit: int) -> list[FeedbackRequest]:
        where = []
        if recipient_id:
            where.append(_fr.c.recipient_id == recipient_id)
        if requester_id:
            where.append(_fr.c.requester_id == requester_id)
        if not where:
            where.append(sa.or_(_fr.c.recipient_id == me, _fr.c.requester_id == me, _fr.c.subject_id == me))
        rows = await self.conn.execute(sa.select(_fr).where(*where).order_by(_fr.c.created_at.desc(), _fr.c.id).limit(limit))
        return [request_from_row(r) for r in rows]

    async def overdue(self, now: dt.datetime, request_ids: Sequence[str] | None, limit: int) -> list[FeedbackRequest]:
        query = sa.select(_fr).where(_fr.c.state == OPEN, _fr.c.expires_at <= now).order_by(_fr.c.expires_at, _fr.c.id).limit(limit)
        if request_ids is not None:
            query = query.where(_fr.c.id.in_(list(request_ids)))
        return [request_from_row(r) for r in await self.conn.execute(query)]

    async def save_token(self, request: FeedbackRequest) -> None:
        await self.conn.execute(_SAVE_TOKEN, {"b_id": request.id, "b_token_hash": request.token_hash})

    async def expire(self, request_ids: Sequence[str], now: dt.datetime) -> None:
        if request_ids:
            await self.conn.execute(
                _fr.update().where(_fr.c.id.in_(list(request_ids)), _fr.c.state == OPEN).values(state=EXPIRED, updated_at=now)
            )

    async def by_token(self, token_hash: str) -> FeedbackRequest | None:
        row = (await self.conn.execute(_REQUEST_BY_TOKEN, {"b_token_hash": token_hash})).first()
        return request_from_row(row) if row is not None else None

    async def save(self, request: FeedbackRequest) -> None:
        await self.conn.execute(_SAVE_REQUEST, {
            "b_id": request.id, "b_state": request.state, "b_answered_anonymously": request.answered_anonymously,
            "b_answered_feedback_id": request.answered_feedback_id, "b_decline_reason": request.decline_reason,
            "b_updated_at": request.updated_at,
        })


class SqlActionItemRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, item: ActionItem) -> None:
        row = {c.name: getattr(item, c.name) for c in t.action_items.c}
        row["progress_notes"] = list(item.progress_notes)
        await self.conn.execute(_INSERT_ACTION_ITEM, row)


_inv = t.review_invitations
_INVITATION = sa.select(
    _inv, t.reviews.c.subject_id, t.reviews.c.opened_by, t.reviews.c.state.label("review_state"), t.reviews.c.questions, t.reviews.c.due_date,
).join(t.reviews, t.reviews.c.id == _inv.c.review_id)
_INVITATION_BY_ID = _INVITATION.where(_inv.c.id == sa.bindparam("b_id"))
_INVITATION_BY_TOKEN = _INVITATION.where(_inv.c.token_hash == sa.bindparam("b_token_hash"))
_SAVE_INVITATION = _inv.update().where(_inv.c.id == sa.bindparam("b_id")).values(
    used_at=sa.bindparam("b_used_at"), revoked_at=sa.bindparam("b_revoked_at"),
)
_REISSUE = _inv.update().where(
    _inv.c.id == sa.bindparam("b_id"), _inv.c.used_at.is_(None), _inv.c.revoked_at.is_(None), _inv.c.expires_at > sa.bindparam("b_now"),
).values(token_hash=sa.bindparam("b_token_hash"))
REVIEW_CLOSED = pb.Review.STATE_CLOSED


def invitation_from_row(row: Any) -> Invitation:
    return Invitation(
        id=row.id, review_id=row.review_id, subject_id=row.subject_id, opened_by=row.opened_by, review_closed=row.review_state == REVIEW_CLOSED,
        questions=tuple((q["competency"], q["question"]) for q in row.questions), due_date=row.due_date,
        used_at=row.used_at, revoked_at=row.revoked_at, expires_at=row.expires_at,
    )


class SqlInvitationRepository:
    """A 360 invitation's link, with the few facts of its review the link shows (the reviews are review_repository's)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, invitation_id: str) -> Invitation | None:
        row = (await self.conn.execute(_INVITATION_BY_ID, {"b_id": invitation_id})).first()
        return invitation_from_row(row) if row is not None else None

    async def by_token(self, token_hash: str) -> Invitation | None:
        row = (await self.conn.execute(_INVITATION_BY_TOKEN, {"b_token_hash": token_hash})).first()
        return invitation_from_row(row) if row is not None else None

    async def add(self, rater: ExternalRater) -> None:
        await self.conn.execute(_inv.insert(), {
            "id": rater.id, "review_id": rater.review_id, "name": rater.name, "email": rater.email, "token_hash": rater.token_hash,
            "used_at": None, "created_at": rater.created_at, "expires_at": rater.expires_at, "revoked_at": None,
        })

    async def save(self, invitation: Invitation) -> None:
        await self.conn.execute(_SAVE_INVITATION, {"b_id": invitation.id, "b_used_at": invitation.used_at, "b_revoked_at": invitation.revoked_at})

    async def reissue(self, invitation_id: str, token_hash: str, now: dt.datetime) -> bool:
        done = await self.conn.execute(_REISSUE, {"b_id": invitation_id, "b_token_hash": token_hash, "b_now": now})
        return bool(done.rowcount == 1)


_VALUE = sa.select(t.story_values.c.key).where(t.story_values.c.key == sa.bindparam("b_key"))


class SqlValueCatalogue:
    """The story's value catalogue (adapters/story_catalogue.py keeps it from the story's events)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def named(self, value_key: str) -> bool:
        return (await self.conn.execute(_VALUE, {"b_key": value_key})).first() is not None


_PERSON = sa.select(_people.c.id, _people.c.name, _people.c.active).where(_people.c.id == sa.bindparam("b_id"))
_MANAGER_OF = sa.select(_people.c.manager_id).where(_people.c.id == sa.bindparam("b_id"))
_CHILD_TEAMS = sa.select(t.teams.c.id).where(t.teams.c.parent_team_id.in_(sa.bindparam("b_ids", expanding=True)))


class SqlDirectoryRepository:
    """The org projection (adapters/directory.py keeps it from the org events)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def person(self, employee_id: str) -> Person | None:
        row = (await self.conn.execute(_PERSON, {"b_id": employee_id})).first()
        return Person(row.id, row.name, bool(row.active)) if row is not None else None

    async def manager_of(self, employee_id: str) -> str | None:
        return (await self.conn.execute(_MANAGER_OF, {"b_id": employee_id})).scalar() or None

    async def direct_reports(self, manager_id: str) -> list[str]:
        return await directory.direct_reports(self.conn, manager_id)

    async def ties(self, reader: Reader, subject_id: str, *, author_id: str = "", share: tuple[str, str] | None = None) -> Ties:
        if not reader.is_person:
            return Ties()
        chain = await directory.manager_chain(self.conn, subject_id)
        coach = await directory.coach_of(self.conn, subject_id)
        shared = share is not None and coach == reader.employee_id and await directory.is_shared(self.conn, subject_id, *share)
        hr_scope = reader.has("hr") and await directory.in_team_subtree(self.conn, reader.employee_id, subject_id)
        return ties_of(
            reader.employee_id, subject_id=subject_id, author_id=author_id, manager_chain=chain, coach_id=coach, shared=shared, hr_scope=hr_scope,
        )

    async def hr_teams(self, employee_id: str) -> list[str]:
        """The HR person's team and its subtree, a level per statement, as deep as the directory's one limit (the
        teams whose path up (team_path) reaches theirs)."""
        team = await directory.team_of(self.conn, employee_id)
        if not team:
            return []
        covered, level = {team}, [team]
        for _ in range(CHAIN_LIMIT - 1):
            level = sorted({r.id for r in await self.conn.execute(_CHILD_TEAMS, {"b_ids": level})} - covered)
            if not level:
                break
            covered.update(level)
        return sorted(covered)


_ca, _cs = t.coach_assignments, t.coach_shares
_OWNERS = {
    "feedback": sa.select(_f.c.receiver_id.label("owner"), _f.c.visibility).where(_f.c.id == sa.bindparam("b_id")),
    "review": sa.select(t.reviews.c.subject_id.label("owner"), sa.literal(0).label("visibility")).where(t.reviews.c.id == sa.bindparam("b_id")),
    "dialogue": sa.select(t.dialogues.c.employee_id.label("owner"), sa.literal(0).label("visibility")).where(t.dialogues.c.id == sa.bindparam("b_id")),
}
_UNSHARE = _cs.delete().where(_cs.c.employee_id == sa.bindparam("b_employee"), _cs.c.kind == sa.bindparam("b_kind"), _cs.c.item_id == sa.bindparam("b_item"))
_SHARED = sa.select(_cs.c.kind, _cs.c.item_id).where(_cs.c.employee_id == sa.bindparam("b_employee")).order_by(_cs.c.kind, _cs.c.item_id)


class SqlCoachRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def assign(self, employee_id: str, coach_id: str, assigned_by: str, at: dt.datetime) -> None:
        await self.conn.execute(_ca.delete().where(_ca.c.employee_id == employee_id))
        await self.conn.execute(_ca.insert().values(employee_id=employee_id, coach_id=coach_id, assigned_by=assigned_by, assigned_at=at))
        await self.conn.execute(_cs.delete().where(_cs.c.employee_id == employee_id))

    async def owner_of(self, kind: str, item_id: str) -> tuple[str, int] | None:
        row = (await self.conn.execute(_OWNERS[kind], {"b_id": item_id})).first()
        return (row.owner, int(row.visibility)) if row is not None else None

    async def share(self, employee_id: str, kind: str, item_id: str, at: dt.datetime) -> None:
        await self.unshare(employee_id, kind, item_id)
        await self.conn.execute(_cs.insert().values(employee_id=employee_id, kind=kind, item_id=item_id, shared_at=at))

    async def unshare(self, employee_id: str, kind: str, item_id: str) -> None:
        await self.conn.execute(_UNSHARE, {"b_employee": employee_id, "b_kind": kind, "b_item": item_id})

    async def shared(self, employee_id: str) -> list[str]:
        return [f"{r.kind}:{r.item_id}" for r in await self.conn.execute(_SHARED, {"b_employee": employee_id})]


_rf = t.referrals
_REFERRALS_OF = sa.select(_rf).where(_rf.c.employee_id == sa.bindparam("b_employee")).order_by(_rf.c.created_at, _rf.c.id)
_REFERRAL_FOR_UPDATE = sa.select(_rf).where(_rf.c.id == sa.bindparam("b_id")).with_for_update()
_SAVE_REFERRAL = _rf.update().where(_rf.c.id == sa.bindparam("b_id")).values(
    state=sa.bindparam("b_state"), updated_at=sa.bindparam("b_updated_at"), handled_by=sa.bindparam("b_handled_by"),
)


def _referral_from_row(r: Any) -> Referral:
    return Referral(r.id, r.employee_id, r.raised_by, r.note, r.created_at, r.state, r.updated_at, r.handled_by)


class SqlReferralRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, referral: Referral) -> None:
        r = referral
        await self.conn.execute(_rf.insert().values(
            id=r.id, employee_id=r.employee_id, raised_by=r.raised_by, note=r.note, created_at=r.created_at,
            state=r.state, updated_at=r.updated_at, handled_by=r.handled_by,
        ))

    async def of(self, employee_id: str) -> list[Referral]:
        return [_referral_from_row(r) for r in await self.conn.execute(_REFERRALS_OF, {"b_employee": employee_id})]

    async def get_for_update(self, referral_id: str) -> Referral | None:
        row = (await self.conn.execute(_REFERRAL_FOR_UPDATE, {"b_id": referral_id})).first()
        return _referral_from_row(row) if row is not None else None

    async def save(self, referral: Referral) -> None:
        await self.conn.execute(_SAVE_REFERRAL, {"b_id": referral.id, "b_state": referral.state, "b_updated_at": referral.updated_at, "b_handled_by": referral.handled_by})

