"""The SQL of the consumer's path from a batch of events to prompts: every statement built once, each called once
per batch (not once per event), so a batch of events costs about as many round trips as one event did.

What it keeps: a prompt goes in once per (cause, recipient, kind) and once per (moment, recipient) (the table's
unique keys; `add` says which rows went in; `take_moment` lets a prompt take its moment from a held one), cursors are taken per recipient under the cursor row's lock (in
recipient order, so two transactions cannot deadlock), and everything is written in the caller's transaction
(the inbox's), so an event's prompts commit with its inbox row or not at all.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.ext.asyncio import AsyncConnection

from paars_notifications.adapters import tables as t
from paars_notifications.domain.batches import UNSHOWN_FINAL, OpenQuery, Writes
from paars_platform import deadletter, outbox
from paars_platform.db import UtcDateTime, dialect_insert, upsert
from paars_platform.inbox import InboxClaim, claim_cte

_p = t.prompts.c


def _among(column: sa.ColumnElement[Any], name: str, postgresql: bool) -> sa.ColumnElement[bool]:
    """column IN the list bound as `name`: on PostgreSQL `= ANY(array)`, one parameter whatever the list's length, so
    the statement's text (asyncpg's prepared-statement cache key) is the same for every batch; elsewhere an IN list."""
    if postgresql:
        return column == sa.any_(sa.bindparam(name, type_=pg.ARRAY(column.type)))
    return column.in_(sa.bindparam(name, expanding=True))


class _Reads(NamedTuple):
    """The batch's budget and open-prompt reads for one dialect."""

    budget_spent: Any  # the budget alone
    open_prompts: Any  # the open prompts alone
    both: Any  # the two parts below in one UNION ALL
    budget_part: Any
    open_part: Any


@functools.cache
def _reads(dialect: str) -> _Reads:
    """The batch's budget and open-prompt reads for the dialect."""
    on_pg = dialect == "postgresql"
    budget = sa.and_(
        _among(_p.recipient_id, "b_budget", on_pg), _p.budgeted.is_(True),
        _p.created_at >= sa.bindparam("b_since", type_=UtcDateTime),
    )
    # Open prompts any of the batch's actions may close: a superset (recipient, kind, about or ref, old enough),
    # each match then picked exactly in Python (see ActionMatch).
    open_ = sa.and_(
        _among(_p.recipient_id, "b_actors", on_pg), _among(_p.kind, "b_kinds", on_pg),
        _p.acted.is_(False), _p.state.not_in(UNSHOWN_FINAL), _p.created_at <= sa.bindparam("b_before", type_=UtcDateTime),
        sa.or_(_among(_p.about_id, "b_abouts", on_pg), _among(_p.ref_id, "b_refs", on_pg)),
    )
    # The week's budget of the batch's recipients, counted by the database when nothing is to be closed.
    budget_spent = sa.select(_p.recipient_id, sa.func.count()).where(budget).group_by(_p.recipient_id)
    open_prompts = sa.select(t.prompts).where(open_)
    # Both in one round trip: the budget's counts per recipient (part 1; the prompt columns NULL) and the open
    # prompts (part 2), one UNION ALL. (Reading the budget's rows instead of counting them was one round trip
    # too, but a person with a large budget has a hundred rows in a week, and parsing them cost more than the trip.)
    budget_part = sa.select(
        sa.literal_column("1").label("part"), sa.func.count().label("spent"),
        *(c if c.name == "recipient_id" else sa.cast(sa.null(), c.type).label(c.name) for c in t.prompts.c),
    ).where(budget).group_by(_p.recipient_id)
    open_part = sa.select(sa.literal_column("2").label("part"), sa.literal_column("0").label("spent"), *t.prompts.c).where(open_)
    return _Reads(budget_spent, open_prompts, sa.union_all(budget_part, open_part), budget_part, open_part)


@functools.cache
def _claim_and_read(inbox: sa.Table, budget: bool, open_prompts: bool) -> Any:
    """PostgreSQL: the inbox's claim (part 0: the new event ids, in the recipient_id column) and the first read of
    the batch (parts 1 and 2, as _reads' UNION ALL) in one statement."""
    claimed = claim_cte(inbox)
    claim_part = sa.select(
        sa.literal_column("0").label("part"), sa.literal_column("0").label("spent"),
        *(sa.cast(claimed.c.event_id, c.type).label(c.name) if c.name == "recipient_id" else sa.cast(sa.null(), c.type).label(c.name) for c in t.prompts.c),
    )
    reads = _reads("postgresql")
    parts = [claim_part, *([reads.budget_part] if budget else []), *([reads.open_part] if open_prompts else [])]
    return sa.union_all(*parts)


_MARK_RELEASED = (
    t.prompts.update()
    .where(_p.id == sa.bindparam("b_id"))
    .values(state="released", cursor=sa.bindparam("b_cursor"), released_at=sa.bindparam("b_at", type_=UtcDateTime))
)
_MARK_ACTED = (
    t.prompts.update()
    .where(_p.id == sa.bindparam("b_id"))
    .values(acted=True, acted_at=sa.bindparam("b_at", type_=UtcDateTime), action_event_id=sa.bindparam("b_action"))
)
_r = t.open_requests.c


@functools.cache
def _drop(dialect: str) -> Any:
    return t.prompts.update().where(_among(_p.id, "b_ids", dialect == "postgresql")).values(state="dropped")


@functools.cache
def _moment_rivals(dialect: str) -> Any:
    """The stored prompts a refused row may have met: the holder of its (recipient, moment), or its own earlier copy
    (cause, recipient, kind). A superset (recipients x moments or causes), picked exactly by the caller."""
    on_pg = dialect == "postgresql"
    return sa.select(
        _p.id, _p.recipient_id, _p.moment_id, _p.cause_event_id, _p.kind, _p.priority, _p.state, _p.budgeted,
    ).where(
        _among(_p.recipient_id, "b_recipients", on_pg),
        sa.or_(_among(_p.moment_id, "b_moments", on_pg), _among(_p.cause_event_id, "b_causes", on_pg)),
    )


# A held prompt gives up its moment: withdrawn, never released (the scheduler releases only held ones), its moment free
# for the prompt that takes it, and no slot of the week's budget used (it was never shown).
_WITHDRAW = (
    t.prompts.update().where(_p.id == sa.bindparam("b_id"), _p.state == "held")
    .values(state="withdrawn", moment_id=None, budgeted=False)
)


@functools.cache
def _forget_requests(dialect: str) -> Any:
    return t.open_requests.delete().where(_among(_r.request_id, "b_ids", dialect == "postgresql"))


_DUE_REQUESTS = sa.select(t.open_requests).where(_r.reminded.is_(False), _r.due_date != "", _r.due_date <= sa.bindparam("b_horizon"))
_MARK_REMINDED = t.open_requests.update().where(_r.request_id == sa.bindparam("b_id")).values(reminded=True)
_HELD_DUE = (
    sa.select(t.prompts).where(_p.state == "held", _p.release_at <= sa.bindparam("b_now", type_=UtcDateTime))
    .order_by(_p.recipient_id, _p.priority.desc(), _p.created_at).limit(1000)
    # Another replica's round at the same moment passes these rows by (PostgreSQL; SQLite has one writer anyway).
    .with_for_update(skip_locked=True)
)
# PostgreSQL: a batch's releases in one statement. Every recipient's cursors are taken (row locks in recipient
# order, as take_cursors), each released prompt gets its own (the recipient's last minus how far before it it is)
# and, with _RELEASE_AND_SEND, the batch's outbox rows go in, in their order. Arrays, not rows of VALUES: the text
# is the same for every batch, so the connection prepares it once. (The sub-statements of a WITH see one snapshot;
# the prompts it marks were inserted by an earlier statement of the transaction, and none is marked twice.)
_TAKE_AND_MARK = """
WITH taken AS (
    INSERT INTO recipient_cursors (recipient_id, last_cursor)
    SELECT recipient_id, n FROM unnest(CAST(:recipients AS VARCHAR[]), CAST(:counts AS BIGINT[])) AS c(recipient_id, n)
    ORDER BY recipient_id
    ON CONFLICT (recipient_id) DO UPDATE SET last_cursor = recipient_cursors.last_cursor + excluded.last_cursor
    RETURNING recipient_id, last_cursor
), marked AS (
    UPDATE prompts SET state = 'released', cursor = taken.last_cursor - m.back, released_at = CAST(:at AS TIMESTAMPTZ)
    FROM unnest(CAST(:ids AS VARCHAR[]), CAST(:owners AS VARCHAR[]), CAST(:backs AS BIGINT[])) AS m(id, recipient_id, back)
    JOIN taken ON taken.recipient_id = m.recipient_id
    WHERE prompts.id = m.id
    RETURNING prompts.id
)"""
_SEND = """, sent AS (
    INSERT INTO outbox (event_id, topic, record_key, payload, headers, created_at)
    SELECT event_id, topic, record_key, payload, headers, CAST(:created AS TIMESTAMPTZ)
    FROM unnest(
        CAST(:event_ids AS VARCHAR[]), CAST(:topics AS VARCHAR[]), CAST(:keys AS BYTEA[]), CAST(:payloads AS BYTEA[]),
        CAST(:headers AS JSON[])
    ) WITH ORDINALITY AS o(event_id, topic, record_key, payload, headers, position)
    ORDER BY position
    RETURNING id
)"""
_RELEASE = sa.text(_TAKE_AND_MARK + "\nSELECT recipient_id, last_cursor FROM taken")
_RELEASE_AND_SEND = sa.text(_TAKE_AND_MARK + _SEND + "\nSELECT recipient_id, last_cursor FROM taken")
_k = t.parked_events.c
# Parked events (service_layer/prompting.py): in the order they came, each applied once (a second replica's round,
# or a directory change on another replica, passes locked rows by on PostgreSQL; SQLite has one writer anyway).
_PARKED = sa.select(t.parked_events).order_by(_k.id).limit(1000).with_for_update(skip_locked=True)
_KNOWN = sa.select(t.people.c.id).where(t.people.c.id.in_(sa.bindparam("b_ids", expanding=True)))
_PERSON_VERSION = sa.select(t.people.c.version).where(t.people.c.id == sa.bindparam("b_id"))


@functools.cache
def _array_columns(table: sa.Table) -> tuple[sa.Column[Any], ...]:
    """The columns an insert over arrays gives (all but a generated id), worked out once per table."""
    return tuple(c for c in table.c if c.autoincrement is not True)


@functools.cache
def _insert_ignore(dialect: str, table: sa.Table, returning: str | None = None) -> Any:
    """Rows that hit a unique key are skipped; RETURNING `returning` names the rows that went in. PostgreSQL: the rows
    come as one array per column (unnest; parameters from _array_rows), so the text is the same for every number of
    rows and a connection prepares it once; elsewhere the rows are executemany parameters (a multi-row VALUES,
    SQLAlchemy's "insertmanyvalues", when there is a RETURNING)."""
    if dialect != "postgresql":
        insert = dialect_insert(dialect)(table).on_conflict_do_nothing()
    else:
        columns = _array_columns(table)
        arrays = sa.func.unnest(
            *(sa.bindparam(f"u_{c.name}", type_=pg.ARRAY(c.type)) for c in columns),
        ).table_valued(*(c.name for c in columns)).render_derived()
        rows = sa.select(*(arrays.c[c.name] for c in columns))
        insert = pg.insert(table).from_select([c.name for c in columns], rows).on_conflict_do_nothing()
    return insert if returning is None else insert.returning(table.c[returning])


def _array_rows(table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """_insert_ignore's parameters on PostgreSQL: a list per column, every row giving every column."""
    return {f"u_{c.name}": [row[c.name] for row in rows] for c in _array_columns(table)}


@functools.cache
def _take_cursors_many(dialect: str) -> Any:
    c = t.recipient_cursors.c
    insert = dialect_insert(dialect)(t.recipient_cursors)
    return insert.on_conflict_do_update(
        index_elements=["recipient_id"], set_={"last_cursor": c.last_cursor + insert.excluded.last_cursor},
    ).returning(c.recipient_id, c.last_cursor)


@functools.cache
def _take_cursors_one(dialect: str) -> Any:
    c = t.recipient_cursors.c
    n = sa.bindparam("b_n", type_=sa.BigInteger)
    insert = dialect_insert(dialect)(t.recipient_cursors).values(recipient_id=sa.bindparam("b_recipient"), last_cursor=n)
    return insert.on_conflict_do_update(index_elements=["recipient_id"], set_={"last_cursor": c.last_cursor + n}).returning(c.last_cursor)


class SqlPromptRepository:
    """The consumer path's statements on one connection (the inbox's transaction or the scheduler's)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name

    async def budget_and_open(
        self, budget_for: Collection[str], since: dt.datetime, open_query: OpenQuery | None,
    ) -> tuple[dict[str, int], list[Any]]:
        """Per recipient, the week's prompts that used a slot of the budget; and the open prompts the batch's
        actions may close. One statement for both."""
        params: dict[str, Any] = {"b_budget": sorted(budget_for), "b_since": since}
        if open_query is not None:
            params.update(
                b_actors=sorted(open_query.actors), b_kinds=sorted(open_query.kinds), b_abouts=sorted(open_query.abouts),
                b_refs=sorted(open_query.refs), b_before=open_query.before,
            )
        reads = _reads(self.dialect)
        if open_query is None:
            if not budget_for:
                return {}, []
            rows = (await self.conn.execute(reads.budget_spent, params)).all()
            return {recipient: int(count) for recipient, count in rows}, []
        if not budget_for:
            return {}, list((await self.conn.execute(reads.open_prompts, params)).all())
        spent: dict[str, int] = {}
        open_rows: list[Any] = []
        for row in (await self.conn.execute(reads.both, params)).all():
            if row.part == 1:
                spent[row.recipient_id] = int(row.spent)
            else:
                open_rows.append(row)
        return spent, open_rows

    async def claim_and_read(
        self, claim: InboxClaim, budget_for: Collection[str], since: dt.datetime, open_query: OpenQuery | None,
    ) -> tuple[set[str], dict[str, int], list[Any]]:
        """The inbox's claim of the transaction's events and budget_and_open's read, in one statement on PostgreSQL
        (two elsewhere): the event ids new to the consumer, the budget spent, the open prompts."""
        if self.dialect != "postgresql":
            fresh = await claim.insert(self.conn)
            return (fresh, *await self.budget_and_open(budget_for, since, open_query))
        params: dict[str, Any] = {**claim.params(), "b_budget": sorted(budget_for), "b_since": since}
        if open_query is not None:
            params.update(
                b_actors=sorted(open_query.actors), b_kinds=sorted(open_query.kinds), b_abouts=sorted(open_query.abouts),
                b_refs=sorted(open_query.refs), b_before=open_query.before,
            )
        statement = _claim_and_read(claim.table, bool(budget_for), open_query is not None)
        fresh: set[str] = set()
        spent: dict[str, int] = {}
        open_rows: list[Any] = []
        for row in (await self.conn.execute(statement, params)).all():
            if row.part == 0:
                fresh.add(row.recipient_id)
            elif row.part == 1:
                spent[row.recipient_id] = int(row.spent)
            else:
                open_rows.append(row)
        return fresh, spent, open_rows

    async def add(self, rows: Sequence[Mapping[str, Any]]) -> set[str]:
        """Inserts prompts in one statement; returns the ids that went in (not those a once-only key refused)."""
        if not rows:
            return set()
        return set((await self._insert(t.prompts, rows, returning="id")).scalars())

    async def moment_rivals(self, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """For prompts `add` refused that are about a moment: the stored prompts of the same recipient holding one of
        their moments, or with one of their causes (see _moment_rivals). One statement for all of them."""
        if not rows:
            return []
        params = {
            "b_recipients": sorted({row["recipient_id"] for row in rows}),
            "b_moments": sorted({row["moment_id"] for row in rows if row["moment_id"]}),
            "b_causes": sorted({row["cause_event_id"] for row in rows}),
        }
        return list((await self.conn.execute(_moment_rivals(self.dialect), params)).all())

    async def take_moment(self, held_id: str, row: Mapping[str, Any]) -> bool:
        """Withdraws the held prompt `held_id` and stores `row`, which takes its moment, in the caller's transaction.
        False, and nothing changed, when that prompt is no longer held (released or withdrawn by another transaction
        since it was read: the UPDATE waits for that one's row lock on PostgreSQL)."""
        if (await self.conn.execute(_WITHDRAW, {"b_id": held_id})).rowcount != 1:
            return False
        if not (await self._insert(t.prompts, [row], returning="id")).scalars().all():
            # Its cause's copy and its moment were checked free; refusing it now would leave the moment without a
            # prompt, so the transaction must not commit (the inbox applies the batch again, one event at a time).
            raise RuntimeError(f"prompt {row['id']} took the moment of {held_id} and was refused")
        return True

    async def take_cursors(self, counts: Mapping[str, int]) -> dict[str, int]:
        """Reserves counts[r] consecutive cursors per recipient; returns each one's last. The row locks order
        concurrent releases for one person (their commits become visible in cursor order) and are taken in
        recipient order, so two transactions releasing for the same people cannot deadlock."""
        if not counts:
            return {}
        if len(counts) == 1:
            [(recipient, n)] = counts.items()
            last = (await self.conn.execute(_take_cursors_one(self.dialect), {"b_recipient": recipient, "b_n": n})).scalar_one()
            return {recipient: int(last)}
        params = [{"recipient_id": r, "last_cursor": counts[r]} for r in sorted(counts)]
        rows = (await self.conn.execute(_take_cursors_many(self.dialect), params)).all()
        return {recipient: int(last) for recipient, last in rows}

    async def write(self, writes: Writes) -> dict[str, int]:
        """Everything a batch decided, one statement per kind of write; returns the last cursor each recipient of
        `writes.released` took. On PostgreSQL the cursors, the release marks and the outbox rows go in one statement
        (_RELEASE), the round trips that were left once the batch's other writes were one each."""
        conn = self.conn
        if writes.acted:
            await conn.execute(_MARK_ACTED, writes.acted)
        if writes.dropped:
            await conn.execute(_drop(self.dialect), {"b_ids": writes.dropped})
        if writes.requests:
            await self._requests(writes.requests)
        if writes.deliveries:
            await self._insert(t.deliveries, writes.deliveries)
        released = {recipient: ids for recipient, ids in writes.released.items() if ids}
        if released and self.dialect == "postgresql":
            return await self._release_in_one(released, writes)
        lasts: dict[str, int] = {}
        if released:
            lasts = await self.take_cursors({recipient: len(ids) for recipient, ids in released.items()})
            await conn.execute(_MARK_RELEASED, [
                {"b_id": prompt_id, "b_cursor": lasts[recipient] - len(ids) + 1 + offset, "b_at": writes.released_at}
                for recipient, ids in released.items() for offset, prompt_id in enumerate(ids)
            ])
        if writes.events:
            await outbox.append(conn, t.platform["outbox"], *writes.events)
        return lasts

    async def _release_in_one(self, released: Mapping[str, Sequence[str]], writes: Writes) -> dict[str, int]:
        recipients = sorted(released)
        params: dict[str, Any] = {
            "recipients": recipients, "counts": [len(released[r]) for r in recipients],
            "ids": [i for r in recipients for i in released[r]],
            "owners": [r for r in recipients for _i in released[r]],
            # How far before the recipient's last cursor each one's is: the last released gets the last cursor.
            "backs": [len(released[r]) - 1 - offset for r in recipients for offset in range(len(released[r]))],
            "at": writes.released_at,
        }
        rows = outbox.rows_of(*writes.events)
        if rows:
            params.update(
                event_ids=[row["event_id"] for row in rows], topics=[row["topic"] for row in rows],
                keys=[row["record_key"] for row in rows], payloads=[row["payload"] for row in rows],
                headers=[json.dumps(row["headers"]) for row in rows], created=rows[0]["created_at"],
            )
        result = await self.conn.execute(_RELEASE_AND_SEND if rows else _RELEASE, params)
        return {recipient: int(last) for recipient, last in result.all()}

    async def _insert(self, table: sa.Table, rows: Sequence[Mapping[str, Any]], returning: str | None = None) -> Any:
        statement = _insert_ignore(self.dialect, table, returning)
        if self.dialect == "postgresql":
            return await self.conn.execute(statement, _array_rows(table, rows))
        return await self.conn.execute(statement, list(rows))

    async def person_version(self, person_id: str) -> int | None:
        """The org projection's version of the person (None: not projected yet)."""
        version = (await self.conn.execute(_PERSON_VERSION, {"b_id": person_id})).scalar()
        return int(version) if version is not None else None

    async def project_person(self, values: Mapping[str, Any]) -> None:
        await upsert(self.conn, t.people, dict(values), keys=["id"])

    async def park(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Keeps events that wait for the directory (an event parked already stays as it is). Rows as executemany
        parameters on every database: the JSON lists would not pass through _insert_ignore's arrays (a JSON[] of lists
        is a two-dimensional array), and parking is rare."""
        if rows:
            await self.conn.execute(dialect_insert(self.dialect)(t.parked_events).on_conflict_do_nothing(), list(rows))

    async def parked(self, awaiting: str | None = None) -> list[Any]:
        """Parked events in the order they came, locked for this transaction: those that wait for `awaiting`, or the
        first 1000 of all."""
        if awaiting is None:
            return list((await self.conn.execute(_PARKED)).all())
        statement = _PARKED.limit(None).where(t.lists_id(_k.awaited, awaiting))
        return list((await self.conn.execute(statement)).all())

    async def unpark(self, ids: Sequence[int]) -> None:
        if ids:
            await self.conn.execute(t.parked_events.delete().where(_k.id.in_(ids)))

    def attempt(self) -> contextlib.AbstractAsyncContextManager[Any]:
        """On PostgreSQL a savepoint: a statement that fails there aborts the whole transaction, so a parked event's
        rules failing on one (dead-lettered) would fail the directory change applying it, and that change would go to
        the dead-letter topic in its stead. SQLite's transaction outlives a failed statement, and pysqlite's savepoints
        would begin a transaction of their own where none has begun yet: nothing there."""
        return self.conn.begin_nested() if self.dialect == "postgresql" else contextlib.nullcontext()

    async def dead_letter(self, letters: Sequence[deadletter.DeadLetter]) -> None:
        """The dead letters as outbox rows (the relay publishes them to the dead-letter topic once this commits)."""
        await outbox.append_records(self.conn, t.platform["outbox"], *(letter.as_record() for letter in letters))

    async def unclaim(self, consumer: str, event_ids: Collection[str]) -> None:
        if event_ids:
            inbox = t.platform["inbox"]
            await self.conn.execute(inbox.delete().where(inbox.c.consumer == consumer, inbox.c.event_id.in_(sorted(event_ids))))

    async def known(self, person_ids: Collection[str]) -> set[str]:
        """Which of these people the org projection holds (read in the transaction, not from the cache)."""
        if not person_ids:
            return set()
        return set((await self.conn.execute(_KNOWN, {"b_ids": sorted(person_ids)})).scalars())

    async def held_due(self, now: dt.datetime) -> list[Any]:
        """Held prompts whose time came, per recipient by priority (at most 1000 a round)."""
        return list((await self.conn.execute(_HELD_DUE, {"b_now": now})).all())

    async def due_requests(self, horizon: str) -> list[Any]:
        """Open requests due on or before the horizon (an ISO date) and not reminded yet."""
        return list((await self.conn.execute(_DUE_REQUESTS, {"b_horizon": horizon})).all())

    async def mark_reminded(self, request_id: str) -> None:
        await self.conn.execute(_MARK_REMINDED, {"b_id": request_id})

    async def _requests(self, ops: Iterable[tuple[str, dict[str, Any] | None]]) -> None:
        """The open requests as the batch's FeedbackRequested events leave them, applied in order: a row is kept
        once (the first open state wins, as an insert that ignores a repeat), a closed state forgets it."""
        forget: set[str] = set()
        keep: dict[str, dict[str, Any]] = {}
        for request_id, row in ops:
            if row is None:
                keep.pop(request_id, None)
                forget.add(request_id)
            elif request_id not in keep:
                keep[request_id] = row
        if forget:
            await self.conn.execute(_forget_requests(self.dialect), {"b_ids": sorted(forget)})
        if keep:
            await self._insert(t.open_requests, list(keep.values()))
