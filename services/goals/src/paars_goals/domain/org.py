"""Directory rules: time zones, manager cycles, no self-escalation. Ids, manager chains, team paths and the HR
scope are the platform's (paars_platform.values / .directory), one way and with one limit in every service."""
from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

# Re-exported (org.team_path ...): the goals' handlers and rules read them here.
from paars_platform.directory import in_hr_scope as in_hr_scope
from paars_platform.directory import manager_chain as manager_chain
from paars_platform.directory import team_path as team_path

MAX_TIME_ZONE = 64


def valid_time_zone(name: str) -> bool:
    """An IANA zone name the tz database knows. zoneinfo reads it as a file name, so a name too long
    for the file system, a directory ("Europe") or a path raise OSError or ValueError, not just
    ZoneInfoNotFoundError: every one of them is a wrong name, never an outage."""
    if not name or len(name) > MAX_TIME_ZONE:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def find_manager_cycle(managers: Mapping[str, str | None]) -> list[str] | None:
    """A cycle in the manager relation (someone ends up managing themselves), or None."""
    for start in managers:
        seen: list[str] = []
        current: str | None = start
        while current:
            if current in seen:
                return seen[seen.index(current):] + [current]
            seen.append(current)
            current = managers.get(current)
    return None


@dataclass(frozen=True)
class EmployeeLinks:
    """What of a person's directory record can grant someone power over others: their roles, their team
    (an HR person's scope is their team's subtree), and who manages and coaches them."""

    manager_id: str | None
    coach_id: str | None
    team_id: str | None
    roles: frozenset[int]


def self_escalations(
    caller_id: str,
    employees: Sequence[tuple[str, EmployeeLinks]],
    teams: Sequence[tuple[str, str | None]],
    existing_employees: Mapping[str, EmployeeLinks],
    existing_team_managers: Mapping[str, str | None],
    *,
    hr_team: str | None = None,
    parents_before: Mapping[str, str | None] | None = None,
    parents_after: Mapping[str, str | None] | None = None,
) -> list[tuple[str, str]]:
    """(field, reason) for every change in an import by a person that would raise that person's own
    power: becoming someone's manager or coach, a team's manager, or changing their own roles or team;
    for an HR person (hr_team: their team), moving an existing person or team into their HR scope.
    Another HR person or the HRIS (a system client) makes those changes; what is already so may be
    re-imported, and people created inside one's own scope are not moved into it."""
    found: list[tuple[str, str]] = []
    before, after = parents_before or {}, parents_after or {}

    def enters_scope(team_before: str | None, team_after: str | None) -> bool:
        return in_hr_scope(hr_team, team_path(team_after, after)) and not in_hr_scope(hr_team, team_path(team_before, before))

    for i, (employee_id, links) in enumerate(employees):
        old = existing_employees.get(employee_id)
        if links.manager_id == caller_id and (old is None or old.manager_id != caller_id):
            found.append((f"employees[{i}].manager_id", "you cannot make yourself someone's manager"))
        if links.coach_id == caller_id and (old is None or old.coach_id != caller_id):
            found.append((f"employees[{i}].coach_id", "you cannot make yourself someone's coach"))
        if employee_id == caller_id and old is not None and links.roles != old.roles:
            found.append((f"employees[{i}].roles", "you cannot change your own roles"))
        if employee_id == caller_id and old is not None and links.team_id != old.team_id:
            found.append((f"employees[{i}].team_id", "you cannot move yourself to another team (it sets your HR scope)"))
        elif hr_team and old is not None and links.team_id != old.team_id and enters_scope(old.team_id, links.team_id):
            found.append((f"employees[{i}].team_id", "you cannot move someone into your own HR scope"))
    for i, (team_id, manager_id) in enumerate(teams):
        if manager_id == caller_id and existing_team_managers.get(team_id) != caller_id:
            found.append((f"teams[{i}].manager_id", "you cannot make yourself a team's manager"))
        if hr_team and team_id in before and enters_scope(team_id, team_id):
            found.append((f"teams[{i}].parent_team_id", "you cannot move a team into your own HR scope"))
    return found


# ---------- the directory's people and teams, and who stands above whom ----------


class Caller(Protocol):
    """Who acts, as the rules need them (paars_platform.auth.Identity is one)."""

    @property
    def employee_id(self) -> str: ...

    def has(self, *roles: str) -> bool: ...


@dataclass(frozen=True)
class Employee:
    id: str
    name: str
    email: str
    manager_id: str | None
    team_id: str | None
    roles: tuple[int, ...]
    active: bool
    time_zone: str
    coach_id: str | None
    version: int
    updated_at: dt.datetime

    @property
    def links(self) -> EmployeeLinks:
        return EmployeeLinks(self.manager_id, self.coach_id, self.team_id, frozenset(self.roles))


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    parent_team_id: str | None
    manager_id: str | None
    version: int
    updated_at: dt.datetime


@dataclass(frozen=True)
class OrgView:
    """The directory as access rules need it: who manages whom, who is in which team, the team tree."""

    managers: Mapping[str, str | None]
    team_of: Mapping[str, str | None]
    parents: Mapping[str, str | None]


def privileged_basis(caller: Caller, employee_id: str, org: OrgView) -> str:
    """Why the caller may act on the person's goals when it is a privileged action (issue 18 item 6): "admin", or
    "hr" for HR whose scope covers them; "" for one of their managers (their ordinary work) and for everyone else."""
    if caller.employee_id in manager_chain(employee_id, org.managers):
        return ""
    if caller.has("admin"):
        return "admin"
    if caller.has("hr") and in_hr_scope(org.team_of.get(caller.employee_id), team_path(org.team_of.get(employee_id), org.parents)):
        return "hr"
    return ""


def oversees(caller: Caller, employee_id: str, org: OrgView) -> bool:
    """The caller stands above the person: one of their managers, or HR whose scope covers them.
    (Admins stand above everyone; callers check that first, without reading the directory.)"""
    if caller.employee_id in manager_chain(employee_id, org.managers):
        return True
    return caller.has("hr") and in_hr_scope(org.team_of.get(caller.employee_id), team_path(org.team_of.get(employee_id), org.parents))


@dataclass(frozen=True)
class TeamChanged:
    team: Team
    actor_id: str
    changed_at: dt.datetime


@dataclass(frozen=True)
class Held:
    """A legal hold as CHANGE_ERASED carries it to every service: the kind of data to keep and why."""

    service: str
    kind: str
    reason: str
    hold_id: str


@dataclass(frozen=True)
class EmployeeChanged:
    employee: Employee
    change: int
    actor_id: str
    team_path: tuple[str, ...]
    # CHANGE_ERASED only: the legal holds in force.
    held: tuple[Held, ...] = ()


@dataclass
class ImportCounts:
    """What an import changed."""

    teams_created: int = 0
    teams_updated: int = 0
    employees_created: int = 0
    employees_updated: int = 0
    unchanged: int = 0
