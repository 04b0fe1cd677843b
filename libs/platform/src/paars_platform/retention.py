"""Retention (issue 18 item 5): per kind of data a period the organisation configures, and a job in each service
that deletes from its database what is past it, counted in Prometheus and recorded in the service's audit of
privileged actions (one line per run that deleted anything, or failed).

The organisation sets `PAARS_RETENTION_<KIND>_DAYS` (e.g. PAARS_RETENTION_FEEDBACK_DAYS=1095); unset or 0 keeps that
kind for as long as the service runs. `PAARS_RETENTION_EVERY_SECONDS` (default 3600; 0: never) says how often the
job runs. A rule deletes its rows, or empties the columns it names in rows that must stay.

Events already on the broker are reached through their keys (crypto-shredding, paars_platform.crypto): the relay
encrypts a personal field with the key of (the person it is about, its event's kind below, the calendar month of
the event's time), and goals' run of this job (``KeyRetention`` steps, services/goals/.../adapters/key_retention.py)
destroys the keys of a kind's months that ended before that kind's period, except those a legal hold keeps. What it
does not reach: analytics' state (no database).
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import sqlalchemy as sa

from paars_platform import metrics
from paars_platform.config import env_float, env_int
from paars_platform.db import Database, utcnow
from paars_platform.personal_data import PrivilegedAction, PrivilegedActionRepository

log = logging.getLogger("paars.retention")

DELETED = metrics.counter("paars_retention_deleted_total", "Rows deleted because they were past their retention period, by service and kind", ("service", "kind"))
RUNS = metrics.counter("paars_retention_runs_total", "Runs of the retention job, by service and outcome (ok, failed)", ("service", "outcome"))
LAST_RUN = metrics.gauge("paars_retention_last_run_timestamp_seconds", "When the retention job last completed, by service", ("service",))
KEYS_DESTROYED = metrics.counter(
    "paars_retention_keys_destroyed_total", "Data keys destroyed because their period was past their kind's retention, by service and kind", ("service", "kind"),
)
KEYS_HELD = metrics.gauge(
    "paars_retention_keys_held", "Data keys past their kind's retention kept by a legal hold at the last run, by service and kind", ("service", "kind"),
)
ACTOR = "system:retention"


# ---------- the kinds of data of the events: whose keys, and for how long ----------


@dataclass(frozen=True)
class EventKind:
    """The kind of data a topic's personal fields are (a retention kind: PAARS_RETENTION_<KIND>_DAYS), whether its
    keys go by month, and the legal holds that keep them: a hold of (service, kind) in goals' legal_holds, as the
    service's personal-data KINDS name it ("" matching any, as a hold means it)."""

    kind: str
    # A key per calendar month of the event's time (destroyed once the month is past the period); else one key per
    # person for the kind, kept until erasure: the state a compacted topic carries (the directory).
    monthly: bool
    holds: tuple[tuple[str, str], ...]

    @property
    def setting(self) -> str:
        return f"PAARS_RETENTION_{self.kind.upper()}_DAYS"

    def held_by(self, service: str, kind: str) -> bool:
        """Whether a hold in force on (service, kind) keeps this kind's keys."""
        return any(service in ("", s) and kind in ("", k) for s, k in self.holds)


DIRECTORY = EventKind("directory", False, (("goals", "directory"),))
GOALS = EventKind("goals", True, (("goals", "goals"), ("goals", "goal_comments"), ("goals", "check_ins")))
FEEDBACK = EventKind("feedback", True, (("feedback", "feedback_received"), ("feedback", "feedback_given")))
REVIEW_ANSWERS = EventKind("review_answers", True, (("feedback", "reviews"), ("feedback", "review_raters"), ("feedback", "self_assessments")))
INSIGHTS = EventKind("insights", True, (("analytics", "insights"),))

# The one mapping from a topic with personal fields to its kind (tests/unit/test_key_retention.py: every such
# topic has one). Analytics' insights quote values already encrypted upstream (a goal's title under its owner's
# goals key), which stay under those keys; the insight's own fields take the insights kind.
EVENT_KINDS: dict[str, EventKind] = {
    "org.employee-changed.v1": DIRECTORY,
    "goals.goal-updated.v1": GOALS,
    "feedback.feedback-given.v1": FEEDBACK,
    "feedback.self-assessment-submitted.v1": REVIEW_ANSWERS,
    "feedback.review-updated.v1": REVIEW_ANSWERS,
    "analytics.insight-detected.v1": INSIGHTS,
}
KINDS_OF_EVENTS: tuple[EventKind, ...] = tuple(dict.fromkeys(EVENT_KINDS.values()))


def event_kind(topic: str) -> EventKind:
    """The kind of a topic's personal fields; a topic with personal fields missing here fails loudly."""
    try:
        return EVENT_KINDS[topic]
    except KeyError:
        raise KeyError(f"{topic} has personal fields but no kind of data: add it to paars_platform.retention.EVENT_KINDS") from None


def period_of(kind: EventKind, at: dt.datetime) -> str:
    """The period of an event's key: "YYYY-MM" of its time in UTC for a monthly kind, "" for a kind kept whole."""
    if not kind.monthly:
        return ""
    at = at.astimezone(dt.UTC) if at.tzinfo else at
    return f"{at.year:04d}-{at.month:02d}"


def periods_past(days: int, now: dt.datetime) -> str:
    """The first period still (partly) inside a retention of `days` at `now`: every month before it ended before
    the cutoff (now - days), so its keys may go; a month the cutoff falls in keeps its key until it has ended."""
    cutoff = now - dt.timedelta(days=days)
    return period_of(EventKind("", True, ()), cutoff)


@dataclass(frozen=True)
class KeyCutoff:
    """The keys of `kind` whose period is before `before` are past its retention of `days` days."""

    kind: EventKind
    days: int
    before: str


def key_cutoffs(periods: Mapping[str, int], now: dt.datetime) -> list[KeyCutoff]:
    """Per kind of the events kept by month with a retention set, the periods whose keys go at `now`."""
    return [KeyCutoff(k, periods[k.kind], periods_past(periods[k.kind], now)) for k in KINDS_OF_EVENTS if k.monthly and periods.get(k.kind, 0) > 0]


class RetentionStep(Protocol):
    """More the job enforces beside the rules' rows (goals: the keys of periods past their kind's retention)."""

    @property
    def kinds(self) -> tuple[str, ...]:
        """The retention kinds it enforces (a period set for one of them starts the job)."""

    def run(self, now: dt.datetime, periods: Mapping[str, int]) -> Awaitable[dict[str, int]]:
        """Enforces the periods at now; what went, by kind."""


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


def periods_from_env(rules: Sequence[RetentionRule | EventKind], environ: Mapping[str, str] | None = None) -> dict[str, int]:
    """Days per kind as the organisation set them (0: kept)."""
    if environ is not None:
        return {r.kind: max(0, int(environ.get(r.setting, "0") or 0)) for r in rules}
    return {r.kind: max(0, env_int(r.setting, 0)) for r in rules}


@dataclass
class RetentionRun:
    at: dt.datetime
    deleted: dict[str, int]
    # Data keys destroyed by the steps (goals: the keys of periods past their kind's retention), by kind.
    keys_destroyed: dict[str, int] = field(default_factory=dict)


class RetentionJob:
    """Deletes what is past its period, kind by kind, each kind in its own transaction with its audit line."""

    def __init__(
        self, service: str, db: Database, audit: sa.Table, rules: Sequence[RetentionRule], periods: Mapping[str, int], *,
        clock: Callable[[], dt.datetime] = utcnow, every_seconds: float | None = None, steps: Sequence[RetentionStep] = (),
    ) -> None:
        self.service = service
        self.db = db
        self.audit = audit
        self.rules = tuple(rules)
        self.periods = dict(periods)
        self.clock = clock
        self.steps = tuple(steps)
        self.every = env_float("PAARS_RETENTION_EVERY_SECONDS", 3600.0) if every_seconds is None else every_seconds
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> RetentionRun:
        now = self.clock()
        deleted: dict[str, int] = {}
        destroyed: dict[str, int] = {}
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
            for step in self.steps:
                for kind, count in (await step.run(now, self.periods)).items():
                    destroyed[kind] = destroyed.get(kind, 0) + count
        except Exception:
            RUNS.labels(self.service, "failed").inc()
            raise
        RUNS.labels(self.service, "ok").inc()
        LAST_RUN.labels(self.service).set(time.time())
        if any(deleted.values()):
            log.info("retention deleted rows past their period", extra={"deleted": deleted})
        if any(destroyed.values()):
            log.info("retention destroyed the keys of periods past their kind's retention", extra={"keys_destroyed": destroyed})
        return RetentionRun(now, deleted, destroyed)

    async def start(self, _runtime: object = None) -> None:
        kinds = [r.kind for r in self.rules] + [k for step in self.steps for k in step.kinds]
        if self.every > 0 and any(self.periods.get(k, 0) > 0 for k in kinds):
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
