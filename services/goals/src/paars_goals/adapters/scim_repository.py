"""The SCIM resources' SQL (the scim_resources table)."""
from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_goals.adapters import tables as t
from paars_goals.adapters.repository import id_chunks
from paars_goals.domain.scim import ScimResource
from paars_platform.errors import AlreadyExists, StaleVersion

_T = t.scim_resources
_GET = sa.select(_T).where(_T.c.kind == sa.bindparam("b_kind"), _T.c.id == sa.bindparam("b_id"))
_BY_NAME = sa.select(_T).where(_T.c.kind == sa.bindparam("b_kind"), _T.c.name_key == sa.bindparam("b_name"))
_ALL = sa.select(_T).where(_T.c.kind == sa.bindparam("b_kind")).order_by(_T.c.created_at, _T.c.id)
_MANY = sa.select(_T).where(_T.c.kind == sa.bindparam("b_kind"), _T.c.id.in_(sa.bindparam("b_ids", expanding=True)))
_IDS_AMONG = sa.select(_T.c.id).where(_T.c.kind == sa.bindparam("b_kind"), _T.c.id.in_(sa.bindparam("b_ids", expanding=True)))
# The Users whose person has no manager in the directory (through employees' manager_id index): among them are the
# reports provisioned before the manager their User names.
_WITHOUT_MANAGER = (
    sa.select(_T).select_from(_T.join(t.employees, t.employees.c.id == _T.c.id))
    .where(_T.c.kind == "User", t.employees.c.manager_id.is_(None))
)
_INSERT = _T.insert()
_SAVE = (
    _T.update()
    .where(_T.c.kind == sa.bindparam("b_kind"), _T.c.id == sa.bindparam("b_id"), _T.c.version == sa.bindparam("b_version"))
    .values(name_key=sa.bindparam("name_key"), body=sa.bindparam("body"), version=sa.bindparam("version"), updated_at=sa.bindparam("updated_at"))
)
_DELETE = _T.delete().where(_T.c.kind == sa.bindparam("b_kind"), _T.c.id == sa.bindparam("b_id"))


def _from_row(row: Any) -> ScimResource:
    return ScimResource(row.kind, row.id, dict(row.body), row.version, row.created_at, row.updated_at)


class SqlScimRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, kind: str, resource_id: str) -> ScimResource | None:
        row = (await self.conn.execute(_GET, {"b_kind": kind, "b_id": resource_id})).first()
        return _from_row(row) if row is not None else None

    async def by_name(self, kind: str, name: str) -> ScimResource | None:
        row = (await self.conn.execute(_BY_NAME, {"b_kind": kind, "b_name": name})).first()
        return _from_row(row) if row is not None else None

    async def all(self, kind: str) -> list[ScimResource]:
        return [_from_row(r) for r in await self.conn.execute(_ALL, {"b_kind": kind})]

    async def many(self, kind: str, ids: Collection[str]) -> dict[str, ScimResource]:
        found: dict[str, ScimResource] = {}
        for chunk in id_chunks(ids):
            found.update((r.id, _from_row(r)) for r in await self.conn.execute(_MANY, {"b_kind": kind, "b_ids": chunk}))
        return found

    async def ids_among(self, kind: str, ids: Collection[str]) -> set[str]:
        found: set[str] = set()
        for chunk in id_chunks(ids):
            found.update((await self.conn.execute(_IDS_AMONG, {"b_kind": kind, "b_ids": chunk})).scalars())
        return found

    async def users_without_manager(self) -> list[ScimResource]:
        return [_from_row(r) for r in await self.conn.execute(_WITHOUT_MANAGER)]

    async def groups_mentioning(self, resource_id: str) -> list[ScimResource]:
        # The text of the JSON as written (both databases keep it so); the caller checks the members.
        mentions = sa.cast(_T.c.body, sa.Text).contains(json.dumps(resource_id), autoescape=True)
        return [_from_row(r) for r in await self.conn.execute(sa.select(_T).where(_T.c.kind == "Group", mentions))]

    async def add(self, resource: ScimResource) -> None:
        # The handler checked id and name first; a concurrent write that got there meanwhile ends here
        # (the transaction is then rolled back whole).
        try:
            await self.conn.execute(_INSERT, {
                "kind": resource.kind, "id": resource.id, "name_key": resource.name_key, "body": resource.body,
                "version": resource.version, "created_at": resource.created_at, "updated_at": resource.updated_at,
            })
        except IntegrityError:
            raise AlreadyExists(f"a {resource.kind} with this id or name exists") from None

    async def save(self, resource: ScimResource) -> None:
        """Writes the resource as version resource.version; StaleVersion when another write came first."""
        try:
            result = await self.conn.execute(_SAVE, {
                "b_kind": resource.kind, "b_id": resource.id, "b_version": resource.version - 1, "name_key": resource.name_key,
                "body": resource.body, "version": resource.version, "updated_at": resource.updated_at,
            })
        except IntegrityError:
            raise AlreadyExists(f"another {resource.kind} has this name") from None
        if result.rowcount != 1:
            raise StaleVersion(f"{resource.kind} {resource.id} was changed meanwhile")

    async def delete(self, kind: str, resource_id: str) -> None:
        await self.conn.execute(_DELETE, {"b_kind": kind, "b_id": resource_id})
