"""The org directory as every service reads it: manager chains, the team tree, HR scope and role names, one way
and with one limit (goals owns the directory; feedback, notifications and analytics keep projections of it).

Pure functions over a lookup (a mapping or a function from an id to the next id up), so the services' domain
code may use them; the async forms walk a projection that answers one step per database query.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence

from paars.org.v1 import org_pb2

# How far up a chain is followed, in every service: deeper than any real organisation, and a bound on the work
# a corrupt directory (a chain that never ends) can cause.
CHAIN_LIMIT = 100

# The directory's roles (org.v1.Role) by the name Identity.has() uses.
ROLE_NAMES: dict[int, str] = {
    org_pb2.ROLE_EMPLOYEE: "employee", org_pb2.ROLE_MANAGER: "manager", org_pb2.ROLE_HR: "hr",
    org_pb2.ROLE_COACH: "coach", org_pb2.ROLE_ADMIN: "admin", org_pb2.ROLE_LEADER: "leader",
}

Up = Mapping[str, str | None] | Callable[[str], str | None]
AsyncUp = Callable[[str], Awaitable[str | None]]


def _step(up: Up) -> Callable[[str], str | None]:
    return up.get if isinstance(up, Mapping) else up


def manager_chain(employee_id: str, manager_of: Up, limit: int = CHAIN_LIMIT) -> list[str]:
    """The employee's managers, nearest first; a gap ends it, and so does a cycle (the person never manages
    themselves)."""
    step = _step(manager_of)
    chain: list[str] = []
    seen = {employee_id}
    current = step(employee_id)
    while current and current not in seen and len(chain) < limit:
        chain.append(current)
        seen.add(current)
        current = step(current)
    return chain


async def manager_chain_async(employee_id: str, manager_of: AsyncUp, limit: int = CHAIN_LIMIT) -> list[str]:
    """manager_chain over a lookup that awaits each step (a projection read one row at a time)."""
    chain: list[str] = []
    seen = {employee_id}
    current = await manager_of(employee_id)
    while current and current not in seen and len(chain) < limit:
        chain.append(current)
        seen.add(current)
        current = await manager_of(current)
    return chain


def team_path(team_id: str | None, parent_of: Up, limit: int = CHAIN_LIMIT) -> list[str]:
    """The team and its ancestors up to the organisation, nearest first; stops at a cycle."""
    step = _step(parent_of)
    path: list[str] = []
    current = team_id
    while current and current not in path and len(path) < limit:
        path.append(current)
        current = step(current)
    return path


async def team_path_async(team_id: str | None, parent_of: AsyncUp, limit: int = CHAIN_LIMIT) -> list[str]:
    """team_path over a lookup that awaits each step."""
    path: list[str] = []
    current = team_id
    while current and current not in path and len(path) < limit:
        path.append(current)
        current = await parent_of(current)
    return path


def in_hr_scope(hr_team_id: str | None, subject_team_path: Sequence[str]) -> bool:
    """The one HR scope of every Paars service: an HR person covers the subtree of the team they belong to (the
    organisation's root team: everyone; no team: nobody)."""
    return bool(hr_team_id) and hr_team_id in subject_team_path


def role_names(roles: Iterable[int]) -> frozenset[str]:
    """The names of the directory roles a person has; a role this version does not know grants nothing."""
    return frozenset(ROLE_NAMES[r] for r in roles if r in ROLE_NAMES)
