"""The consumer: from incoming events to prompts, a whole inbox batch at a time (see "consumer" below): rules,
exactly-once per (cause, recipient, kind), the delivery policy, release with per-recipient cursors, webhook and
e-mail deliveries, closing the loop (sent / acted); and the scheduler's round (held prompts, due reminders)."""
from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import time
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from paars.feedback.v1 import feedback_pb2 as fb
from paars.notifications.v1 import notifications_pb2 as pb
from paars.org.v1 import org_pb2
from paars_notifications.adapters import person_data
from paars_notifications.adapters.fanout import FanOut
from paars_notifications.adapters.prompt_repository import SqlPromptRepository
from paars_notifications.adapters.protobuf import fields, prompt_proto, prompt_view
from paars_notifications.adapters.read_cache import ReadCache
from paars_notifications.config import NotificationsConfig
from paars_notifications.domain import involvement, payloads, policy, rules, texts
from paars_notifications.domain.batches import Applied, Cause, OpenQuery, Writes, by_moment_priority, cause_of, closes, runs
from paars_notifications.domain.involvement import involved_ids
from paars_notifications.domain.visibility import Directory
from paars_notifications.service_layer.unit_of_work import PromptStore
from paars_platform import deadletter, metrics, registry
from paars_platform.auth import ROLE_NAMES
from paars_platform.db import Database, after_commit, utcnow
from paars_platform.deadletter import HANDLER_FAILED, DeadLetter, KeptRecord, dead_letter
from paars_platform.erasure import is_erased
from paars_platform.events import message_class, new_metadata, to_record
from paars_platform.inbox import Handler, InboxClaim

PRODUCER = "notifications"
# The inbox's consumer group (bootstrap.py), and the dlq_consumer of a parked event's dead letter.
GROUP_ID = "notifications"
log = logging.getLogger("paars.notifications.consumer")
Clock = Callable[[], dt.datetime]

# What the registry routes to notifications (paars_platform.topics' consumers); handlers() checks it against
# the event types domain/rules.py's RULES knows.
CONSUMED_TOPICS = registry.topics_consumed_by(PRODUCER)
# Prompts released by an event, kept until its transaction committed (then pushed to live streams).
_PENDING_LIMIT = 10_000


@dataclass
class _Gathered:
    """The events of one inbox transaction (a poll's batch, or one event), applied together at its end."""

    conn: AsyncConnection
    items: list[Applied]


@dataclass
class _Claimed:
    """What claim() read with the inbox's claim, for the transaction's first run: the rules of the events before its
    first directory change, and the budget and open prompts of all their recipients and actions, read at `now`."""

    conn: AsyncConnection
    now: dt.datetime
    items: dict[str, Applied]
    recipients: frozenset[str]
    open_query: OpenQuery | None
    spent: dict[str, int]
    open_rows: list[Any]

    def covers(self, recipients: Collection[str], query: OpenQuery | None) -> bool:
        """Whether this read holds everything a run with these recipients and actions would read itself."""
        if not self.recipients.issuperset(recipients):
            return False
        if query is None:
            return True
        have = self.open_query
        return have is not None and have.before >= query.before and all(
            getattr(have, part).issuperset(getattr(query, part)) for part in ("actors", "kinds", "abouts", "refs"))


@dataclass
class _Rivals:
    """What the once-per-moment key met (PromptService._rivals): the prompt holding each (recipient, moment), as a dict
    of the columns _take_moment reads, and the (cause, recipient, kind) of prompts already stored."""

    holders: dict[tuple[str, str], dict[str, Any]]
    copies: set[tuple[str, str, int]]


def _kept_record(row: Any, event: Any | None) -> KeptRecord:
    """A parked event as the record it came in, for its dead letter: its topic, its bytes as parked, and its key and
    CloudEvents headers as its producer's outbox made them from its metadata (events.to_record). Should the bytes no
    longer decode (``event`` None), the key is its subject and the headers its id and type."""
    payload = bytes(row.payload)
    if event is None:
        return KeptRecord(row.topic, row.subject_id.encode(), payload, [("ce_id", row.event_id.encode()), ("ce_type", row.event_type.encode())])
    record = to_record(event)
    return KeptRecord(row.topic, record.key, payload, record.headers)


class PromptService:
    def __init__(
        self, config: NotificationsConfig, fanout: FanOut, clock: Clock = utcnow, on_deliveries: Callable[[], None] = lambda: None,
        cache: ReadCache | None = None, repository: Callable[[AsyncConnection], PromptStore] = SqlPromptRepository,
        erase: Callable[[AsyncConnection, org_pb2.EmployeeChanged], Awaitable[object]] | None = person_data.ERASURE.on_employee_erased,
    ) -> None:
        self.config = config
        # What CHANGE_ERASED does to the service's rows about the person (paars_platform.erasure over person_data.KINDS).
        self.erase = erase
        # The consumer's statements on a connection (adapters/prompt_repository.py; the unit tests give a fake).
        self.repository = repository
        self.cache = cache or ReadCache()
        self._deliveries_queued = False
        self.fanout = fanout
        self.clock = clock
        self.on_deliveries = on_deliveries
        self.db: Database | None = None
        self._pending: OrderedDict[str, list[pb.Prompt]] = OrderedDict()
        self._gathered: _Gathered | None = None
        self._claimed: _Claimed | None = None
        # The counters below count committed work: what a transaction did is counted through after_commit(conn, ...)
        # (paars_platform.db), so a transaction that rolls back and is tried again (the inbox's batch, the scheduler's
        # round) counts it once. prompts_total is counted by published(), itself only called after the commit.
        self.prompts_total = metrics.counter(
            "paars_notifications_prompts_total", "Prompts delivered, by kind and channel.", ("kind", "channel")
        )
        self.held_total = metrics.counter(
            "paars_notifications_prompts_held_total", "Prompts held back on creation, by reason.", ("reason",)
        )
        self.acted_total = metrics.counter("paars_notifications_prompts_acted_total", "Prompts the person acted on.", ("kind",))
        self.released_later_total = metrics.counter(
            "paars_notifications_prompts_released_later_total",
            "Held prompts the scheduler released when their time came (quiet hours over, the digest, the lead time before a moment), by kind.",
            ("kind",),
        )
        self.parked_total = metrics.counter(
            "paars_notifications_events_parked_total",
            "Events parked to wait for the directory record of someone they name, by topic.", ("topic",),
        )
        self.unparked_total = metrics.counter(
            "paars_notifications_events_unparked_total",
            "Parked events applied, by why (known: the people came; expired: the wait was over; failed: the rules raised, dead-lettered).",
            ("reason",),
        )
        # The inbox's counter, also for the parked events dead-lettered here.
        self.dead_letters_total = deadletter.counter(PRODUCER)
        self.parked_now = metrics.gauge(
            "paars_notifications_events_parked_now", "Events waiting for the directory, as this replica's last scheduler round saw them (at most 1000).",
        )

    def attach(self, db: Database) -> None:
        self.db = db

    # ---------- consumer ----------
    #
    # The inbox calls handle() per event inside its transaction; with its TransactionHooks (begin, claim, prepare,
    # before_commit) the events of the transaction are only gathered there, with their rules applied, and the
    # whole batch is written at before_commit: the budget and the open prompts read in one statement (on
    # PostgreSQL the same one as the inbox's claim, see claim()), every prompt in one INSERT, then the deliveries,
    # and the cursors, release marks and outbox events (one statement for the three on PostgreSQL, one each on
    # SQLite). A batch of check-ins is 5 round trips on PostgreSQL with BEGIN and COMMIT; it was 8, each 3-13 ms
    # under the bench's load (and before the batch handler, about five per event).
    # A directory change is applied where it comes (after writing the events before it). A failing batch
    # rolls back whole and the inbox applies its events one by one, so a poison event is dead-lettered alone.
    # handle() called without begin() (a direct call) writes its event at once.

    def handlers(self) -> dict[str, Handler]:
        return registry.subscribe(PRODUCER, dict.fromkeys(rules.RULES, self.handle))

    async def handle(self, conn: AsyncConnection, event: Any) -> None:
        """Applies one event inside the inbox transaction (so a redelivery changes nothing)."""
        self._pending.pop(event.metadata.event_id, None)
        gathered = self._gathered if self._gathered is not None and self._gathered.conn is conn else None
        claimed = self._claimed if self._claimed is not None and self._claimed.conn is conn else None
        if isinstance(event, org_pb2.EmployeeChanged):
            if gathered is not None and gathered.items:
                items, gathered.items = gathered.items, []
                await self.apply(conn, items)
            self._claimed = None  # what claim() read is from before this change
            if await self._project(conn, event):
                # Someone new: the events that waited for them are applied now, their prompts pushed after this commit.
                for event_id in await self._apply_parked(conn, await self.repository(conn).parked(awaiting=event.employee.id), None):
                    released = self._pending.pop(event_id, None)
                    if released:
                        self._pending.setdefault(event.metadata.event_id, []).extend(released)
            return
        item = claimed.items.pop(event.metadata.event_id, None) if claimed is not None else None
        if item is None:
            item = await self.rules_of(conn, event)
        if gathered is not None:
            gathered.items.append(item)
        else:
            await self.apply(conn, [item])

    async def rules_of(self, conn: AsyncConnection, event: Any, *, park: bool = True) -> Applied:
        """The rules of one event: its prompts and actions (the directory from the cache prepare() filled). With `park`,
        an event that names someone the directory does not know yet is only marked to wait for them (Applied.awaited;
        its rules still run here, so an event they cannot read is dead-lettered when it comes, not when it is applied)."""
        cause = cause_of(event)
        directory = await self.cache.directory(conn, involved_ids(event))
        rule = rules.RULES.get(type(event))
        if rule is not None and rule.audience:
            members = await self.cache.audience(conn, rule.audience)
            directory = Directory({**directory.people, **{p.id: p for p in members}}, audience=tuple(sorted(p.id for p in members)))
        request: tuple[str, dict[str, Any] | None] | None = None
        if isinstance(event, fb.FeedbackRequested):
            keep = event.state == fb.FeedbackRequest.STATE_OPEN and event.recipient_id and not event.external
            request = (event.request_id, dict(
                request_id=event.request_id, requester_id=event.requester_id, subject_id=event.subject_id,
                recipient_id=event.recipient_id, due_date=event.due_date[:10], visibility=cause.visibility,
                cause_occurred_at=cause.occurred_at, reminded=False,
            ) if keep else None)
        applied = Applied(event, cause, rules.prompts_for(event, directory, self.clock().date()), rules.actions_in(event), request)
        waiting = involvement.awaited(event, directory.people) if park else frozenset()
        return Applied(event, cause, [], [], None, awaited=waiting) if waiting else applied

    def begin(self, conn: AsyncConnection) -> None:
        self._gathered = _Gathered(conn, [])
        self._claimed = None

    async def claim(self, conn: AsyncConnection, claim: InboxClaim, events: Sequence[Any]) -> set[str]:
        """The inbox's optional hook, first in its transaction: the claim of the events' inbox rows and the read of the
        first run (the budget of everyone the events draft prompts for, the open prompts their actions may close) in
        one statement on PostgreSQL (adapters/prompt_repository.py). The events' rules are applied here, up to the
        first directory change (those after it read the directory as it leaves it); a duplicate's are dropped."""
        await self.prepare(conn, events)
        now = self.clock()
        items: dict[str, Applied] = {}
        for event in events:
            if isinstance(event, org_pb2.EmployeeChanged):
                break
            if event.metadata.event_id not in items:
                items[event.metadata.event_id] = await self.rules_of(conn, event)
        recipients = frozenset(draft.recipient_id for item in items.values() for draft in item.drafts)
        open_query = self._open_query(list(items.values()))
        fresh, spent, open_rows = await self.repository(conn).claim_and_read(claim, recipients, now - policy.BUDGET_WINDOW, open_query)
        self._claimed = _Claimed(conn, now, {i: item for i, item in items.items() if i in fresh}, recipients, open_query, spent, open_rows)
        return fresh

    @staticmethod
    def _open_query(items: Sequence[Applied]) -> OpenQuery | None:
        """The open prompts any of these events' actions may close (see OpenQuery)."""
        actions = [(item, match) for item in items for match in item.matches]
        return OpenQuery(
            actors=frozenset(m.recipient_id for _i, m in actions), kinds=frozenset(k for _i, m in actions for k in m.kinds),
            abouts=frozenset(m.about_id for _i, m in actions if m.about_id), refs=frozenset(m.ref_id for _i, m in actions if m.ref_id),
            before=max(item.cause.occurred_at for item, _m in actions),
        ) if actions else None

    async def prepare(self, conn: AsyncConnection, events: Sequence[Any]) -> None:
        """The inbox's optional hook, before a batch's handlers run: everyone the batch's events name, and their
        manager chains, read into the cache with one query per chain level for the whole batch instead of per
        event (on PostgreSQL the org projection read was a fifth of the consumer's round trips at 100 events/s).
        An EmployeeChanged later in the batch still forgets its person, so the events after it read the new row."""
        ids: set[str] = set()
        for event in events:
            if not isinstance(event, org_pb2.EmployeeChanged) and type(event) in involvement.NAMED:
                ids |= involved_ids(event)
        if ids:
            await self.cache.directory(conn, ids)

    async def before_commit(self, conn: AsyncConnection) -> None:
        gathered, self._gathered = self._gathered, None
        if gathered is None or gathered.conn is not conn or not gathered.items:
            return
        await self.apply(conn, gathered.items)

    async def apply(self, conn: AsyncConnection, items: Sequence[Applied]) -> None:
        """Writes what a batch of events decided, run by run (see runs()); the events that wait for the directory are
        parked (one INSERT, only when there are some)."""
        parked = [item for item in items if item.awaited]
        if parked:
            await self._park(conn, parked)
            items = [item for item in items if not item.awaited]
        for run in runs(items):
            await self._apply_run(conn, run)

    async def _apply_run(self, conn: AsyncConnection, items: Sequence[Applied]) -> None:
        repo = self.repository(conn)
        writes = Writes()
        drafts = [(item, draft) for item in items for draft in item.drafts]
        recipients = {draft.recipient_id for _item, draft in drafts}
        actions = [(item, match) for item in items for match in item.matches]
        open_query = self._open_query(items)
        # The transaction's first run uses what claim() read with the claim (nothing was written since); the others read.
        claimed, self._claimed = self._claimed, None
        if claimed is not None and claimed.conn is conn and claimed.covers(recipients, open_query):
            now = claimed.now
            spent = {r: n for r, n in claimed.spent.items() if r in recipients}
            open_rows = claimed.open_rows if open_query is not None else []
        else:
            now = self.clock()
            spent, open_rows = await repo.budget_and_open(recipients, now - policy.BUDGET_WINDOW, open_query)
        acted = self._close_loop(actions, open_rows, writes)
        for row, _cause, _seconds in acted:
            after_commit(conn, self.acted_total.labels(pb.PromptKind.Name(row.kind)).inc)
        await self._enqueue_acted(conn, writes, acted, now)
        writes.requests += [item.request for item in items if item.request is not None]
        due = await self._store(conn, repo, drafts, spent, now)
        groups = await self._queue_release(conn, due, now, writes)
        released = self._released(groups, await repo.write(writes))
        by_cause: dict[str, list[pb.Prompt]] = defaultdict(list)
        for prompt in released:
            by_cause[prompt.cause_event_id].append(prompt)
        for item in items:
            event_id = item.event.metadata.event_id
            if by_cause.get(event_id):
                self._pending[event_id] = by_cause[event_id]
        while len(self._pending) > _PENDING_LIMIT:
            self._pending.popitem(last=False)

    async def after_commit(self, event: Any) -> None:
        """Pushes what the event released to live streams, and wakes the delivery worker."""
        released = self._pending.pop(event.metadata.event_id, None)
        if released:
            self.published(released)
        if self._deliveries_queued:
            self._deliveries_queued = False
            self.on_deliveries()

    def published(self, prompts: Sequence[pb.Prompt]) -> None:
        for p in prompts:
            self.prompts_total.labels(pb.PromptKind.Name(p.kind), "in_app").inc()
        self.fanout.publish(prompts)

    # ---------- events that wait for the directory ----------
    #
    # An event can come before the org topic's record of someone it names (Kafka orders nothing across topics); applied
    # then, its rules would prompt nobody and the prompt would be lost. Such an event is parked instead (a row of
    # parked_events, in the inbox's transaction: its inbox row is claimed as any other's, so the offsets advance and a
    # redelivery changes nothing), and applied once: when a directory change makes everyone it waits for known (in that
    # change's transaction), or from the scheduler's round once they are known (a record another replica projected) or
    # config.directory_wait_seconds passed (applied with what the directory knows: someone erased or never imported).
    # Each parked row is applied and deleted in one transaction, under its row lock (SKIP LOCKED on PostgreSQL).
    # One whose rules raise then is dead-lettered in that transaction, through the outbox (see _apply_parked).
    # Nothing of this runs while everyone is known: the decision reads the directory the batch read anyway.

    async def _park(self, conn: AsyncConnection, items: Sequence[Applied]) -> None:
        now = self.clock()
        await self.repository(conn).park([
            dict(
                event_id=item.cause.event_id, topic=item.cause.topic, event_type=item.cause.type, payload=item.event.SerializeToString(),
                subject_id=item.cause.subject_id[:64], people=sorted(involved_ids(item.event)), awaited=sorted(item.awaited), parked_at=now,
            )
            for item in items
        ])
        for item in items:
            after_commit(conn, self.parked_total.labels(item.cause.topic).inc)
            log.info("event parked until the directory knows everyone it names", extra={
                "event_id": item.cause.event_id, "topic": item.cause.topic, "awaited": sorted(item.awaited),
            })

    async def _apply_parked(self, conn: AsyncConnection, rows: Sequence[Any], expired_before: dt.datetime | None) -> list[str]:
        """Applies the parked rows (locked by the caller's read) whose people the directory now knows, and those parked
        before `expired_before`, in the order they came, and deletes them; returns the event ids applied."""
        if not rows:
            return []
        repo = self.repository(conn)
        known = await repo.known({i for row in rows for i in row.awaited})
        ready = [(row, "known" if set(row.awaited) <= known else "expired") for row in rows
                 if set(row.awaited) <= known or (expired_before is not None and row.parked_at <= expired_before)]
        if not ready:
            return []
        for person_id in known:
            self.cache.forget_person(person_id)  # cached as unknown before another replica projected them
        items: list[Applied] = []
        letters: list[DeadLetter] = []
        failed: list[str] = []
        for row, reason in ready:
            event: Any = None
            try:
                event = message_class(row.event_type).FromString(row.payload)
                async with repo.attempt():
                    applied = await self.rules_of(conn, event, park=False)
                items.append(applied)
            except Exception as exc:
                # Its rules read it when it came; should they fail now, the directory change must not fail with it. The
                # event goes to the dead-letter topic as the inbox's dead letters do, through the outbox in this
                # transaction: published once the row's deletion commits, never if it rolls back. Its inbox row goes
                # too, as a dead-lettered event's claim rolls back with its handler: replayed, it is applied.
                log.exception("a parked event's rules failed; it is dead-lettered", extra={"event_id": row.event_id, "topic": row.topic})
                letters.append(dead_letter(_kept_record(row, event), HANDLER_FAILED, repr(exc)[:500], service=PRODUCER, consumer=GROUP_ID))
                failed.append(row.event_id)
                after_commit(conn, self.dead_letters_total.labels(row.topic, HANDLER_FAILED).inc)
                reason = "failed"
            after_commit(conn, self.unparked_total.labels(reason).inc)
        self._claimed = None  # what claim() read is from before these events' prompts
        for run in runs(items):
            await self._apply_run(conn, run)
        await repo.unpark([row.id for row, _reason in ready])
        if letters:
            await repo.dead_letter(letters)
            await repo.unclaim(GROUP_ID, failed)
        return [item.cause.event_id for item in items]

    async def _apply_parked_due(self, conn: AsyncConnection, now: dt.datetime) -> list[pb.Prompt]:
        """The scheduler's part: parked events whose people are known now or whose wait is over; their released prompts."""
        rows = await self.repository(conn).parked()
        applied = await self._apply_parked(conn, rows, now - dt.timedelta(seconds=self.config.directory_wait_seconds))
        after_commit(conn, functools.partial(self.parked_now.set, len(rows) - len(applied)))
        return [prompt for event_id in applied for prompt in self._pending.pop(event_id, [])]

    async def _project(self, conn: AsyncConnection, event: org_pb2.EmployeeChanged) -> bool:
        """Projects the record; True when it makes someone known who was not (parked events may wait for them)."""
        e = event.employee
        if self.erase is not None and is_erased(event):
            # Erased (issue 18 item 4): the rows about the person go first; the emptied record then replaces theirs.
            await self.erase(conn, event)
        repo = self.repository(conn)
        current = await repo.person_version(e.id)
        if current is not None and current > e.version:
            return False  # an older state arriving late (compaction, replays) must not win
        values = dict(
            # An unknown time zone (the directory's producer checks them; a replayed old record may not) is UTC.
            id=e.id, name=e.name, email=e.email, manager_id=e.manager_id or None, time_zone=e.time_zone if policy.valid_zone(e.time_zone) else "UTC",
            hr=org_pb2.ROLE_HR in e.roles, roles=sorted({ROLE_NAMES[r] for r in e.roles if r in ROLE_NAMES}),
            active=e.active and event.change != org_pb2.EmployeeChanged.CHANGE_DEACTIVATED,
            version=e.version,
        )
        await repo.project_person(values)
        self.cache.forget_person(e.id)
        return current is None

    # ---------- accepting and releasing prompts ----------

    async def _store(
        self, conn: AsyncConnection, repo: PromptStore, drafts: Sequence[tuple[Applied, rules.PromptDraft]],
        spent: dict[str, int], now: dt.datetime,
    ) -> list[dict[str, Any]]:
        """Stores a run's drafts once per (cause, recipient, kind) and once per (moment, recipient); returns the
        rows to release now, in the order of the drafts (a person's drafts about one moment highest priority first).

        Whether a person's earlier draft goes in decides the budget left for their next one. Each draft is
        decided as if all earlier ones of its recipient went in and as if none did: where both agree (nearly
        always: a budget is rarely at its edge) nothing can change it, and all those go in one INSERT; the
        drafts of a recipient at the edge are then stored one by one, in order, with what really went in."""
        if not drafts:
            return []
        # Of a person's drafts about one moment the one of the highest priority is stored first (batches.by_moment_priority).
        drafts = by_moment_priority(drafts)
        prefs = await self.cache.preferences_of(conn, [d.recipient_id for _item, d in drafts])
        assumed = dict(spent)
        at_edge: set[str] = set()
        planned: list[tuple[int, Applied, rules.PromptDraft, policy.Decision, dict[str, Any]]] = []
        for index, (item, draft) in enumerate(drafts):
            r = draft.recipient_id
            decision = self._decide(now, prefs[r], draft, assumed.get(r, 0))
            if decision != self._decide(now, prefs[r], draft, spent.get(r, 0)):
                at_edge.add(r)
            if decision.budgeted:
                assumed[r] = assumed.get(r, 0) + 1
            planned.append((index, item, draft, decision, self._row(draft, prefs[r], decision, item.cause, now)))
        due: list[tuple[int, dict[str, Any]]] = []
        clear = [p for p in planned if p[2].recipient_id not in at_edge]
        stored = await repo.add([row for *_rest, row in clear])
        # Refused for a moment someone's prompt holds: a held one of a lower priority gives it up (_take_moment), in the
        # order of the drafts, with the budget as the drafts before it left it (the later ones' decisions stand: their
        # recipient is not at the edge, so no count of the earlier ones changes them).
        contested = [row for *_rest, row in clear if row["id"] not in stored and row["moment_id"]]
        rivals = await self._rivals(repo, contested)
        for index, item, draft, decision, row in clear:
            if row["id"] in stored:
                if self._stored(conn, draft, decision, spent):
                    due.append((index, row))
            elif row["moment_id"] and (taken := await self._take_moment(conn, repo, rivals, draft, prefs[draft.recipient_id], item.cause, spent, now)):
                due.append((index, taken))
        for index, item, draft, _decision, _row in (p for p in planned if p[2].recipient_id in at_edge):
            r = draft.recipient_id
            decision = self._decide(now, prefs[r], draft, spent.get(r, 0))
            row = self._row(draft, prefs[r], decision, item.cause, now)
            if await repo.add([row]):
                if self._stored(conn, draft, decision, spent):
                    due.append((index, row))
            elif row["moment_id"] and (taken := await self._take_moment(conn, repo, await self._rivals(repo, [row]), draft, prefs[r], item.cause, spent, now)):
                due.append((index, taken))
        return [row for _index, row in sorted(due, key=lambda pair: pair[0])]

    @staticmethod
    async def _rivals(repo: PromptStore, rows: Sequence[Mapping[str, Any]]) -> _Rivals:
        """What stands in the way of refused rows about a moment (one read, only when there are some)."""
        rivals = _Rivals({}, set())
        if not rows:
            return rivals
        wanted = {(row["recipient_id"], row["moment_id"]) for row in rows}
        for found in await repo.moment_rivals(rows):
            if (found.recipient_id, found.moment_id) in wanted:
                rivals.holders[(found.recipient_id, found.moment_id)] = dict(found._mapping)
            rivals.copies.add((found.cause_event_id, found.recipient_id, found.kind))
        return rivals

    async def _take_moment(
        self, conn: AsyncConnection, repo: PromptStore, rivals: _Rivals, draft: rules.PromptDraft, prefs: policy.DeliveryPreferences, cause: Cause,
        spent: dict[str, int], now: dt.datetime,
    ) -> dict[str, Any] | None:
        """A draft the once-per-moment key refused: when the person's prompt for that moment is still held back and of
        a lower priority (policy.takes_moment), that one is withdrawn (never released, so never in a digest, and it sent
        no PromptSent: only a release does) and this draft, decided now as any prompt, is stored in its place, in the
        same transaction. Returns the row when it is to be released now. A redelivery (the draft's own copy is stored)
        changes nothing."""
        r = draft.recipient_id
        holder = rivals.holders.get(draft.moment_key)
        if (cause.event_id, r, draft.kind) in rivals.copies or holder is None:
            return None
        if not policy.takes_moment(draft.priority, holder["state"] == "held", holder["priority"]):
            return None
        # The withdrawn prompt gives back its slot of the week's budget (it is never shown).
        freed = 1 if holder["budgeted"] else 0
        spent[r] = spent.get(r, 0) - freed
        decision = self._decide(now, prefs, draft, spent.get(r, 0))
        row = self._row(draft, prefs, decision, cause, now)
        if not await repo.take_moment(holder["id"], row):
            spent[r] += freed  # released or withdrawn meanwhile: the moment stays where it is
            return None
        rivals.holders[draft.moment_key] = row
        rivals.copies.add((cause.event_id, r, draft.kind))
        log.info("a held prompt gave its moment to one of a higher priority", extra={
            "withdrawn": holder["id"], "prompt_id": row["id"], "moment_id": draft.moment_key[1], "recipient_id": r,
        })
        return row if self._stored(conn, draft, decision, spent) else None

    async def accept(self, conn: AsyncConnection, draft: rules.PromptDraft, cause: Cause, now: dt.datetime) -> list[pb.Prompt]:
        """Stores one prompt (the scheduler's reminders), and releases it now or holds it."""
        repo = self.repository(conn)
        spent, _ = await repo.budget_and_open({draft.recipient_id}, now - policy.BUDGET_WINDOW, None)
        prefs = await self.cache.preferences(conn, draft.recipient_id)
        decision = self._decide(now, prefs, draft, spent.get(draft.recipient_id, 0))
        row = self._row(draft, prefs, decision, cause, now)
        if await repo.add([row]):
            due = row if self._stored(conn, draft, decision, spent) else None
        else:  # this cause already prompted this person for this, or another cause holds the moment (it may give it up)
            due = await self._take_moment(conn, repo, await self._rivals(repo, [row]), draft, prefs, cause, spent, now) if row["moment_id"] else None
        return await self.release(conn, [due], now) if due is not None else []

    def _decide(self, now: dt.datetime, prefs: policy.DeliveryPreferences, draft: rules.PromptDraft, sent_in_window: int) -> policy.Decision:
        """The delivery policy for one draft; one that prepares for a moment waits until the lead time before it."""
        not_before = policy.ahead_of(draft.ahead_of, self.config.lead_days, prefs, self.config.digest_at) if draft.ahead_of else None
        return policy.decide(now, prefs, draft.priority, sent_in_window, self.config.digest_at, not_before=not_before)

    def _stored(self, conn: AsyncConnection, draft: rules.PromptDraft, decision: policy.Decision, spent: dict[str, int]) -> bool:
        """Accounts for a prompt that went in (held back: counted once its transaction commits); True when it is to be
        released now."""
        if decision.budgeted:
            spent[draft.recipient_id] = spent.get(draft.recipient_id, 0) + 1
        if decision.mode != "now":
            for reason in decision.reasons:
                after_commit(conn, self.held_total.labels(reason).inc)
            return False
        return True

    def _row(self, draft: rules.PromptDraft, prefs: policy.DeliveryPreferences, decision: policy.Decision, cause: Cause, now: dt.datetime) -> dict[str, Any]:
        return dict(
            id=uuid.uuid4().hex, recipient_id=draft.recipient_id, kind=draft.kind, priority=draft.priority,
            title=texts.render(draft.title, prefs.language)[:300], body=texts.render(draft.body, prefs.language),
            about_id=draft.about_id, ref_id=draft.ref_id,
            cause_event_id=cause.event_id, cause_type=cause.type, cause_topic=cause.topic,
            cause_occurred_at=cause.occurred_at, visibility=cause.visibility, created_at=now,
            state="held" if decision.mode != "now" else "released", release_at=decision.release_at,
            released_at=None, cursor=None, digest=decision.mode == "digest", budgeted=decision.budgeted,
            read=False, acted=False, acted_at=None, action_event_id=None, moment_id=draft.moment_id[:80] or None,
            insight_kind=draft.insight_kind, goal_id=draft.goal_id[:64],
        )

    async def release(self, conn: AsyncConnection, rows: Sequence[Any], now: dt.datetime) -> list[pb.Prompt]:
        """Gives prompts their in-app cursors, queues their webhook calls and e-mails, and announces them (the
        scheduler's rounds and reminders; a batch queues its releases with the rest of its writes)."""
        writes = Writes()
        groups = await self._queue_release(conn, rows, now, writes)
        return self._released(groups, await self.repository(conn).write(writes))

    async def _queue_release(
        self, conn: AsyncConnection, rows: Sequence[Any], now: dt.datetime, writes: Writes,
    ) -> dict[str, list[Mapping[str, Any]]]:
        """Adds the release of these prompts to `writes` (their cursors are taken when the writes are made), with their
        deliveries and PromptSent events; returns them per recipient, in cursor order."""
        by_recipient: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for row in rows:
            by_recipient[fields(row)["recipient_id"]].append(fields(row))
        writes.released_at = now
        for recipient, group in by_recipient.items():
            writes.released.setdefault(recipient, []).extend(row["id"] for row in group)
            channels = await self._enqueue_deliveries(conn, writes, recipient, [prompt_view(row) for row in group], now)
            writes.events += [
                pb.PromptSent(
                    metadata=new_metadata(producer=PRODUCER, subject_id=recipient, visibility=row["visibility"], causation_id=row["cause_event_id"]),
                    prompt_id=row["id"], recipient_id=recipient, kind=row["kind"],
                    cause_event_id=row["cause_event_id"], about_id=row["about_id"],
                    channels=channels, digest=bool(row["digest"]),  # type: ignore[arg-type]
                    latency_seconds=max(0.0, time.time() - row["cause_occurred_at"].timestamp()),
                )
                for row in group
            ]
        return by_recipient

    @staticmethod
    def _released(groups: Mapping[str, Sequence[Mapping[str, Any]]], lasts: Mapping[str, int]) -> list[pb.Prompt]:
        """The released prompts as the API shows them, with the cursors the writes took (each recipient's last)."""
        out: list[pb.Prompt] = []
        for recipient, group in groups.items():
            first = lasts[recipient] - len(group) + 1
            out += [prompt_proto(row, cursor=first + offset, read=False, acted=False) for offset, row in enumerate(group)]
        return out

    async def _enqueue_deliveries(
        self, conn: AsyncConnection, writes: Writes, recipient: str, views: list[payloads.PromptView], now: dt.datetime,
    ) -> list[int]:
        channels: list[int] = [pb.CHANNEL_IN_APP]
        prefs = await self.cache.preferences(conn, recipient)
        if await self._enqueue_webhooks(conn, writes, recipient, payloads.PROMPT_SENT, views, now):
            channels.append(pb.CHANNEL_WEBHOOK)
        address = prefs.email
        if self.config.email_enabled and pb.CHANNEL_EMAIL in prefs.channels and address:
            person = (await self.cache.directory(conn, [recipient], depth=1)).people.get(recipient)
            digest = any(v.digest for v in views)
            batches = [views] if digest else [[v] for v in views]
            for batch in batches:
                subject, text = payloads.email_text(
                    person.name if person else recipient, batch, digest=digest, base_url=self.config.web_base_url, language=prefs.language,
                )
                key = f"digest:{batch[0].id}:email" if digest else f"{batch[0].id}:email"
                self._delivery(writes, key, pb.CHANNEL_EMAIL, None, recipient, address, "email", 0 if digest else batch[0].kind, subject, json.dumps({"text": text}))
            channels.append(pb.CHANNEL_EMAIL)
        return channels

    async def _enqueue_webhooks(
        self, conn: AsyncConnection, writes: Writes, recipient: str, event_type: str, views: list[payloads.PromptView], now: dt.datetime,
        extra: dict[str, dict[str, Any]] | None = None,
    ) -> bool:
        subs = [s for s in await self.cache.webhooks(conn) if s.organisation_wide or s.owner_id == recipient]
        queued = False
        for sub in subs:
            for view in views:
                if not payloads.matches_filter(sub.event_filter or [], event_type, view):
                    continue
                exposure = payloads.organisation_exposure(view.visibility) if sub.organisation_wide else payloads.FULL
                event_id = uuid.uuid4().hex
                body = payloads.webhook_body(
                    delivery_event_id=event_id, event_type=event_type, occurred_at=now.isoformat().replace("+00:00", "Z"),
                    prompt=view, chat_format=sub.format == pb.WebhookSubscription.FORMAT_CHAT_INCOMING_WEBHOOK,
                    exposure=exposure, extra=(extra or {}).get(view.id), base_url=self.config.web_base_url,
                    # The subscription's owner reads the chat text (for an organisation-wide one, not the recipient).
                    language=(await self.cache.preferences(conn, sub.owner_id)).language,
                )
                if body is None:
                    continue
                self._delivery(writes, f"{view.id}:{event_type}:{sub.id}", pb.CHANNEL_WEBHOOK, sub.id, sub.owner_id, sub.url, event_type, view.kind, "", body)
                queued = True
        return queued

    def _delivery(
        self, writes: Writes, key: str, channel: int, subscription_id: str | None, owner: str, target: str,
        event_type: str, kind: int, subject: str, payload: str,
    ) -> None:
        self._deliveries_queued = True
        at = utcnow()
        writes.deliveries.append(dict(
            delivery_key=key, channel=channel, subscription_id=subscription_id, owner_id=owner, target=target,
            event_type=event_type, kind=kind, subject=subject[:300], payload=payload, state="pending", attempts=0,
            next_attempt_at=at, lease_until=None, last_error="", created_at=at, finished_at=None,
        ))

    # ---------- closing the loop ----------

    def _close_loop(
        self, actions: Sequence[tuple[Applied, rules.ActionMatch]], open_rows: Sequence[Any], writes: Writes,
    ) -> list[tuple[Any, Cause, float]]:
        """Each action, in order, closes the open prompts it matches (a prompt once, by the first action): one
        not yet shown is dropped, a shown one is acted on. Returns the acted ones (row, action, seconds to act)."""
        taken: set[str] = set()
        acted: list[tuple[Any, Cause, float]] = []
        for item, match in actions:
            cause = item.cause
            for row in open_rows:
                if row.id in taken or not closes(match, row, cause.occurred_at):
                    continue
                taken.add(row.id)
                if row.state != "released":
                    # Done before we even showed it: the prompt is moot, and the person is not bothered.
                    writes.dropped.append(row.id)
                    continue
                writes.acted.append({"b_id": row.id, "b_at": cause.occurred_at, "b_action": cause.event_id})
                seconds = max(0.0, (cause.occurred_at - (row.released_at or row.created_at)).total_seconds())
                writes.events.append(pb.PromptActed(
                    metadata=new_metadata(producer=PRODUCER, subject_id=row.recipient_id, visibility=row.visibility, causation_id=cause.event_id),
                    prompt_id=row.id, recipient_id=row.recipient_id, kind=row.kind, action_event_id=cause.event_id,
                    seconds_to_act=seconds,
                ))
                acted.append((row, cause, seconds))
        return acted

    async def _enqueue_acted(self, conn: AsyncConnection, writes: Writes, acted: Sequence[tuple[Any, Cause, float]], now: dt.datetime) -> None:
        """The prompt.acted webhook calls of the prompts acted on."""
        for row, cause, seconds in acted:
            view = prompt_view(row)
            await self._enqueue_webhooks(
                conn, writes, row.recipient_id, payloads.PROMPT_ACTED, [view], now,
                extra={view.id: {"action_event_id": cause.event_id, "seconds_to_act": seconds}},
            )

    # ---------- scheduled work: held prompts and due reminders ----------

    async def tick(self) -> list[pb.Prompt]:
        """Releases held prompts whose time came (quiet hours, the digest, a prompt held until the lead time before its
        moment) and sends due-date reminders; returns what it released. Held prompts are rows in the database, so a
        restart loses none; each is released once: its round's transaction marks it released with its cursor (on
        PostgreSQL the round's rows are locked, SKIP LOCKED, so a second replica's round passes them by)."""
        assert self.db is not None
        now = self.clock()
        async with self.db.transaction() as conn:
            released = await self._apply_parked_due(conn, now)
            released += await self._remind_due_requests(conn, now)
            rows = await self.repository(conn).held_due(now)
            for digest in (False, True):
                group = [r for r in rows if bool(r.digest) == digest]
                if group:
                    later = await self.release(conn, group, now)
                    for prompt in later:
                        after_commit(conn, self.released_later_total.labels(pb.PromptKind.Name(prompt.kind)).inc)
                    released += later
        if released:
            self.published(released)
            self.on_deliveries()
        return released

    async def _remind_due_requests(self, conn: AsyncConnection, now: dt.datetime) -> list[pb.Prompt]:
        repo = self.repository(conn)
        horizon = (now.date() + dt.timedelta(days=rules.REMIND_DAYS_BEFORE_DUE)).isoformat()
        rows = await repo.due_requests(horizon)
        released: list[pb.Prompt] = []
        for row in rows:
            directory = await self.cache.directory(conn, {row.requester_id, row.subject_id, row.recipient_id})
            draft = rules.request_due_reminder(row.request_id, row.requester_id, row.subject_id, row.recipient_id, row.due_date, now.date(), directory)
            await repo.mark_reminded(row.request_id)
            if draft is None:
                continue
            cause = Cause(f"due:{row.request_id}", fb.FeedbackRequested.DESCRIPTOR.full_name, "feedback.feedback-requested.v1", now, row.visibility, row.subject_id)
            released += await self.accept(conn, draft, cause, now)
        return released
