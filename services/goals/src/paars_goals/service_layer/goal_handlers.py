"""Goal use cases: propose, counter-propose, agree, comment, check in, close; reads with roll-ups."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.common.v1 import event_pb2
from paars.goals.v1 import goals_pb2 as pb
from paars_goals.adapters import tables as t
from paars_goals.domain import goals as rules
from paars_goals.domain.org import in_hr_scope, manager_chain, team_path, valid_id
from paars_platform import outbox
from paars_platform.auth import Identity
from paars_platform.db import Database, utcnow
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, StaleVersion, Validator
from paars_platform.events import new_metadata, timestamp
from paars_platform.idempotency import run_once

PRODUCER = "goals"
MAX_KEY_RESULTS = 10
MAX_TITLE = 200
MAX_TEXT = 4000
MAX_VALUE = 1e12

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class OrgView:
    """The directory as access rules need it: who manages whom, who is in which team, the team tree."""

    managers: dict[str, str | None]
    team_of: dict[str, str | None]
    parents: dict[str, str | None]


def _parse_date(value: str, field: str, v: Validator) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        v.check(False, field, "must be a date YYYY-MM-DD")
        return None


def _finite(x: float) -> bool:
    return x == x and abs(x) <= MAX_VALUE


def _validate_key_results(krs: Any, v: Validator, prefix: str = "key_results", required: bool = True) -> None:
    if required:
        v.check(len(krs) > 0, prefix, "at least one measurable key result is required")
    v.check(len(krs) <= MAX_KEY_RESULTS, prefix, f"at most {MAX_KEY_RESULTS} key results")
    for i, kr in enumerate(krs):
        f = f"{prefix}[{i}]"
        v.require(kr.title, f"{f}.title")
        v.max_length(kr.unit, f"{f}.unit", 32)
        for name in ("start_value", "target_value", "current_value"):
            v.check(_finite(getattr(kr, name)), f"{f}.{name}", f"must be a finite number within ±{MAX_VALUE:g}")
        v.check(kr.start_value != kr.target_value, f"{f}.target_value", "must differ from start_value")
        if kr.id:
            v.check(valid_id(kr.id), f"{f}.id", "is not a valid id")


def _kr_json(krs: Any, existing: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Key results as stored. Progress starts at start_value; only check-ins move it, so an
    existing key result (same id) keeps its current value through a counter-proposal."""
    old = {k["id"]: k for k in existing or []}
    out = []
    for kr in krs:
        kid = kr.id or uuid.uuid4().hex[:12]
        current = old[kid]["current"] if kid in old else kr.start_value
        out.append({"id": kid, "title": kr.title.strip(), "start": kr.start_value, "target": kr.target_value, "current": current, "unit": kr.unit})
    return out


def _kr_values(krs: list[dict[str, Any]]) -> list[rules.KeyResultValues]:
    return [rules.KeyResultValues(k["start"], k["target"], k["current"]) for k in krs]



# Statements of the hot paths, built once; values go in as parameters (see paars_platform.db).
_GOAL = sa.select(t.goals).where(t.goals.c.id == sa.bindparam("b_id"))
_GOAL_FOR_UPDATE = _GOAL.with_for_update()
_CHILDREN = sa.select(t.goals).where(t.goals.c.parent_goal_id == sa.bindparam("b_parent"), t.goals.c.agreement != pb.AGREEMENT_STATE_PROPOSED)
_UPDATE_GOAL = (
    t.goals.update().where(t.goals.c.id == sa.bindparam("b_id"), t.goals.c.version == sa.bindparam("b_version")).returning(*t.goals.c)
)

class GoalHandlers:
    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        self.clock = clock or utcnow

    # ---------- directory lookups (the goals service owns the directory) ----------

    async def _employee(self, conn: AsyncConnection, employee_id: str, field: str) -> Any:
        row = (await conn.execute(sa.select(t.employees).where(t.employees.c.id == employee_id))).first()
        if row is None:
            raise NotFound(f"{field}: employee {employee_id!r} not found")
        return row

    async def _org(self, conn: AsyncConnection) -> OrgView:
        people = (await conn.execute(sa.select(t.employees.c.id, t.employees.c.manager_id, t.employees.c.team_id))).all()
        teams = (await conn.execute(sa.select(t.teams.c.id, t.teams.c.parent_team_id))).all()
        return OrgView({r.id: r.manager_id for r in people}, {r.id: r.team_id for r in people}, {r.id: r.parent_team_id for r in teams})

    async def _oversees(self, conn: AsyncConnection, caller: Identity, employee_id: str, org: OrgView | None = None) -> bool:
        """The caller stands above the person: one of their managers, HR whose scope covers them, an admin."""
        if caller.has("admin"):
            return True
        org = org or await self._org(conn)
        if caller.employee_id in manager_chain(employee_id, org.managers):
            return True
        return caller.has("hr") and in_hr_scope(org.team_of.get(caller.employee_id), team_path(org.team_of.get(employee_id), org.parents))

    # ---------- goal rows ----------

    async def _goal(self, conn: AsyncConnection, goal_id: str, *, for_update: bool = False) -> Any:
        if not goal_id:
            raise InvalidArgument("goal_id", "is required")
        query = _GOAL_FOR_UPDATE if for_update and conn.dialect.name == "postgresql" else _GOAL
        row = (await conn.execute(query, {"b_id": goal_id})).first()
        if row is None:
            raise NotFound(f"goal {goal_id!r} not found")
        return row

    async def _children(self, conn: AsyncConnection, goal_id: str) -> list[Any]:
        return list((await conn.execute(_CHILDREN, {"b_parent": goal_id})).all())

    async def _progress(self, conn: AsyncConnection, row: Any, depth: int = 0, children: list[Any] | None = None) -> float:
        """Own key results, or the weighted roll-up of agreed (and closed-achieved) children (given, or read)."""
        if depth >= 20:
            children = []
        elif children is None:
            children = await self._children(conn, row.id)
        children = [c for c in children if c.closed_status != pb.GOAL_STATUS_DROPPED]
        if children:
            parts = [(c.weight, await self._progress(conn, c, depth + 1)) for c in children]
            return rules.weighted_rollup(parts)
        return rules.own_progress(_kr_values(row.key_results))

    async def _to_proto(self, conn: AsyncConnection, row: Any, today: dt.date | None = None, children: list[Any] | None = None) -> pb.Goal:
        today = today or self.clock().date()
        progress = await self._progress(conn, row, children=children)
        expected = rules.expected_progress(row.start_date, row.due_date, today)
        return pb.Goal(
            id=row.id, kind=row.kind, level=row.level, title=row.title, description=row.description,
            owner_id=row.owner_id, team_id=row.team_id or "", parent_goal_id=row.parent_goal_id or "",
            weight=row.weight,
            key_results=[
                pb.KeyResult(id=k["id"], title=k["title"], start_value=k["start"], target_value=k["target"], current_value=k["current"], unit=k["unit"])
                for k in row.key_results
            ],
            start_date=row.start_date.isoformat(), due_date=row.due_date.isoformat(), agreement=row.agreement,
            status=rules.status(progress, expected, row.agreement, row.closed_status),
            progress=round(progress, 6), expected_progress=round(expected, 6), proposed_by=row.proposed_by,
            awaiting_agreement_from=row.awaiting_from or "", version=row.version,
            created_at=timestamp(row.created_at), updated_at=timestamp(row.updated_at), confidence=row.confidence,
            last_check_in_at=timestamp(row.last_check_in_at) if row.last_check_in_at else None,
        )

    def _event(self, goal: pb.Goal, actor: str, changes: list[int], field_changes: list[tuple[str, str, str]], **extra: Any) -> pb.GoalUpdated:
        visibility = (
            event_pb2.VISIBILITY_RECEIVER_AND_MANAGER if goal.level == pb.GOAL_LEVEL_INDIVIDUAL else event_pb2.VISIBILITY_INTERNAL
        )
        return pb.GoalUpdated(
            metadata=new_metadata(producer=PRODUCER, subject_id=goal.owner_id, visibility=visibility, actor_id=actor, occurred_at=self.clock()),
            changes=changes,  # type: ignore[arg-type]
            goal=goal,
            field_changes=[pb.FieldChange(field=f, before=b, after=a) for f, b, a in field_changes],
            **extra,
        )

    async def _once(self, caller: Identity, key: str, method: str, request: Any, response_type: Any, work: Any) -> Any:
        return await run_once(
            self.db, t.platform["idempotency_keys"], caller=caller.employee_id, key=key, method=method,
            request=request, response_type=response_type, work=work,
        )

    # ---------- commands ----------

    async def propose(self, caller: Identity, request: pb.ProposeGoalRequest) -> pb.Goal:
        v = Validator()
        v.check(request.kind in (pb.GOAL_KIND_PERFORMANCE, pb.GOAL_KIND_DEVELOPMENT, pb.GOAL_KIND_WELLBEING), "kind", "must be performance, development or wellbeing")
        v.check(request.level in (pb.GOAL_LEVEL_ORGANISATION, pb.GOAL_LEVEL_TEAM, pb.GOAL_LEVEL_INDIVIDUAL), "level", "must be organisation, team or individual")
        v.require(request.title, "title", MAX_TITLE)
        v.max_length(request.description, "description", MAX_TEXT)
        v.check(_finite(request.weight) and 0 <= request.weight <= 100, "weight", "must be between 0 and 100 (0 means 1)")
        _validate_key_results(request.key_results, v)
        start = _parse_date(request.start_date, "start_date", v) if request.start_date else self.clock().date()
        due = _parse_date(request.due_date, "due_date", v) if v.require(request.due_date, "due_date", 10) else None
        if start and due:
            v.check(due > start, "due_date", "must be after start_date")
        if request.level == pb.GOAL_LEVEL_INDIVIDUAL:
            v.check(valid_id(request.owner_id), "owner_id", "is required for an individual goal")
        if request.level == pb.GOAL_LEVEL_TEAM:
            v.check(valid_id(request.team_id), "team_id", "is required for a team goal")
        if request.parent_goal_id:
            v.check(valid_id(request.parent_goal_id), "parent_goal_id", "is not a valid id")
        v.max_length(request.idempotency_key, "idempotency_key", 200)
        v.raise_if_any()
        assert start and due

        async def work(conn: AsyncConnection) -> pb.Goal:
            owner_id, team_id, counterpart, agreed = await self._parties(conn, caller, request)
            if request.parent_goal_id:
                parent = await self._goal(conn, request.parent_goal_id)
                if parent.agreement == pb.AGREEMENT_STATE_CLOSED:
                    raise FailedPrecondition("parent_goal_id: the parent goal is closed")
                if parent.level > request.level or (parent.level == request.level and request.level != pb.GOAL_LEVEL_TEAM):
                    raise InvalidArgument("parent_goal_id", "goals cascade organisation -> team -> individual")
            now = self.clock()
            goal_id = uuid.uuid4().hex
            await conn.execute(
                t.goals.insert().values(
                    id=goal_id, kind=request.kind, level=request.level, title=request.title.strip(), description=request.description,
                    owner_id=owner_id, team_id=team_id, parent_goal_id=request.parent_goal_id or None,
                    weight=request.weight or 1.0, key_results=_kr_json(request.key_results), start_date=start, due_date=due,
                    agreement=pb.AGREEMENT_STATE_AGREED if agreed else pb.AGREEMENT_STATE_PROPOSED, closed_status=None,
                    proposed_by=caller.employee_id, counterpart_id=counterpart,
                    awaiting_from=None if agreed else rules.next_to_agree(owner_id=owner_id, counterpart_id=counterpart, last_proposer=caller.employee_id),
                    confidence=0, last_check_in_at=None, version=1, created_at=now, updated_at=now,
                )
            )
            goal = await self._to_proto(conn, await self._goal(conn, goal_id))
            changes = [pb.GoalUpdated.CHANGE_PROPOSED] + ([pb.GoalUpdated.CHANGE_AGREED] if agreed else [])
            await outbox.append(conn, t.platform["outbox"], self._event(goal, caller.employee_id, changes, [("agreement", "", pb.AgreementState.Name(goal.agreement))]))
            return goal

        return await self._once(caller, request.idempotency_key, "ProposeGoal", request, pb.Goal, work)

    async def _parties(self, conn: AsyncConnection, caller: Identity, request: pb.ProposeGoalRequest) -> tuple[str, str | None, str, bool]:
        """(owner, team, counterpart, agreed-at-once) for a new goal, enforcing who may propose it."""
        me = caller.employee_id
        if request.level == pb.GOAL_LEVEL_ORGANISATION:
            # Organisation goals are the organisation's story, set by HR/leadership; people co-create
            # the team and individual goals that cascade from them.
            if not caller.has("hr", "admin", "leader"):
                raise PermissionDenied("only HR, admins or leaders set organisation goals")
            return me, None, me, True
        if request.level == pb.GOAL_LEVEL_TEAM:
            team = (await conn.execute(sa.select(t.teams).where(t.teams.c.id == request.team_id))).first()
            if team is None:
                raise NotFound(f"team_id: team {request.team_id!r} not found")
            if not team.manager_id:
                raise FailedPrecondition("team_id: the team has no manager to own its goals")
            owner = team.manager_id
            if me != owner and not await self._oversees(conn, caller, owner):
                raise PermissionDenied("only the team's manager, their managers or HR propose team goals")
        else:
            owner = request.owner_id
            if me != owner and not await self._oversees(conn, caller, owner):
                raise PermissionDenied("only the person, their managers or HR propose their goals")
        owner_row = await self._employee(conn, owner, "owner_id")
        if not owner_row.active:
            raise FailedPrecondition("owner_id: the person is no longer active")
        counterpart = rules.counterpart_for(owner_id=owner, proposer_id=me, owner_manager_id=owner_row.manager_id)
        if counterpart is None:
            raise FailedPrecondition("owner_id: the owner has no manager to agree with; ask HR to propose this goal with them")
        team_id = request.team_id if request.level == pb.GOAL_LEVEL_TEAM else owner_row.team_id
        return owner, team_id, counterpart, False

    def _check_version(self, row: Any, expected: int) -> None:
        if expected and expected != row.version:
            raise StaleVersion(f"goal {row.id} is at version {row.version}, not {expected}: reload and retry")

    async def _update(self, conn: AsyncConnection, row: Any, **values: Any) -> Any:
        # RETURNING gives the updated row in the same round trip (PostgreSQL, SQLite >= 3.35). The SET
        # clause comes from the parameters' column names.
        params = {"b_id": row.id, "b_version": row.version, "version": row.version + 1, "updated_at": self.clock(), **values}
        updated = (await conn.execute(_UPDATE_GOAL, params)).first()
        if updated is None:
            raise StaleVersion(f"goal {row.id} changed concurrently: reload and retry")
        return updated

    async def _comment(self, conn: AsyncConnection, goal_id: str, author: str, text: str, counter: bool) -> pb.Comment:
        cid = uuid.uuid4().hex
        now = self.clock()
        await conn.execute(t.comments.insert().values(id=cid, goal_id=goal_id, author_id=author, text=text, counter_proposal=counter, created_at=now))
        return pb.Comment(id=cid, author_id=author, text=text, created_at=timestamp(now), counter_proposal=counter)

    async def counter_propose(self, caller: Identity, request: pb.CounterProposeGoalRequest) -> pb.Goal:
        v = Validator()
        v.require(request.goal_id, "goal_id", 64)
        v.require(request.comment, "comment", MAX_TEXT)
        v.max_length(request.title, "title", MAX_TITLE)
        v.max_length(request.description, "description", MAX_TEXT)
        v.check(_finite(request.weight) and 0 <= request.weight <= 100, "weight", "must be between 0 and 100 (0 keeps it)")
        _validate_key_results(request.key_results, v, required=False)
        due = _parse_date(request.due_date, "due_date", v) if request.due_date else None
        v.raise_if_any()

        async def work(conn: AsyncConnection) -> pb.Goal:
            row = await self._goal(conn, request.goal_id, for_update=True)
            self._check_version(row, request.expected_version)
            if row.agreement != pb.AGREEMENT_STATE_PROPOSED:
                raise FailedPrecondition("goal_id: only a proposed goal can be counter-proposed")
            me = caller.employee_id
            if not rules.is_party(me, owner_id=row.owner_id, counterpart_id=row.counterpart_id):
                raise PermissionDenied("only the two parties of a goal shape it")
            values: dict[str, Any] = {"proposed_by": me, "awaiting_from": rules.next_to_agree(owner_id=row.owner_id, counterpart_id=row.counterpart_id, last_proposer=me)}
            changed: list[tuple[str, str, str]] = []
            if request.title and request.title.strip() != row.title:
                values["title"] = request.title.strip()
                changed.append(("title", row.title, values["title"]))
            if request.description and request.description != row.description:
                values["description"] = request.description
                changed.append(("description", row.description, request.description))
            if request.weight and request.weight != row.weight:
                values["weight"] = request.weight
                changed.append(("weight", f"{row.weight:g}", f"{request.weight:g}"))
            if request.key_results:
                values["key_results"] = _kr_json(request.key_results, row.key_results)
                changed.append(("key_results", str(len(row.key_results)), str(len(values["key_results"]))))
            if due and due != row.due_date:
                if due <= row.start_date:
                    raise InvalidArgument("due_date", "must be after start_date")
                values["due_date"] = due
                changed.append(("due_date", row.due_date.isoformat(), due.isoformat()))
            await self._comment(conn, row.id, me, request.comment, True)
            goal = await self._to_proto(conn, await self._update(conn, row, **values))
            await outbox.append(conn, t.platform["outbox"], self._event(goal, me, [pb.GoalUpdated.CHANGE_COUNTER_PROPOSED], changed))
            return goal

        return await self._once(caller, request.idempotency_key, "CounterProposeGoal", request, pb.Goal, work)

    async def agree(self, caller: Identity, request: pb.AgreeGoalRequest) -> pb.Goal:
        v = Validator()
        v.require(request.goal_id, "goal_id", 64)
        v.max_length(request.comment, "comment", MAX_TEXT)
        v.raise_if_any()

        async def work(conn: AsyncConnection) -> pb.Goal:
            row = await self._goal(conn, request.goal_id, for_update=True)
            self._check_version(row, request.expected_version)
            if row.agreement != pb.AGREEMENT_STATE_PROPOSED:
                raise FailedPrecondition(f"goal_id: the goal is {pb.AgreementState.Name(row.agreement)}, not proposed")
            if not rules.may_agree(caller.employee_id, owner_id=row.owner_id, counterpart_id=row.counterpart_id, last_proposer=row.proposed_by):
                raise PermissionDenied("only the other party of the latest proposal can agree to it")
            if request.comment:
                await self._comment(conn, row.id, caller.employee_id, request.comment, False)
            goal = await self._to_proto(conn, await self._update(conn, row, agreement=pb.AGREEMENT_STATE_AGREED, awaiting_from=None))
            await outbox.append(
                conn, t.platform["outbox"],
                self._event(goal, caller.employee_id, [pb.GoalUpdated.CHANGE_AGREED], [("agreement", "AGREEMENT_STATE_PROPOSED", "AGREEMENT_STATE_AGREED")]),
            )
            return goal

        return await self._once(caller, request.idempotency_key, "AgreeGoal", request, pb.Goal, work)

    async def _may_edit(self, conn: AsyncConnection, caller: Identity, row: Any) -> bool:
        me = caller.employee_id
        return me in (row.owner_id, row.counterpart_id) or await self._oversees(conn, caller, row.owner_id)

    async def comment(self, caller: Identity, request: pb.CommentOnGoalRequest) -> pb.Comment:
        v = Validator()
        v.require(request.goal_id, "goal_id", 64)
        v.require(request.text, "text", MAX_TEXT)
        v.raise_if_any()

        async def work(conn: AsyncConnection) -> pb.Comment:
            row = await self._goal(conn, request.goal_id)
            if not await self._may_read(conn, caller, row):
                raise PermissionDenied("you cannot see this goal")
            return await self._comment(conn, row.id, caller.employee_id, request.text, False)

        return await self._once(caller, request.idempotency_key, "CommentOnGoal", request, pb.Comment, work)

    async def check_in(self, caller: Identity, request: pb.CheckInRequest) -> pb.Goal:
        v = Validator()
        v.require(request.goal_id, "goal_id", 64)
        v.max_length(request.note, "note", MAX_TEXT)
        v.check(1 <= request.confidence <= 5, "confidence", "must be between 1 (low) and 5 (high)")
        v.check(0 < len(request.updates) <= MAX_KEY_RESULTS or bool(request.note.strip()), "updates", "a check-in needs key-result updates or a note")
        v.check(len(request.updates) <= MAX_KEY_RESULTS, "updates", f"at most {MAX_KEY_RESULTS} updates")
        for i, u in enumerate(request.updates):
            v.check(bool(u.key_result_id), f"updates[{i}].key_result_id", "is required")
            v.check(_finite(u.current_value), f"updates[{i}].current_value", "must be a finite number")
        v.raise_if_any()

        async def work(conn: AsyncConnection) -> pb.Goal:
            row = await self._goal(conn, request.goal_id, for_update=True)
            self._check_version(row, request.expected_version)
            if not await self._may_edit(conn, caller, row):
                raise PermissionDenied("only the owner, their managers or HR check in on this goal")
            if row.agreement != pb.AGREEMENT_STATE_AGREED:
                raise FailedPrecondition("goal_id: check-ins are for agreed, open goals")
            krs = [dict(k) for k in row.key_results]
            by_id = {k["id"]: k for k in krs}
            changed: list[tuple[str, str, str]] = []
            for i, u in enumerate(request.updates):
                kr = by_id.get(u.key_result_id)
                if kr is None:
                    raise InvalidArgument(f"updates[{i}].key_result_id", f"no key result {u.key_result_id!r} on this goal")
                if kr["current"] != u.current_value:
                    changed.append((f"key_results.{kr['id']}.current", f"{kr['current']:g}", f"{u.current_value:g}"))
                kr["current"] = u.current_value
            # A check-in moves this goal's own key results, never its children: read them once.
            children = await self._children(conn, row.id)
            before = await self._to_proto(conn, row, children=children)
            now = self.clock()
            await conn.execute(t.check_ins.insert(), dict(
                id=uuid.uuid4().hex, goal_id=row.id, author_id=caller.employee_id, note=request.note, confidence=request.confidence,
                updates=[{"key_result_id": u.key_result_id, "current_value": u.current_value} for u in request.updates], created_at=now,
            ))
            updated = await self._update(conn, row, key_results=krs, confidence=request.confidence, last_check_in_at=now)
            goal = await self._to_proto(conn, updated, children=children)
            changes = [pb.GoalUpdated.CHANGE_PROGRESS]
            changed.insert(0, ("progress", f"{before.progress:.4f}", f"{goal.progress:.4f}"))
            if goal.status != before.status:
                changes.append(pb.GoalUpdated.CHANGE_STATUS)
                changed.append(("status", pb.GoalStatus.Name(before.status), pb.GoalStatus.Name(goal.status)))
            event = self._event(
                goal, caller.employee_id, changes, changed, note=request.note, confidence=request.confidence,
                milestone_percent=rules.milestone_crossed(before.progress, goal.progress),
            )
            await outbox.append(conn, t.platform["outbox"], event)
            await self._propagate_to_ancestors(conn, row, caller.employee_id)
            return goal

        return await self._once(caller, request.idempotency_key, "CheckIn", request, pb.Goal, work)

    async def _propagate_to_ancestors(self, conn: AsyncConnection, row: Any, actor: str) -> None:
        """A child's progress moves its parents' roll-up: their owners' subscribers hear of it too."""
        parent_id = row.parent_goal_id
        depth = 0
        while parent_id and depth < 20:
            parent = await self._goal(conn, parent_id)
            if parent.agreement != pb.AGREEMENT_STATE_AGREED:
                return
            goal = await self._to_proto(conn, parent)
            await outbox.append(conn, t.platform["outbox"], self._event(goal, actor, [pb.GoalUpdated.CHANGE_PROGRESS], [("progress", "", f"{goal.progress:.4f}")]))
            parent_id = parent.parent_goal_id
            depth += 1

    async def close(self, caller: Identity, request: pb.CloseGoalRequest) -> pb.Goal:
        v = Validator()
        v.require(request.goal_id, "goal_id", 64)
        v.max_length(request.note, "note", MAX_TEXT)
        v.raise_if_any()

        async def work(conn: AsyncConnection) -> pb.Goal:
            row = await self._goal(conn, request.goal_id, for_update=True)
            self._check_version(row, request.expected_version)
            if not await self._may_edit(conn, caller, row):
                raise PermissionDenied("only the owner, the other party, their managers or HR close this goal")
            if row.agreement == pb.AGREEMENT_STATE_CLOSED:
                raise FailedPrecondition("goal_id: the goal is already closed")
            closed = pb.GOAL_STATUS_DONE if request.achieved else pb.GOAL_STATUS_DROPPED
            if request.note:
                await self._comment(conn, row.id, caller.employee_id, request.note, False)
            before = pb.AgreementState.Name(row.agreement)
            goal = await self._to_proto(conn, await self._update(conn, row, agreement=pb.AGREEMENT_STATE_CLOSED, closed_status=closed, awaiting_from=None))
            await outbox.append(
                conn, t.platform["outbox"],
                self._event(goal, caller.employee_id, [pb.GoalUpdated.CHANGE_CLOSED, pb.GoalUpdated.CHANGE_STATUS],
                            [("agreement", before, "AGREEMENT_STATE_CLOSED"), ("status", "", pb.GoalStatus.Name(closed))], note=request.note),
            )
            return goal

        return await self._once(caller, request.idempotency_key, "CloseGoal", request, pb.Goal, work)

    # ---------- reads ----------

    async def _may_read(self, conn: AsyncConnection, caller: Identity, row: Any, org: OrgView | None = None) -> bool:
        """Who reads a goal (GetGoal, and every list and roll-up built from goals): team and organisation
        goals anyone; an individual goal its two parties, the owner's managers up the chain, HR whose
        scope covers the owner, and admins."""
        if row.level != pb.GOAL_LEVEL_INDIVIDUAL or caller.employee_id in (row.owner_id, row.counterpart_id) or caller.has("system"):
            return True
        return await self._oversees(conn, caller, row.owner_id, org)

    async def get(self, caller: Identity, goal_id: str) -> pb.GoalDetail:
        async with self.db.read() as conn:
            row = await self._goal(conn, goal_id)
            if not await self._may_read(conn, caller, row):
                raise PermissionDenied("you cannot see this goal")
            comments = (await conn.execute(sa.select(t.comments).where(t.comments.c.goal_id == goal_id).order_by(t.comments.c.created_at))).all()
            checkins = (await conn.execute(sa.select(t.check_ins).where(t.check_ins.c.goal_id == goal_id).order_by(t.check_ins.c.created_at))).all()
            return pb.GoalDetail(
                goal=await self._to_proto(conn, row),
                comments=[pb.Comment(id=c.id, author_id=c.author_id, text=c.text, counter_proposal=c.counter_proposal, created_at=timestamp(c.created_at)) for c in comments],
                check_ins=[
                    pb.CheckIn(
                        id=c.id, goal_id=c.goal_id, author_id=c.author_id, note=c.note, confidence=c.confidence, created_at=timestamp(c.created_at),
                        updates=[pb.KeyResultUpdate(key_result_id=u["key_result_id"], current_value=u["current_value"]) for u in c.updates],
                    )
                    for c in checkins
                ],
            )

    async def list_for(self, caller: Identity, request: pb.ListGoalsRequest) -> pb.ListGoalsResponse:
        owner = request.owner_id or caller.employee_id
        if not valid_id(owner):
            raise InvalidArgument("owner_id", "is not a valid id")
        async with self.db.read() as conn:
            if owner != caller.employee_id and not caller.has("system") and not await self._oversees(conn, caller, owner):
                raise PermissionDenied("you can list your own goals and your reports' goals")
            query = sa.select(t.goals).where(t.goals.c.owner_id == owner, t.goals.c.level == pb.GOAL_LEVEL_INDIVIDUAL).order_by(t.goals.c.created_at)
            if not request.include_all:
                query = query.where(t.goals.c.agreement == pb.AGREEMENT_STATE_AGREED)
            rows = (await conn.execute(query)).all()
            return pb.ListGoalsResponse(goals=[await self._to_proto(conn, r) for r in rows])

    async def list_team(self, caller: Identity, request: pb.ListTeamGoalsRequest) -> pb.ListTeamGoalsResponse:
        if not valid_id(request.team_id):
            raise InvalidArgument("team_id", "is required")
        async with self.db.read() as conn:
            team = (await conn.execute(sa.select(t.teams).where(t.teams.c.id == request.team_id))).first()
            if team is None:
                raise NotFound(f"team {request.team_id!r} not found")
            rows = (
                await conn.execute(
                    sa.select(t.goals).where(t.goals.c.team_id == request.team_id, t.goals.c.agreement == pb.AGREEMENT_STATE_AGREED).order_by(t.goals.c.created_at)
                )
            ).all()
            # Every figure comes from the goals the caller may read with GetGoal (the same rule), so
            # neither the list nor the roll-up, counts or statuses tell anything about the others.
            org = await self._org(conn)
            rows = [r for r in rows if await self._may_read(conn, caller, r, org)]
            today = self.clock().date()
            goals = [await self._to_proto(conn, r, today) for r in rows]
            ids = {g.id for g in goals}
            # Only the tops of the team's alignment count, so a cascaded child is not counted twice.
            tops = [g for g in goals if g.parent_goal_id not in ids]
            by_status: dict[str, int] = {}
            for g in goals:
                by_status[pb.GoalStatus.Name(g.status)] = by_status.get(pb.GoalStatus.Name(g.status), 0) + 1
            return pb.ListTeamGoalsResponse(
                goals=goals,
                rolled_up_progress=round(rules.weighted_rollup((g.weight, g.progress) for g in tops), 6),
                expected_progress=round(rules.weighted_rollup((g.weight, g.expected_progress) for g in tops), 6),
                agreed_goals=len(goals),
                goals_by_status=by_status,
            )

    async def alignment_tree(self, caller: Identity, goal_id: str) -> pb.AlignmentNode:
        async with self.db.read() as conn:
            row = await self._goal(conn, goal_id)
            if not await self._may_read(conn, caller, row):
                raise PermissionDenied("you cannot see this goal")
            return await self._node(conn, caller, row, 0)

    async def _node(self, conn: AsyncConnection, caller: Identity, row: Any, depth: int) -> pb.AlignmentNode:
        node = pb.AlignmentNode(goal=await self._to_proto(conn, row))
        if depth < 20:
            for child in await self._children(conn, row.id):
                if await self._may_read(conn, caller, child):
                    node.children.append(await self._node(conn, caller, child, depth + 1))
        return node

