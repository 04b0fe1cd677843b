"""Action plans (plan van aanpak): items with owner, due date and kind, linked to where they came from."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters import directory
from paars_feedback.adapters import tables as t
from paars_feedback.domain.privacy import action_plan_visible
from paars_feedback.service_layer.common import (
    PRODUCER,
    Base,
    hr_for,
    parse_date,
    reader_of,
    ties_for,
    valid_id,
)
from paars_platform import outbox
from paars_platform.auth import Identity
from paars_platform.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Validator,
)
from paars_platform.events import new_metadata

KINDS = (pb.ACTION_KIND_BUILD_STRENGTH, pb.ACTION_KIND_ADJUST_WEAKNESS, pb.ACTION_KIND_DEVELOPMENT_STEP)
STATES = (pb.ActionItem.STATE_OPEN, pb.ActionItem.STATE_IN_PROGRESS, pb.ActionItem.STATE_DONE, pb.ActionItem.STATE_DROPPED)
CLOSED = (pb.ActionItem.STATE_DONE, pb.ActionItem.STATE_DROPPED)


def to_proto(row: Any) -> pb.ActionItem:
    return pb.ActionItem(
        id=row.id, owner_id=row.owner_id, employee_id=row.employee_id, title=row.title, kind=row.kind,
        due_date=row.due_date.isoformat(), state=row.state, progress_percent=row.progress_percent,
        source_feedback_id=row.source_feedback_id or "", source_dialogue_id=row.source_dialogue_id or "",
        source_goal_id=row.source_goal_id or "", progress_notes=list(row.progress_notes),
    )


def event(item: pb.ActionItem, actor: str, at: dt.datetime) -> pb.ActionItemUpdated:
    return pb.ActionItemUpdated(
        metadata=new_metadata(producer=PRODUCER, subject_id=item.employee_id, visibility=event_pb2.VISIBILITY_RECEIVER_AND_MANAGER, actor_id=actor, occurred_at=at),
        action_item_id=item.id, employee_id=item.employee_id, owner_id=item.owner_id, kind=item.kind, state=item.state,
        progress_percent=item.progress_percent, source_feedback_id=item.source_feedback_id,
        source_dialogue_id=item.source_dialogue_id, source_goal_id=item.source_goal_id, due_date=item.due_date,
    )


async def insert(
    conn: AsyncConnection, *, employee_id: str, owner_id: str, title: str, kind: int, due: dt.date, actor: str, at: dt.datetime,
    source_feedback_id: str = "", source_dialogue_id: str = "", source_goal_id: str = "",
) -> pb.ActionItem:
    """Writes the item and its event in the caller's transaction."""
    item_id = uuid.uuid4().hex
    await conn.execute(
        t.action_items.insert().values(
            id=item_id, employee_id=employee_id, owner_id=owner_id, title=title.strip(), kind=kind, due_date=due,
            state=pb.ActionItem.STATE_OPEN, progress_percent=0, source_feedback_id=source_feedback_id or None,
            source_dialogue_id=source_dialogue_id or None, source_goal_id=source_goal_id or None, progress_notes=[],
            created_at=at, updated_at=at,
        )
    )
    row = (await conn.execute(sa.select(t.action_items).where(t.action_items.c.id == item_id))).one()
    item = to_proto(row)
    await outbox.append(conn, t.platform["outbox"], event(item, actor, at))
    return item


async def for_dialogue(conn: AsyncConnection, dialogue_id: str) -> list[pb.ActionItem]:
    rows = await conn.execute(sa.select(t.action_items).where(t.action_items.c.source_dialogue_id == dialogue_id).order_by(t.action_items.c.created_at, t.action_items.c.id))
    return [to_proto(r) for r in rows]


class ActionPlanHandlers(Base):
    async def create(self, caller: Identity, request: pb.CreateActionItemRequest) -> pb.ActionItem:
        employee_id = request.employee_id or caller.employee_id
        owner_id = request.owner_id or employee_id
        v = Validator()
        v.check(valid_id(employee_id), "employee_id", "is not a valid id")
        v.check(valid_id(owner_id), "owner_id", "is not a valid id")
        v.require(request.title, "title", 200)
        v.check(request.kind in KINDS, "kind", "must be build-strength, adjust-weakness or development-step")
        due = parse_date(request.due_date, "due_date", v)
        for name in ("source_feedback_id", "source_dialogue_id", "source_goal_id"):
            value = getattr(request, name)
            if value:
                v.check(valid_id(value), name, "is not a valid id")
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()
        assert due is not None

        async def work(conn: AsyncConnection) -> pb.ActionItem:
            await directory.person(conn, employee_id, "employee_id")
            await directory.person(conn, owner_id, "owner_id")
            chain = await directory.manager_chain(conn, employee_id)
            me = caller.employee_id
            if me != employee_id and me not in chain and not await hr_for(conn, caller, employee_id) and me != await directory.coach_of(conn, employee_id):
                raise PermissionDenied("only the person, their managers, their coach or HR plan their actions")
            if request.source_feedback_id:
                fb = (await conn.execute(sa.select(t.feedback.c.receiver_id).where(t.feedback.c.id == request.source_feedback_id))).first()
                if fb is None:
                    raise NotFound(f"source_feedback_id: feedback {request.source_feedback_id!r} not found")
                if fb.receiver_id != employee_id:
                    raise InvalidArgument("source_feedback_id", "is feedback about someone else")
            if request.source_dialogue_id:
                dl = (await conn.execute(sa.select(t.dialogues.c.employee_id).where(t.dialogues.c.id == request.source_dialogue_id))).first()
                if dl is None:
                    raise NotFound(f"source_dialogue_id: dialogue {request.source_dialogue_id!r} not found")
                if dl.employee_id != employee_id:
                    raise InvalidArgument("source_dialogue_id", "is a dialogue with someone else")
            return await insert(
                conn, employee_id=employee_id, owner_id=owner_id, title=request.title, kind=request.kind, due=due, actor=me, at=self.clock(),
                source_feedback_id=request.source_feedback_id, source_dialogue_id=request.source_dialogue_id, source_goal_id=request.source_goal_id,
            )

        return await self.once(caller.employee_id, request.idempotency_key, "CreateActionItem", request, pb.ActionItem, work)

    async def update(self, caller: Identity, request: pb.UpdateActionItemRequest) -> pb.ActionItem:
        v = Validator()
        v.require(request.action_item_id, "action_item_id", 64)
        v.check(0 <= request.progress_percent <= 100, "progress_percent", "must be between 0 and 100")
        v.check(request.state == pb.ActionItem.STATE_UNSPECIFIED or request.state in STATES, "state", "unknown state")
        v.max_length(request.note, "note", 1000)
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()

        async def work(conn: AsyncConnection) -> pb.ActionItem:
            row = (await conn.execute(sa.select(t.action_items).where(t.action_items.c.id == request.action_item_id))).first()
            if row is None:
                raise NotFound(f"action item {request.action_item_id!r} not found")
            me = caller.employee_id
            if me not in (row.employee_id, row.owner_id) and me not in await directory.manager_chain(conn, row.employee_id):
                raise PermissionDenied("only the person, the owner or their managers update an action item")
            if row.state in CLOSED:
                raise FailedPrecondition(f"action_item_id: the item is {pb.ActionItem.State.Name(row.state)}")
            state = request.state or (pb.ActionItem.STATE_IN_PROGRESS if request.progress_percent > 0 else row.state)
            progress = 100 if state == pb.ActionItem.STATE_DONE else max(request.progress_percent, 0) or row.progress_percent
            notes = list(row.progress_notes) + ([request.note.strip()] if request.note.strip() else [])
            now = self.clock()
            await conn.execute(
                t.action_items.update().where(t.action_items.c.id == row.id).values(state=state, progress_percent=progress, progress_notes=notes, updated_at=now)
            )
            item = to_proto((await conn.execute(sa.select(t.action_items).where(t.action_items.c.id == row.id))).one())
            await outbox.append(conn, t.platform["outbox"], event(item, me, now))
            return item

        return await self.once(caller.employee_id, request.idempotency_key, "UpdateActionItem", request, pb.ActionItem, work)

    async def list_for(self, caller: Identity, request: pb.ListActionItemsRequest) -> pb.ListActionItemsResponse:
        employee_id = request.employee_id or caller.employee_id
        if not valid_id(employee_id):
            raise InvalidArgument("employee_id", "is not a valid id")
        async with self.db.read() as conn:
            await directory.person(conn, employee_id, "employee_id")
            reader = reader_of(caller)
            rows = (await conn.execute(sa.select(t.action_items).where(t.action_items.c.employee_id == employee_id).order_by(t.action_items.c.due_date, t.action_items.c.id))).all()
            ties = await ties_for(conn, reader, employee_id, share=("action-plan", employee_id))
            if action_plan_visible(reader, ties):
                return pb.ListActionItemsResponse(items=[to_proto(r) for r in rows])
            # Owners of single items (a colleague who took one on) see just those.
            own = [to_proto(r) for r in rows if r.owner_id == caller.employee_id]
            if own:
                return pb.ListActionItemsResponse(items=own)
            raise PermissionDenied("only the person, their managers, HR or a coach they shared it with see an action plan")
