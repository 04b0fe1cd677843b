"""SCIM 2.0 provisioning use cases (RFC 7644): each write stores the resource and brings the directory in
line with it in the same transaction, through the directory import's own rules and events.

The caller is the provisioning client (Okta, Entra ID), authenticated by its own bearer secret in
entrypoints/scim.py; its changes carry the actor "scim". Deactivating a User (active=false) or deleting
it deactivates the employee: the org.employee-changed.v1 event (CHANGE_DEACTIVATED) makes every service
refuse that person's tokens from its next call, and is where retention can start from.
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from paars.org.v1 import org_pb2
from paars_goals.domain import scim
from paars_goals.domain.org import Employee, valid_time_zone
from paars_goals.domain.scim import GROUP, USER, ScimResource
from paars_goals.service_layer import commands as c
from paars_goals.service_layer.org_handlers import import_directory
from paars_goals.service_layer.unit_of_work import UnitOfWork
from paars_platform.auth import Identity
from paars_platform.errors import AlreadyExists, InvalidArgument, NotFound, StaleVersion
from paars_platform.values import EMAIL_PATTERN, valid_id

# Who a SCIM change is by, in the directory's events and audit line.
SCIM_CALLER = Identity("scim", frozenset({"system"}), "system")
audit = logging.getLogger("paars.goals.audit")


@dataclass(frozen=True)
class Outcome:
    """What a SCIM write left: the resource (None when deleted) and the people whose directory record it changed."""

    resource: ScimResource | None
    changed_people: tuple[str, ...]


@dataclass(frozen=True)
class Provisioning:
    """The SCIM use cases, with the organisation's group-to-role mapping (PAARS_SCIM_ROLE_GROUPS)."""

    role_groups: Mapping[str, int]

    async def get(self, uow: UnitOfWork, kind: str, resource_id: str) -> ScimResource:
        found = await uow.scim.get(kind, resource_id)
        if found is None:
            raise NotFound(f"{kind} {resource_id!r} not found")
        return found

    async def create(self, uow: UnitOfWork, kind: str, body: dict[str, Any]) -> Outcome:
        now = uow.clock()
        key = scim.name_key(kind, body)
        if not key:
            raise InvalidArgument("userName" if kind == USER else "displayName", "is required")
        if await uow.scim.by_name(kind, key) is not None:
            raise AlreadyExists(f"a {kind} named {key!r} exists")
        resource_id = uuid.uuid4().hex
        if kind == USER:
            resource_id = str(body["userName"]).strip()
            if not valid_id(resource_id):
                raise InvalidArgument("userName", "must be 1-64 letters, digits or . _ @ - (it becomes the employee id)")
            if await uow.scim.get(USER, resource_id) is not None:
                raise AlreadyExists(f"a User with id {resource_id!r} exists")
        resource = ScimResource(kind, resource_id, body, 1, now, now)
        await self._check(uow, resource)
        await uow.scim.add(resource)
        changed = await self._sync(uow, self._affected(kind, resource, None))
        return Outcome(resource, changed)

    async def replace(self, uow: UnitOfWork, kind: str, resource_id: str, body: dict[str, Any], expected_version: int | None = None) -> Outcome:
        old = await self.get(uow, kind, resource_id)
        if expected_version is not None and expected_version != old.version:
            raise StaleVersion(f"{kind} {resource_id!r} is at version {old.version}, not {expected_version}")
        key = scim.name_key(kind, body)
        if not key:
            raise InvalidArgument("userName" if kind == USER else "displayName", "is required")
        other = await uow.scim.by_name(kind, key)
        if other is not None and other.id != resource_id:
            raise AlreadyExists(f"another {kind} is named {key!r}")
        resource = ScimResource(kind, resource_id, body, old.version + 1, old.created_at, uow.clock())
        await self._check(uow, resource)
        await uow.scim.save(resource)
        changed = await self._sync(uow, self._affected(kind, resource, old))
        return Outcome(resource, changed)

    async def delete(self, uow: UnitOfWork, kind: str, resource_id: str) -> Outcome:
        old = await self.get(uow, kind, resource_id)
        await uow.scim.delete(kind, resource_id)
        if kind == USER:
            # A deleted person leaves their groups (RFC 7644 3.6: the service provider may do so).
            for group in await uow.scim.groups_mentioning(resource_id):
                if resource_id in scim.members(group.body):
                    body = dict(group.body)
                    body["members"] = [m for m in body.get("members") or [] if m.get("value") != resource_id]
                    await uow.scim.save(ScimResource(GROUP, group.id, body, group.version + 1, group.created_at, uow.clock()))
        changed = await self._sync(uow, self._affected(kind, None, old))
        return Outcome(None, changed)

    async def all(self, uow: UnitOfWork, kind: str) -> list[ScimResource]:
        return await uow.scim.all(kind)

    # ---------- the directory, brought in line ----------

    @staticmethod
    def _affected(kind: str, new: ScimResource | None, old: ScimResource | None) -> set[str]:
        if kind == USER:
            either = new or old
            return {either.id} if either is not None else set()
        before, after = (scim.members(old.body) if old else set()), (scim.members(new.body) if new else set())
        if new is not None and old is not None and new.name_key == old.name_key:
            # Same group, other members: only those who joined or left can have other roles now.
            return before ^ after
        return before | after

    async def _check(self, uow: UnitOfWork, resource: ScimResource) -> None:
        if resource.kind == GROUP:
            wanted = scim.members(resource.body)
            unknown = sorted(wanted - await uow.scim.ids_among(USER, wanted))
            if unknown:
                raise InvalidArgument("members", f"unknown users {', '.join(unknown[:5])}")
            return
        person = scim.person(resource.body)
        if person.email and not (EMAIL_PATTERN.match(person.email) and len(person.email) <= 320):
            raise InvalidArgument("emails", "must be e-mail addresses")
        if person.manager_id == resource.id:
            raise InvalidArgument(f"{scim.ENTERPRISE}:manager", "nobody manages themselves")

    async def _sync(self, uow: UnitOfWork, user_ids: Iterable[str]) -> tuple[str, ...]:
        """Imports what the SCIM users among user_ids (and those whose manager is one of them) now say
        into the directory; a user no longer provisioned is deactivated. Returns the people changed."""
        wanted = set(user_ids)
        if not wanted:
            return ()
        # Only the users concerned are read, never the whole directory: a write costs the same at any size.
        users = await uow.scim.many(USER, wanted)
        # A report provisioned before their manager gets that manager now (such a report has none in the directory).
        waiting = {u.id: u for u in await uow.scim.users_without_manager() if scim.person(u.body).manager_id in wanted}
        users.update(waiting)
        wanted |= waiting.keys()
        named_managers = {m for m in (scim.person(u.body).manager_id for u in users.values()) if m}
        existing = await uow.directory.employees_by_id(wanted | named_managers)
        provisioned = await uow.scim.ids_among(USER, named_managers)
        groups = [g for g in [await uow.scim.by_name(GROUP, name) for name in sorted(self.role_groups)] if g is not None]
        team_by_name: dict[str, str] = {}
        roots: list[str] | None = None
        new_teams: dict[str, c.TeamRecord] = {}
        records: list[c.EmployeeRecord] = []
        for uid in sorted(wanted):
            old = existing.get(uid)
            user = users.get(uid)
            if user is None:
                if old is not None and old.active:
                    records.append(_record(old, active=False))
                continue
            person = scim.person(user.body)
            team_id = ""
            if person.department:
                key = person.department.lower()
                if key not in team_by_name:
                    named = await uow.directory.team_named(key)
                    team_by_name[key] = named.id if named is not None else ""
                team_id = team_by_name[key]
                if not team_id:
                    if roots is None:
                        roots = [team.id for team in await uow.directory.root_teams()]
                    team_id = scim.department_team_id(person.department)
                    new_teams[team_id] = c.TeamRecord(team_id, person.department, roots[0] if len(roots) == 1 else "", "")
                    team_by_name[key] = team_id
            manager = person.manager_id if person.manager_id in existing or person.manager_id in provisioned or person.manager_id in users else ""
            roles = {org_pb2.ROLE_EMPLOYEE} | {
                self.role_groups[g.name_key] for g in groups if g.name_key in self.role_groups and uid in scim.members(g.body)
            }
            time_zone = person.time_zone if valid_time_zone(person.time_zone) else (old.time_zone if old else "UTC")
            records.append(c.EmployeeRecord(
                uid, person.name, person.email, manager, team_id, tuple(sorted(roles)), person.active, time_zone,
                (old.coach_id or "") if old else "",
            ))
        if not records and not new_teams:
            return ()
        command = c.ImportDirectory(caller=SCIM_CALLER, request=c.RequestKey(), teams=tuple(new_teams.values()), employees=tuple(records))
        counts = await import_directory(command, uow)
        leavers = [r.id for r in records if not r.active and (existing.get(r.id) is None or existing[r.id].active)]
        if leavers:
            # The start of a leaver's retention clock, beside the CHANGE_DEACTIVATED event.
            audit.info("people deactivated by provisioning", extra={"actor_id": SCIM_CALLER.employee_id, "employees": leavers})
        return tuple(r.id for r in records) if counts.employees_created + counts.employees_updated else ()


def _record(e: Employee, *, active: bool) -> c.EmployeeRecord:
    return c.EmployeeRecord(
        e.id, e.name, e.email, e.manager_id or "", e.team_id or "", e.roles, active, e.time_zone, e.coach_id or "",
    )


def version_of(etag: str) -> int | None:
    """The version an If-Match ETag (W/"3") names; None for "*" or one this service did not issue."""
    text = etag.strip().removeprefix("W/").strip('"')
    return int(text) if text.isdigit() else None


def utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
