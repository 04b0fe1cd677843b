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

Legal holds stop the rows' retention too. A rule names the kinds of personal data its rows are (`holds`: the
service's PersonalKinds on the rule's table, e.g. feedback's rows are "feedback_received" of the receiver and
"feedback_given" of the giver); the job reads the holds in force once per run (`HoldSource`: the services ask goals'
ListLegalHolds with their service token, paars_platform.legal_holds) and keeps the rows a hold covers (`covers`, the one
matching rule erasure and the keys' retention use too), counting them in the audit line and
paars_retention_rows_held. When the holds cannot be read, the rules a hold could keep delete nothing that run
(outcome "holds_unavailable", a warning in the log); the rules no hold reaches (the outbox) run as before.
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

# re-exported: the kinds of data of the events (paars_platform.event_kinds), imported from here too
from paars_platform.event_kinds import DIRECTORY as DIRECTORY
from paars_platform.event_kinds import EVENT_KINDS as EVENT_KINDS
from paars_platform.event_kinds import FEEDBACK as FEEDBACK
from paars_platform.event_kinds import GOALS as GOALS
from paars_platform.event_kinds import INSIGHTS as INSIGHTS
from paars_platform.event_kinds import KINDS_OF_EVENTS as KINDS_OF_EVENTS
from paars_platform.event_kinds import REVIEW_ANSWERS as REVIEW_ANSWERS
from paars_platform.event_kinds import EventKind as EventKind
from paars_platform.event_kinds import KeyCutoff as KeyCutoff
from paars_platform.event_kinds import covers as covers
from paars_platform.event_kinds import event_kind as event_kind
from paars_platform.event_kinds import key_cutoffs as key_cutoffs
from paars_platform.event_kinds import period_of as period_of
from paars_platform.event_kinds import periods_past as periods_past
from paars_platform.personal_data import PersonalKind, PrivilegedAction, PrivilegedActionRepository

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
# Set when a process schedules its job: the alert on a job not run for twice its interval (PaarsRetentionNotRun) reads
# the interval, and the time it was scheduled until a run completes.
INTERVAL = metrics.gauge("paars_retention_interval_seconds", "Seconds between the retention job's runs (PAARS_RETENTION_EVERY_SECONDS), by service", ("service",))
STARTED = metrics.gauge("paars_retention_started_timestamp_seconds", "When this process scheduled its retention job, by service", ("service",))
ROWS_HELD = metrics.gauge(
    "paars_retention_rows_held", "Rows past their kind's retention kept by a legal hold at the last run, by service and kind", ("service", "kind"),
)
ACTOR = "system:retention"


# ---------- legal holds: what a hold keeps, and which kinds it may name ----------




# The kinds of personal data a legal hold may name, per service: each service's adapters/person_data.KINDS names
# (tests/unit/test_retention_holds.py keeps the two equal); analytics has no database, its insights are events.
HOLD_KINDS: dict[str, tuple[str, ...]] = {
    "goals": ("directory", "provisioning", "goals", "goal_comments", "check_ins"),
    "feedback": (
        "directory", "feedback_received", "feedback_given", "feedback_requests", "reviews", "review_raters", "self_assessments", "dialogues",
        "dialogue_preparations", "action_items", "coach_assignments", "coach_shares", "referrals", "read_audit",
    ),
    "conversations": (
        "directory", "pairs", "meetings", "private_notes", "meeting_reads", "coach_profile", "coaching_requests", "coaching_sessions", "concerns",
        "circles", "circle_cases",
    ),
    "story": ("directory", "ambition", "proposals", "proposal_comments", "story_versions", "team_story_versions", "story_reads"),
    "notifications": ("directory", "preferences", "prompts", "open_requests", "webhooks", "deliveries", "parked_events"),
    "analytics": ("insights",),
}


def hold_scope_problems(service: str, kind: str) -> list[tuple[str, str]]:
    """What is wrong with a hold's (service, kind), as (field, description): a service that holds no personal data,
    or a kind no such service has (the kinds listed)."""
    if service and service not in HOLD_KINDS:
        return [("service", f"unknown service {service!r}: one of {', '.join(HOLD_KINDS)} (empty: every service)")]
    if not kind:
        return []
    valid = HOLD_KINDS[service] if service else tuple(dict.fromkeys(k for kinds in HOLD_KINDS.values() for k in kinds))
    if kind in valid:
        return []
    where = f"of {service}" if service else "of any service"
    return [("kind", f"unknown kind {kind!r} {where}: one of {', '.join(valid)} (empty: all of the person's data)")]


@dataclass(frozen=True)
class HoldInForce:
    """A legal hold as the retention job applies it (goals' legal_holds row, in force)."""

    person_id: str
    service: str
    kind: str
    reason: str
    hold_id: str = ""

    def keeps(self, service: str, kind: str) -> bool:
        return covers(self.service, self.kind, service, kind)


# The legal holds in force, every person's (goals' ListLegalHolds); raises when they cannot be read.
HoldSource = Callable[[], Awaitable[Sequence[HoldInForce]]]


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
    # The kinds of personal data the rows are, as the service's KINDS name them, on this rule's table: a legal hold
    # in force covering one keeps the rows its rows_about reaches for the held person. Empty: no hold reaches the
    # rows (the outbox: the events on the broker are kept through their keys).
    holds: tuple[PersonalKind, ...] = field(default=(), compare=False)

    @property
    def setting(self) -> str:
        return f"PAARS_RETENTION_{self.kind.upper()}_DAYS"

    def past(self, cutoff: dt.datetime) -> sa.ColumnElement[bool]:
        """The rows this rule would delete (or empty) at `cutoff`, holds aside."""
        column = self.table.c[self.since]
        older = column < (cutoff.date() if isinstance(column.type, sa.Date) else cutoff)
        if self.only is not None:
            older = sa.and_(older, self.only)
        if self.clear:
            older = sa.and_(older, sa.or_(*[_differs(self.table.c[name], empty) for name, empty in self.clear]))
        return older

    def kept_by(self, service: str, holds: Sequence[HoldInForce]) -> tuple[sa.ColumnElement[bool] | None, list[HoldInForce]]:
        """The rows of this rule that the holds keep (None: none), and the holds that keep some."""
        conditions: list[sa.ColumnElement[bool]] = []
        applied: dict[str, HoldInForce] = {}
        for kind in self.holds:
            for hold in holds:
                if hold.keeps(service, kind.name):
                    conditions.append(kind.rows_about(hold.person_id))
                    applied.setdefault(hold.hold_id or f"{hold.person_id}/{hold.service}/{hold.kind}", hold)
        # NULL (a nullable column, a subquery's IN) is no row about a held person.
        return (sa.func.coalesce(sa.or_(*conditions), sa.false()) if conditions else None), list(applied.values())

    def statement(self, cutoff: dt.datetime, keep: sa.ColumnElement[bool] | None = None) -> sa.Delete | sa.Update:
        """The one statement that deletes (or empties) this rule's rows made before `cutoff`, except those `keep` names."""
        where = self.past(cutoff) if keep is None else sa.and_(self.past(cutoff), sa.not_(keep))
        if not self.clear:
            return self.table.delete().where(where)
        return self.table.update().where(where).values(dict(self.clear))


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
    # Rows past their period that a legal hold kept, by kind (every kind with a period whose rows a hold can reach).
    kept: dict[str, int] = field(default_factory=dict)
    # Kinds a hold could keep that deleted nothing because the legal holds could not be read (fail safe).
    skipped: tuple[str, ...] = ()


class RetentionJob:
    """Deletes what is past its period, kind by kind, each kind in its own transaction with its audit line, except
    the rows a legal hold in force keeps (read once per run from `holds`; without it, or when it fails, the rules a
    hold could keep delete nothing)."""

    def __init__(
        self, service: str, db: Database, audit: sa.Table, rules: Sequence[RetentionRule], periods: Mapping[str, int], *,
        clock: Callable[[], dt.datetime] = utcnow, every_seconds: float | None = None, steps: Sequence[RetentionStep] = (),
        holds: HoldSource | None = None,
    ) -> None:
        self.service = service
        self.db = db
        self.audit = audit
        self.rules = tuple(rules)
        self.periods = dict(periods)
        self.clock = clock
        self.steps = tuple(steps)
        self.holds = holds
        # Rows each rule's holds kept at the last run: a run that deletes nothing records a line only when it changed.
        self._held: dict[tuple[str, str], int] = {}
        self.every = env_float("PAARS_RETENTION_EVERY_SECONDS", 3600.0) if every_seconds is None else every_seconds
        self._task: asyncio.Task[None] | None = None

    async def _holds_in_force(self, due: Sequence[RetentionRule]) -> Sequence[HoldInForce] | None:
        """The holds in force, () when no due rule can be held, None when they cannot be read."""
        if not any(rule.holds for rule in due):
            return ()
        if self.holds is None:
            log.warning("retention has no source of legal holds: kinds a hold could keep are not enforced", extra={"service": self.service})
            return None
        try:
            return await self.holds()
        except Exception:
            log.warning(
                "legal holds unavailable: kinds a hold could keep are not enforced this run", extra={"service": self.service}, exc_info=True,
            )
            return None

    async def run_once(self) -> RetentionRun:
        now = self.clock()
        deleted: dict[str, int] = {}
        kept: dict[str, int] = {}
        skipped: dict[str, None] = {}
        destroyed: dict[str, int] = {}
        due = [rule for rule in self.rules if self.periods.get(rule.kind, 0) > 0]
        try:
            holds = await self._holds_in_force(due)
            for rule in due:
                days = self.periods[rule.kind]
                if rule.holds and holds is None:
                    skipped[rule.kind] = None
                    continue
                cutoff = now - dt.timedelta(days=days)
                keep, applied = rule.kept_by(self.service, holds or ())
                async with self.db.transaction() as conn:
                    held = 0
                    if keep is not None:
                        counted = sa.select(sa.func.count()).select_from(rule.table).where(rule.past(cutoff), keep)
                        held = int((await conn.execute(counted)).scalar_one())
                    result = await conn.execute(rule.statement(cutoff, keep))
                    count = int(result.rowcount or 0)
                    if count or held != self._held.get((rule.kind, rule.table.name), 0):
                        detail: dict[str, object] = {"kind": rule.kind, "deleted": count, "before": cutoff.isoformat(), "table": rule.table.name}
                        if rule.clear:
                            detail["emptied"] = [name for name, _ in rule.clear]
                        if rule.holds:
                            detail["kept_by_legal_holds"] = held
                        if held:
                            detail["legal_holds"] = [
                                {"hold_id": h.hold_id, "person_id": h.person_id, "service": h.service, "kind": h.kind, "reason": h.reason} for h in applied
                            ]
                        await PrivilegedActionRepository(conn, self.audit).add(PrivilegedAction(
                            "retention", ACTOR, "", f"past the retention period of {days} days for {rule.kind}", now, detail,
                        ))
                self._held[(rule.kind, rule.table.name)] = held
                deleted[rule.kind] = deleted.get(rule.kind, 0) + count
                if rule.holds:
                    kept[rule.kind] = kept.get(rule.kind, 0) + held
                if count:
                    DELETED.labels(self.service, rule.kind).inc(count)
            for kind, rows in kept.items():
                ROWS_HELD.labels(self.service, kind).set(rows)
            for step in self.steps:
                for kind, count in (await step.run(now, self.periods)).items():
                    destroyed[kind] = destroyed.get(kind, 0) + count
        except Exception:
            RUNS.labels(self.service, "failed").inc()
            raise
        if skipped:
            # Not a completed run: the last-run time stays where it was, so an alert on its age sees it too.
            RUNS.labels(self.service, "holds_unavailable").inc()
            log.warning("retention kept kinds a legal hold could keep: the holds could not be read", extra={"skipped": list(skipped)})
        else:
            RUNS.labels(self.service, "ok").inc()
            LAST_RUN.labels(self.service).set(time.time())
        if any(deleted.values()):
            log.info("retention deleted rows past their period", extra={"deleted": deleted})
        if any(kept.values()):
            log.info("retention kept rows past their period under legal holds", extra={"kept_by_legal_holds": kept})
        if any(destroyed.values()):
            log.info("retention destroyed the keys of periods past their kind's retention", extra={"keys_destroyed": destroyed})
        return RetentionRun(now, deleted, destroyed, kept, tuple(skipped))

    async def start(self, _runtime: object = None) -> None:
        kinds = [r.kind for r in self.rules] + [k for step in self.steps for k in step.kinds]
        if self.every > 0 and any(self.periods.get(k, 0) > 0 for k in kinds):
            INTERVAL.labels(self.service).set(self.every)
            STARTED.labels(self.service).set(time.time())
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
