"""Peer coaching circles: 3 to 5 managers from different teams, none another's manager or report (anywhere up
the chain); sessions where members bring a case in turn. What is said stays in the circle, not even HR."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from paars_conversations.domain import privacy
from paars_platform.directory import manager_chain
from paars_platform.errors import InvalidArgument, PermissionDenied

MIN_SIZE = 3
MAX_SIZE = 5
DEFAULT_SIZE = 4
MAX_CASE = 4000
MAX_NAME = 120


@dataclass(frozen=True)
class Manager:
    """A manager as the directory knows them."""

    id: str
    team_id: str | None
    manager_id: str | None


def conflicts(members: Sequence[str], people: Mapping[str, Manager]) -> list[str]:
    """Why these people cannot form a circle together (empty: they can)."""
    problems = []
    up = {p.id: p.manager_id for p in people.values()}
    chosen = set(members)
    teams: dict[str, str] = {}
    for m in members:
        person = people.get(m)
        if person is None:
            problems.append(f"{m} is not an active manager")
            continue
        if person.team_id:
            if person.team_id in teams:
                problems.append(f"{m} and {teams[person.team_id]} are in the same team")
            teams[person.team_id] = m
        for boss in manager_chain(m, up):
            if boss in chosen:
                problems.append(f"{boss} manages {m}")
    return problems


def suggest(managers: Sequence[Manager], size: int, *, skip: frozenset[str] = frozenset()) -> list[str]:
    """A circle of `size` managers who pass conflicts(): greedily, in a stable order (by id), starting from each
    candidate in turn until one start fills the circle (a senior manager chosen first can block everyone)."""
    people = {m.id: m for m in managers}
    candidates = [m for m in sorted(people) if m not in skip]
    for start in range(len(candidates)):
        chosen: list[str] = []
        for candidate in candidates[start:] + candidates[:start]:
            if not conflicts([*chosen, candidate], people):
                chosen.append(candidate)
            if len(chosen) == size:
                return chosen
    return []


@dataclass(frozen=True)
class Circle:
    id: str
    name: str
    member_ids: tuple[str, ...]
    formed_by: str
    formed_at: dt.datetime
    # The next session planned (when it is formed, then each time one is held); None: none planned.
    next_session_on: dt.date | None = None

    def membership_item(self) -> privacy.Item:
        return privacy.Item(privacy.Content.CIRCLE_MEMBERSHIP, self.formed_by, frozenset(self.member_ids))

    def session_item(self) -> privacy.Item:
        # HR formed the circle, and still is not a member: the owner here is the circle, not its maker.
        return privacy.Item(privacy.Content.CIRCLE_SESSION, "", frozenset(self.member_ids))

    def next_case_owner(self, last_owner: str | None) -> str:
        """Members bring a case in turn, in the circle's order."""
        if last_owner not in self.member_ids:
            return self.member_ids[0]
        return self.member_ids[(self.member_ids.index(last_owner) + 1) % len(self.member_ids)]


def form(circle: Circle, *, roles: frozenset[str], people: Mapping[str, Manager], today: dt.date | None = None) -> Circle:
    if "hr" not in roles:
        raise PermissionDenied("HR forms peer coaching circles")
    if today is not None and circle.next_session_on is not None and circle.next_session_on < today:
        raise InvalidArgument("first_session_on", "must be today or later")
    if not MIN_SIZE <= len(circle.member_ids) <= MAX_SIZE or len(set(circle.member_ids)) != len(circle.member_ids):
        raise InvalidArgument("member_ids", f"between {MIN_SIZE} and {MAX_SIZE} different managers")
    problems = conflicts(circle.member_ids, people)
    if problems:
        raise InvalidArgument("member_ids", "; ".join(problems))
    return circle


@dataclass(frozen=True)
class CircleSession:
    id: str
    circle_id: str
    held_on: dt.date
    case_owner_id: str
    case_text: str
    notes: str


def hold(circle: Circle, session: CircleSession, *, by: str) -> CircleSession:
    if by not in circle.member_ids:
        raise PermissionDenied("only the circle's members hold its sessions")
    return session


def plan_next(circle: Circle, session: CircleSession, next_on: dt.date | None) -> Circle:
    """The circle after a session: its next one planned on next_on (after the session), or none planned."""
    if next_on is not None and next_on <= session.held_on:
        raise InvalidArgument("next_session_on", "must be after held_on")
    return replace(circle, next_session_on=next_on)


@dataclass(frozen=True)
class CircleSessionHeld:
    circle_id: str
    session_id: str
    held_on: dt.date
    at: dt.datetime


@dataclass(frozen=True)
class CircleSessionPlanned:
    """A circle's next session is planned: the members' ids and the date only (what is said stays in the circle)."""

    circle_id: str
    planned_on: dt.date
    member_ids: tuple[str, ...]
    at: dt.datetime
