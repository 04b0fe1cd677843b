"""The purple dialogue: schedule, prepare (hidden until both are in), shared notes, both sign; pulls in 360, gap and goals."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters import action_plan_repository, directory
from paars_feedback.adapters import tables as t
from paars_feedback.domain import dialogue as rules
from paars_feedback.domain.privacy import DialogueView, Ties, dialogue_view, report_view
from paars_feedback.service_layer.common import (
    MAX_TEXT,
    PRODUCER,
    Base,
    Read,
    check_ids,
    hr_for,
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
from paars_platform import outbox
from paars_platform.auth import Identity
from paars_platform.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    StaleVersion,
    Validator,
)
from paars_platform.events import new_metadata, timestamp

KINDS = (pb.DIALOGUE_KIND_PERFORMANCE, pb.DIALOGUE_KIND_EVALUATION)


def _valid_moment(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value)
        return True
    except ValueError:
        return False


async def _dialogue(conn: AsyncConnection, dialogue_id: str) -> Any:
    row = (await conn.execute(sa.select(t.dialogues).where(t.dialogues.c.id == dialogue_id))).first()
    if row is None:
        raise NotFound(f"dialogue {dialogue_id!r} not found")
    return row


async def _preparations(conn: AsyncConnection, dialogue_id: str) -> list[Any]:
    p = t.dialogue_preparations
    return list((await conn.execute(sa.select(p).where(p.c.dialogue_id == dialogue_id).order_by(p.c.submitted_at, p.c.author_id))).all())


def _participant_view(caller: Identity, both_prepared: bool) -> DialogueView:
    """What one of the two people sees right after their own change (they are a participant by then)."""
    return dialogue_view(reader_of(caller), Ties(is_participant=True), both_prepared=both_prepared)


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

    def _event(self, row: Any, prepared_by: list[str], actor: str) -> pb.DialogueUpdated:
        people = rules.participants(row.employee_id, row.manager_id)
        return pb.DialogueUpdated(
            metadata=new_metadata(producer=PRODUCER, subject_id=row.employee_id, visibility=event_pb2.VISIBILITY_RECEIVER_AND_MANAGER, actor_id=actor, occurred_at=self.clock()),
            dialogue_id=row.id, employee_id=row.employee_id, manager_id=row.manager_id, kind=row.kind, state=row.state,
            prepared_by=prepared_by, signed_by=list(row.signed_by), waiting_for=rules.waiting_for(people, prepared_by), scheduled_for=row.scheduled_for,
        )

    async def _participant(self, caller: Identity, row: Any) -> None:
        if caller.employee_id not in rules.participants(row.employee_id, row.manager_id):
            raise PermissionDenied("only the two people of the dialogue take part in it")

    async def _save(self, conn: AsyncConnection, row: Any, caller: Identity, **values: Any) -> pb.Dialogue:
        """Bumps the version, recomputes the state, writes the event; returns the dialogue as the actor sees it."""
        people = rules.participants(row.employee_id, row.manager_id)
        prepared = [p.author_id for p in await _preparations(conn, row.id) if p.author_id in people]
        notes = values.get("notes_recorded", row.notes_recorded)
        signed = values.get("signed_by", row.signed_by)
        state = rules.state(people, prepared, notes, signed)
        result = await conn.execute(
            t.dialogues.update().where(t.dialogues.c.id == row.id, t.dialogues.c.version == row.version).values(
                state=state, version=row.version + 1, updated_at=self.clock(), **values
            )
        )
        if result.rowcount != 1:
            raise StaleVersion(f"dialogue {row.id} changed concurrently: reload and retry")
        row = await _dialogue(conn, row.id)
        await outbox.append(conn, t.platform["outbox"], self._event(row, prepared, caller.employee_id))
        return await self._proto(conn, row, _participant_view(caller, rules.both_prepared(people, prepared)))

    async def schedule(self, caller: Identity, request: pb.ScheduleDialogueRequest) -> pb.Dialogue:
        v = Validator()
        v.check(request.kind in KINDS, "kind", "must be performance (functioneringsgesprek) or evaluation (evaluatiegesprek)")
        v.check(valid_id(request.employee_id), "employee_id", "is required")
        if v.require(request.scheduled_for, "scheduled_for", 40):
            v.check(_valid_moment(request.scheduled_for), "scheduled_for", "must be an ISO date or date-time")
        if request.review_id:
            v.check(valid_id(request.review_id), "review_id", "is not a valid id")
        check_ids(v, list(request.goal_ids), "goal_ids")
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()
        me = caller.employee_id

        async def work(conn: AsyncConnection) -> pb.Dialogue:
            person = await directory.person(conn, request.employee_id, "employee_id")
            if not person.manager_id:
                raise FailedPrecondition("employee_id: the person has no manager to hold the dialogue with")
            if me not in (person.id, person.manager_id) and not await hr_for(conn, caller, person.id):
                raise PermissionDenied("the person, their manager or HR schedule a dialogue")
            if request.review_id:
                review = await load_review(conn, request.review_id)
                if review.subject_id != person.id:
                    raise InvalidArgument("review_id", "is the review of someone else")
            now = self.clock()
            dialogue_id = uuid.uuid4().hex
            await conn.execute(
                t.dialogues.insert().values(
                    id=dialogue_id, kind=request.kind, employee_id=person.id, manager_id=person.manager_id, scheduled_for=request.scheduled_for,
                    state=rules.PREPARING, review_id=request.review_id or None, goal_ids=list(request.goal_ids), shared_notes="",
                    notes_recorded=False, signed_by=[], version=1, created_at=now, updated_at=now,
                )
            )
            row = await _dialogue(conn, dialogue_id)
            await outbox.append(conn, t.platform["outbox"], self._event(row, [], me))
            return await self._proto(conn, row, _participant_view(caller, False))

        return await self.once(me, request.idempotency_key, "ScheduleDialogue", request, pb.Dialogue, work)

    async def prepare(self, caller: Identity, request: pb.SubmitPreparationRequest) -> pb.Dialogue:
        v = Validator()
        v.check(valid_id(request.dialogue_id), "dialogue_id", "is required")
        v.require(request.reflection, "reflection", MAX_TEXT)
        v.check(len(request.agenda_items) <= 20, "agenda_items", "at most 20 items")
        for i, item in enumerate(request.agenda_items):
            v.require(item, f"agenda_items[{i}]", 200)
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()
        me = caller.employee_id

        async def work(conn: AsyncConnection) -> pb.Dialogue:
            row = await _dialogue(conn, request.dialogue_id)
            await self._participant(caller, row)
            if not rules.may_prepare(row.state):
                raise FailedPrecondition("dialogue_id: both preparations are in; add to the shared notes instead")
            p = t.dialogue_preparations
            await conn.execute(p.delete().where(p.c.dialogue_id == row.id, p.c.author_id == me))
            await conn.execute(
                p.insert().values(dialogue_id=row.id, author_id=me, reflection=request.reflection.strip(), agenda_items=[a.strip() for a in request.agenda_items], submitted_at=self.clock())
            )
            return await self._save(conn, row, caller)

        return await self.once(me, request.idempotency_key, "SubmitPreparation", request, pb.Dialogue, work)

    async def record_notes(self, caller: Identity, request: pb.RecordDialogueNotesRequest) -> pb.Dialogue:
        v = Validator()
        v.check(valid_id(request.dialogue_id), "dialogue_id", "is required")
        v.require(request.shared_notes, "shared_notes", 10 * MAX_TEXT)
        v.check(request.expected_version >= 0, "expected_version", "cannot be negative")
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()
        me = caller.employee_id

        async def work(conn: AsyncConnection) -> pb.Dialogue:
            row = await _dialogue(conn, request.dialogue_id)
            await self._participant(caller, row)
            if request.expected_version and request.expected_version != row.version:
                raise StaleVersion(f"dialogue {row.id} is at version {row.version}, not {request.expected_version}: reload and retry")
            if not rules.may_record_notes(row.state):
                raise FailedPrecondition(f"dialogue_id: notes follow both preparations and precede both signatures (now {pb.Dialogue.State.Name(row.state)})")
            # Changed notes are not what anyone signed.
            return await self._save(conn, row, caller, shared_notes=request.shared_notes.strip(), notes_recorded=True, signed_by=[])

        return await self.once(me, request.idempotency_key, "RecordDialogueNotes", request, pb.Dialogue, work)

    async def sign(self, caller: Identity, request: pb.SignDialogueRequest) -> pb.Dialogue:
        v = Validator()
        v.check(valid_id(request.dialogue_id), "dialogue_id", "is required")
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()
        me = caller.employee_id

        async def work(conn: AsyncConnection) -> pb.Dialogue:
            row = await _dialogue(conn, request.dialogue_id)
            await self._participant(caller, row)
            if not rules.may_sign(row.state):
                raise FailedPrecondition(f"dialogue_id: a dialogue is signed after both prepared it (now {pb.Dialogue.State.Name(row.state)})")
            signed = list(row.signed_by)
            if me in signed:
                return await self._proto(conn, row, _participant_view(caller, True))
            people = rules.participants(row.employee_id, row.manager_id)
            plan = await action_plan_repository.for_dialogue(conn, row.id)
            if not rules.plan_agreed(people, [item.confirmed_by for item in plan]):
                raise FailedPrecondition("dialogue_id: both people confirm every item of the action plan before signing")
            return await self._save(conn, row, caller, signed_by=signed + [me])

        return await self.once(me, request.idempotency_key, "SignDialogue", request, pb.Dialogue, work)

    async def list_mine(self, caller: Identity) -> pb.ListDialoguesResponse:
        """The caller's dialogues as one of their two people: when, what state, who prepared and signed; no content."""
        me = caller.employee_id
        d = t.dialogues
        async with self.db.read() as conn:
            rows = (await conn.execute(sa.select(d).where(sa.or_(d.c.employee_id == me, d.c.manager_id == me)).order_by(d.c.scheduled_for.desc(), d.c.id))).all()
            out = pb.ListDialoguesResponse()
            for row in rows:
                people = rules.participants(row.employee_id, row.manager_id)
                prepared = [p.author_id for p in await _preparations(conn, row.id) if p.author_id in people]
                out.dialogues.append(pb.Dialogue(
                    id=row.id, kind=row.kind, employee_id=row.employee_id, manager_id=row.manager_id, scheduled_for=row.scheduled_for,
                    state=row.state, prepared_by=prepared, signed_by=list(row.signed_by), review_id=row.review_id or "", version=row.version,
                ))
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
