"""The person-facing use cases: the resumable prompt stream, listing and marking read, preferences,
webhook subscriptions and their dead letters."""
from __future__ import annotations

import re
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import sqlalchemy as sa

from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.adapters import tables as t
from paars_notifications.adapters.fanout import FanOut, Signal
from paars_notifications.adapters.senders import Resolve, checked_addresses, system_resolve
from paars_notifications.config import NotificationsConfig
from paars_notifications.domain import policy
from paars_notifications.domain.addresses import valid_email
from paars_notifications.domain.targets import TargetPolicy, TargetRefused
from paars_notifications.service_layer.prompting import ReadCache, last_cursor, preferences_of, prompt_proto
from paars_platform import i18n, metrics
from paars_platform.auth import Identity
from paars_platform.db import Database, upsert, utcnow
from paars_platform.errors import DomainError, InvalidArgument, NotFound, PermissionDenied, Validator
from paars_platform.events import timestamp

REPLAY_BATCH = 200
MAX_LIST = 500
MAX_ID = 64
# Recipients looked up per query of the replica watch.
WATCH_BATCH = 500
# Dead-letter ids are the deliveries table's BIGINT keys.
DELIVERY_ID = re.compile(r"[1-9][0-9]{0,18}")
MAX_DELIVERY_ID = 2**63 - 1
ALLOWED_CHANNELS = {pb.CHANNEL_IN_APP, pb.CHANNEL_EMAIL, pb.CHANNEL_WEBHOOK}
# What SetPreferencesRequest.update_mask may name.
PREFERENCE_FIELDS = ("channels", "quiet_start", "quiet_end", "time_zone", "daily_digest", "weekly_budget", "email", "language")
# Fine buckets under 200 ms: the promise is p50 < 50 ms and p99 < 200 ms.
PROMPT_LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)


class StreamReplaced(DomainError):
    """The person opened more live streams than the cap: the oldest ends, and says why."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class NotificationHandlers:
    def __init__(
        self, config: NotificationsConfig, fanout: FanOut, on_deliveries: Any = lambda: None, cache: ReadCache | None = None,
        targets: TargetPolicy | None = None, resolve: Resolve = system_resolve,
    ) -> None:
        self.config = config
        self.targets = targets or TargetPolicy()
        self.resolve = resolve
        self.cache = cache or ReadCache()
        self.fanout = fanout
        self.on_deliveries = on_deliveries
        self.db: Database | None = None
        self.latency = metrics.histogram(
            "paars_notifications_prompt_latency_seconds",
            "From the cause event's occurred_at to the prompt's delivery on a live in-app stream.",
            buckets=PROMPT_LATENCY_BUCKETS,
        )
        self.streams = metrics.gauge("paars_notifications_streams_open", "Live Subscribe streams.")

    def attach(self, db: Database) -> None:
        self.db = db

    @property
    def _db(self) -> Database:
        assert self.db is not None, "attach() the database first"
        return self.db

    # ---------- the in-app stream ----------

    async def stream(self, caller: Identity, after_cursor: int, *, from_cursor: bool = False) -> AsyncIterator[pb.Prompt]:
        """The caller's prompts after the cursor, then live ones as they are released, with no gap and no
        repeat: the live queue is registered before the database is read, repeats are skipped by cursor,
        and a jump in cursors is filled from the database."""
        if after_cursor < 0:
            raise InvalidArgument("after_cursor", "must be 0 (only new prompts) or a cursor you received")
        me = caller.employee_id
        sub = self.fanout.subscribe(me, limit=self.config.max_streams_per_person)
        self.streams.inc()
        try:
            if after_cursor > 0 or from_cursor:
                sub.last_cursor = after_cursor
            else:
                async with self._db.read() as conn:
                    sub.last_cursor = await last_cursor(conn, me)
            async for prompt in self._replay(me, sub.last_cursor):
                sub.last_cursor = prompt.cursor
                yield prompt
            while not self.fanout.closed:
                # Idle streams cost nothing: no timer each, one replica watch for all (watch_replicas).
                item = await sub.queue.get()
                if item is Signal.CLOSED:
                    return
                if item is Signal.EVICTED:
                    raise StreamReplaced(
                        f"closed: you opened a newer stream, and one person keeps at most {self.config.max_streams_per_person} "
                        "open; resume with after_cursor when you need this one again"
                    )
                if item is Signal.WAKE:
                    sub.wake_pending = False
                    async for prompt in self._replay(me, sub.last_cursor):
                        sub.last_cursor = prompt.cursor
                        yield prompt
                    continue
                assert isinstance(item, pb.Prompt)
                if item.cursor <= sub.last_cursor:
                    continue
                if item.cursor > sub.last_cursor + 1:
                    async for prompt in self._replay(me, sub.last_cursor, upto=item.cursor - 1):
                        sub.last_cursor = prompt.cursor
                        yield prompt
                self.latency.observe(max(0.0, time.time() - item.cause_occurred_at.ToNanoseconds() / 1e9))
                sub.last_cursor = item.cursor
                yield item
        finally:
            self.streams.dec()
            self.fanout.unsubscribe(sub)

    async def watch_replicas(self) -> int:
        """One read for every open stream of this process: wakes those whose recipient got prompts from
        another replica (or the scheduler of one) that the in-process fan-out never saw; returns how many."""
        recipients = self.fanout.recipients()
        c = t.recipient_cursors.c
        woken = 0
        for start in range(0, len(recipients), WATCH_BATCH):
            batch = recipients[start:start + WATCH_BATCH]
            async with self._db.read() as conn:
                rows = (await conn.execute(sa.select(c.recipient_id, c.last_cursor).where(c.recipient_id.in_(batch)))).all()
            woken += self.fanout.wake_behind({r.recipient_id: int(r.last_cursor) for r in rows})
        return woken

    async def _replay(self, recipient: str, after: int, upto: int | None = None) -> AsyncIterator[pb.Prompt]:
        p = t.prompts.c
        while True:
            query = sa.select(t.prompts).where(p.recipient_id == recipient, p.cursor > after).order_by(p.cursor).limit(REPLAY_BATCH)
            if upto is not None:
                query = query.where(p.cursor <= upto)
            async with self._db.read() as conn:
                rows = (await conn.execute(query)).all()
            for row in rows:
                after = row.cursor
                yield prompt_proto(row)
            if len(rows) < REPLAY_BATCH:
                return

    # ---------- list and mark read ----------

    async def list_prompts(self, caller: Identity, request: pb.ListPromptsRequest) -> pb.ListPromptsResponse:
        if request.limit < 0:
            raise InvalidArgument("limit", "must not be negative")
        limit = min(request.limit or 50, MAX_LIST)
        p = t.prompts.c
        query = sa.select(t.prompts).where(p.recipient_id == caller.employee_id, p.cursor.is_not(None))
        if request.unread_only:
            query = query.where(p.read.is_(False))
        # The latest cursor rides along as a column of the same statement (one round trip, one snapshot), so
        # Subscribe(after_cursor=latest_cursor) starts exactly where the list ends; an empty list asks for it alone.
        c = t.recipient_cursors.c
        latest_of = sa.select(c.last_cursor).where(c.recipient_id == caller.employee_id).scalar_subquery().label("latest_cursor")
        async with self._db.read() as conn:
            rows = (await conn.execute(query.add_columns(latest_of).order_by(p.cursor.desc()).limit(limit))).all()
            latest = int(rows[0].latest_cursor or 0) if rows else await last_cursor(conn, caller.employee_id)
        return pb.ListPromptsResponse(prompts=[prompt_proto(r) for r in rows], latest_cursor=latest)

    async def mark_read(self, caller: Identity, request: pb.MarkReadRequest) -> pb.MarkReadResponse:
        v = Validator()
        v.check(0 < len(request.prompt_ids) <= MAX_LIST, "prompt_ids", f"give between 1 and {MAX_LIST} prompt ids")
        v.check(all(0 < len(i) <= MAX_ID for i in request.prompt_ids), "prompt_ids", f"each id has 1 to {MAX_ID} characters")
        v.raise_if_any()
        p = t.prompts.c
        async with self._db.transaction() as conn:
            result = await conn.execute(
                t.prompts.update()
                .where(p.recipient_id == caller.employee_id, p.id.in_(list(request.prompt_ids)), p.read.is_(False))
                .values(read=True)
            )
        return pb.MarkReadResponse(updated=result.rowcount or 0)

    # ---------- preferences ----------

    async def get_preferences(self, caller: Identity) -> pb.Preferences:
        async with self._db.read() as conn:
            prefs = await preferences_of(conn, caller.employee_id)
        return _prefs_proto(caller.employee_id, prefs)

    async def set_preferences(self, caller: Identity, request: pb.SetPreferencesRequest) -> pb.Preferences:
        if request.preferences.employee_id and request.preferences.employee_id != caller.employee_id:
            raise PermissionDenied("you set your own preferences only")
        paths = list(request.update_mask.paths)
        unknown = sorted({p for p in paths if p not in PREFERENCE_FIELDS and p != "*"})
        if unknown:
            raise InvalidArgument("update_mask", f"unknown field {', '.join(unknown)}; it names fields of Preferences: {', '.join(PREFERENCE_FIELDS)} (or *)")
        async with self._db.transaction() as conn:
            if paths and "*" not in paths:
                # Only the named fields change: the others keep what is stored (not the effective values
                # GetPreferences shows, such as the directory's time zone, which would then stop following it).
                stored = (await conn.execute(sa.select(t.preferences).where(t.preferences.c.employee_id == caller.employee_id))).first()
                given = _stored_proto(stored)
                request.update_mask.MergeMessage(request.preferences, given, replace_repeated_field=True)
            else:
                given = request.preferences
            _check_preferences(given)
            await upsert(conn, t.preferences, dict(
                employee_id=caller.employee_id, channels=sorted(set(given.channels)) or list(policy.DEFAULT_CHANNELS),
                quiet_start=_normal_hhmm(given.quiet_start), quiet_end=_normal_hhmm(given.quiet_end), time_zone=given.time_zone,
                daily_digest=given.daily_digest, weekly_budget=given.weekly_budget or policy.DEFAULT_WEEKLY_BUDGET,
                email=given.email, language=given.language, updated_at=utcnow(),
            ), keys=["employee_id"])
            prefs = await preferences_of(conn, caller.employee_id)
        self.cache.forget_person(caller.employee_id)
        return _prefs_proto(caller.employee_id, prefs)

    # ---------- webhooks ----------

    async def create_webhook(self, caller: Identity, request: pb.CreateWebhookRequest) -> pb.WebhookSubscription:
        v = Validator()
        v.check(len(request.url) <= 2000, "url", "must be at most 2000 characters")
        v.check(len(request.event_filter) <= 20 and all(0 < len(f) <= 200 for f in request.event_filter), "event_filter", "at most 20 non-empty entries")
        v.check(request.format in (0, pb.WebhookSubscription.FORMAT_PAARS_JSON, pb.WebhookSubscription.FORMAT_CHAT_INCOMING_WEBHOOK), "format", "unknown format")
        v.raise_if_any()
        if request.organisation_wide and not caller.has("admin", "system"):
            raise PermissionDenied("organisation-wide webhooks are for admin or system callers")
        try:
            # Resolved now to refuse early; every call resolves and checks again (DNS rebinding).
            await checked_addresses(self.targets, self.resolve, request.url)
        except TargetRefused as exc:
            raise InvalidArgument("url", str(exc)) from None
        row = dict(
            id=uuid.uuid4().hex, owner_id=caller.employee_id, url=request.url, event_filter=list(request.event_filter),
            format=request.format or pb.WebhookSubscription.FORMAT_PAARS_JSON, secret="whsec_" + secrets.token_urlsafe(32),
            organisation_wide=request.organisation_wide, active=True, created_at=utcnow(),
        )
        async with self._db.transaction() as conn:
            await conn.execute(t.webhooks.insert().values(**row))
        self.cache.forget_webhooks()
        return _webhook_proto(row, with_secret=True)

    async def list_webhooks(self, caller: Identity) -> pb.ListWebhooksResponse:
        w = t.webhooks.c
        query = sa.select(t.webhooks).where(w.active.is_(True)).order_by(w.created_at)
        if not caller.has("admin", "system"):
            query = query.where(w.owner_id == caller.employee_id)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        return pb.ListWebhooksResponse(subscriptions=[_webhook_proto(r._mapping, with_secret=False) for r in rows])

    async def delete_webhook(self, caller: Identity, request: pb.DeleteWebhookRequest) -> pb.WebhookSubscription:
        w = t.webhooks.c
        async with self._db.transaction() as conn:
            row = (await conn.execute(sa.select(t.webhooks).where(w.id == request.id))).first() if len(request.id) <= MAX_ID else None
            if row is None or not row.active:
                raise NotFound(f"no webhook {_shown(request.id)}")
            if row.owner_id != caller.employee_id and not caller.has("admin", "system"):
                raise PermissionDenied("only its owner or an admin deletes a webhook")
            await conn.execute(t.webhooks.update().where(w.id == request.id).values(active=False))
            await conn.execute(
                t.deliveries.update().where(t.deliveries.c.subscription_id == request.id, t.deliveries.c.state == "pending").values(state="cancelled")
            )
        self.cache.forget_webhooks()
        data = dict(row._mapping)
        data["active"] = False
        return _webhook_proto(data, with_secret=False)

    async def list_dead_letters(self, caller: Identity, request: pb.ListDeadLettersRequest) -> pb.ListDeadLettersResponse:
        if request.limit < 0:
            raise InvalidArgument("limit", "must not be negative")
        d = t.deliveries.c
        query = sa.select(t.deliveries).where(d.state == "dead").order_by(d.finished_at.desc()).limit(min(request.limit or 100, MAX_LIST))
        if not caller.has("admin", "system"):
            query = query.where(d.owner_id == caller.employee_id)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        return pb.ListDeadLettersResponse(dead_letters=[_dead_letter_proto(r) for r in rows])

    async def retry_dead_letter(self, caller: Identity, request: pb.RetryDeadLetterRequest) -> pb.DeadLetter:
        d = t.deliveries.c
        if DELIVERY_ID.fullmatch(request.id) is None or int(request.id) > MAX_DELIVERY_ID:
            raise InvalidArgument("id", "is not a dead-letter id (the id from ListDeadLetters)")
        delivery_id = int(request.id)
        async with self._db.transaction() as conn:
            row = (await conn.execute(sa.select(t.deliveries).where(d.id == delivery_id, d.state == "dead"))).first()
            if row is None:
                raise NotFound(f"no dead letter {request.id}")
            if row.owner_id != caller.employee_id and not caller.has("admin", "system"):
                raise PermissionDenied("only its owner or an admin retries a dead letter")
            await conn.execute(t.deliveries.update().where(d.id == delivery_id).values(state="pending", attempts=0, next_attempt_at=utcnow(), lease_until=None))
        self.on_deliveries()
        return _dead_letter_proto(row)


def _shown(value: str) -> str:
    """An id as an error message may echo it: bounded, so a huge one cannot blow up the status trailers."""
    return repr(value if len(value) <= MAX_ID else value[:MAX_ID] + "…")


def _check_preferences(given: pb.Preferences) -> None:
    """The record about to be stored, whole: a field the mask left out is checked as it is stored."""
    v = Validator()
    v.check(all(c in ALLOWED_CHANNELS for c in given.channels), "preferences.channels", "unknown channel")
    v.check(not given.quiet_start or policy.parse_hhmm(given.quiet_start) is not None, "preferences.quiet_start", "must be HH:MM")
    v.check(not given.quiet_end or policy.parse_hhmm(given.quiet_end) is not None, "preferences.quiet_end", "must be HH:MM")
    v.check(bool(given.quiet_start) == bool(given.quiet_end), "preferences.quiet_end", "give both ends of the quiet hours, or neither")
    v.check(not given.time_zone or policy.valid_zone(given.time_zone), "preferences.time_zone", "must be an IANA time zone such as Europe/Brussels")
    v.check(0 <= given.weekly_budget <= policy.MAX_WEEKLY_BUDGET, "preferences.weekly_budget", f"must be between 1 and {policy.MAX_WEEKLY_BUDGET} (0: the default {policy.DEFAULT_WEEKLY_BUDGET})")
    v.check(not given.email or valid_email(given.email), "preferences.email", "must be one plain e-mail address such as name@example.com")
    v.check(not given.language or given.language in i18n.LANGUAGES, "preferences.language", "must be nl or en (empty: the organisation's default)")
    v.raise_if_any()


def _stored_proto(row: Any) -> pb.Preferences:
    """What is stored, as it is stored (empty time zone and e-mail: the directory's); None: nothing stored yet."""
    if row is None:
        return pb.Preferences()
    return pb.Preferences(
        channels=list(row.channels), quiet_start=row.quiet_start, quiet_end=row.quiet_end, time_zone=row.time_zone,
        daily_digest=row.daily_digest, weekly_budget=row.weekly_budget, email=row.email, language=row.language,
    )


def _normal_hhmm(value: str) -> str:
    parsed = policy.parse_hhmm(value)
    return parsed.strftime("%H:%M") if parsed else ""


def _prefs_proto(employee_id: str, prefs: policy.DeliveryPreferences) -> pb.Preferences:
    return pb.Preferences(
        employee_id=employee_id, channels=list(prefs.channels), quiet_start=prefs.quiet_start, quiet_end=prefs.quiet_end,  # type: ignore[arg-type]
        time_zone=prefs.time_zone, daily_digest=prefs.daily_digest, weekly_budget=prefs.weekly_budget, email=prefs.email,
        language=prefs.language,
    )


def _webhook_proto(row: Any, *, with_secret: bool) -> pb.WebhookSubscription:
    return pb.WebhookSubscription(
        id=row["id"], url=row["url"], event_filter=list(row["event_filter"] or []), format=row["format"],
        secret=row["secret"] if with_secret else "", active=row["active"], owner_id=row["owner_id"],
        organisation_wide=row["organisation_wide"],
    )


def _dead_letter_proto(row: Any) -> pb.DeadLetter:
    return pb.DeadLetter(
        id=str(row.id), channel=row.channel, target=row.target, event_type=row.event_type, attempts=row.attempts,
        last_error=row.last_error, failed_at=timestamp(row.finished_at) if row.finished_at else None,
        subscription_id=row.subscription_id or "",
    )
