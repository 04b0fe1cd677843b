"""Organisation directory use cases: bulk idempotent import, lookups."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.common.v1 import event_pb2
from paars.org.v1 import org_pb2
from paars_goals.adapters import tables as t
from paars_goals.domain import org as rules
from paars_platform import outbox
from paars_platform.auth import Identity
from paars_platform.db import Database, utcnow
from paars_platform.errors import FieldViolation, InvalidArgument, NotFound, PermissionDenied, Validator
from paars_platform.events import new_metadata, timestamp
from paars_platform.idempotency import run_once

PRODUCER = "goals"
MAX_IMPORT = 20_000
audit = logging.getLogger("paars.goals.audit")


def _capacity(caller: Identity) -> str:
    """A directory change is an HR or admin action when a person makes it, else the HRIS's (a system)."""
    if caller.kind == "system":
        return "system"
    return "admin" if caller.has("admin") else "hr"


def employee_to_proto(row: Any) -> org_pb2.Employee:
    return org_pb2.Employee(
        id=row.id, name=row.name, email=row.email, manager_id=row.manager_id or "", team_id=row.team_id or "",
        roles=list(row.roles), active=row.active, time_zone=row.time_zone, coach_id=row.coach_id or "",
        version=row.version,
    )


def team_to_proto(row: Any) -> org_pb2.Team:
    return org_pb2.Team(
        id=row.id, name=row.name, parent_team_id=row.parent_team_id or "", manager_id=row.manager_id or "",
        version=row.version,
    )


def _validate(request: org_pb2.ImportDirectoryRequest) -> None:
    v = Validator()
    v.check(len(request.teams) + len(request.employees) <= MAX_IMPORT, "employees", f"at most {MAX_IMPORT} rows per import")
    v.check(len(request.teams) + len(request.employees) > 0, "employees", "nothing to import")
    seen_teams: set[str] = set()
    for i, team in enumerate(request.teams):
        f = f"teams[{i}]"
        if v.check(rules.valid_id(team.id), f"{f}.id", "must be 1-64 letters, digits or . _ @ -"):
            v.check(team.id not in seen_teams, f"{f}.id", "appears twice in this import")
            seen_teams.add(team.id)
        v.require(team.name, f"{f}.name")
        if team.parent_team_id:
            v.check(rules.valid_id(team.parent_team_id), f"{f}.parent_team_id", "is not a valid id")
            v.check(team.parent_team_id != team.id, f"{f}.parent_team_id", "a team cannot be its own parent")
    seen: set[str] = set()
    for i, emp in enumerate(request.employees):
        f = f"employees[{i}]"
        if v.check(rules.valid_id(emp.id), f"{f}.id", "must be 1-64 letters, digits or . _ @ -"):
            v.check(emp.id not in seen, f"{f}.id", "appears twice in this import")
            seen.add(emp.id)
        v.require(emp.name, f"{f}.name")
        v.check(bool(rules.EMAIL_PATTERN.match(emp.email)) and len(emp.email) <= 320, f"{f}.email", "must be an e-mail address")
        if emp.manager_id:
            v.check(rules.valid_id(emp.manager_id), f"{f}.manager_id", "is not a valid id")
            v.check(emp.manager_id != emp.id, f"{f}.manager_id", "nobody manages themselves")
        if emp.team_id:
            v.check(rules.valid_id(emp.team_id), f"{f}.team_id", "is not a valid id")
        if emp.coach_id:
            v.check(rules.valid_id(emp.coach_id), f"{f}.coach_id", "is not a valid id")
            v.check(emp.coach_id != emp.id, f"{f}.coach_id", "nobody coaches themselves")
        v.check(len(emp.roles) > 0, f"{f}.roles", "at least one role is required")
        v.check(all(r in org_pb2.Role.values() and r != org_pb2.ROLE_UNSPECIFIED for r in emp.roles), f"{f}.roles", "unknown role")
        if emp.time_zone and v.max_length(emp.time_zone, f"{f}.time_zone", rules.MAX_TIME_ZONE):
            v.check(rules.valid_time_zone(emp.time_zone), f"{f}.time_zone", "is not an IANA time zone")
    v.raise_if_any()


class OrgHandlers:
    def __init__(self, db: Database, forget_callers: Callable[..., None] | None = None) -> None:
        self.db = db
        # Drops remembered callers (CallerResolver.forget) so an import applies to their next call.
        self.forget_callers = forget_callers

    async def import_directory(self, caller: Identity, request: org_pb2.ImportDirectoryRequest) -> org_pb2.ImportDirectoryResponse:
        if not caller.has("hr", "admin", "system"):
            raise PermissionDenied("only HR, admins or systems import the directory")
        _validate(request)

        async def work(conn: AsyncConnection) -> org_pb2.ImportDirectoryResponse:
            return await self._import(conn, caller, request)

        response = await run_once(
            self.db, t.platform["idempotency_keys"], caller=caller.employee_id, key=request.idempotency_key,
            method="ImportDirectory", request=request, response_type=org_pb2.ImportDirectoryResponse, work=work,
        )
        if self.forget_callers is not None:
            self.forget_callers(*(e.id for e in request.employees))
        return response

    async def _import(self, conn: AsyncConnection, caller: Identity, request: org_pb2.ImportDirectoryRequest) -> org_pb2.ImportDirectoryResponse:
        now = utcnow()
        result = org_pb2.ImportDirectoryResponse()
        existing_teams = {r.id: r for r in (await conn.execute(sa.select(t.teams))).all()}
        existing_emps = {r.id: r for r in (await conn.execute(sa.select(t.employees))).all()}

        # Resolve references against the directory as it will be after this import.
        parents = {tid: r.parent_team_id for tid, r in existing_teams.items()}
        parents.update({team.id: team.parent_team_id or None for team in request.teams})
        managers = {eid: r.manager_id for eid, r in existing_emps.items()}
        managers.update({e.id: e.manager_id or None for e in request.employees})
        if caller.kind != "system":
            self._refuse_self_escalation(caller, request, existing_emps, existing_teams, parents)
        violations: list[FieldViolation] = []
        for i, team in enumerate(request.teams):
            if team.parent_team_id and team.parent_team_id not in parents:
                violations.append(FieldViolation(f"teams[{i}].parent_team_id", f"unknown team {team.parent_team_id!r}"))
            if team.manager_id and team.manager_id not in managers:
                violations.append(FieldViolation(f"teams[{i}].manager_id", f"unknown employee {team.manager_id!r}"))
        for i, e in enumerate(request.employees):
            if e.manager_id and e.manager_id not in managers:
                violations.append(FieldViolation(f"employees[{i}].manager_id", f"unknown employee {e.manager_id!r}"))
            if e.team_id and e.team_id not in parents:
                violations.append(FieldViolation(f"employees[{i}].team_id", f"unknown team {e.team_id!r}"))
            if e.coach_id and e.coach_id not in managers:
                violations.append(FieldViolation(f"employees[{i}].coach_id", f"unknown employee {e.coach_id!r}"))
        if violations:
            raise InvalidArgument(violations)
        cycle = rules.find_manager_cycle(managers)
        if cycle:
            raise InvalidArgument("employees", f"manager cycle: {' -> '.join(cycle)}")
        team_cycle = rules.find_manager_cycle(parents)
        if team_cycle:
            raise InvalidArgument("teams", f"team parent cycle: {' -> '.join(team_cycle)}")

        events = []
        for team in request.teams:
            values = {
                "name": team.name.strip(), "parent_team_id": team.parent_team_id or None,
                "manager_id": team.manager_id or None,
            }
            old = existing_teams.get(team.id)
            if old is None:
                version = 1
                await conn.execute(t.teams.insert().values(id=team.id, version=version, updated_at=now, **values))
                result.teams_created += 1
            elif any(getattr(old, k) != v for k, v in values.items()):
                version = old.version + 1
                await conn.execute(t.teams.update().where(t.teams.c.id == team.id).values(version=version, updated_at=now, **values))
                result.teams_updated += 1
            else:
                result.unchanged += 1
                continue
            row = (await conn.execute(sa.select(t.teams).where(t.teams.c.id == team.id))).one()
            events.append(
                org_pb2.TeamChanged(
                    metadata=new_metadata(producer=PRODUCER, subject_id=team.id, visibility=event_pb2.VISIBILITY_INTERNAL, actor_id=caller.employee_id),
                    team=team_to_proto(row),
                    changed_at=timestamp(now),
                )
            )
        for e in request.employees:
            values = {
                "name": e.name.strip(), "email": e.email.strip().lower(), "manager_id": e.manager_id or None,
                "team_id": e.team_id or None, "roles": sorted(set(int(r) for r in e.roles)), "active": e.active,
                "time_zone": e.time_zone or "UTC", "coach_id": e.coach_id or None,
            }
            old = existing_emps.get(e.id)
            if old is None:
                change = org_pb2.EmployeeChanged.CHANGE_CREATED
                await conn.execute(t.employees.insert().values(id=e.id, version=1, updated_at=now, **values))
                result.employees_created += 1
            elif any(getattr(old, k) != v for k, v in values.items()):
                change = (
                    org_pb2.EmployeeChanged.CHANGE_DEACTIVATED
                    if old.active and not e.active
                    else org_pb2.EmployeeChanged.CHANGE_UPDATED
                )
                await conn.execute(
                    t.employees.update().where(t.employees.c.id == e.id).values(version=old.version + 1, updated_at=now, **values)
                )
                result.employees_updated += 1
            else:
                result.unchanged += 1
                continue
            row = (await conn.execute(sa.select(t.employees).where(t.employees.c.id == e.id))).one()
            events.append(
                org_pb2.EmployeeChanged(
                    metadata=new_metadata(producer=PRODUCER, subject_id=e.id, visibility=event_pb2.VISIBILITY_INTERNAL, actor_id=caller.employee_id),
                    change=change,  # type: ignore[arg-type]
                    employee=employee_to_proto(row),
                    team_path=rules.team_path(row.team_id, parents),
                )
            )
        await outbox.append(conn, t.platform["outbox"], *events)
        if events:
            # Each event names the importer as its actor; this line records in what capacity they acted.
            audit.info(
                "directory changed", extra={
                    "actor_id": caller.employee_id, "acting_as": _capacity(caller), "teams_changed": result.teams_created + result.teams_updated,
                    "employees_changed": result.employees_created + result.employees_updated,
                },
            )
        return result

    @staticmethod
    def _refuse_self_escalation(
        caller: Identity, request: org_pb2.ImportDirectoryRequest, existing_emps: dict[str, Any], existing_teams: dict[str, Any],
        parents_after: dict[str, str | None],
    ) -> None:
        """A person imports as an HR person or admin, never to give themselves power over others."""

        def links(manager_id: str | None, coach_id: str | None, team_id: str | None, roles: Any) -> rules.EmployeeLinks:
            return rules.EmployeeLinks(manager_id or None, coach_id or None, team_id or None, frozenset(int(r) for r in roles))

        found = rules.self_escalations(
            caller.employee_id,
            [(e.id, links(e.manager_id, e.coach_id, e.team_id, e.roles)) for e in request.employees],
            [(team.id, team.manager_id or None) for team in request.teams],
            {eid: links(r.manager_id, r.coach_id, r.team_id, r.roles) for eid, r in existing_emps.items()},
            {tid: r.manager_id for tid, r in existing_teams.items()},
            hr_team=existing_emps[caller.employee_id].team_id if caller.has("hr") and caller.employee_id in existing_emps else None,
            parents_before={tid: r.parent_team_id for tid, r in existing_teams.items()},
            parents_after=parents_after,
        )
        if found:
            shown = "; ".join(f"{field}: {reason}" for field, reason in found[:5])
            more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
            raise PermissionDenied(f"{shown}{more}; another HR person or the HRIS makes this change")

    async def get_employee(self, employee_id: str) -> org_pb2.Employee:
        if not employee_id:
            raise InvalidArgument("employee_id", "is required")
        async with self.db.read() as conn:
            row = (await conn.execute(sa.select(t.employees).where(t.employees.c.id == employee_id))).first()
        if row is None:
            raise NotFound(f"employee {employee_id!r} not found")
        return employee_to_proto(row)

    async def list_employees(self, request: org_pb2.ListEmployeesRequest) -> org_pb2.ListEmployeesResponse:
        query = sa.select(t.employees).order_by(t.employees.c.id)
        if request.team_id:
            query = query.where(t.employees.c.team_id == request.team_id)
        if request.manager_id:
            query = query.where(t.employees.c.manager_id == request.manager_id)
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return org_pb2.ListEmployeesResponse(employees=[employee_to_proto(r) for r in rows])

    async def list_teams(self) -> org_pb2.ListTeamsResponse:
        async with self.db.read() as conn:
            rows = (await conn.execute(sa.select(t.teams).order_by(t.teams.c.id))).all()
        return org_pb2.ListTeamsResponse(teams=[team_to_proto(r) for r in rows])

