"""Every SQL statement of the reshaped use cases (each built once, values passed as parameters) and the
row <-> domain mapping of feedback items and requests."""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_feedback.adapters import tables as t
from paars_feedback.domain.feedback import ActionItem, Example, Feedback, FeedbackRequest, Receiver
from paars_platform.directory import CHAIN_LIMIT

_f, _fr, _people = t.feedback, t.feedback_requests, t.people


def feedback_from_row(row: Any) -> Feedback:
    return Feedback(
        id=row.id, giver_id=row.giver_id, receiver_id=row.receiver_id, kind=row.kind, relation=row.relation, setting=row.setting,
        text=row.text, examples=tuple(Example(e["situation"], e["behaviour"], e["impact"]) for e in row.examples),
        visibility=row.visibility, goal_ids=tuple(row.goal_ids), tags=tuple(row.tags), moment_at=row.moment_at, given_at=row.given_at,
        request_id=row.request_id, acknowledged_at=row.acknowledged_at, acknowledgement_note=row.acknowledgement_note,
        action_item_id=row.action_item_id,
    )


def feedback_to_row(feedback: Feedback) -> dict[str, Any]:
    return {
        "id": feedback.id, "giver_id": feedback.giver_id, "receiver_id": feedback.receiver_id, "kind": feedback.kind,
        "relation": feedback.relation, "setting": feedback.setting, "text": feedback.text,
        "examples": [{"situation": e.situation, "behaviour": e.behaviour, "impact": e.impact} for e in feedback.examples],
        "visibility": feedback.visibility, "goal_ids": list(feedback.goal_ids), "tags": list(feedback.tags),
        "moment_at": feedback.moment_at, "given_at": feedback.given_at, "request_id": feedback.request_id,
        "acknowledged_at": feedback.acknowledged_at, "acknowledgement_note": feedback.acknowledgement_note,
        "action_item_id": feedback.action_item_id,
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
    ).where(_people.c.id == sa.bindparam("receiver"))


_INSERT_FEEDBACK = _f.insert()
_FEEDBACK_BY_ID = sa.select(_f).where(_f.c.id == sa.bindparam("b_id"))
_FEEDBACK_BY_ID_FOR_UPDATE = _FEEDBACK_BY_ID.with_for_update()
_SAVE_FEEDBACK = _f.update().where(_f.c.id == sa.bindparam("b_id")).values(
    acknowledged_at=sa.bindparam("b_acknowledged_at"), acknowledgement_note=sa.bindparam("b_acknowledgement_note"),
    action_item_id=sa.bindparam("b_action_item_id"),
)
_INSERT_ACTION_ITEM = t.action_items.insert()
_INSERT_READ = t.content_reads.insert()
_REQUEST_BY_ID = sa.select(_fr).where(_fr.c.id == sa.bindparam("b_id"))
_REQUEST_BY_TOKEN = sa.select(_fr).where(_fr.c.token_hash == sa.bindparam("b_token_hash"))
_SAVE_REQUEST = _fr.update().where(_fr.c.id == sa.bindparam("b_id")).values(
    state=sa.bindparam("b_state"), answered_anonymously=sa.bindparam("b_answered_anonymously"),
    answered_feedback_id=sa.bindparam("b_answered_feedback_id"), decline_reason=sa.bindparam("b_decline_reason"),
    updated_at=sa.bindparam("b_updated_at"),
)


class SqlFeedbackRepository:
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

    async def get(self, request_id: str) -> FeedbackRequest | None:
        row = (await self.conn.execute(_REQUEST_BY_ID, {"b_id": request_id})).first()
        return request_from_row(row) if row is not None else None

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
