"""The goals service's repositories: every SQL statement it runs (built once, values as parameters; see
paars_platform.db) and the mapping between rows and domain objects."""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.goals.v1 import goals_pb2 as pb
from paars_goals.adapters import tables as t
from paars_goals.domain.goals import CheckIn, Comment, Goal, KeyResult
from paars_goals.domain.org import Employee, OrgView, Team
from paars_platform.errors import StaleVersion

_GOAL = sa.select(t.goals).where(t.goals.c.id == sa.bindparam("b_id"))
_GOAL_FOR_UPDATE = _GOAL.with_for_update()
_CHILDREN = sa.select(t.goals).where(t.goals.c.parent_goal_id == sa.bindparam("b_parent"), t.goals.c.agreement != pb.AGREEMENT_STATE_PROPOSED)
_CHILDREN_OF = sa.select(t.goals).where(
    t.goals.c.parent_goal_id.in_(sa.bindparam("b_parents", expanding=True)), t.goals.c.agreement != pb.AGREEMENT_STATE_PROPOSED
)
_OWNED = (
    sa.select(t.goals).where(t.goals.c.owner_id == sa.bindparam("b_owner"), t.goals.c.level == pb.GOAL_LEVEL_INDIVIDUAL).order_by(t.goals.c.created_at)
)
_OWNED_AGREED = _OWNED.where(t.goals.c.agreement == pb.AGREEMENT_STATE_AGREED)
_OF_TEAM = (
    sa.select(t.goals).where(t.goals.c.team_id == sa.bindparam("b_team"), t.goals.c.agreement == pb.AGREEMENT_STATE_AGREED).order_by(t.goals.c.created_at)
)
# Ids per IN (...) list: well under SQLite's limit of bound variables.
_IDS_PER_STATEMENT = 500
_INSERT_GOAL = t.goals.insert()
# The SET clause comes from the parameters' column names: what a goal's life changes, and its version.
_SAVE_GOAL = t.goals.update().where(t.goals.c.id == sa.bindparam("b_id"), t.goals.c.version == sa.bindparam("b_version"))
_COMMENTS = sa.select(t.comments).where(t.comments.c.goal_id == sa.bindparam("b_goal")).order_by(t.comments.c.created_at)
_CHECK_INS = sa.select(t.check_ins).where(t.check_ins.c.goal_id == sa.bindparam("b_goal")).order_by(t.check_ins.c.created_at)
_INSERT_COMMENT = t.comments.insert()
_INSERT_CHECK_IN = t.check_ins.insert()

_EMPLOYEE = sa.select(t.employees).where(t.employees.c.id == sa.bindparam("b_id"))
_TEAM = sa.select(t.teams).where(t.teams.c.id == sa.bindparam("b_id"))
_ORG_PEOPLE = sa.select(t.employees.c.id, t.employees.c.manager_id, t.employees.c.team_id)
_ORG_TEAMS = sa.select(t.teams.c.id, t.teams.c.parent_team_id)
_EMPLOYEES = sa.select(t.employees).order_by(t.employees.c.id)
_EMPLOYEES_OF = {
    (False, False): _EMPLOYEES,
    (True, False): _EMPLOYEES.where(t.employees.c.team_id == sa.bindparam("b_team")),
    (False, True): _EMPLOYEES.where(t.employees.c.manager_id == sa.bindparam("b_manager")),
    (True, True): _EMPLOYEES.where(t.employees.c.team_id == sa.bindparam("b_team"), t.employees.c.manager_id == sa.bindparam("b_manager")),
}
_TEAMS = sa.select(t.teams).order_by(t.teams.c.id)
_EMPLOYEES_BY_ID = sa.select(t.employees).where(t.employees.c.id.in_(sa.bindparam("b_ids", expanding=True)))
_TEAMS_BY_ID = sa.select(t.teams).where(t.teams.c.id.in_(sa.bindparam("b_ids", expanding=True)))
# Teams are stored with their names stripped; the last by id wins, as a map over every team by id would have it.
_TEAM_NAMED = sa.select(t.teams).where(sa.func.lower(t.teams.c.name) == sa.bindparam("b_name")).order_by(t.teams.c.id.desc()).limit(1)
_ROOT_TEAMS = sa.select(t.teams).where(t.teams.c.parent_team_id.is_(None)).order_by(t.teams.c.id)
_INSERT_TEAM = t.teams.insert()
_SAVE_TEAM = t.teams.update().where(t.teams.c.id == sa.bindparam("b_id"))
_INSERT_EMPLOYEE = t.employees.insert()
_SAVE_EMPLOYEE = t.employees.update().where(t.employees.c.id == sa.bindparam("b_id"))


# ---------- rows <-> domain ----------


def goal_from_row(row: Any) -> Goal:
    return Goal(
        id=row.id, kind=row.kind, level=row.level, title=row.title, description=row.description, owner_id=row.owner_id,
        team_id=row.team_id, parent_goal_id=row.parent_goal_id, weight=row.weight,
        key_results=[KeyResult(k["id"], k["title"], k["start"], k["target"], k["current"], k["unit"]) for k in row.key_results],
        start_date=row.start_date, due_date=row.due_date, agreement=row.agreement, closed_status=row.closed_status,
        proposed_by=row.proposed_by, counterpart_id=row.counterpart_id, awaiting_from=row.awaiting_from,
        confidence=row.confidence, last_check_in_at=row.last_check_in_at, version=row.version,
        created_at=row.created_at, updated_at=row.updated_at, story_keys=tuple(row.story_keys or ()),
    )


def _key_results_json(goal: Goal) -> list[dict[str, Any]]:
    return [{"id": k.id, "title": k.title, "start": k.start, "target": k.target, "current": k.current, "unit": k.unit} for k in goal.key_results]


def _changing_columns(goal: Goal) -> dict[str, Any]:
    """The columns a goal's life changes after it was proposed."""
    return {
        "title": goal.title, "description": goal.description, "weight": goal.weight, "key_results": _key_results_json(goal),
        "due_date": goal.due_date, "agreement": goal.agreement, "closed_status": goal.closed_status, "proposed_by": goal.proposed_by,
        "awaiting_from": goal.awaiting_from, "confidence": goal.confidence, "last_check_in_at": goal.last_check_in_at,
        "updated_at": goal.updated_at, "story_keys": list(goal.story_keys),  # a counter-proposal may change them
    }


def goal_to_row(goal: Goal) -> dict[str, Any]:
    return {
        "id": goal.id, "kind": goal.kind, "level": goal.level, "owner_id": goal.owner_id, "team_id": goal.team_id,
        "parent_goal_id": goal.parent_goal_id, "start_date": goal.start_date, "counterpart_id": goal.counterpart_id,
        "version": goal.version, "created_at": goal.created_at, **_changing_columns(goal),
    }


def employee_from_row(row: Any) -> Employee:
    return Employee(
        row.id, row.name, row.email, row.manager_id, row.team_id, tuple(int(r) for r in row.roles), bool(row.active), row.time_zone,
        row.coach_id, row.version, row.updated_at,
    )


def employee_to_row(e: Employee) -> dict[str, Any]:
    return {
        "name": e.name, "email": e.email, "manager_id": e.manager_id, "team_id": e.team_id, "roles": list(e.roles),
        "active": e.active, "time_zone": e.time_zone, "coach_id": e.coach_id, "version": e.version, "updated_at": e.updated_at,
    }


def team_from_row(row: Any) -> Team:
    return Team(row.id, row.name, row.parent_team_id, row.manager_id, row.version, row.updated_at)


def team_to_row(team: Team) -> dict[str, Any]:
    return {"name": team.name, "parent_team_id": team.parent_team_id, "manager_id": team.manager_id, "version": team.version, "updated_at": team.updated_at}


# ---------- repositories ----------


class SqlGoalRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, goal_id: str, *, for_update: bool = False) -> Goal | None:
        # SQLite has no row locks; its single writer serialises the transactions instead.
        query = _GOAL_FOR_UPDATE if for_update and self.conn.dialect.name == "postgresql" else _GOAL
        row = (await self.conn.execute(query, {"b_id": goal_id})).first()
        return goal_from_row(row) if row is not None else None

    async def children(self, goal_id: str) -> list[Goal]:
        return [goal_from_row(r) for r in await self.conn.execute(_CHILDREN, {"b_parent": goal_id})]

    async def children_of(self, goal_ids: Sequence[str]) -> dict[str, list[Goal]]:
        found: dict[str, list[Goal]] = {goal_id: [] for goal_id in goal_ids}
        for start in range(0, len(goal_ids), _IDS_PER_STATEMENT):
            for row in await self.conn.execute(_CHILDREN_OF, {"b_parents": list(goal_ids[start : start + _IDS_PER_STATEMENT])}):
                found[row.parent_goal_id].append(goal_from_row(row))
        return found

    async def owned_by(self, owner_id: str, *, include_all: bool) -> list[Goal]:
        query = _OWNED if include_all else _OWNED_AGREED
        return [goal_from_row(r) for r in await self.conn.execute(query, {"b_owner": owner_id})]

    async def of_team(self, team_id: str) -> list[Goal]:
        return [goal_from_row(r) for r in await self.conn.execute(_OF_TEAM, {"b_team": team_id})]

    async def add(self, goal: Goal) -> None:
        await self.conn.execute(_INSERT_GOAL, goal_to_row(goal))

    async def save(self, goal: Goal) -> None:
        params = {"b_id": goal.id, "b_version": goal.version, "version": goal.version + 1, **_changing_columns(goal)}
        if (await self.conn.execute(_SAVE_GOAL, params)).rowcount != 1:
            raise StaleVersion(f"goal {goal.id} changed concurrently: reload and retry")
        goal.version += 1

    async def add_comment(self, comment: Comment) -> None:
        await self.conn.execute(_INSERT_COMMENT, {
            "id": comment.id, "goal_id": comment.goal_id, "author_id": comment.author_id, "text": comment.text,
            "counter_proposal": comment.counter_proposal, "created_at": comment.created_at,
        })

    async def comments(self, goal_id: str) -> list[Comment]:
        rows = await self.conn.execute(_COMMENTS, {"b_goal": goal_id})
        return [Comment(r.id, r.goal_id, r.author_id, r.text, r.counter_proposal, r.created_at) for r in rows]

    async def add_check_in(self, check_in: CheckIn) -> None:
        await self.conn.execute(_INSERT_CHECK_IN, {
            "id": check_in.id, "goal_id": check_in.goal_id, "author_id": check_in.author_id, "note": check_in.note,
            "confidence": check_in.confidence, "created_at": check_in.created_at,
            "updates": [{"key_result_id": k, "current_value": v} for k, v in check_in.updates],
        })

    async def check_ins(self, goal_id: str) -> list[CheckIn]:
        rows = await self.conn.execute(_CHECK_INS, {"b_goal": goal_id})
        return [
            CheckIn(r.id, r.goal_id, r.author_id, r.note, r.confidence, tuple((u["key_result_id"], u["current_value"]) for u in r.updates), r.created_at)
            for r in rows
        ]


class SqlDirectoryRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def employee(self, employee_id: str) -> Employee | None:
        row = (await self.conn.execute(_EMPLOYEE, {"b_id": employee_id})).first()
        return employee_from_row(row) if row is not None else None

    async def team(self, team_id: str) -> Team | None:
        row = (await self.conn.execute(_TEAM, {"b_id": team_id})).first()
        return team_from_row(row) if row is not None else None

    async def story_keys(self, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        rows = await self.conn.execute(sa.select(t.story_catalogue.c.key).where(t.story_catalogue.c.key.in_(list(keys))))
        return {r.key for r in rows}

    async def org(self) -> OrgView:
        people = (await self.conn.execute(_ORG_PEOPLE)).all()
        teams = (await self.conn.execute(_ORG_TEAMS)).all()
        managers: Mapping[str, str | None] = {r.id: r.manager_id for r in people}
        return OrgView(managers, {r.id: r.team_id for r in people}, {r.id: r.parent_team_id for r in teams})

    async def employees(self, *, team_id: str = "", manager_id: str = "") -> list[Employee]:
        params = {**({"b_team": team_id} if team_id else {}), **({"b_manager": manager_id} if manager_id else {})}
        return [employee_from_row(r) for r in await self.conn.execute(_EMPLOYEES_OF[(bool(team_id), bool(manager_id))], params)]

    async def teams(self) -> list[Team]:
        return [team_from_row(r) for r in await self.conn.execute(_TEAMS)]

    async def employees_by_id(self, ids: Collection[str]) -> dict[str, Employee]:
        found: dict[str, Employee] = {}
        for chunk in id_chunks(ids):
            found.update((r.id, employee_from_row(r)) for r in await self.conn.execute(_EMPLOYEES_BY_ID, {"b_ids": chunk}))
        return found

    async def teams_by_id(self, ids: Collection[str]) -> dict[str, Team]:
        found: dict[str, Team] = {}
        for chunk in id_chunks(ids):
            found.update((r.id, team_from_row(r)) for r in await self.conn.execute(_TEAMS_BY_ID, {"b_ids": chunk}))
        return found

    async def team_named(self, name: str) -> Team | None:
        row = (await self.conn.execute(_TEAM_NAMED, {"b_name": name.strip().lower()})).first()
        return team_from_row(row) if row is not None else None

    async def root_teams(self) -> list[Team]:
        return [team_from_row(r) for r in await self.conn.execute(_ROOT_TEAMS)]

    async def add_team(self, team: Team) -> None:
        await self.conn.execute(_INSERT_TEAM, {"id": team.id, **team_to_row(team)})

    async def save_team(self, team: Team) -> None:
        await self.conn.execute(_SAVE_TEAM, {"b_id": team.id, **team_to_row(team)})

    async def add_employee(self, employee: Employee) -> None:
        await self.conn.execute(_INSERT_EMPLOYEE, {"id": employee.id, **employee_to_row(employee)})

    async def save_employee(self, employee: Employee) -> None:
        await self.conn.execute(_SAVE_EMPLOYEE, {"b_id": employee.id, **employee_to_row(employee)})


def id_chunks(ids: Collection[str]) -> list[list[str]]:
    """Distinct ids in sorted lists of at most _IDS_PER_STATEMENT, one IN (...) each."""
    ordered = sorted(set(ids))
    return [ordered[i:i + _IDS_PER_STATEMENT] for i in range(0, len(ordered), _IDS_PER_STATEMENT)]
