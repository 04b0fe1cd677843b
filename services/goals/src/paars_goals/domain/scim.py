"""SCIM 2.0 (RFC 7643) resources and how they map onto the directory.

A User's id is the employee id it maps onto: its userName when it was created (the subject the
organisation's provider puts in that person's tokens), fixed from then on, as SCIM ids are. Its
displayName (or name) and primary e-mail become the employee's, `active` their access, the enterprise
extension's manager their manager and its department their team (a team of that name, created under the
organisation's root team when there is none). A Group grants the roles that PAARS_SCIM_ROLE_GROUPS gives
its displayName to its members; every provisioned person is an employee.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER = "User"
GROUP = "Group"
MAX_NAME = 200


@dataclass(frozen=True)
class ScimResource:
    """A resource as last written, without its meta (rendered from version and times)."""

    kind: str
    id: str
    body: dict[str, Any]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def name_key(self) -> str:
        return name_key(self.kind, self.body)


def name_key(kind: str, body: Mapping[str, Any]) -> str:
    """What must be unique per kind (RFC 7643: userName case-insensitively; a Group's displayName here)."""
    value = body.get("userName" if kind == USER else "displayName")
    return value.strip().lower() if isinstance(value, str) else ""


@dataclass(frozen=True)
class Person:
    """What a User says about the person, in the directory's terms ("" where it says nothing)."""

    name: str
    email: str
    active: bool
    manager_id: str
    department: str
    time_zone: str


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def person(body: Mapping[str, Any]) -> Person:
    name = body.get("name") if isinstance(body.get("name"), Mapping) else {}
    assert isinstance(name, Mapping)
    full = _text(body.get("displayName")) or _text(name.get("formatted"))
    if not full:
        full = " ".join(p for p in (_text(name.get("givenName")), _text(name.get("familyName"))) if p)
    full = (full or _text(body.get("userName")))[:MAX_NAME]
    emails = [e for e in body.get("emails") or [] if isinstance(e, Mapping) and _text(e.get("value"))]
    primary = next((e for e in emails if e.get("primary") is True), emails[0] if emails else None)
    email = _text(primary.get("value")).lower() if primary else ""
    enterprise = body.get(ENTERPRISE) if isinstance(body.get(ENTERPRISE), Mapping) else {}
    assert isinstance(enterprise, Mapping)
    manager = enterprise.get("manager") if isinstance(enterprise.get("manager"), Mapping) else {}
    assert isinstance(manager, Mapping)
    active = body.get("active")
    return Person(
        name=full, email=email, active=active is not False, manager_id=_text(manager.get("value")),
        department=_text(enterprise.get("department"))[:MAX_NAME], time_zone=_text(body.get("timezone")),
    )


def members(body: Mapping[str, Any]) -> set[str]:
    """The ids of a Group's members."""
    return {_text(m.get("value")) for m in body.get("members") or [] if isinstance(m, Mapping) and _text(m.get("value"))}


_SLUG = re.compile(r"[^a-z0-9]+")


def department_team_id(department: str) -> str:
    """The id of the team created for a department no team is named after."""
    slug = _SLUG.sub("-", department.lower()).strip("-")[:50] or "team"
    return f"dept-{slug}"


def parse_role_groups(text: str, known_roles: Mapping[str, int]) -> dict[str, int]:
    """PAARS_SCIM_ROLE_GROUPS: "hr=Paars HR,admin=Paars admins" -> {"paars hr": ROLE_HR, ...}."""
    groups: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        role, sep, group = part.partition("=")
        if not sep or role.strip() not in known_roles or not group.strip():
            raise ValueError(f"PAARS_SCIM_ROLE_GROUPS: {part!r} is not role=group name (roles: {', '.join(known_roles)})")
        groups[group.strip().lower()] = known_roles[role.strip()]
    return groups
