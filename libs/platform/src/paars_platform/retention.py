"""Retention (issue 18 item 5): per kind of data a period the organisation configures, and a job in each service
that deletes from its database what is past it, counted in Prometheus and recorded in the service's audit of
privileged actions (one line per run that deleted anything, or failed).

The organisation sets `PAARS_RETENTION_<KIND>_DAYS` (e.g. PAARS_RETENTION_FEEDBACK_DAYS=1095); unset or 0 keeps that
kind for as long as the service runs. `PAARS_RETENTION_EVERY_SECONDS` (default 3600; 0: never) says how often the
job runs. A rule deletes its rows, or empties the columns it names in rows that must stay. What it does not reach:
events already on the broker (topics keep them for their own retention; erasure through per-person keys, issue 18
item 4, is not built) and analytics' state (no database).
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from paars_platform import metrics
from paars_platform.config import env_float, env_int
from paars_platform.db import Database, utcnow
from paars_platform.personal_data import PrivilegedAction, PrivilegedActionRepository

log = logging.getLogger("paars.retention")

DELETED = metrics.counter("paars_retention_deleted_total", "Rows deleted because they were past their retention period, by service and kind", ("service", "kind"))
RUNS = metrics.counter("paars_retention_runs_total", "Runs of the retention job, by service and outcome (ok, failed)", ("service", "outcome"))
LAST_RUN = metrics.gauge("paars_retention_last_run_timestamp_seconds", "When the retention job last completed, by service", ("service",))
ACTOR = "system:retention"


@dataclass(frozen=True)
class RetentionRule:
    """One kind of data: its table and the moment a row's period runs from. Several rules may share a kind (one
    period for all of them), e.g. the notes of coaching sessions and of circle sessions."""

    kind: str
    table: sa.Table
    # The column holding when the row was made (its period runs from there); a date column compares by day.
    since: str
    # Columns emptied instead of deleting the row, with their empty values, for data that lives inside a row that
    # must stay (a meeting's shared notes: that the meeting took place still counts). A row already empty is not
    # counted again.
    clear: tuple[tuple[str, object], ...] = ()
    # Which rows may go at all (e.g. not a prompt still held for a digest); every row when unset.
    only: sa.ColumnElement[bool] | None = field(default=None, compare=False)

    @property
    def setting(self) -> str:
        return f"PAARS_RETENTION_{self.kind.upper()}_DAYS"

    def statement(self, cutoff: dt.datetime) -> sa.Delete | sa.Update:
        """The one statement that deletes (or empties) this rule's rows made before `cutoff`."""
        column = self.table.c[self.since]
        older = column < (cutoff.date() if isinstance(column.type, sa.Date) else cutoff)
        if self.only is not None:
            older = sa.and_(older, self.only)
        if not self.clear:
            return self.table.delete().where(older)
        still_there = [_differs(self.table.c[name], empty) for name, empty in self.clear]
        return self.table.update().where(older, sa.or_(*still_there)).values(dict(self.clear))


def _differs(column: sa.ColumnElement[object], empty: object) -> sa.ColumnElement[bool]:
    # JSON has no equality in PostgreSQL (json, not jsonb): compare its text, which both databases keep as written.
    if isinstance(column.type, sa.JSON):
        return sa.cast(column, sa.Text) != json.dumps(empty)
    return column != empty


def periods_from_env(rules: Sequence[RetentionRule], environ: Mapping[str, str] | None = None) -> dict[str, int]:
    """Days per kind as the organisation set them (0: kept)."""
    if environ is not None:
        return {r.kind: max(0, int(environ.get(r.setting, "0") or 0)) for r in rules}
    return {r.kind: max(0, env_int(r.setting, 0)) for r in rules}


@dataclass
class RetentionRun:
    at: dt.datetime
    deleted: dict[str, int]


class RetentionJob:
    """Deletes what is past its period, kind by kind, each kind in its own transaction with its audit line."""

    def __init__(
        self, service: str, db: Database, audit: sa.Table, rules: Sequence[RetentionRule], periods: Mapping[str, int], *,
        clock: Callable[[], dt.datetime] = utcnow, every_seconds: float | None = None,
    ) -> None:
        self.service = service
        self.db = db
        self.audit = audit
        self.rules = tuple(rules)
        self.periods = dict(periods)
        self.clock = clock
        self.every = env_float("PAARS_RETENTION_EVERY_SECONDS", 3600.0) if every_seconds is None else every_seconds
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> RetentionRun:
        now = self.clock()
        deleted: dict[str, int] = {}
        try:
            for rule in self.rules:
                days = self.periods.get(rule.kind, 0)
                if days <= 0:
                    continue
                cutoff = now - dt.timedelta(days=days)
                async with self.db.transaction() as conn:
                    result = await conn.execute(rule.statement(cutoff))
                    count = int(result.rowcount or 0)
                    if count:
                        detail: dict[str, object] = {"kind": rule.kind, "deleted": count, "before": cutoff.isoformat(), "table": rule.table.name}
                        if rule.clear:
                            detail["emptied"] = [name for name, _ in rule.clear]
                        await PrivilegedActionRepository(conn, self.audit).add(PrivilegedAction(
                            "retention", ACTOR, "", f"past the retention period of {days} days for {rule.kind}", now, detail,
                        ))
                deleted[rule.kind] = deleted.get(rule.kind, 0) + count
                if count:
                    DELETED.labels(self.service, rule.kind).inc(count)
        except Exception:
            RUNS.labels(self.service, "failed").inc()
            raise
        RUNS.labels(self.service, "ok").inc()
        LAST_RUN.labels(self.service).set(time.time())
        if any(deleted.values()):
            log.info("retention deleted rows past their period", extra={"deleted": deleted})
        return RetentionRun(now, deleted)

    async def start(self, _runtime: object = None) -> None:
        if self.every > 0 and any(self.periods.get(r.kind, 0) > 0 for r in self.rules):
            self._task = asyncio.create_task(self._loop(), name=f"{self.service}-retention")

    async def stop(self, _runtime: object = None) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                # A database hiccup must not end the job; the next round tries again (counted as failed).
                log.exception("retention run failed")
            await asyncio.sleep(self.every)
