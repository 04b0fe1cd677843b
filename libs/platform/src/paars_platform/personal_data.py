"""Data rights every service shares (issue 18): who may export a person's data, the audit of privileged actions,
and the declarative list of "what this service holds about a person" that the export reads and erasure reuses.

A service declares its kinds of personal data once (`PersonalKind`: a table, which rows are about the person, what
of a row someone else must not see) in its adapters/person_data.py; `export_person_data` is the use case (the
query's check, the reads, the events keyed by the person, the audit line for HR) and `PersonalDataServicer` its
gRPC face (paars.privacy.v1.PersonalData), added to the service's server next to its own API. Erasure (issue 18
item 4, paars_platform.erasure) walks the same kinds: `kind.rows_about(person)` is what it deletes or anonymises.
What needs no database (who may export, the export's query and answer, jsonable) is paars_platform.data_rights,
re-exported here: analytics, which has none, imports that alone.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import grpc
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.privacy.v1 import privacy_pb2 as pb
from paars.privacy.v1 import privacy_pb2_grpc
from paars_platform.auth import Identity, require_person

# re-exported: the export's query and answer, who may, and jsonable (paars_platform.data_rights), imported from here too
from paars_platform.data_rights import EXPORTS as EXPORTS
from paars_platform.data_rights import HR_ROLES as HR_ROLES
from paars_platform.data_rights import REASON_MAX as REASON_MAX
from paars_platform.data_rights import REASON_MIN as REASON_MIN
from paars_platform.data_rights import SERVICE_NAME as SERVICE_NAME
from paars_platform.data_rights import ExportPersonData as ExportPersonData
from paars_platform.data_rights import PersonDataExport as PersonDataExport
from paars_platform.data_rights import jsonable as jsonable
from paars_platform.db import BigId, Database, UtcDateTime, utcnow
from paars_platform.errors import PermissionDenied


def privileged_actions_table(metadata: sa.MetaData) -> sa.Table:
    """The audit of privileged actions (HR or admin exports, erasures, overrides, retention runs) in a service's database."""
    return sa.Table(
        "privileged_actions",
        metadata,
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("actor_id", sa.String(100), nullable=False),
        # The person the action was about; "" for an action about no one person (a retention run).
        sa.Column("subject_id", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Index("ix_privileged_actions_subject", "subject_id", "at"),
    )


# ---------- what a service holds about a person ----------

Redact = Callable[[dict[str, Any], str], dict[str, Any]]


def _as_is(row: dict[str, Any], _person: str) -> dict[str, Any]:
    return row


@dataclass(frozen=True)
class PersonalKind:
    """One kind of data about a person in one table: which rows are about them and what of each row they may see."""

    name: str
    table: sa.Table
    # The columns naming the person; a row is about them when any of these equals their id.
    person_columns: tuple[str, ...]
    # What of a row the person must not see (someone else's identity where it is kept from them); None: the row as stored.
    redact: Redact = _as_is
    # Extra condition on the rows (e.g. private notes: only the author's).
    only: Callable[[str], sa.ColumnElement[bool]] | None = None
    # Columns never shown (secrets such as a link token's hash).
    hidden: tuple[str, ...] = ()
    order_by: tuple[str, ...] = ()
    # Rows about the person through another table (a meeting through its pair); ORed with person_columns.
    through: Callable[[str], sa.ColumnElement[bool]] | None = None
    # Erasure (paars_platform.erasure): the person columns of rows that are someone else's too (feedback the person
    # gave someone: the receiver keeps it); erasing the person replaces their id there with ERASED_ID and keeps the
    # row. Rows matched by the other person columns (or `through`) are deleted.
    keep_for_others: tuple[str, ...] = ()
    # JSON lists of ids that may hold the person (a circle's members): erasure takes them out of the list and keeps the
    # row, instead of deleting the rows `through` reaches.
    id_lists: tuple[str, ...] = ()
    # The service's record of the person in the directory: erasure leaves it as the CHANGE_ERASED record made it
    # (id, version, inactive, nothing else), so an older record replayed later cannot bring the person back.
    directory_record: bool = False

    def rows_about(self, person: str) -> sa.ColumnElement[bool]:
        """The WHERE of this kind's rows about the person: what the export reads and erasure deletes or anonymises."""
        conditions = [self.table.c[col] == person for col in self.person_columns]
        if self.through is not None:
            conditions.append(self.through(person))
        about = sa.or_(*conditions)
        return sa.and_(about, self.only(person)) if self.only is not None else about

    def select(self, person: str) -> sa.Select[Any]:
        columns = [c for c in self.table.c if c.name not in self.hidden]
        order = [self.table.c[o] for o in self.order_by] or [self.table.c[c.name] for c in self.table.primary_key.columns]
        return sa.select(*columns).where(self.rows_about(person)).order_by(*order)


async def gather(conn: AsyncConnection, kinds: Sequence[PersonalKind], person: str) -> dict[str, list[dict[str, Any]]]:
    """Every kind's rows about the person, redacted, as JSON-ready dicts."""
    out: dict[str, list[dict[str, Any]]] = {}
    for kind in kinds:
        rows = (await conn.execute(kind.select(person))).mappings().all()
        out.setdefault(kind.name, []).extend(jsonable(kind.redact(dict(r), person)) for r in rows)
    return out


async def events_about(conn: AsyncConnection, outbox: sa.Table, person: str) -> list[dict[str, Any]]:
    """The service's outbox rows keyed by the person: which events about them it published (or is about to), on
    which topic, when. The payloads are not repeated (what they carry is the data above, at the time); a topic's
    retention decides how long the broker keeps them."""
    query = (
        sa.select(outbox.c.event_id, outbox.c.topic, outbox.c.headers, outbox.c.created_at, outbox.c.sent_at)
        .where(outbox.c.record_key == person.encode())
        .order_by(outbox.c.id)
    )
    rows = (await conn.execute(query)).mappings().all()
    out = []
    for r in rows:
        headers = {k: v for k, v in (r["headers"] or [])}
        out.append(
            {
                "event_id": r["event_id"], "topic": r["topic"], "type": headers.get("ce_type", ""),
                "created_at": jsonable(r["created_at"]), "published_at": jsonable(r["sent_at"]),
            }
        )
    return out


# ---------- the audit of privileged actions ----------


@dataclass(frozen=True)
class PrivilegedAction:
    action: str
    actor_id: str
    subject_id: str
    reason: str
    at: dt.datetime
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action, "actor_id": self.actor_id, "subject_id": self.subject_id, "reason": self.reason,
            "at": self.at.isoformat(), "detail": jsonable(self.detail),
        }


class PrivilegedActionRepository:
    """Every statement on a service's privileged_actions table."""

    def __init__(self, conn: AsyncConnection, table: sa.Table) -> None:
        self.conn = conn
        self.table = table

    async def add(self, action: PrivilegedAction) -> None:
        await self.conn.execute(
            self.table.insert().values(
                action=action.action, actor_id=action.actor_id, subject_id=action.subject_id, reason=action.reason,
                detail=jsonable(action.detail), at=action.at,
            )
        )

    async def about(self, subject: str) -> list[PrivilegedAction]:
        """The privileged actions about one person, newest first."""
        t = self.table
        rows = (await self.conn.execute(sa.select(t).where(t.c.subject_id == subject).order_by(t.c.at.desc(), t.c.id.desc()))).mappings().all()
        return [PrivilegedAction(r["action"], r["actor_id"], r["subject_id"], r["reason"], r["at"], dict(r["detail"] or {})) for r in rows]

    async def delete_before(self, cutoff: dt.datetime) -> int:
        result = await self.conn.execute(self.table.delete().where(self.table.c.at < cutoff))
        return int(result.rowcount or 0)


# ---------- the export use case ----------


Gather = Callable[[AsyncConnection, str], Awaitable[dict[str, Any]]]


class ErasureStarter(Protocol):
    """Where erasure starts and legal holds are kept (goals, the directory's owner); the other services have none."""

    async def erase(self, caller: Identity, request: pb.ErasePersonRequest) -> pb.ErasureStatus: ...

    async def place_hold(self, caller: Identity, request: pb.PlaceLegalHoldRequest) -> pb.LegalHold: ...

    async def release_hold(self, caller: Identity, request: pb.ReleaseLegalHoldRequest) -> pb.LegalHold: ...

    async def list_holds(self, caller: Identity, request: pb.ListLegalHoldsRequest) -> pb.ListLegalHoldsResponse: ...


@dataclass(frozen=True)
class PersonalDataStore:
    """What the export of one service reads: its database, its outbox and audit tables, and its kinds of data
    (or a gatherer of its own where rows need more than a table's WHERE)."""

    service: str
    db: Database
    outbox: sa.Table
    audit: sa.Table
    kinds: tuple[PersonalKind, ...] = ()
    extra: Gather | None = None
    clock: Callable[[], dt.datetime] = utcnow
    # Goals only: ErasePerson and the legal holds (elsewhere they answer FAILED_PRECONDITION).
    starter: ErasureStarter | None = None


async def export_person_data(query: ExportPersonData, store: PersonalDataStore) -> PersonDataExport:
    """The export: the check, the reads, and for HR the audit line, in one transaction (no line, no export)."""
    query.check()
    person = query.subject
    async with store.db.transaction() as conn:
        audit = PrivilegedActionRepository(conn, store.audit)
        if query.basis == "hr":
            await audit.add(PrivilegedAction("export", query.caller.employee_id, person, query.reason.strip(), store.clock(), {"service": store.service}))
        data: dict[str, Any] = await gather(conn, store.kinds, person)
        if store.extra is not None:
            data.update(await store.extra(conn, person))
        data["events"] = await events_about(conn, store.outbox, person)
        data["privileged_actions"] = [a.as_json() for a in await audit.about(person)]
    EXPORTS.labels(store.service, query.basis).inc()
    return PersonDataExport(store.service, person, data)


async def privileged_actions_about(caller: Identity, person_id: str, store: PersonalDataStore) -> list[PrivilegedAction]:
    """The audit about the caller (or, for HR, about anyone)."""
    subject = person_id or caller.employee_id
    if subject != caller.employee_id and not caller.has(*HR_ROLES):
        raise PermissionDenied("only the person themselves or HR may read the audit about a person")
    async with store.db.read() as conn:
        return await PrivilegedActionRepository(conn, store.audit).about(subject)


class PersonalDataServicer(privacy_pb2_grpc.PersonalDataServicer):
    """paars.privacy.v1.PersonalData over one service's store."""

    def __init__(self, store: PersonalDataStore) -> None:
        self.store = store

    async def ExportPersonData(self, request: pb.ExportPersonDataRequest, context: grpc.aio.ServicerContext[Any, Any]) -> pb.PersonDataExport:
        query = ExportPersonData(require_person(), request.person_id, request.reason)
        return (await export_person_data(query, self.store)).to_proto()

    async def ListPrivilegedActions(
        self, request: pb.ListPrivilegedActionsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListPrivilegedActionsResponse:
        actions = await privileged_actions_about(require_person(), request.person_id, self.store)
        return pb.ListPrivilegedActionsResponse(
            actions=[
                pb.PrivilegedAction(
                    service=self.store.service, action=a.action, actor_id=a.actor_id, subject_id=a.subject_id, reason=a.reason,
                    at=a.at.isoformat(), detail=json.dumps(jsonable(a.detail), sort_keys=True),
                )
                for a in actions
            ]
        )

    # Erasure (issue 18 item 4): paars_platform.erasure builds on this module, hence the imports in the methods.

    async def ErasePerson(self, request: pb.ErasePersonRequest, context: grpc.aio.ServicerContext[Any, Any]) -> pb.ErasureStatus:
        from paars_platform import erasure

        caller = require_person()
        if self.store.starter is None:
            raise erasure.starts_in_goals(caller)
        return await self.store.starter.erase(caller, request)

    async def GetErasureStatus(self, request: pb.GetErasureStatusRequest, context: grpc.aio.ServicerContext[Any, Any]) -> pb.ErasureStatus:
        from paars_platform import erasure

        s = self.store
        record = await erasure.ServiceErasure(s.service, s.kinds, s.outbox, s.audit).status(s.db, require_person(), request.person_id)
        return record.to_proto()

    async def PlaceLegalHold(self, request: pb.PlaceLegalHoldRequest, context: grpc.aio.ServicerContext[Any, Any]) -> pb.LegalHold:
        from paars_platform import erasure

        caller = require_person()
        if self.store.starter is None:
            raise erasure.starts_in_goals(caller)
        return await self.store.starter.place_hold(caller, request)

    async def ReleaseLegalHold(self, request: pb.ReleaseLegalHoldRequest, context: grpc.aio.ServicerContext[Any, Any]) -> pb.LegalHold:
        from paars_platform import erasure

        caller = require_person()
        if self.store.starter is None:
            raise erasure.starts_in_goals(caller)
        return await self.store.starter.release_hold(caller, request)

    async def ListLegalHolds(self, request: pb.ListLegalHoldsRequest, context: grpc.aio.ServicerContext[Any, Any]) -> pb.ListLegalHoldsResponse:
        from paars_platform import erasure

        caller = require_person()
        if self.store.starter is None:
            raise erasure.starts_in_goals(caller)
        return await self.store.starter.list_holds(caller, request)


def add_to_server(store: PersonalDataStore, server: grpc.aio.Server) -> None:
    privacy_pb2_grpc.add_PersonalDataServicer_to_server(PersonalDataServicer(store), server)  # type: ignore[no-untyped-call]
