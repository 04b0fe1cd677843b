"""Link tokens of requests and 360 invitations: their states as each reader sees them, and the answer a closed
link gives. Pure rules over anything with a request's (or invitation's) fields; no I/O."""
from __future__ import annotations

import datetime as dt
from typing import Any, cast

from paars.feedback.v1 import feedback_pb2 as pb
from paars_platform.errors import FailedPrecondition

R = pb.FeedbackRequest
OPEN_STATE = R.STATE_OPEN
EXPIRED_STATE = R.STATE_EXPIRED

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
