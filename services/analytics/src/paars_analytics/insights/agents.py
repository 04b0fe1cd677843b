"""Timers that look for insights (including "nothing happened for N days"), and the agent that opens and closes them."""
from __future__ import annotations

import asyncio
import ctypes
import functools
import logging
import time
from collections.abc import Iterable
from typing import Any

from paars_analytics.app import Analytics
from paars_analytics.insights import records
from paars_analytics.insights.detection import people_round, scan, teams_of
from paars_analytics.signals.insights import Candidate, ask_peers, forget_asked
from paars_platform.events import to_record

log = logging.getLogger("paars.analytics.insights")
# The directory a detection round names people from is reused this long, unless it lacks someone the round is
# about (it changes rarely; a round runs every detect interval, and reading the whole table each time costs more
# than the round).
DIRECTORY_SECONDS = 1.0
LAG_SECONDS = 1.0
# An open command sent is not sent again for this long while the insight is not open yet: the commands agent applies
# it within a round trip through the broker, and rounds run every detect interval (50 ms), so each candidate was sent
# again by every round until then. Past it, a command lost in a crash is sent again.
SENT_SECONDS = 30.0
# While the worker is at least BEHIND_RECORDS behind its inputs (catching up after a restart or an outage, a
# backfill), the round of changed people runs at most every BEHIND_ROUND_SECONDS instead of every detect interval: a
# person changed by several fetches in a row is looked at once for them, not once per fetch (detection was ~60% of
# the cost of applying a catch-up's fetches), and a backlog's insights come at most that much later.
BEHIND_RECORDS = 1_000
BEHIND_ROUND_SECONDS = 1.0
# A round's commands go to the producer in chunks of this many, each handed over (to aiokafka) before the next chunk
# is built: a full scan of 20,000 people with an insight to open each put 20,000 commands in the producer's buffer
# at once, ~80 MB of the worker's peak with their values and serialized copies (memray, bench/analytics_replay.py).
COMMANDS_CHUNK = 500
HANDED_OVER_POLL_SECONDS = 0.002


class Detector:
    """Detection reads the tables outside any stream; what it finds goes through the commands topic, keyed by
    subject, so the insights table is only written by an agent (changelogged, on the subject's partition)."""

    def __init__(self, ctx: Analytics) -> None:
        self.ctx = ctx
        self.last_full = 0.0
        # Teammates asked about a colleague's moment, and when (process-local: after a restart, or on another
        # worker, a teammate may be asked once more within the period; the notifications budget still applies).
        self.asked: dict[str, float] = {}
        # (kind, subject) -> when its open command was sent, until a round sees it open (or SENT_SECONDS pass).
        self.sent: dict[tuple[str, str], float] = {}
        self._employees: dict[str, Any] = {}
        self._employees_at = float("-inf")
        self._lag_at = float("-inf")
        # Whether the last lag reading was BEHIND_RECORDS or more, and when the last round of changed people ran.
        self.behind = False
        self._round_at = float("-inf")

    def employees(self, people: Iterable[str] = ()) -> dict[str, Any]:
        """The directory, re-read after DIRECTORY_SECONDS or when it does not know one of ``people`` yet."""
        known = self._employees
        if time.monotonic() - self._employees_at >= DIRECTORY_SECONDS or any(p not in known for p in people):
            self._employees, self._employees_at = _snapshot(self.ctx.employees), time.monotonic()
        return self._employees

    def _is_open(self, candidate: Candidate) -> bool:
        record = self.ctx.insights.get(candidate.subject_id)
        return bool(record) and candidate.kind in record["open"]

    def _open(self, candidates: list[Candidate], now: float) -> int:
        """Sends an open command for each candidate not open yet. Commands go to the producer's buffer
        (``send_soon``, no await each): one buffer, drained in order, so a subject's commands keep their order
        (they share its key, hence its partition). Nothing waits on their delivery: a candidate whose command was
        sent is not sent again until SENT_SECONDS pass without a round seeing it open (a command lost in a crash
        goes again then), and the agent applying them is idempotent."""
        sent = 0
        employees = self.employees()
        commands = self.ctx.commands_topic
        pending = self.sent
        for candidate in candidates:
            key = candidate.key
            if self._is_open(candidate):
                pending.pop(key, None)
                continue
            if now - pending.get(key, float("-inf")) < SENT_SECONDS:
                continue
            pending[key] = now
            manager = str((employees.get(candidate.subject_id) or {}).get("manager_id") or "")
            candidate = ask_peers(candidate, manager, self.asked, now, self.ctx.config.thresholds)
            commands.send_soon(
                key=candidate.subject_id.encode(), value={"op": "open", "at": now, "c": records.candidate_dict(candidate)}
            )
            sent += 1
        return sent

    async def _open_in_chunks(self, candidates: list[Candidate], now: float) -> int:
        """``_open`` over COMMANDS_CHUNK candidates at a time, waiting after each chunk until the producer's buffer
        holds no more than a chunk (``_handed_over``): at most two chunks of commands wait in memory, and their order
        is the same (one buffer, drained in order)."""
        sent = 0
        for i in range(0, len(candidates), COMMANDS_CHUNK):
            sent += self._open(candidates[i:i + COMMANDS_CHUNK], now)
            await self._handed_over()
        return sent

    async def _handed_over(self) -> None:
        """Until the producer's buffer holds COMMANDS_CHUNK messages or fewer (the rest handed to aiokafka). Polled
        (``ProducerBuffer.size``), not the buffer's flush: that one waits for every message put before it, the
        stream's state writes too, and the scan then stretched over the stream's first events after a start."""
        buffer = self.ctx.app.producer.buffer
        while buffer.size > COMMANDS_CHUNK:
            await asyncio.sleep(HANDED_OVER_POLL_SECONDS)

    def _ready(self) -> bool:
        app = self.ctx.app
        # Team rules read the read model: run none before it (and the directory) has been read to the end.
        return not getattr(app, "in_recovery", False) and not getattr(app, "rebalancing", False) and self.ctx.ready()

    async def tick(self) -> None:
        """Every detect interval (a short debounce: what a fetch changed is seen within it, and one round covers
        everyone that fetch touched): the people touched since the last round, at most every BEHIND_ROUND_SECONDS
        while far behind; every scan interval: everything."""
        if not self._ready():
            return
        ctx = self.ctx
        now = ctx.now()
        if now - self.last_full >= ctx.config.scan_interval_seconds:
            ctx.dirty.clear()
            await self.full_scan(now)
            forget_asked(self.asked, now, ctx.config.thresholds)
            self.sent = {key: at for key, at in self.sent.items() if now - at < SENT_SECONDS}
            self.last_full = now
            release_free_heap()
        elif ctx.dirty and not (self.behind and time.monotonic() - self._round_at < BEHIND_ROUND_SECONDS):
            self._round_at = time.monotonic()
            keys, ctx.dirty = ctx.dirty, set()
            await self.changed_round(keys, now)
        if time.monotonic() - self._lag_at >= LAG_SECONDS:
            self._lag_at = time.monotonic()
            self.update_consumer_lag()

    async def changed_round(self, keys: Iterable[str], now: float) -> int:
        """The person rules over the people changed since the last round, COMMANDS_CHUNK people at a time: each chunk's
        candidates go out (``_open``) before the next chunk is decoded, and the stream runs between chunks. One fetch
        in a catch-up changes up to 5,000 people (PAARS_ANALYTICS_POLL_RECORDS): held in one list, their candidates
        (two or three per person there) were the worker's peak memory, and their decoding held the loop for seconds.
        The candidates, and their order, are those of one people_round over all the keys."""
        ctx = self.ctx
        ordered = list(keys)
        employees = self.employees(ordered)
        by_team = teams_of(employees)
        sent = 0
        for i in range(0, len(ordered), COMMANDS_CHUNK):
            if i:
                await asyncio.sleep(0)
            found = people_round(ordered[i:i + COMMANDS_CHUNK], ctx.state, employees, now, ctx.config.thresholds, by_team=by_team)
            opened = self._open(found, now)
            if opened:
                await self._handed_over()
            sent += opened
        return sent

    async def full_scan(self, now: float) -> None:
        """Every rule over everyone (detection.scan: one decoded state at a time, yielding between chunks). The read
        model is scanned as it is now (its encoded values, copied by reference), the worker's own people as each is
        when reached (memory first, as the rounds of changed people read them), the open insights one record at a
        time at the end (the closures, read without a pause)."""
        ctx = self.ctx
        assert ctx.read is not None
        # The candidates go out as the scan finds them, a chunk at a time, instead of all of them held to its end.
        found = await scan(ctx.state, self.employees(), _snapshot(ctx.teams), ctx.insights, now,
                           ctx.config.thresholds, ctx.config.anonymity_k, everyone=ctx.read.people.snapshot(), owns=ctx.owns,
                           emit=functools.partial(self._open_in_chunks, now=now))
        for i, (subject, kind, why) in enumerate(found.closures, start=1):
            ctx.commands_topic.send_soon(key=subject.encode(), value={"op": "close", "at": now, "kind": kind, "why": why})
            if i % COMMANDS_CHUNK == 0:
                await self._handed_over()

    def update_consumer_lag(self) -> None:
        """Records behind the end of each consumed topic. The tables' changelogs are not the group's (tables.py: the
        read model reads them), so the worker's own writes never look like a backlog."""
        consumer = self.ctx.app.consumer
        per_topic: dict[str, int] = {}
        try:
            for tp in consumer.assignment():
                high = consumer.highwater(tp)
                read = consumer.read_offset(tp)
                if high is None:
                    continue
                behind = high - (read + 1 if read is not None else 0)
                per_topic[tp.topic] = per_topic.get(tp.topic, 0) + max(0, behind)
        except Exception:
            log.debug("consumer lag unavailable", exc_info=True)
            return
        for topic, lag in per_topic.items():
            self.ctx.consumer_lag.labels(topic).set(lag)
        self.behind = sum(per_topic.values()) >= BEHIND_RECORDS


def _libc_malloc_trim() -> Any:
    """glibc's malloc_trim from the symbols the process already has loaded (dlopen(NULL): no library search, no
    subprocess); None where the C library has none (musl, macOS)."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _libc_malloc_trim()


def release_free_heap() -> None:
    """Gives the C heap's free pages back to the system (glibc's malloc_trim; elsewhere nothing). Encoded states
    (~3 KB bytes each, outside Python's small-object arenas) are replaced at every write-back and read-back, and the
    freed ones leave holes that glibc keeps resident: reusable by the process, but counted in its RSS and in the
    pod's working set. Once a scan interval, after the scan; it takes milliseconds."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _snapshot(table: Any) -> dict[str, Any]:
    return {str(k): v for k, v in table.items() if v is not None}


def register(ctx: Analytics) -> None:
    detector = Detector(ctx)
    ctx.app.timer(ctx.config.detect_interval_seconds, name="paars_analytics.detect")(detector.tick)

    @ctx.app.agent(ctx.commands_topic, name="paars_analytics.insight_commands")
    async def insight_commands(stream: Any) -> None:
        async for event in stream.events():
            key = event.message.key
            subject = key.decode() if isinstance(key, bytes) else str(key)
            await apply_command(ctx, subject, event.value)


async def apply_command(ctx: Analytics, subject: str, command: dict[str, Any]) -> None:
    """One open insight per (kind, subject): published first, then recorded, so a crash repeats a publish
    (same insight id) and never loses one."""
    record = ctx.insights.get(subject) or records.empty_record()
    if command["op"] == "open":
        candidate = command["c"]
        if candidate["kind"] in record["open"]:
            return
        insight = records.new_insight(candidate, float(command["at"]))
        published = to_record(records.detected_event(insight))
        await ctx.insight_topic.send(key=published.key, value=published.value, headers=published.headers)
        record["open"][candidate["kind"]] = insight
        ctx.insights[subject] = record
        ctx.insights_version += 1
        ctx.insights_total.labels(candidate["kind"]).inc()
        log.info("insight detected", extra={"kind": candidate["kind"], "subject": subject, "insight_id": insight["id"]})
    elif command["op"] == "close" and records.close(record, command["kind"], command["why"], float(command["at"])):
        ctx.insights[subject] = record
        ctx.insights_version += 1
