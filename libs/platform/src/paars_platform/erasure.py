"""Erasure of a person (issue 18 item 4), once for every service: walks the kinds a service declares in its
adapters/person_data.py (the same `PersonalKind`s the export reads), deletes or anonymises the rows about the person,
deletes the service's outbox rows keyed by them, keeps what a legal hold names (with the reason) and records what it
did as one privileged action, which is also what GetErasureStatus answers from.

Goals starts an erasure (ErasePerson, HR with a reason) and tells every service with CHANGE_ERASED on
org.employee-changed.v1, carrying the legal holds in force; each service's directory projection consumer calls
`ServiceErasure.on_employee_erased` inside its inbox transaction. Erasing twice does nothing more: the second call
answers the first erasure's record.

What a kind's rows become:
- rows about the person alone (feedback they received, their ambition, their private notes): deleted, with the rows
  that hang on them by a foreign key (the comments on their goals);
- rows that are someone else's too (`keep_for_others`: the giver of feedback, the manager of a dialogue): the
  person's id becomes ERASED_ID and the row stays with the other person;
- JSON lists of ids (`id_lists`: a circle's members): the person leaves the list;
- the directory record (`directory_record`): stays as the erased record made it (id, version, inactive);
- texts of other people's rows that name the person (`mentions`: a prompt to their manager): the name becomes
  ERASED_NAME, read from the directory record before it is emptied.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from paars.org.v1 import org_pb2
from paars.privacy.v1 import privacy_pb2 as pb
from paars_platform import metrics
from paars_platform.auth import Identity
from paars_platform.data_rights import HR_ROLES, REASON_MAX, REASON_MIN
from paars_platform.data_rights import require_hr as require_hr  # re-exported: who may read an erasure's status
from paars_platform.data_rights import starts_in_goals as starts_in_goals  # re-exported: the answer of the services other than goals
from paars_platform.db import Database, after_commit, utcnow
from paars_platform.errors import PermissionDenied, Validator
from paars_platform.event_kinds import covers
from paars_platform.personal_data import PersonalKind, PrivilegedAction, PrivilegedActionRepository

log = logging.getLogger("paars.erasure")

# What an erased person's id becomes in rows kept for someone else: not a valid employee id, so it names nobody.
ERASED_ID = "~erased"
ACTION = "erase"
# What an erased person's name becomes in texts kept for someone else (a prompt to their manager naming them).
ERASED_NAME = "—"
ACTOR = "system:erasure"

ERASURES = metrics.counter("paars_erasures_total", "People erased, by service", ("service",))
ERASED_ROWS = metrics.counter("paars_erasure_rows_total", "Rows deleted or anonymised by erasure, by service and kind", ("service", "kind"))


def check_erasure(caller: Identity, person_id: str, reason: str) -> None:
    """Who may erase: HR (a person, not a system) about someone else, with a reason of at least REASON_MIN characters."""
    if caller.kind != "person" or not caller.has(*HR_ROLES):
        raise PermissionDenied("only HR may erase a person or keep their data under a legal hold")
    v = Validator()
    if v.require(person_id, "person_id", 100):
        v.check(person_id != caller.employee_id, "person_id", "HR cannot erase themselves; another HR person does")
    if v.require(reason, "reason", REASON_MAX):
        v.check(len(reason.strip()) >= REASON_MIN, "reason", f"must say why in at least {REASON_MIN} characters")
    v.raise_if_any()


@dataclass(frozen=True)
class Hold:
    """A legal hold as erasure applies it: the kind of data kept (empty service: in every service; empty kind: all
    of the service's kinds) and why."""

    service: str
    kind: str
    reason: str
    hold_id: str = ""

    def keeps(self, service: str, kind: str) -> bool:
        return covers(self.service, self.kind, service, kind)

    @staticmethod
    def from_event(event: org_pb2.EmployeeChanged) -> tuple[Hold, ...]:
        return tuple(Hold(h.service, h.kind, h.reason, h.hold_id) for h in event.held)


@dataclass(frozen=True)
class Kept:
    kind: str
    reason: str
    rows: int


@dataclass(frozen=True)
class ErasureRecord:
    """What one service did when it erased a person (or, with at None, that it has not)."""

    service: str
    person_id: str
    at: dt.datetime | None = None
    erased: dict[str, int] = field(default_factory=dict)
    kept: tuple[Kept, ...] = ()

    def detail(self) -> dict[str, Any]:
        return {
            "service": self.service, "erased": dict(self.erased),
            "kept": [{"kind": k.kind, "reason": k.reason, "rows": k.rows} for k in self.kept],
        }

    @staticmethod
    def from_action(service: str, action: PrivilegedAction) -> ErasureRecord:
        detail = action.detail
        kept = tuple(Kept(str(k.get("kind", "")), str(k.get("reason", "")), int(k.get("rows", 0))) for k in detail.get("kept", []))
        return ErasureRecord(service, action.subject_id, action.at, {str(k): int(v) for k, v in dict(detail.get("erased", {})).items()}, kept)

    @staticmethod
    def from_proto(status: pb.ErasureStatus) -> ErasureRecord:
        return ErasureRecord(
            status.service, status.person_id, dt.datetime.fromisoformat(status.erased_at) if status.erased_at else None,
            dict(status.erased), tuple(Kept(k.kind, k.reason, k.rows) for k in status.kept),
        )

    def to_proto(self) -> pb.ErasureStatus:
        return pb.ErasureStatus(
            service=self.service, person_id=self.person_id,
            state=pb.ErasureStatus.STATE_ERASED if self.at is not None else pb.ErasureStatus.STATE_NOT_ERASED,
            erased_at=self.at.isoformat() if self.at is not None else "", erased=self.erased,
            kept=[pb.KeptData(kind=k.kind, reason=k.reason, rows=k.rows) for k in self.kept],
        )


async def erasure_of(conn: AsyncConnection, audit: sa.Table, service: str, person: str) -> ErasureRecord | None:
    """The record of this service's erasure of the person, if it erased them."""
    row = (await conn.execute(
        sa.select(audit).where(audit.c.subject_id == person, audit.c.action == ACTION).order_by(audit.c.at, audit.c.id).limit(1)
    )).mappings().first()
    if row is None:
        return None
    return ErasureRecord.from_action(service, PrivilegedAction(row["action"], row["actor_id"], row["subject_id"], row["reason"], row["at"], dict(row["detail"] or {})))


# ---------- deleting and anonymising ----------


async def _delete_cascading(conn: AsyncConnection, table: sa.Table, where: sa.ColumnElement[bool]) -> int:
    """Deletes the rows and, first, the rows of other tables that hang on them by a foreign key (whoever they are
    about: a comment on an erased person's goal goes with the goal)."""
    for child in table.metadata.sorted_tables:
        if child is table:
            continue
        for fk in child.foreign_keys:
            if fk.column.table is table:
                await _delete_cascading(conn, child, fk.parent.in_(sa.select(fk.column).where(where)))
    return int((await conn.execute(table.delete().where(where))).rowcount or 0)


def _only(kind: PersonalKind, person: str, condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return sa.and_(condition, kind.only(person)) if kind.only is not None else condition


async def _leave_lists(conn: AsyncConnection, kind: PersonalKind, column: str, person: str) -> int:
    t = kind.table
    keys = list(t.primary_key.columns)
    rows = (await conn.execute(sa.select(*keys, t.c[column]).where(sa.cast(t.c[column], sa.Text).like(f'%"{person}"%')))).all()
    for row in rows:
        ids = [i for i in (row[-1] or []) if i != person]
        await conn.execute(t.update().where(*(k == row[n] for n, k in enumerate(keys))).values({column: ids}))
    return len(rows)


async def erase_kind(conn: AsyncConnection, kind: PersonalKind, person: str) -> int:
    """Deletes or anonymises this kind's rows about the person (the module's docstring says which); how many rows."""
    if kind.directory_record:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(kind.table).where(kind.rows_about(person)))).scalar_one())
    t = kind.table
    deleting = [t.c[c] == person for c in kind.person_columns if c not in kind.keep_for_others]
    if kind.through is not None and not kind.id_lists:
        deleting.append(kind.through(person))
    count = 0
    if deleting:
        count += await _delete_cascading(conn, t, _only(kind, person, sa.or_(*deleting)))
    for column in kind.keep_for_others:
        result = await conn.execute(t.update().where(_only(kind, person, t.c[column] == person)).values({column: ERASED_ID}))
        count += int(result.rowcount or 0)
    for column in kind.id_lists:
        count += await _leave_lists(conn, kind, column, person)
    return count


async def _scrub_mentions(conn: AsyncConnection, mentions: Sequence[Mention], name: str) -> int:
    """Takes the person's name out of texts that are someone else's (a prompt telling their manager about a 1:1 with
    them); the rows stay."""
    count = 0
    if len(name.strip()) < 2:
        return count
    for table, columns in mentions:
        for column in columns:
            c = table.c[column]
            result = await conn.execute(table.update().where(c.contains(name, autoescape=True)).values({column: sa.func.replace(c, name, ERASED_NAME)}))
            count += int(result.rowcount or 0)
    return count


async def _name_of(conn: AsyncConnection, kinds: Sequence[PersonalKind], person: str) -> str:
    directory = next((k for k in kinds if k.directory_record), None)
    if directory is None or "name" not in directory.table.c:
        return ""
    return str((await conn.execute(sa.select(directory.table.c.name).where(directory.rows_about(person)))).scalar() or "")


async def _kept_rows(conn: AsyncConnection, kind: PersonalKind, person: str) -> int:
    return int((await conn.execute(sa.select(sa.func.count()).select_from(kind.table).where(kind.rows_about(person)))).scalar_one())


async def erase_person(
    conn: AsyncConnection, *, service: str, kinds: Sequence[PersonalKind], outbox: sa.Table, audit: sa.Table, person: str,
    holds: Iterable[Hold], reason: str, actor: str = ACTOR, at: dt.datetime, detail: dict[str, Any] | None = None,
    mentions: Sequence[Mention] = (), name: str | None = None,
) -> ErasureRecord:
    """Erases the person from this service's database in the caller's transaction, or answers the earlier erasure."""
    earlier = await erasure_of(conn, audit, service, person)
    if earlier is not None:
        return earlier
    holds = tuple(holds)
    erased: dict[str, int] = {}
    kept: list[Kept] = []
    if mentions:
        erased["mentions"] = await _scrub_mentions(conn, mentions, name if name is not None else await _name_of(conn, kinds, person))
    # Last declared first: a kind reached through another (comments through goals) goes before the rows it hangs on.
    for kind in reversed(kinds):
        hold = next((h for h in holds if h.keeps(service, kind.name)), None)
        if hold is not None:
            kept.append(Kept(kind.name, hold.reason, await _kept_rows(conn, kind, person)))
            continue
        erased[kind.name] = erased.get(kind.name, 0) + await erase_kind(conn, kind, person)
    # The events about the person this service sent or was about to send: their payloads hold the rows above.
    result = await conn.execute(outbox.delete().where(outbox.c.record_key == person.encode()))
    erased["events"] = int(result.rowcount or 0)
    record = ErasureRecord(service, person, at, erased, tuple(reversed(kept)))
    await PrivilegedActionRepository(conn, audit).add(PrivilegedAction(ACTION, actor, person, reason, at, {**record.detail(), **(detail or {})}))
    after_commit(conn, lambda: _count_erasure(service, erased))
    log.info("person erased", extra={"service": service, "subject_id": person, "erased": erased, "kept": [k.kind for k in kept]})
    return record


def _count_erasure(service: str, erased: dict[str, int]) -> None:
    """The erasure's metrics, once its transaction has committed (db.after_commit): an erasure rolled back and applied
    again counts once."""
    ERASURES.labels(service).inc()
    for name, rows in erased.items():
        if rows:
            ERASED_ROWS.labels(service, name).inc(rows)


# Text columns of other people's rows that may name a person (a prompt's title and body): (table, columns).
Mention = tuple[sa.Table, tuple[str, ...]]


@dataclass(frozen=True)
class ServiceErasure:
    """One service's erasure: its kinds, outbox and audit; what its directory consumer calls on CHANGE_ERASED."""

    service: str
    kinds: tuple[PersonalKind, ...]
    outbox: sa.Table
    audit: sa.Table
    mentions: tuple[Mention, ...] = ()
    clock: Callable[[], dt.datetime] = utcnow

    async def on_employee_erased(self, conn: AsyncConnection, event: org_pb2.EmployeeChanged) -> ErasureRecord:
        """Inside the consumer's inbox transaction (a redelivery of the same event is not applied twice; another
        CHANGE_ERASED for the person answers the first erasure)."""
        return await erase_person(
            conn, service=self.service, kinds=self.kinds, outbox=self.outbox, audit=self.audit, person=event.employee.id,
            holds=Hold.from_event(event), reason="erased in goals, the directory's owner, at HR's request", at=self.clock(),
            detail={"requested_by": event.metadata.actor_id, "event_id": event.metadata.event_id}, mentions=self.mentions,
        )

    async def status(self, db: Database, caller: Identity, person_id: str) -> ErasureRecord:
        require_hr(caller)
        v = Validator()
        v.require(person_id, "person_id", 100)
        v.raise_if_any()
        async with db.read() as conn:
            record = await erasure_of(conn, self.audit, self.service, person_id)
        return record or ErasureRecord(self.service, person_id)


def is_erased(event: org_pb2.EmployeeChanged) -> bool:
    return event.change == org_pb2.EmployeeChanged.CHANGE_ERASED
