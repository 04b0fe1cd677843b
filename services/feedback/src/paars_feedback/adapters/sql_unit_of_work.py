"""The unit of work on the feedback database: one transaction, the outbox rows of its events and the
idempotency record of its answer, committed together or not at all. The transaction, the events and
recall are paars_platform.unit_of_work's; this attaches the repositories and keeps feedback's remember().

On PostgreSQL the write path is cheaper (issue 13 item 5): reads run before any transaction is opened (a
read-committed transaction gave them no more than each statement's own snapshot), and plain inserts wait
(_Deferred) until the unit of work ends, when they, the outbox rows and the idempotency record go to the
database as ONE statement: data-modifying CTEs, each insert conditional on the idempotency record being new.
One statement is one atomic commit: acknowledged is still committed with its outbox row, and nothing of a
request whose key already has an answer is kept. A GiveFeedback is then two statements and two round trips
(the receiver read, the write) instead of six (BEGIN, four statements, COMMIT). Anything else (an update, a
delete, a locking read, a read after a pending insert) opens a real transaction first and writes what waits,
so every other use case keeps its transaction exactly as before."""
from __future__ import annotations

import functools
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.selectable import Select

from paars_feedback.adapters import asyncpg_direct
from paars_feedback.adapters import tables as t
from paars_feedback.adapters.action_plan_repository import SqlActionPlanRepository
from paars_feedback.adapters.dialogue_repository import SqlDialogueRepository
from paars_feedback.adapters.protobuf import decode_answer, encode_answer, event_to_proto
from paars_feedback.adapters.repository import (
    SqlCoachRepository,
    SqlDirectoryRepository,
    SqlFeedbackRepository,
    SqlInvitationRepository,
    SqlReferralRepository,
    SqlRequestRepository,
    SqlValueCatalogue,
)
from paars_feedback.adapters.review_repository import SqlReviewRepository
from paars_feedback.service_layer.commands import RequestKey
from paars_feedback.service_layer.unit_of_work import (
    ActionItemRepository,
    Answer,
    CoachRepository,
    DialogueRepository,
    DirectoryRepository,
    Event,
    FeedbackRepository,
    InvitationRepository,
    ReferralRepository,
    RequestRace,
    RequestRepository,
    ReviewRepository,
    ValueCatalogue,
)
from paars_platform import outbox
from paars_platform.db import dialect_insert, utcnow
from paars_platform.unit_of_work import SqlUnitOfWorkBase

_IDEMPOTENCY = t.platform["idempotency_keys"]


@functools.cache
def _remember(dialect: str) -> Any:
    """The idempotency record, or nothing when the key has one: no error, so the transaction stays usable."""
    return dialect_insert(dialect)(_IDEMPOTENCY).on_conflict_do_nothing(index_elements=["caller", "key"])


# A group of waiting rows: (table name, the columns given, how many rows).
Shape = tuple[tuple[str, tuple[str, ...], int], ...]
_TABLES = t.metadata.tables
_KEY_COLUMNS = ("caller", "key", "method", "request_hash", "response", "created_at")


@functools.cache
def _one_statement(shape: Shape, keyed: bool) -> Select[Any]:
    """Every waiting insert (and, keyed, the idempotency record first) as data-modifying CTEs of one statement,
    built once per shape. Keyed, each insert happens only when the record is new (k returns a row): a key that
    already has an answer writes nothing. Parameters: k_<column>, and p<group>_<row>_<column>."""
    k = None
    if keyed:
        record = {c: sa.bindparam(f"k_{c}", type_=_IDEMPOTENCY.c[c].type) for c in _KEY_COLUMNS}
        k = dialect_insert("postgresql")(_IDEMPOTENCY).values(record).on_conflict_do_nothing(
            index_elements=["caller", "key"]
        ).returning(_IDEMPOTENCY.c.caller).cte("k")
    writes = []
    for g, (name, columns, count) in enumerate(shape):
        table = _TABLES[name]
        rows = []
        for r in range(count):
            row = sa.select(*(sa.bindparam(f"p{g}_{r}_{c}", type_=table.c[c].type).label(c) for c in columns))
            rows.append(row.where(sa.exists(sa.select(k.c.caller))) if k is not None else row)
        source = rows[0] if count == 1 else sa.union_all(*rows)
        writes.append(table.insert().from_select(list(columns), source).cte(f"w{g}"))
    answer = sa.select(sa.func.count()).select_from(k) if k is not None else sa.select(sa.literal(1))
    return (answer.add_cte(*writes) if writes else answer).execution_options(**asyncpg_direct.DIRECT)


def _waits(statement: Any, params: Any) -> bool:
    """A plain INSERT of given rows (no ON CONFLICT, no RETURNING, no values in the statement): safe to write later."""
    return (
        type(statement) is Insert and params is not None and not statement._returning and not statement._values
        and not statement._multi_values and statement.select is None
    )


class _Done:
    """What a waiting insert answers (nobody reads an insert's result but its row count)."""

    def __init__(self, rowcount: int) -> None:
        self.rowcount = rowcount


class _Deferred:
    """The connection the repositories see on PostgreSQL: reads run at once, plain inserts wait for the end of
    the unit of work, anything else first opens the transaction and writes what waits."""

    def __init__(self, uow: SqlUnitOfWork, conn: AsyncConnection) -> None:
        self.uow = uow
        self.conn = conn

    @property
    def dialect(self) -> Any:
        return self.conn.dialect

    async def execute(self, statement: Any, params: Any = None) -> Any:
        if _waits(statement, params):
            rows = [params] if isinstance(params, dict) else list(params)
            if rows:
                self.uow._wait(statement.table, rows)
            return _Done(len(rows))
        plain_read = isinstance(statement, Select) and statement._for_update_arg is None
        if not plain_read or self.uow._waiting:
            await self.uow._begin()
        elif asyncpg_direct.is_direct(statement):
            return await self.uow._direct(statement, params or {})
        return await (self.conn.execute(statement) if params is None else self.conn.execute(statement, params))


class SqlUnitOfWork(SqlUnitOfWorkBase[Event]):
    """A transaction, or for a query (read_only) a read connection that commits nothing."""

    IDEMPOTENCY = _IDEMPOTENCY
    ANSWER_DECODER = decode_answer
    feedback: FeedbackRepository
    requests: RequestRepository
    action_items: ActionItemRepository
    directory: DirectoryRepository
    invitations: InvitationRepository
    coaches: CoachRepository
    referrals: ReferralRepository
    dialogues: DialogueRepository
    reviews: ReviewRepository
    values: ValueCatalogue

    async def __aenter__(self) -> Self:
        self._waiting: list[tuple[sa.Table, list[dict[str, Any]]]] = []
        self._in_transaction = False
        # The events whose outbox rows are written (or wait to be).
        self._sent: list[Event] = []
        self._pg = not self.db.sqlite and not self.read_only
        if not self._pg:
            return await super().__aenter__()
        self._pg_driver: Any = None
        self._raw_scope = self.db.engine.connect()
        self._raw = await self._raw_scope.__aenter__()
        await self._raw.execution_options(isolation_level="AUTOCOMMIT")
        self._conn = _Deferred(self, self._raw)  # type: ignore[assignment]
        self._attach(self._conn)  # type: ignore[arg-type]
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self._pg:
            return await super().__aexit__(exc_type, exc, tb)
        self._waiting = []
        try:
            if self._in_transaction and not (exc is None and self._committed):
                await self._raw.rollback()
        finally:
            await self._raw_scope.__aexit__(exc_type, exc, tb)
        if exc is None and self._committed:
            for hook in self.db.commit_hooks:
                hook()

    def _wait(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        """Rows for one table's insert: one group per table and columns, in the order they came (the sibling CTEs
        of one statement run in no set order, so the outbox rows of one unit of work are one insert)."""
        for waiting_table, waiting in self._waiting:
            if waiting_table is table and tuple(waiting[0]) == tuple(rows[0]):
                waiting.extend(rows)
                return
        self._waiting.append((table, list(rows)))

    async def _begin(self) -> None:
        """Turns the unit of work into a real transaction (once) and writes what waits, in order."""
        if not self._in_transaction:
            await self._raw.commit()  # ends SQLAlchemy's bookkeeping of the autocommitted reads; nothing to send
            await self._raw.execution_options(isolation_level=self._raw.sync_connection.default_isolation_level)
            await self._raw.begin()
            self._in_transaction = True
        await self._write_waiting(None)

    async def _write_waiting(self, key: dict[str, Any] | None) -> bool:
        """The waiting inserts (and the idempotency record) in one statement; False when the key had an answer."""
        waiting, self._waiting = self._waiting, []
        if not waiting and key is None:
            return True
        shape: Shape = tuple((table.name, tuple(rows[0]), len(rows)) for table, rows in waiting)
        params: dict[str, Any] = {f"k_{c}": key[c] for c in _KEY_COLUMNS} if key is not None else {}
        for g, (_, rows) in enumerate(waiting):
            for r, row in enumerate(rows):
                params.update({f"p{g}_{r}_{c}": v for c, v in row.items()})
        statement = _one_statement(shape, key is not None)
        try:
            # Outside a transaction the statement is its own commit, straight on asyncpg; inside one, SQLAlchemy's.
            result = await (self._raw.execute(statement, params) if self._in_transaction else self._direct(statement, params))
            answer = result.scalar()
        except IntegrityError:
            if self._remembered:
                raise RequestRace() from None
            raise
        return key is None or answer == 1

    async def _direct(self, statement: Any, params: dict[str, Any]) -> asyncpg_direct.Result:
        """A hot statement outside a transaction (autocommit: it is its own atomic commit) straight on asyncpg."""
        if self._pg_driver is None:
            self._pg_driver = await asyncpg_direct.driver(self._raw)
        return await asyncpg_direct.execute(self._raw, self._pg_driver, statement, params)

    def _attach(self, conn: AsyncConnection) -> None:
        self.feedback = SqlFeedbackRepository(conn)
        self.requests = SqlRequestRepository(conn)
        self.action_items = SqlActionPlanRepository(conn)
        self.directory = SqlDirectoryRepository(conn)
        self.invitations = SqlInvitationRepository(conn)
        self.coaches = SqlCoachRepository(conn)
        self.referrals = SqlReferralRepository(conn)
        self.dialogues = SqlDialogueRepository(conn)
        self.reviews = SqlReviewRepository(conn)
        self.values = SqlValueCatalogue(conn)

    async def remember(self, caller_key: str, method: str, request: RequestKey, answer: Answer) -> Answer | None:
        self._remembered = True
        record = {
            "caller": caller_key, "key": request.key, "method": method, "request_hash": request.fingerprint,
            "response": encode_answer(answer), "created_at": utcnow(),
        }
        if self._pg and not self._in_transaction:
            # The change, its outbox rows and this record: one statement, and so one commit. It keeps nothing
            # when the key has an answer (an earlier request's, or a concurrent one's: its commit was waited for).
            await self._append_events()
            if await self._write_waiting(record):
                return None
            return await self._earlier(caller_key, method, request, answer)
        kept = await self._connection.execute(_remember(self._connection.dialect.name), {
            "caller": caller_key, "key": request.key, "method": method, "request_hash": request.fingerprint,
            "response": encode_answer(answer), "created_at": utcnow(),
        })
        if kept.rowcount == 1:
            return None
        # The key has an answer already (on PostgreSQL a concurrent holder of the key was waited for, and its
        # committed row is visible to the next statement).
        return await self._earlier(caller_key, method, request, answer)

    async def _earlier(self, caller_key: str, method: str, request: RequestKey, answer: Answer) -> Answer:
        earlier: Answer | None = await self.recall(caller_key, method, request, type(answer))
        if earlier is None:
            raise RequestRace()
        return earlier

    async def _append_events(self) -> None:
        await outbox.append(self._connection, t.platform["outbox"], *(event_to_proto(e) for e in self._events))
        self._sent += self._events
        self._events = []

    async def commit(self) -> list[Event]:
        await self._append_events()
        events = self._sent
        if self._pg:
            await self._write_waiting(None)
            if self._in_transaction:
                await self._raw.commit()
        self._committed = True
        return events
