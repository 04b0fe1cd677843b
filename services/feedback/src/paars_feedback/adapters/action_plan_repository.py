"""Action plans on the feedback database: every statement about action items and the few facts of a dialogue an
item needs (the dialogue's own use cases are dialogue_handlers'), and items as protobuf (answers and events)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters import tables as t
from paars_feedback.adapters.repository import SqlActionItemRepository
from paars_feedback.domain.action_plan import DialoguePlan, PlannedItem
from paars_feedback.domain.feedback import ActionItem
from paars_feedback.service_layer.common import PRODUCER
from paars_platform.events import new_metadata

_items, _dialogues = t.action_items, t.dialogues
_GET = sa.select(_items).where(_items.c.id == sa.bindparam("b_id"))
_GET_FOR_UPDATE = _GET.with_for_update()
_OF = sa.select(_items).where(_items.c.employee_id == sa.bindparam("b_employee_id")).order_by(_items.c.due_date, _items.c.id)
_OF_DIALOGUE = sa.select(_items).where(_items.c.source_dialogue_id == sa.bindparam("b_dialogue_id")).order_by(_items.c.created_at, _items.c.id)
_SAVE = _items.update().where(_items.c.id == sa.bindparam("b_id")).values(
    state=sa.bindparam("b_state"), progress_percent=sa.bindparam("b_progress_percent"), progress_notes=sa.bindparam("b_progress_notes"),
    confirmed_by=sa.bindparam("b_confirmed_by"), updated_at=sa.bindparam("b_updated_at"),
)
_PLAN_COLUMNS = (_dialogues.c.id, _dialogues.c.employee_id, _dialogues.c.manager_id, _dialogues.c.state, _dialogues.c.signed_by, _dialogues.c.version)
_PLAN = sa.select(*_PLAN_COLUMNS).where(_dialogues.c.id == sa.bindparam("b_id"))
_UNSIGN = _dialogues.update().where(_dialogues.c.id == sa.bindparam("b_id"), _dialogues.c.version == sa.bindparam("b_version")).values(
    signed_by=[], version=sa.bindparam("b_next_version"), updated_at=sa.bindparam("b_updated_at"),
)


def item_from_row(row: Any) -> ActionItem:
    return ActionItem(
        id=row.id, employee_id=row.employee_id, owner_id=row.owner_id, title=row.title, kind=row.kind, due_date=row.due_date, state=row.state,
        progress_percent=row.progress_percent, source_feedback_id=row.source_feedback_id, source_dialogue_id=row.source_dialogue_id,
        source_goal_id=row.source_goal_id, progress_notes=tuple(row.progress_notes), created_at=row.created_at, updated_at=row.updated_at,
        confirmed_by=tuple(row.confirmed_by or ()),
    )


def plan_from_row(row: Any) -> DialoguePlan:
    return DialoguePlan(row.id, row.employee_id, row.manager_id, row.state, tuple(row.signed_by), row.version)


class SqlActionPlanRepository(SqlActionItemRepository):
    async def get(self, item_id: str, *, for_update: bool = False) -> ActionItem | None:
        row = (await self.conn.execute(_GET_FOR_UPDATE if for_update else _GET, {"b_id": item_id})).first()
        return item_from_row(row) if row is not None else None

    async def save(self, item: ActionItem) -> None:
        await self.conn.execute(_SAVE, {
            "b_id": item.id, "b_state": item.state, "b_progress_percent": item.progress_percent, "b_progress_notes": list(item.progress_notes),
            "b_confirmed_by": list(item.confirmed_by), "b_updated_at": item.updated_at,
        })

    async def of(self, employee_id: str) -> list[ActionItem]:
        return [item_from_row(r) for r in await self.conn.execute(_OF, {"b_employee_id": employee_id})]

    async def dialogue(self, dialogue_id: str) -> DialoguePlan | None:
        row = (await self.conn.execute(_PLAN, {"b_id": dialogue_id})).first()
        return plan_from_row(row) if row is not None else None

    async def dialogues(self, dialogue_ids: Sequence[str]) -> dict[str, DialoguePlan]:
        if not dialogue_ids:
            return {}
        rows = await self.conn.execute(sa.select(*_PLAN_COLUMNS).where(_dialogues.c.id.in_(sorted(set(dialogue_ids)))))
        return {r.id: plan_from_row(r) for r in rows}

    async def in_dialogue(self, dialogue_id: str) -> list[ActionItem]:
        return [item_from_row(r) for r in await self.conn.execute(_OF_DIALOGUE, {"b_dialogue_id": dialogue_id})]

    async def unsign(self, plan: DialoguePlan, at: dt.datetime) -> None:
        if plan.signed_by:
            await self.conn.execute(_UNSIGN, {"b_id": plan.id, "b_version": plan.version, "b_next_version": plan.version + 1, "b_updated_at": at})


async def for_dialogue(conn: AsyncConnection, dialogue_id: str) -> list[pb.ActionItem]:
    """A dialogue's plan as protobuf, for the dialogue's own use cases (dialogue_handlers)."""
    plan = (await conn.execute(_PLAN, {"b_id": dialogue_id})).first()
    rows = await conn.execute(_OF_DIALOGUE, {"b_dialogue_id": dialogue_id})
    return [item_to_proto(PlannedItem.of(item_from_row(r), plan_from_row(plan) if plan is not None else None)) for r in rows]


def item_to_proto(planned: PlannedItem) -> pb.ActionItem:
    item = planned.item
    return pb.ActionItem(
        id=item.id, owner_id=item.owner_id, employee_id=item.employee_id, title=item.title, kind=item.kind,  # type: ignore[arg-type]
        due_date=item.due_date.isoformat(), state=item.state, progress_percent=item.progress_percent,  # type: ignore[arg-type]
        source_feedback_id=item.source_feedback_id or "", source_dialogue_id=item.source_dialogue_id or "",
        source_goal_id=item.source_goal_id or "", progress_notes=list(item.progress_notes), confirmed_by=list(item.confirmed_by),
        awaiting_confirmation_from=list(planned.awaiting),
    )


def item_from_proto(message: pb.ActionItem) -> PlannedItem:
    """A remembered answer back (created_at and updated_at are not in it)."""
    epoch = dt.datetime.fromtimestamp(0, dt.UTC)
    return PlannedItem(ActionItem(
        id=message.id, employee_id=message.employee_id, owner_id=message.owner_id, title=message.title, kind=message.kind,
        due_date=dt.date.fromisoformat(message.due_date), state=message.state, progress_percent=message.progress_percent,
        source_feedback_id=message.source_feedback_id or None, source_dialogue_id=message.source_dialogue_id or None,
        source_goal_id=message.source_goal_id or None, progress_notes=tuple(message.progress_notes), created_at=epoch, updated_at=epoch,
        confirmed_by=tuple(message.confirmed_by),
    ), tuple(message.awaiting_confirmation_from))


def item_event(item: ActionItem, actor: str, at: dt.datetime) -> pb.ActionItemUpdated:
    return pb.ActionItemUpdated(
        metadata=new_metadata(producer=PRODUCER, subject_id=item.employee_id, visibility=event_pb2.VISIBILITY_RECEIVER_AND_MANAGER, actor_id=actor, occurred_at=at),
        action_item_id=item.id, employee_id=item.employee_id, owner_id=item.owner_id, kind=item.kind, state=item.state,  # type: ignore[arg-type]
        progress_percent=item.progress_percent, source_feedback_id=item.source_feedback_id or "",
        source_dialogue_id=item.source_dialogue_id or "", source_goal_id=item.source_goal_id or "", due_date=item.due_date.isoformat(),
    )
