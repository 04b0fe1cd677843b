"""The purple dialogue on the feedback database: every statement about dialogues and their preparations, and a
dialogue as protobuf (answers and events)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters import tables as t
from paars_feedback.adapters.action_plan_repository import item_from_proto, item_to_proto
from paars_feedback.adapters.review_repository import gap_to_proto, report_to_proto
from paars_feedback.domain import dialogue as rules
from paars_feedback.domain.action_plan import DialogueRead, DialogueSeen
from paars_feedback.domain.dialogue import Dialogue, Preparation
from paars_feedback.service_layer.common import PRODUCER
from paars_platform.errors import StaleVersion
from paars_platform.events import new_metadata, timestamp

_d, _p = t.dialogues, t.dialogue_preparations
_GET = sa.select(_d).where(_d.c.id == sa.bindparam("b_id"))
_PREPARATIONS = sa.select(_p).where(_p.c.dialogue_id.in_(sa.bindparam("b_ids", expanding=True))).order_by(_p.c.submitted_at, _p.c.author_id)
_OF = sa.select(_d).where(sa.or_(_d.c.employee_id == sa.bindparam("b_person"), _d.c.manager_id == sa.bindparam("b_person"))).order_by(
    _d.c.scheduled_for.desc(), _d.c.id,
)
_SAVE = _d.update().where(_d.c.id == sa.bindparam("b_id"), _d.c.version == sa.bindparam("b_expected")).values(
    state=sa.bindparam("b_state"), shared_notes=sa.bindparam("b_shared_notes"), notes_recorded=sa.bindparam("b_notes_recorded"),
    signed_by=sa.bindparam("b_signed_by"), version=sa.bindparam("b_version"), updated_at=sa.bindparam("b_updated_at"),
)
_DROP_PREPARATION = _p.delete().where(_p.c.dialogue_id == sa.bindparam("b_id"), _p.c.author_id == sa.bindparam("b_author"))
_REVIEW_SUBJECT = sa.select(t.reviews.c.subject_id).where(t.reviews.c.id == sa.bindparam("b_id"))


def dialogue_from_row(row: Any, preparations: Sequence[Any]) -> Dialogue:
    return Dialogue(
        id=row.id, kind=row.kind, employee_id=row.employee_id, manager_id=row.manager_id, scheduled_for=row.scheduled_for, state=row.state,
        review_id=row.review_id, goal_ids=tuple(row.goal_ids), shared_notes=row.shared_notes, notes_recorded=bool(row.notes_recorded),
        signed_by=tuple(row.signed_by), version=row.version, created_at=row.created_at, updated_at=row.updated_at,
        preparations=tuple(Preparation(p.author_id, p.reflection, tuple(p.agenda_items), p.submitted_at) for p in preparations),
    )


class SqlDialogueRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def _preparations(self, ids: Sequence[str]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {i: [] for i in ids}
        if ids:
            for p in await self.conn.execute(_PREPARATIONS, {"b_ids": list(ids)}):
                out[p.dialogue_id].append(p)
        return out

    async def get(self, dialogue_id: str) -> Dialogue | None:
        row = (await self.conn.execute(_GET, {"b_id": dialogue_id})).first()
        if row is None:
            return None
        return dialogue_from_row(row, (await self._preparations([row.id]))[row.id])

    async def of(self, person: str) -> list[Dialogue]:
        rows = list(await self.conn.execute(_OF, {"b_person": person}))
        preparations = await self._preparations([r.id for r in rows])
        return [dialogue_from_row(r, preparations[r.id]) for r in rows]

    async def add(self, dialogue: Dialogue) -> None:
        await self.conn.execute(_d.insert().values(
            id=dialogue.id, kind=dialogue.kind, employee_id=dialogue.employee_id, manager_id=dialogue.manager_id, scheduled_for=dialogue.scheduled_for,
            state=dialogue.state, review_id=dialogue.review_id, goal_ids=list(dialogue.goal_ids), shared_notes=dialogue.shared_notes,
            notes_recorded=dialogue.notes_recorded, signed_by=list(dialogue.signed_by), version=dialogue.version,
            created_at=dialogue.created_at, updated_at=dialogue.updated_at,
        ))

    async def save(self, dialogue: Dialogue, expected_version: int) -> None:
        done = await self.conn.execute(_SAVE, {
            "b_id": dialogue.id, "b_expected": expected_version, "b_state": dialogue.state, "b_shared_notes": dialogue.shared_notes,
            "b_notes_recorded": dialogue.notes_recorded, "b_signed_by": list(dialogue.signed_by), "b_version": dialogue.version,
            "b_updated_at": dialogue.updated_at,
        })
        if done.rowcount != 1:
            raise StaleVersion(f"dialogue {dialogue.id} changed concurrently: reload and retry")

    async def save_preparation(self, dialogue_id: str, preparation: Preparation) -> None:
        await self.conn.execute(_DROP_PREPARATION, {"b_id": dialogue_id, "b_author": preparation.author_id})
        await self.conn.execute(_p.insert().values(
            dialogue_id=dialogue_id, author_id=preparation.author_id, reflection=preparation.reflection,
            agenda_items=list(preparation.agenda_items), submitted_at=preparation.submitted_at,
        ))

    async def review_subject(self, review_id: str) -> str | None:
        return (await self.conn.execute(_REVIEW_SUBJECT, {"b_id": review_id})).scalar()


def dialogue_to_proto(seen: DialogueSeen) -> pb.Dialogue:
    """As one of its two people sees it: the notes, and both preparations once both are in."""
    d = seen.dialogue
    out = pb.Dialogue(
        id=d.id, kind=d.kind, employee_id=d.employee_id, manager_id=d.manager_id, scheduled_for=d.scheduled_for, state=d.state,  # type: ignore[arg-type]
        prepared_by=d.prepared_by, signed_by=list(d.signed_by), review_id=d.review_id or "", goal_ids=list(d.goal_ids), version=d.version,
        action_items=[item_to_proto(p) for p in seen.plan], shared_notes=d.shared_notes,
    )
    if d.both_prepared:
        out.preparations.extend(
            pb.DialoguePreparation(author_id=p.author_id, reflection=p.reflection, agenda_items=list(p.agenda_items), submitted_at=timestamp(p.submitted_at))
            for p in d.preparations
        )
    return out


def listed_to_proto(dialogue: Dialogue) -> pb.Dialogue:
    """A dialogue in a list: when, what state, who prepared and signed; no content."""
    return pb.Dialogue(
        id=dialogue.id, kind=dialogue.kind, employee_id=dialogue.employee_id, manager_id=dialogue.manager_id,  # type: ignore[arg-type]
        scheduled_for=dialogue.scheduled_for, state=dialogue.state, prepared_by=dialogue.prepared_by, signed_by=list(dialogue.signed_by),  # type: ignore[arg-type]
        review_id=dialogue.review_id or "", version=dialogue.version,
    )


def dialogue_from_proto(message: pb.Dialogue) -> DialogueSeen:
    """A remembered answer back (what its response holds; a preparation not yet shown is not in it)."""
    epoch = dt.datetime.fromtimestamp(0, dt.UTC)
    shown = {p.author_id: p for p in message.preparations}
    preparations = tuple(
        Preparation(a, shown[a].reflection, tuple(shown[a].agenda_items), shown[a].submitted_at.ToDatetime(tzinfo=dt.UTC)) if a in shown
        else Preparation(a, "", (), epoch)
        for a in message.prepared_by
    )
    dialogue = Dialogue(
        id=message.id, kind=message.kind, employee_id=message.employee_id, manager_id=message.manager_id, scheduled_for=message.scheduled_for,
        state=message.state, review_id=message.review_id or None, goal_ids=tuple(message.goal_ids), shared_notes=message.shared_notes,
        notes_recorded=message.state in (rules.HELD, rules.SIGNED) or bool(message.shared_notes), signed_by=tuple(message.signed_by),
        version=message.version, created_at=epoch, updated_at=epoch, preparations=preparations,
    )
    return DialogueSeen(dialogue, tuple(item_from_proto(i) for i in message.action_items))


def dialogue_event(dialogue: Dialogue, actor: str, at: dt.datetime) -> pb.DialogueUpdated:
    prepared = dialogue.prepared_by
    return pb.DialogueUpdated(
        metadata=new_metadata(producer=PRODUCER, subject_id=dialogue.employee_id, visibility=event_pb2.VISIBILITY_RECEIVER_AND_MANAGER, actor_id=actor, occurred_at=at),
        dialogue_id=dialogue.id, employee_id=dialogue.employee_id, manager_id=dialogue.manager_id, kind=dialogue.kind, state=dialogue.state,  # type: ignore[arg-type]
        prepared_by=prepared, signed_by=list(dialogue.signed_by), waiting_for=rules.waiting_for(dialogue.people, prepared),
        scheduled_for=dialogue.scheduled_for,
    )


def read_to_proto(read: DialogueRead) -> pb.Dialogue:
    """GetDialogue's answer: the notes and preparations only where the reader's view shows them, the pulled-in reports."""
    out = dialogue_to_proto(read.seen)
    if not read.notes:
        out.shared_notes = ""
    if not read.preparations:
        del out.preparations[:]
    if read.report is not None:
        out.review_report.CopyFrom(report_to_proto(read.report))
    if read.gap is not None:
        out.gap_report.CopyFrom(gap_to_proto(read.gap))
    return out
