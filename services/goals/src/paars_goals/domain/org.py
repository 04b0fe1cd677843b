"""Directory rules: identifiers, manager chains without cycles, team paths."""
from __future__ import annotations

import re
from collections.abc import Mapping

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def valid_id(value: str) -> bool:
    return bool(ID_PATTERN.match(value))


def manager_chain(employee_id: str, managers: Mapping[str, str | None], limit: int = 100) -> list[str]:
    """The employee's managers, nearest first. Stops at a cycle rather than looping."""
    chain: list[str] = []
    seen = {employee_id}
    current = managers.get(employee_id)
    while current and current not in seen and len(chain) < limit:
        chain.append(current)
        seen.add(current)
        current = managers.get(current)
    return chain


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


def team_path(team_id: str | None, parents: Mapping[str, str | None], limit: int = 100) -> list[str]:
    """The team and its ancestors up to the organisation, nearest first."""
    path: list[str] = []
    current = team_id
    while current and current not in path and len(path) < limit:
        path.append(current)
        current = parents.get(current)
    return path
