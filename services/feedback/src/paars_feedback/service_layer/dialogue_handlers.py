"""Reading one purple dialogue (GetDialogue) with the 360 and gap report it pulls in, as far as the reader may see them.
Its changes are commands in dialogue_use_cases.py; this read moves there with the review use cases."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters import action_plan_repository
from paars_feedback.adapters import tables as t
from paars_feedback.domain import dialogue as rules
from paars_feedback.domain.privacy import DialogueView, dialogue_view, report_view
from paars_feedback.service_layer.common import (
    Base,
    Read,
    reader_of,
    record_reads,
    ties_for,
    valid_id,
)
from paars_feedback.service_layer.review_handlers import (
    folded_for,
    gap_for,
    load_review,
    report_to_proto,
    review_ties,
)
from paars_platform.auth import Identity
from paars_platform.errors import (
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from paars_platform.events import timestamp


async def _dialogue(conn: AsyncConnection, dialogue_id: str) -> Any:
    row = (await conn.execute(sa.select(t.dialogues).where(t.dialogues.c.id == dialogue_id))).first()
    if row is None:
        raise NotFound(f"dialogue {dialogue_id!r} not found")
    return row


async def _preparations(conn: AsyncConnection, dialogue_id: str) -> list[Any]:
    p = t.dialogue_preparations
    return list((await conn.execute(sa.select(p).where(p.c.dialogue_id == dialogue_id).order_by(p.c.submitted_at, p.c.author_id))).all())


class DialogueHandlers(Base):
    async def _proto(self, conn: AsyncConnection, row: Any, view: DialogueView, caller: Identity | None = None) -> pb.Dialogue:
        people = rules.participants(row.employee_id, row.manager_id)
        preps = await _preparations(conn, row.id)
        out = pb.Dialogue(
            id=row.id, kind=row.kind, employee_id=row.employee_id, manager_id=row.manager_id, scheduled_for=row.scheduled_for,
            state=row.state, prepared_by=[p.author_id for p in preps if p.author_id in people], signed_by=list(row.signed_by),
            review_id=row.review_id or "", goal_ids=list(row.goal_ids), version=row.version,
            action_items=await action_plan_repository.for_dialogue(conn, row.id),
        )
        if view.notes:
            out.shared_notes = row.shared_notes
        if view.preparations:
            out.preparations.extend(
                pb.DialoguePreparation(author_id=p.author_id, reflection=p.reflection, agenda_items=list(p.agenda_items), submitted_at=timestamp(p.submitted_at))
                for p in preps
            )
        if row.review_id and caller is not None and view.notes:
            # The 360 results and the gap come in only as far as the reader may see them on their own.
            reader = reader_of(caller)
            review = await load_review(conn, row.review_id)
            report = report_view(reader, await review_ties(conn, reader, review))
            if report.aggregates:
                out.review_report.CopyFrom(report_to_proto(review, await folded_for(conn, review), report))
            if report.comments:
                out.gap_report.CopyFrom(await gap_for(conn, row.employee_id, review))
                await record_reads(conn, reader, [Read(review.subject_id, review.id, report.basis)], "GetDialogue")
        return out

    async def get(self, caller: Identity, dialogue_id: str) -> pb.Dialogue:
        if not valid_id(dialogue_id):
            raise InvalidArgument("dialogue_id", "is required")
        reader = reader_of(caller)
        async with self.db.transaction() as conn:
            row = await _dialogue(conn, dialogue_id)
            people = rules.participants(row.employee_id, row.manager_id)
            prepared = [p.author_id for p in await _preparations(conn, row.id)]
            ties = await ties_for(conn, reader, row.employee_id, share=("dialogue", row.id), participants=people)
            view = dialogue_view(reader, ties, both_prepared=rules.both_prepared(people, prepared))
            if not view.listed:
                raise PermissionDenied("a dialogue is for its two people (managers and HR follow its progress)")
            return await self._proto(conn, row, view, caller)
