"""Link tokens of requests and 360 invitations: the rules are domain/links.py (re-exported here for the use cases
that name them from the service layer); the expiry sweep's SQL for the older callers (the use cases expire
through commands.ExpireOverdueRequests and the request repository)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_feedback.adapters import tables as t
from paars_feedback.adapters.protobuf import request_event as request_event
from paars_feedback.domain.links import CLOSED_LINK as CLOSED_LINK
from paars_feedback.domain.links import EXPIRED_STATE as EXPIRED_STATE
from paars_feedback.domain.links import OPEN_STATE as OPEN_STATE
from paars_feedback.domain.links import invitation_link_state as invitation_link_state
from paars_feedback.domain.links import public_state as public_state
from paars_feedback.domain.links import refuse_closed as refuse_closed
from paars_feedback.domain.links import request_link_state as request_link_state
from paars_feedback.domain.links import request_state_for as request_state_for
from paars_platform import outbox

SWEEP_BATCH = 500


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
