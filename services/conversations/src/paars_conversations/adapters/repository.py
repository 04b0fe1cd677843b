"""The conversations repositories on SQL (SQLite and PostgreSQL alike): every statement and the row <-> domain
mapping. A meeting's agenda, shared notes and agreements are JSON on its row; private notes are rows of their own,
read only by (meeting, author)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_conversations.adapters import tables as t
from paars_conversations.domain import circles as ci
from paars_conversations.domain import coaching as co
from paars_conversations.domain import concerns as cn
from paars_conversations.domain import one_on_one as o
from paars_conversations.domain import support as su
from paars_conversations.domain.directory import Person


def _locked(conn: AsyncConnection, statement: sa.Select[Any], for_update: bool) -> sa.Select[Any]:
    # SQLite serialises writers already; PostgreSQL locks the row until the transaction ends.
    return statement.with_for_update() if for_update and conn.dialect.name == "postgresql" else statement


def _at(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


class SqlPeopleRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    @staticmethod
    def _person(row: Any) -> Person:
        return Person(row.id, row.name, row.manager_id, row.team_id, frozenset(row.roles), bool(row.active))

    async def get(self, employee_id: str) -> Person | None:
        row = (await self.conn.execute(sa.select(t.people).where(t.people.c.id == employee_id))).first()
        return self._person(row) if row is not None else None

    async def managers(self) -> list[Person]:
        rows = await self.conn.execute(sa.select(t.people).where(t.people.c.active.is_(True)).order_by(t.people.c.id))
        return [p for p in (self._person(r) for r in rows) if "manager" in p.roles]


_PAIR = t.pairs


def _pair(row: Any) -> o.Pair:
    return o.Pair(
        id=row.id, lead_id=row.lead_id, other_id=row.other_id, kind=o.PairKind[row.kind], cadence_days=row.cadence_days,
        created_at=row.created_at, consecutive_skips=row.consecutive_skips,
    )


class SqlPairRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, pair: o.Pair) -> None:
        await self.conn.execute(_PAIR.insert().values(
            id=pair.id, lead_id=pair.lead_id, other_id=pair.other_id, kind=pair.kind.name, cadence_days=pair.cadence_days,
            consecutive_skips=pair.consecutive_skips, created_at=pair.created_at,
        ))

    async def get(self, pair_id: str, *, for_update: bool = False) -> o.Pair | None:
        row = (await self.conn.execute(_locked(self.conn, sa.select(_PAIR).where(_PAIR.c.id == pair_id), for_update))).first()
        return _pair(row) if row is not None else None

    async def save(self, pair: o.Pair) -> None:
        await self.conn.execute(_PAIR.update().where(_PAIR.c.id == pair.id).values(
            cadence_days=pair.cadence_days, consecutive_skips=pair.consecutive_skips,
        ))

    async def of_person(self, employee_id: str) -> list[o.Pair]:
        rows = await self.conn.execute(
            sa.select(_PAIR).where(sa.or_(_PAIR.c.lead_id == employee_id, _PAIR.c.other_id == employee_id))
            .order_by(_PAIR.c.created_at, _PAIR.c.id)
        )
        return [_pair(r) for r in rows]

    async def between(self, a: str, b: str, kind: o.PairKind) -> o.Pair | None:
        row = (await self.conn.execute(sa.select(_PAIR).where(
            _PAIR.c.kind == kind.name,
            sa.or_(sa.and_(_PAIR.c.lead_id == a, _PAIR.c.other_id == b), sa.and_(_PAIR.c.lead_id == b, _PAIR.c.other_id == a)),
        ))).first()
        return _pair(row) if row is not None else None


_M = t.meetings


def _topic_json(x: o.AgendaTopic) -> dict[str, Any]:
    return {"id": x.id, "author_id": x.author_id, "text": x.text, "link_kind": x.link_kind.name, "link_id": x.link_id, "added_at": x.added_at.isoformat()}


def _note_json(x: o.Note) -> dict[str, Any]:
    return {"id": x.id, "author_id": x.author_id, "text": x.text, "written_at": x.written_at.isoformat()}


def _agreement_json(x: o.Agreement) -> dict[str, Any]:
    return {
        "id": x.id, "text": x.text, "owner_id": x.owner_id, "due_date": x.due_date.isoformat() if x.due_date else None,
        "proposed_by": x.proposed_by, "confirmed_by": list(x.confirmed_by),
    }


def _meeting(row: Any, pair: o.Pair) -> o.Meeting:
    return o.Meeting(
        id=row.id, pair=pair, scheduled_on=row.scheduled_on, state=o.MeetingState[row.state],
        agenda=tuple(
            o.AgendaTopic(d["id"], d["author_id"], d["text"], o.LinkKind[d["link_kind"]], d["link_id"], _at(d["added_at"])) for d in row.agenda
        ),
        shared_notes=tuple(o.Note(d["id"], d["author_id"], d["text"], _at(d["written_at"])) for d in row.shared_notes),
        agreements=tuple(
            o.Agreement(d["id"], d["text"], d["owner_id"], _date(d["due_date"]), d["proposed_by"], tuple(d["confirmed_by"]))
            for d in row.agreements
        ),
        hat=o.Hat[row.hat], held_at=row.held_at,
    )


class SqlMeetingRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    def _select(self) -> sa.Select[Any]:
        return sa.select(_M, *(c.label(f"p_{c.name}") for c in _PAIR.c)).join(_PAIR, _PAIR.c.id == _M.c.pair_id)

    @staticmethod
    def _from_joined(row: Any) -> o.Meeting:
        pair = o.Pair(
            id=row.p_id, lead_id=row.p_lead_id, other_id=row.p_other_id, kind=o.PairKind[row.p_kind],
            cadence_days=row.p_cadence_days, created_at=row.p_created_at, consecutive_skips=row.p_consecutive_skips,
        )
        return _meeting(row, pair)

    @staticmethod
    def _values(m: o.Meeting) -> dict[str, Any]:
        return {
            "state": m.state.name, "hat": m.hat.name, "held_at": m.held_at,
            "agenda": [_topic_json(x) for x in m.agenda], "shared_notes": [_note_json(x) for x in m.shared_notes],
            "agreements": [_agreement_json(x) for x in m.agreements],
        }

    async def add(self, meeting: o.Meeting) -> None:
        await self.conn.execute(_M.insert().values(id=meeting.id, pair_id=meeting.pair.id, scheduled_on=meeting.scheduled_on, **self._values(meeting)))

    async def get(self, meeting_id: str, *, for_update: bool = False) -> o.Meeting | None:
        statement = self._select().where(_M.c.id == meeting_id)
        if for_update and self.conn.dialect.name == "postgresql":
            statement = statement.with_for_update(of=_M)
        row = (await self.conn.execute(statement)).first()
        return self._from_joined(row) if row is not None else None

    async def save(self, meeting: o.Meeting) -> None:
        await self.conn.execute(_M.update().where(_M.c.id == meeting.id).values(**self._values(meeting)))

    async def of_pair(self, pair_id: str) -> list[o.Meeting]:
        rows = await self.conn.execute(self._select().where(_M.c.pair_id == pair_id).order_by(_M.c.scheduled_on.desc(), _M.c.id))
        return [self._from_joined(r) for r in rows]

    async def scheduled(self, pair_ids: list[str]) -> dict[str, o.Meeting]:
        if not pair_ids:
            return {}
        rows = await self.conn.execute(
            self._select().where(_M.c.pair_id.in_(pair_ids), _M.c.state == o.MeetingState.SCHEDULED.name).order_by(_M.c.scheduled_on)
        )
        found: dict[str, o.Meeting] = {}
        for r in rows:
            found.setdefault(r.pair_id, self._from_joined(r))
        return found

    async def held_led_by(self, lead_id: str, since: dt.datetime) -> list[o.Meeting]:
        rows = await self.conn.execute(self._select().where(
            _PAIR.c.lead_id == lead_id, _M.c.state == o.MeetingState.HELD.name, _M.c.held_at >= since,
        ))
        return [self._from_joined(r) for r in rows]


_PN = t.private_notes


class SqlPrivateNoteRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, meeting_id: str, note: o.Note) -> None:
        await self.conn.execute(_PN.insert().values(
            id=note.id, meeting_id=meeting_id, author_id=note.author_id, text=note.text, written_at=note.written_at,
        ))

    async def by_author(self, meeting_id: str, author_id: str) -> tuple[o.Note, ...]:
        rows = await self.conn.execute(
            sa.select(_PN).where(_PN.c.meeting_id == meeting_id, _PN.c.author_id == author_id).order_by(_PN.c.written_at, _PN.c.id)
        )
        return tuple(o.Note(r.id, r.author_id, r.text, r.written_at, private=True) for r in rows)


_R = t.meeting_reads


class SqlReadAuditRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def record(self, meeting_id: str, reader_id: str, at: dt.datetime) -> None:
        await self.conn.execute(_R.insert().values(meeting_id=meeting_id, reader_id=reader_id, read_at=at))

    async def of_meeting(self, meeting_id: str) -> list[tuple[str, dt.datetime]]:
        rows = await self.conn.execute(sa.select(_R.c.reader_id, _R.c.read_at).where(_R.c.meeting_id == meeting_id).order_by(_R.c.id.desc()))
        return [(r.reader_id, r.read_at) for r in rows]


_CP = t.coach_profiles
_CR = t.coaching_requests
_CS = t.coaching_sessions


def _request(row: Any) -> co.CoachingRequest:
    return co.CoachingRequest(
        id=row.id, coachee_id=row.coachee_id, coach_id=row.coach_id, relation=co.Relation[row.relation], topic=row.topic,
        requested_at=row.requested_at, state=co.State[row.state],
        goals=tuple(co.CoachingGoal(g["id"], g["text"], g["development_goal_id"]) for g in row.goals),
    )


class SqlCoachingRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def profile(self, coach_id: str) -> co.CoachProfile | None:
        row = (await self.conn.execute(sa.select(_CP).where(_CP.c.coach_id == coach_id))).first()
        return co.CoachProfile(row.coach_id, row.bio, row.capacity, row.active_coachees) if row is not None else None

    async def save_profile(self, profile: co.CoachProfile) -> None:
        values = {"bio": profile.bio, "capacity": profile.capacity, "active_coachees": profile.active_coachees}
        updated = await self.conn.execute(_CP.update().where(_CP.c.coach_id == profile.coach_id).values(**values))
        if not updated.rowcount:
            await self.conn.execute(_CP.insert().values(coach_id=profile.coach_id, **values))

    async def profiles(self) -> list[co.CoachProfile]:
        rows = await self.conn.execute(sa.select(_CP).order_by(_CP.c.coach_id))
        return [co.CoachProfile(r.coach_id, r.bio, r.capacity, r.active_coachees) for r in rows]

    @staticmethod
    def _request_values(r: co.CoachingRequest) -> dict[str, Any]:
        return {
            "state": r.state.name,
            "goals": [{"id": g.id, "text": g.text, "development_goal_id": g.development_goal_id} for g in r.goals],
        }

    async def add_request(self, request: co.CoachingRequest) -> None:
        await self.conn.execute(_CR.insert().values(
            id=request.id, coachee_id=request.coachee_id, coach_id=request.coach_id, relation=request.relation.name,
            topic=request.topic, requested_at=request.requested_at, **self._request_values(request),
        ))

    async def get_request(self, request_id: str, *, for_update: bool = False) -> co.CoachingRequest | None:
        row = (await self.conn.execute(_locked(self.conn, sa.select(_CR).where(_CR.c.id == request_id), for_update))).first()
        return _request(row) if row is not None else None

    async def save_request(self, request: co.CoachingRequest) -> None:
        await self.conn.execute(_CR.update().where(_CR.c.id == request.id).values(**self._request_values(request)))

    async def requests_of(self, employee_id: str) -> list[co.CoachingRequest]:
        rows = await self.conn.execute(
            sa.select(_CR).where(sa.or_(_CR.c.coachee_id == employee_id, _CR.c.coach_id == employee_id))
            .order_by(_CR.c.requested_at.desc(), _CR.c.id)
        )
        return [_request(r) for r in rows]

    async def add_session(self, session: co.CoachingSession) -> None:
        await self.conn.execute(_CS.insert().values(
            id=session.id, request_id=session.request_id, held_on=session.held_on, notes=session.notes, recorded_by=session.recorded_by,
        ))

    async def sessions(self, request_id: str) -> list[co.CoachingSession]:
        rows = await self.conn.execute(sa.select(_CS).where(_CS.c.request_id == request_id).order_by(_CS.c.held_on.desc(), _CS.c.id))
        return [co.CoachingSession(r.id, r.request_id, r.held_on, r.notes, r.recorded_by) for r in rows]


_CN = t.concerns


def _concern(row: Any) -> cn.Concern:
    return cn.Concern(
        id=row.id, raised_by=row.raised_by, kind=cn.Kind[row.kind], text=row.text, raised_at=row.raised_at,
        updated_at=row.updated_at, state=cn.State[row.state], resolution=row.resolution, handled_by=row.handled_by,
    )


class SqlConcernRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, concern: cn.Concern) -> None:
        await self.conn.execute(_CN.insert().values(
            id=concern.id, raised_by=concern.raised_by, kind=concern.kind.name, text=concern.text, state=concern.state.name,
            resolution=concern.resolution, handled_by=concern.handled_by, raised_at=concern.raised_at, updated_at=concern.updated_at,
        ))

    async def get(self, concern_id: str, *, for_update: bool = False) -> cn.Concern | None:
        row = (await self.conn.execute(_locked(self.conn, sa.select(_CN).where(_CN.c.id == concern_id), for_update))).first()
        return _concern(row) if row is not None else None

    async def save(self, concern: cn.Concern) -> None:
        await self.conn.execute(_CN.update().where(_CN.c.id == concern.id).values(
            state=concern.state.name, resolution=concern.resolution, handled_by=concern.handled_by, updated_at=concern.updated_at,
        ))

    async def raised_by(self, employee_id: str) -> list[cn.Concern]:
        rows = await self.conn.execute(sa.select(_CN).where(_CN.c.raised_by == employee_id).order_by(_CN.c.raised_at.desc(), _CN.c.id))
        return [_concern(r) for r in rows]

    async def every(self) -> list[cn.Concern]:
        rows = await self.conn.execute(sa.select(_CN).order_by(_CN.c.raised_at.desc(), _CN.c.id))
        return [_concern(r) for r in rows]


_PS = t.professional_services


def _service(row: Any) -> su.ProfessionalService:
    return su.ProfessionalService(row.id, su.Kind[row.kind], row.name, row.description, row.contact, bool(row.active), row.updated_at, row.updated_by)


class SqlSupportRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, service_id: str, *, for_update: bool = False) -> su.ProfessionalService | None:
        row = (await self.conn.execute(_locked(self.conn, sa.select(_PS).where(_PS.c.id == service_id), for_update))).first()
        return _service(row) if row is not None else None

    async def save(self, service: su.ProfessionalService) -> None:
        values = {
            "kind": service.kind.name, "name": service.name, "description": service.description, "contact": service.contact,
            "active": service.active, "updated_at": service.updated_at, "updated_by": service.updated_by,
        }
        done = await self.conn.execute(_PS.update().where(_PS.c.id == service.id).values(**values))
        if not done.rowcount:
            await self.conn.execute(_PS.insert().values(id=service.id, **values))

    async def every(self) -> list[su.ProfessionalService]:
        return [_service(r) for r in await self.conn.execute(sa.select(_PS).order_by(_PS.c.id))]

    async def count(self) -> int:
        return int((await self.conn.execute(sa.select(sa.func.count()).select_from(_PS))).scalar_one())


_CI = t.circles
_CIS = t.circle_sessions


def _circle(row: Any) -> ci.Circle:
    return ci.Circle(row.id, row.name, tuple(row.member_ids), row.formed_by, row.formed_at, row.next_session_on)


class SqlCircleRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, circle: ci.Circle) -> None:
        await self.conn.execute(_CI.insert().values(
            id=circle.id, name=circle.name, member_ids=list(circle.member_ids), formed_by=circle.formed_by, formed_at=circle.formed_at,
            next_session_on=circle.next_session_on,
        ))

    async def get(self, circle_id: str, *, for_update: bool = False) -> ci.Circle | None:
        row = (await self.conn.execute(_locked(self.conn, sa.select(_CI).where(_CI.c.id == circle_id), for_update))).first()
        return _circle(row) if row is not None else None

    async def every(self) -> list[ci.Circle]:
        return [_circle(r) for r in await self.conn.execute(sa.select(_CI).order_by(_CI.c.formed_at, _CI.c.id))]

    async def add_session(self, session: ci.CircleSession) -> None:
        await self.conn.execute(_CIS.insert().values(
            id=session.id, circle_id=session.circle_id, held_on=session.held_on, case_owner_id=session.case_owner_id,
            case_text=session.case_text, notes=session.notes, created_at=dt.datetime.now(dt.UTC),
        ))

    async def plan(self, circle_id: str, next_session_on: dt.date | None) -> None:
        await self.conn.execute(sa.update(_CI).where(_CI.c.id == circle_id).values(next_session_on=next_session_on))

    async def sessions(self, circle_id: str) -> list[ci.CircleSession]:
        rows = await self.conn.execute(
            sa.select(_CIS).where(_CIS.c.circle_id == circle_id).order_by(_CIS.c.held_on.desc(), _CIS.c.created_at.desc(), _CIS.c.id)
        )
        return [ci.CircleSession(r.id, r.circle_id, r.held_on, r.case_owner_id, r.case_text, r.notes) for r in rows]
