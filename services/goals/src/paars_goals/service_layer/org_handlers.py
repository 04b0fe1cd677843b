"""Organisation directory use cases: bulk idempotent import, lookups (handlers over a unit of work)."""
from __future__ import annotations

import logging

from paars.org.v1 import org_pb2
from paars_goals.domain import org as rules
from paars_goals.domain.org import Employee, EmployeeChanged, ImportCounts, Team, TeamChanged
from paars_goals.service_layer import commands as c
from paars_goals.service_layer.unit_of_work import UnitOfWork
from paars_platform.auth import Identity
from paars_platform.errors import FieldViolation, InvalidArgument, NotFound, PermissionDenied

audit = logging.getLogger("paars.goals.audit")


def _capacity(caller: Identity) -> str:
    """A directory change is an HR or admin action when a person makes it, else the HRIS's (a system)."""
    if caller.kind == "system":
        return "system"
    return "admin" if caller.has("admin") else "hr"


def _refuse_self_escalation(
    cmd: c.ImportDirectory, existing_emps: dict[str, Employee], existing_teams: dict[str, Team], parents_after: dict[str, str | None],
) -> None:
    """A person imports as an HR person or admin, never to give themselves power over others."""
    caller = cmd.caller

    def links(e: c.EmployeeRecord) -> rules.EmployeeLinks:
        return rules.EmployeeLinks(e.manager_id or None, e.coach_id or None, e.team_id or None, frozenset(e.roles))

    found = rules.self_escalations(
        caller.employee_id,
        [(e.id, links(e)) for e in cmd.employees],
        [(team.id, team.manager_id or None) for team in cmd.teams],
        {eid: e.links for eid, e in existing_emps.items()},
        {tid: team.manager_id for tid, team in existing_teams.items()},
        hr_team=existing_emps[caller.employee_id].team_id if caller.has("hr") and caller.employee_id in existing_emps else None,
        parents_before={tid: team.parent_team_id for tid, team in existing_teams.items()},
        parents_after=parents_after,
    )
    if found:
        shown = "; ".join(f"{field}: {reason}" for field, reason in found[:5])
        more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
        raise PermissionDenied(f"{shown}{more}; another HR person or the HRIS makes this change")


def _check_references(cmd: c.ImportDirectory, parents: dict[str, str | None], managers: dict[str, str | None]) -> None:
    violations: list[FieldViolation] = []
    for i, team in enumerate(cmd.teams):
        if team.parent_team_id and team.parent_team_id not in parents:
            violations.append(FieldViolation(f"teams[{i}].parent_team_id", f"unknown team {team.parent_team_id!r}"))
        if team.manager_id and team.manager_id not in managers:
            violations.append(FieldViolation(f"teams[{i}].manager_id", f"unknown employee {team.manager_id!r}"))
    for i, e in enumerate(cmd.employees):
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


async def _people_around(uow: UnitOfWork, cmd: c.ImportDirectory) -> dict[str, Employee]:
    """The directory records an import changes or names (managers, coaches, team managers, the caller) and everyone
    up their manager chains: all that the reference, cycle and self-escalation rules read. A cycle the import would
    make runs through someone it changes, so it is within these; reading only them keeps a write of one person as
    cheap in a directory of thousands as in one of ten (one statement per level of the chain)."""
    named = {cmd.caller.employee_id} | {team.manager_id for team in cmd.teams if team.manager_id}
    for e in cmd.employees:
        named |= {x for x in (e.id, e.manager_id, e.coach_id) if x}
    found: dict[str, Employee] = {}
    asked: set[str] = set()
    while named:
        asked |= named
        batch = await uow.directory.employees_by_id(named)
        found.update(batch)
        named = {e.manager_id for e in batch.values() if e.manager_id} - asked
    return found


async def _teams_around(uow: UnitOfWork, cmd: c.ImportDirectory, people: dict[str, Employee]) -> dict[str, Team]:
    """The teams an import changes or names, the teams of the people it reads, and every team up their parents."""
    named = {x for team in cmd.teams for x in (team.id, team.parent_team_id) if x}
    named |= {e.team_id for e in cmd.employees if e.team_id} | {e.team_id for e in people.values() if e.team_id}
    found: dict[str, Team] = {}
    asked: set[str] = set()
    while named:
        asked |= named
        batch = await uow.directory.teams_by_id(named)
        found.update(batch)
        named = {team.parent_team_id for team in batch.values() if team.parent_team_id} - asked
    return found


async def import_directory(cmd: c.ImportDirectory, uow: UnitOfWork) -> ImportCounts:
    now = uow.clock()
    caller = cmd.caller
    counts = ImportCounts()
    existing_emps = await _people_around(uow, cmd)
    existing_teams = await _teams_around(uow, cmd, existing_emps)

    # Resolve references against the directory as it will be after this import (as far as the import reaches).
    parents = {tid: team.parent_team_id for tid, team in existing_teams.items()}
    parents.update({team.id: team.parent_team_id or None for team in cmd.teams})
    managers = {eid: e.manager_id for eid, e in existing_emps.items()}
    managers.update({e.id: e.manager_id or None for e in cmd.employees})
    if caller.kind != "system":
        _refuse_self_escalation(cmd, existing_emps, existing_teams, parents)
    _check_references(cmd, parents, managers)

    for record in cmd.teams:
        old_team = existing_teams.get(record.id)
        team = Team(record.id, record.name.strip(), record.parent_team_id or None, record.manager_id or None, 1, now)
        if old_team is None:
            await uow.directory.add_team(team)
            counts.teams_created += 1
        elif (old_team.name, old_team.parent_team_id, old_team.manager_id) != (team.name, team.parent_team_id, team.manager_id):
            team = Team(team.id, team.name, team.parent_team_id, team.manager_id, old_team.version + 1, now)
            await uow.directory.save_team(team)
            counts.teams_updated += 1
        else:
            counts.unchanged += 1
            continue
        uow.add_events(TeamChanged(team, caller.employee_id, now))
    for e in cmd.employees:
        old = existing_emps.get(e.id)
        employee = Employee(
            e.id, e.name.strip(), e.email.strip().lower(), e.manager_id or None, e.team_id or None, tuple(sorted(set(e.roles))),
            e.active, e.time_zone or "UTC", e.coach_id or None, 1, now,
        )
        if old is None:
            change = org_pb2.EmployeeChanged.CHANGE_CREATED
            await uow.directory.add_employee(employee)
            counts.employees_created += 1
        elif _directory_fields(old) != _directory_fields(employee):
            change = org_pb2.EmployeeChanged.CHANGE_DEACTIVATED if old.active and not e.active else org_pb2.EmployeeChanged.CHANGE_UPDATED
            employee = Employee(*_directory_fields(employee), old.version + 1, now)
            await uow.directory.save_employee(employee)
            counts.employees_updated += 1
        else:
            counts.unchanged += 1
            continue
        uow.add_events(EmployeeChanged(employee, change, caller.employee_id, tuple(rules.team_path(employee.team_id, parents))))
    if counts.teams_created + counts.teams_updated + counts.employees_created + counts.employees_updated:
        # Each event names the importer as its actor; this line records in what capacity they acted.
        audit.info(
            "directory changed", extra={
                "actor_id": caller.employee_id, "acting_as": _capacity(caller), "teams_changed": counts.teams_created + counts.teams_updated,
                "employees_changed": counts.employees_created + counts.employees_updated,
            },
        )
    return counts


def _directory_fields(e: Employee) -> tuple[str, str, str, str | None, str | None, tuple[int, ...], bool, str, str | None]:
    """What an import sets (not version, not the time of the change)."""
    return (e.id, e.name, e.email, e.manager_id, e.team_id, e.roles, e.active, e.time_zone, e.coach_id)


async def get_employee(query: c.GetEmployee, uow: UnitOfWork) -> Employee:
    if not query.employee_id:
        raise InvalidArgument("employee_id", "is required")
    employee = await uow.directory.employee(query.employee_id)
    if employee is None:
        raise NotFound(f"employee {query.employee_id!r} not found")
    return employee


async def list_employees(query: c.ListEmployees, uow: UnitOfWork) -> list[Employee]:
    return await uow.directory.employees(team_id=query.team_id, manager_id=query.manager_id)


async def list_teams(query: c.ListTeams, uow: UnitOfWork) -> list[Team]:
    return await uow.directory.teams()
