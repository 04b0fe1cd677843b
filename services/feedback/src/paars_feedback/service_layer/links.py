"""Link tokens of requests and 360 invitations: their states, the answer a closed link gives, and expiry."""
from __future__ import annotations

import datetime as dt
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters import tables as t
from paars_feedback.service_layer.common import PRODUCER
from paars_platform import outbox
from paars_platform.errors import FailedPrecondition
from paars_platform.events import new_metadata

R = pb.FeedbackRequest
OPEN_STATE = R.STATE_OPEN
EXPIRED_STATE = R.STATE_EXPIRED
SWEEP_BATCH = 500

# What the holder of a closed link is told (the web app shows it in plain words; GetLink gives the state).
CLOSED_LINK = {
    pb.LINK_STATE_USED: "this link was already used: the feedback has been given",
    pb.LINK_STATE_DECLINED: "this link was declined",
    pb.LINK_STATE_REVOKED: "the person who sent this link withdrew it",
    pb.LINK_STATE_EXPIRED: "this link has expired",
}


def public_state(row: Any, now: dt.datetime) -> R.State:
    """The state everyone but the recipient sees: an open request past its expiry is expired, whether or not
    it was answered anonymously (so an anonymous answer looks exactly like no answer)."""
    if row.state == OPEN_STATE and row.expires_at is not None and row.expires_at <= now:
        return EXPIRED_STATE
    # The stored number is the enum's value; the generated stubs type enum fields by the enum class.
    return cast(R.State, int(row.state))


def request_state_for(row: Any, reader_id: str, now: dt.datetime) -> R.State:
    """The recipient alone learns that they answered anonymously."""
    if row.answered_anonymously and reader_id and reader_id == row.recipient_id:
        return R.STATE_ANSWERED
    return public_state(row, now)


def request_link_state(row: Any, now: dt.datetime) -> pb.LinkState:
    """The state of an external request's link, as its holder (the recipient) sees it."""
    if row.answered_anonymously:
        return pb.LINK_STATE_USED
    return {
        R.STATE_OPEN: pb.LINK_STATE_OPEN, R.STATE_ANSWERED: pb.LINK_STATE_USED, R.STATE_DECLINED: pb.LINK_STATE_DECLINED,
        R.STATE_REVOKED: pb.LINK_STATE_REVOKED, R.STATE_EXPIRED: pb.LINK_STATE_EXPIRED,
    }.get(public_state(row, now), pb.LINK_STATE_EXPIRED)


def invitation_link_state(row: Any, review: Any, now: dt.datetime) -> pb.LinkState:
    if row.used_at is not None:
        return pb.LINK_STATE_USED
    if row.revoked_at is not None:
        return pb.LINK_STATE_REVOKED
    if review.state == pb.Review.STATE_CLOSED or row.expires_at is None or row.expires_at <= now:
        return pb.LINK_STATE_EXPIRED
    return pb.LINK_STATE_OPEN


def refuse_closed(state: pb.LinkState, expires_at: dt.datetime | None) -> None:
    """A link that is not open answers FAILED_PRECONDITION with what happened to it."""
    if state == pb.LINK_STATE_OPEN:
        return
    message = CLOSED_LINK[state]
    if state == pb.LINK_STATE_EXPIRED and expires_at is not None:
        message = f"this link expired on {expires_at.date().isoformat()}"
    raise FailedPrecondition(f"external_token: {message}")


def request_event(row: Any, actor: str, at: dt.datetime, state: R.State | None = None) -> pb.FeedbackRequested:
    return pb.FeedbackRequested(
        metadata=new_metadata(producer=PRODUCER, subject_id=row.subject_id, visibility=event_pb2.VISIBILITY_PRIVATE, actor_id=actor, occurred_at=at),
        request_id=row.id, requester_id=row.requester_id, subject_id=row.subject_id, recipient_id=row.recipient_id or "",
        external=row.recipient_id is None, due_date=row.due_date.isoformat(), state=row.state if state is None else state, relation=row.relation,
    )


async def expire_due(conn: AsyncConnection, now: dt.datetime, where: Any = None) -> int:
    """Marks open requests past their expiry as expired, each with its event (no actor: time did it).
    Anonymously answered requests expire with the rest, so the broker cannot tell them apart either."""
    fr = t.feedback_requests
    query = sa.select(fr).where(fr.c.state == OPEN_STATE, fr.c.expires_at <= now).order_by(fr.c.expires_at, fr.c.id).limit(SWEEP_BATCH)
    if where is not None:
        query = query.where(where)
    rows = (await conn.execute(query)).all()
    if not rows:
        return 0
    await conn.execute(fr.update().where(fr.c.id.in_([r.id for r in rows]), fr.c.state == OPEN_STATE).values(state=EXPIRED_STATE, updated_at=now))
    await outbox.append(conn, t.platform["outbox"], *(request_event(r, "", r.expires_at, EXPIRED_STATE) for r in rows))
    return len(rows)
