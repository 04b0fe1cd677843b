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
from paars_feedback.domain import dialogue as dialogue_rules
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


def to_proto(row: Any, dialogue_people: tuple[str, str] | None = None) -> pb.ActionItem:
    """The item; one agreed in a dialogue (dialogue_people: its two people) says who still has to confirm it."""
    confirmed = list(row.confirmed_by or [])
    return pb.ActionItem(
        id=row.id, owner_id=row.owner_id, employee_id=row.employee_id, title=row.title, kind=row.kind,
        due_date=row.due_date.isoformat(), state=row.state, progress_percent=row.progress_percent,
        source_feedback_id=row.source_feedback_id or "", source_dialogue_id=row.source_dialogue_id or "",
        source_goal_id=row.source_goal_id or "", progress_notes=list(row.progress_notes), confirmed_by=confirmed,
        awaiting_confirmation_from=dialogue_rules.awaiting_confirmation(dialogue_people, confirmed) if dialogue_people else [],
    )


# Each item with the two people of the dialogue it came from (None for items from elsewhere).
_WITH_DIALOGUE = sa.select(t.action_items, t.dialogues.c.manager_id.label("dialogue_manager_id")).select_from(
    t.action_items.outerjoin(t.dialogues, t.dialogues.c.id == t.action_items.c.source_dialogue_id)
)


def _people(row: Any) -> tuple[str, str] | None:
    return dialogue_rules.participants(row.employee_id, row.dialogue_manager_id) if row.source_dialogue_id and row.dialogue_manager_id else None


async def load(conn: AsyncConnection, item_id: str) -> Any:
    """The item's row with dialogue_manager_id, or NOT_FOUND."""
    row = (await conn.execute(_WITH_DIALOGUE.where(t.action_items.c.id == item_id))).first()
    if row is None:
        raise NotFound(f"action item {item_id!r} not found")
    return row


def event(item: pb.ActionItem, actor: str, at: dt.datetime) -> pb.ActionItemUpdated:
    return pb.ActionItemUpdated(
        metadata=new_metadata(producer=PRODUCER, subject_id=item.employee_id, visibility=event_pb2.VISIBILITY_RECEIVER_AND_MANAGER, actor_id=actor, occurred_at=at),
        action_item_id=item.id, employee_id=item.employee_id, owner_id=item.owner_id, kind=item.kind, state=item.state,
        progress_percent=item.progress_percent, source_feedback_id=item.source_feedback_id,
        source_dialogue_id=item.source_dialogue_id, source_goal_id=item.source_goal_id, due_date=item.due_date,
    )


async def insert(
    conn: AsyncConnection, *, employee_id: str, owner_id: str, title: str, kind: int, due: dt.date, actor: str, at: dt.datetime,
    source_feedback_id: str = "", source_dialogue_id: str = "", source_goal_id: str = "", confirmed_by: tuple[str, ...] = (),
) -> pb.ActionItem:
    """Writes the item and its event in the caller's transaction."""
    item_id = uuid.uuid4().hex
    await conn.execute(
        t.action_items.insert().values(
            id=item_id, employee_id=employee_id, owner_id=owner_id, title=title.strip(), kind=kind, due_date=due,
            state=pb.ActionItem.STATE_OPEN, progress_percent=0, source_feedback_id=source_feedback_id or None,
            source_dialogue_id=source_dialogue_id or None, source_goal_id=source_goal_id or None, progress_notes=[],
            created_at=at, updated_at=at, confirmed_by=list(confirmed_by),
        )
    )
    row = await load(conn, item_id)
    item = to_proto(row, _people(row))
    await outbox.append(conn, t.platform["outbox"], event(item, actor, at))
    return item


async def for_dialogue(conn: AsyncConnection, dialogue_id: str) -> list[pb.ActionItem]:
    rows = await conn.execute(_WITH_DIALOGUE.where(t.action_items.c.source_dialogue_id == dialogue_id).order_by(t.action_items.c.created_at, t.action_items.c.id))
    return [to_proto(r, _people(r)) for r in rows]


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
            confirmed: tuple[str, ...] = ()
            if request.source_dialogue_id:
                dl = (await conn.execute(sa.select(t.dialogues).where(t.dialogues.c.id == request.source_dialogue_id))).first()
                if dl is None:
                    raise NotFound(f"source_dialogue_id: dialogue {request.source_dialogue_id!r} not found")
                if dl.employee_id != employee_id:
                    raise InvalidArgument("source_dialogue_id", "is a dialogue with someone else")
                people = dialogue_rules.participants(dl.employee_id, dl.manager_id)
                if me not in people:
                    raise PermissionDenied("only the two people of the dialogue agree its action plan")
                if owner_id not in people:
                    raise InvalidArgument("owner_id", "is one of the two people of the dialogue")
                if not dialogue_rules.may_change_plan(dl.state):
                    raise FailedPrecondition(f"source_dialogue_id: the plan is agreed after both prepared and before both signed (now {pb.Dialogue.State.Name(dl.state)})")
                # Who proposes an item agrees to it; a changed plan is not what anyone signed.
                confirmed = (me,)
                await _unsign(conn, dl, self.clock())
            return await insert(
                conn, employee_id=employee_id, owner_id=owner_id, title=request.title, kind=request.kind, due=due, actor=me, at=self.clock(),
                source_feedback_id=request.source_feedback_id, source_dialogue_id=request.source_dialogue_id, source_goal_id=request.source_goal_id,
                confirmed_by=confirmed,
            )

        return await self.once(caller.employee_id, request.idempotency_key, "CreateActionItem", request, pb.ActionItem, work)

    async def confirm(self, caller: Identity, request: pb.ConfirmActionItemRequest) -> pb.ActionItem:
        """One of the dialogue's two people agrees to an item of its plan; the other's confirmation is theirs to give."""
        v = Validator()
        v.check(valid_id(request.action_item_id), "action_item_id", "is required")
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()
        me = caller.employee_id

        async def work(conn: AsyncConnection) -> pb.ActionItem:
            row = await load(conn, request.action_item_id)
            people = _people(row)
            if people is None:
                raise FailedPrecondition("action_item_id: only an item of a dialogue's action plan is confirmed")
            if me not in people:
                raise PermissionDenied("only the two people of the dialogue confirm its action plan")
            state = (await conn.execute(sa.select(t.dialogues.c.state).where(t.dialogues.c.id == row.source_dialogue_id))).scalar_one()
            if not dialogue_rules.may_change_plan(state):
                raise FailedPrecondition(f"action_item_id: the dialogue is {pb.Dialogue.State.Name(state)}")
            confirmed = list(row.confirmed_by or [])
            if me in confirmed:
                return to_proto(row, people)
            now = self.clock()
            await conn.execute(t.action_items.update().where(t.action_items.c.id == row.id).values(confirmed_by=confirmed + [me], updated_at=now))
            item = to_proto(await load(conn, row.id), people)
            await outbox.append(conn, t.platform["outbox"], event(item, me, now))
            return item

        return await self.once(me, request.idempotency_key, "ConfirmActionItem", request, pb.ActionItem, work)

    async def update(self, caller: Identity, request: pb.UpdateActionItemRequest) -> pb.ActionItem:
        v = Validator()
        v.require(request.action_item_id, "action_item_id", 64)
        v.check(0 <= request.progress_percent <= 100, "progress_percent", "must be between 0 and 100")
        v.check(request.state == pb.ActionItem.STATE_UNSPECIFIED or request.state in STATES, "state", "unknown state")
        v.max_length(request.note, "note", 1000)
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()

        async def work(conn: AsyncConnection) -> pb.ActionItem:
            row = await load(conn, request.action_item_id)
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
            item = to_proto(await load(conn, row.id), _people(row))
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
            rows = (await conn.execute(_WITH_DIALOGUE.where(t.action_items.c.employee_id == employee_id).order_by(t.action_items.c.due_date, t.action_items.c.id))).all()
            ties = await ties_for(conn, reader, employee_id, share=("action-plan", employee_id))
            if action_plan_visible(reader, ties):
                return pb.ListActionItemsResponse(items=[to_proto(r, _people(r)) for r in rows])
            # Owners of single items (a colleague who took one on) see just those.
            own = [to_proto(r, _people(r)) for r in rows if r.owner_id == caller.employee_id]
            if own:
                return pb.ListActionItemsResponse(items=own)
            raise PermissionDenied("only the person, their managers, HR or a coach they shared it with see an action plan")


async def _unsign(conn: AsyncConnection, dialogue: Any, at: dt.datetime) -> None:
    """A signature is for the plan as it was: a new item clears it (as changed notes do)."""
    if list(dialogue.signed_by):
        await conn.execute(
            t.dialogues.update().where(t.dialogues.c.id == dialogue.id).values(signed_by=[], version=dialogue.version + 1, updated_at=at)
        )
