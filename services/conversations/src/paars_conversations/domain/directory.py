"""People as the conversations service knows them from its projection of the org directory."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    manager_id: str | None
    team_id: str | None
    roles: frozenset[str]
    active: bool
