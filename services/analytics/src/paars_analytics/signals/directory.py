"""The org directory projection as plain data: manager chains, team subtrees, and who may read what about whom."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from paars_platform import directory as platform_directory

Person = Mapping[str, Any]
PRIVILEGED = ("admin", "system")


def manager_chain(employee_id: str, employees: Mapping[str, Person]) -> list[str]:
    """The employee's managers, nearest first (cycles and gaps in the directory end the walk)."""
    return platform_directory.manager_chain(employee_id, lambda person: (employees.get(person) or {}).get("manager_id"))


def team_ancestry(team_id: str, teams: Mapping[str, Person]) -> list[str]:
    """The team and its parents up to the organisation, nearest first."""
    return platform_directory.team_path(team_id, lambda team: (teams.get(team) or {}).get("parent_team_id"))


def team_path_of(person: Person, teams: Mapping[str, Person]) -> list[str]:
    path = list(person.get("team_path") or ())
    if not path and person.get("team_id"):
        path = team_ancestry(str(person["team_id"]), teams)
    return path


def members_of(team_id: str, employees: Mapping[str, Person], teams: Mapping[str, Person]) -> list[str]:
    """Active people in the team or any team below it."""
    return sorted(
        pid for pid, p in employees.items() if p.get("active", True) and team_id in team_path_of(p, teams)
    )


def in_hr_scope(hr_person: Person | None, team_path: Sequence[str]) -> bool:
    """The one HR scope of every Paars service: an HR person covers the subtree of the team they belong
    to (the organisation's root team: everyone; no team: nobody). team_path is the subject's team and
    its ancestors (a person's, or a team's own ancestry)."""
    if hr_person is None or not hr_person.get("active", True):
        return False
    return platform_directory.in_hr_scope(hr_person.get("team_id"), team_path)


def hr_covering(team_path: Sequence[str], employees: Mapping[str, Person]) -> list[str]:
    """The active HR people whose scope covers a subject with this team path (who may act on its insights)."""
    return sorted(
        pid for pid, p in employees.items() if "hr" in (p.get("roles") or ()) and in_hr_scope(p, team_path)
    )


def can_read_person(caller: str, roles: frozenset[str], subject: str, employees: Mapping[str, Person], teams: Mapping[str, Person]) -> bool:
    """A person reads their own signals; a manager their (indirect) reports; HR the people in their scope."""
    if caller == subject or any(r in roles for r in PRIVILEGED):
        return True
    if caller in manager_chain(subject, employees):
        return True
    them = employees.get(subject)
    return "hr" in roles and them is not None and in_hr_scope(employees.get(caller), team_path_of(them, teams))


def can_read_team(caller: str, roles: frozenset[str], team_id: str, employees: Mapping[str, Person], teams: Mapping[str, Person]) -> bool:
    """Team aggregates (already k-anonymous): members, the managers of the team or a team above it, HR in scope."""
    if any(r in roles for r in PRIVILEGED):
        return True
    ancestry = team_ancestry(team_id, teams)
    if any(teams.get(t, {}).get("manager_id") == caller for t in ancestry):
        return True
    me = employees.get(caller)
    if me is None:
        return False
    if team_id in team_path_of(me, teams) and str(me.get("team_id")) == team_id:
        return True
    return "hr" in roles and in_hr_scope(me, ancestry)


def can_oversee_team(caller: str, roles: frozenset[str], team_id: str, employees: Mapping[str, Person], teams: Mapping[str, Person]) -> bool:
    """The pitfall monitor's rule: those who look after a team, not its members: the managers of the team or
    a team above it, HR in scope (and admin and system). A member reads the team's roll-up (can_read_team),
    not how its performance system is used."""
    if any(r in roles for r in PRIVILEGED):
        return True
    ancestry = team_ancestry(team_id, teams)
    if any(teams.get(t, {}).get("manager_id") == caller for t in ancestry):
        return True
    return "hr" in roles and in_hr_scope(employees.get(caller), ancestry)
