"""The delivery worker: sends due webhook calls and e-mails, retries with backoff, dead-letters after the
last try, and keeps a circuit breaker per endpoint. State lives in the deliveries table, so a restart
sends nothing twice that was recorded as delivered and forgets nothing that was queued."""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import random
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.adapters.senders import EMAIL_FAILED, WEBHOOK_FAILED, EmailSender, Outcome, WebhookSender
from paars_notifications.config import NotificationsConfig
from paars_notifications.domain.resilience import Breakers, backoff_delay
from paars_notifications.service_layer.unit_of_work import DeliveryQueue
from paars_platform import metrics
from paars_platform.db import utcnow

log = logging.getLogger("paars.notifications.deliveries")

LEASE = dt.timedelta(seconds=60)
BATCH = 50
BREAKER_RECHECK_SECONDS = 1.0
CHANNEL_LABEL = {pb.CHANNEL_WEBHOOK: "webhook", pb.CHANNEL_EMAIL: "email"}


def endpoint(url: str) -> str:
    """The breaker's key: one misbehaving host must not hold back deliveries to others."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class DeliveryWorker:
    def __init__(
        self, config: NotificationsConfig, *, webhooks: WebhookSender, email: EmailSender, breakers: Breakers,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self.webhooks = webhooks
        self.email = email
        self.breakers = breakers
        self.rand = rand
        # The deliveries table as a queue (adapters/delivery_repository.py), set by attach(); tests give a fake.
        self.queue: DeliveryQueue | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        # Claimed (leased) by this worker and not yet recorded: handed back on a graceful stop.
        self._in_flight: set[int] = set()
        # The claim runs shielded from cancellation: a stop arriving while its commit is on the wire
        # (PostgreSQL) would otherwise leave leases taken that nobody knows to hand back.
        self._claiming: asyncio.Future[list[Any]] | None = None
        self.failures = metrics.counter(
            "paars_notifications_delivery_failures_total", "Failed delivery attempts by channel and reason.", ("channel", "reason"),
        )
        self.dead = metrics.counter("paars_notifications_dead_letters_stored_total", "Deliveries that failed their last try.", ("channel",))
        self.prompts_total = metrics.counter("paars_notifications_prompts_total", "Prompts delivered, by kind and channel.", ("kind", "channel"))

    def attach(self, queue: DeliveryQueue) -> None:
        self.queue = queue

    @property
    def _queue(self) -> DeliveryQueue:
        assert self.queue is not None, "attach() the queue first"
        return self.queue

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notifications-deliveries")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        if self._claiming is not None:
            with contextlib.suppress(Exception):
                await self._claiming  # its leases join _in_flight
        await self._release_leases()
        await self.webhooks.close()

    async def _release_leases(self) -> None:
        """Calls cut short by the stop are due again at once, for the next process (a restart, another
        replica), instead of after the lease; the receiver may see one repeat (same Paars-Delivery-Id)."""
        ids = sorted(self._in_flight)
        if not ids or self.queue is None:
            return
        try:
            await self.queue.hand_back(ids)
            self._in_flight.clear()
        except Exception:
            log.warning("could not hand back leased deliveries; they are retried when the lease ends", exc_info=True)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                sent = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("delivery round failed; retrying", exc_info=True)
                sent = 0
                await asyncio.sleep(1.0)
            if sent:
                continue
            try:
                pause = await self._seconds_to_next_due()
            except Exception:
                log.warning("could not read the next due delivery", exc_info=True)
                pause = 1.0
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=pause)
            except TimeoutError:
                pass

    async def _seconds_to_next_due(self) -> float:
        due = await self._queue.next_due()
        if due is None:
            return 5.0
        return min(5.0, max(0.01, (due - utcnow()).total_seconds()))

    async def run_once(self) -> int:
        """Sends every due delivery once (concurrently); returns how many it tried."""
        self._claiming = asyncio.ensure_future(self._claim())
        claimed = await asyncio.shield(self._claiming)
        if not claimed:
            return 0
        limit = asyncio.Semaphore(self.config.delivery_concurrency)

        async def one(row: Any) -> None:
            async with limit:
                try:
                    await self._deliver(row)
                finally:
                    if not self._stopping:
                        self._in_flight.discard(row.id)

        await asyncio.gather(*(one(r) for r in claimed))
        return len(claimed)

    async def _claim(self) -> list[Any]:
        claimed = await self._queue.claim(utcnow(), LEASE, BATCH)
        self._in_flight.update(r.id for r in claimed)
        return claimed

    async def _deliver(self, row: Any) -> None:
        try:
            outcome = await self._attempt(row)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # Whatever a sender raises is a failed attempt like any other: retried, then dead-lettered;
            # never a round that fails and leaves the row leased for the next one to try forever.
            log.exception("delivery attempt raised", extra={"delivery_id": row.id})
            generic = WEBHOOK_FAILED if row.channel == pb.CHANNEL_WEBHOOK else EMAIL_FAILED
            outcome = Outcome(False, generic, f"{type(exc).__name__}: {exc}"[:500], reason="error")
        if outcome is not None:
            await self._record(row, outcome)

    async def _attempt(self, row: Any) -> Outcome | None:
        """One try at the delivery; None when it was not tried (cancelled, or its endpoint is resting)."""
        if row.channel == pb.CHANNEL_WEBHOOK:
            if not row.subscription_active:
                await self._finish(row, "cancelled", "subscription deleted")
                return None
            breaker = self.breakers.for_endpoint(endpoint(row.target))
            if not breaker.allow():
                # Not an attempt: the endpoint is resting. Look again soon (at most every second), not only
                # when this process's breaker expects a trial: the breaker's state is per process.
                await self._postpone(row, min(BREAKER_RECHECK_SECONDS, max(0.05, breaker.seconds_until_trial())))
                return None
            outcome = await self.webhooks.send(row.target, row.secret, row.payload, delivery_id=f"pd_{row.id}", event_type=row.event_type)
            if not outcome.permanent:
                (breaker.record_success if outcome.ok else breaker.record_failure)()
            return outcome
        text = json.loads(row.payload)["text"]
        return await self.email.send(row.target, row.subject, text, delivery_id=f"pd_{row.id}")

    async def _record(self, row: Any, outcome: Outcome) -> None:
        label = CHANNEL_LABEL.get(row.channel, "other")
        if outcome.ok:
            await self._finish(row, "delivered", "")
            if row.kind:
                self.prompts_total.labels(pb.PromptKind.Name(row.kind), label).inc()
            return
        self.failures.labels(label, outcome.reason or "error").inc()
        attempts = row.attempts + 1
        # The owner sees outcome.error (generic); operators read what happened here.
        log.info("delivery attempt failed", extra={"delivery_id": row.id, "target": row.target, "attempt": attempts, "detail": outcome.detail})
        if attempts >= self.config.delivery_max_attempts or outcome.permanent:
            log.warning("delivery dead-lettered", extra={"delivery_id": row.id, "target": row.target, "detail": outcome.detail})
            await self._finish(row, "dead", outcome.error, attempts=attempts)
            # Counted once stored as dead: a finish that failed leaves the delivery leased, to be tried again.
            self.dead.labels(label).inc()
            return
        delay = backoff_delay(attempts, base=self.config.backoff_base_seconds, cap=self.config.backoff_cap_seconds, rand=self.rand)
        await self._queue.reschedule(row.id, attempts=attempts, error=outcome.error, at=utcnow() + dt.timedelta(seconds=delay))

    async def _postpone(self, row: Any, seconds: float) -> None:
        await self._queue.postpone(row.id, utcnow() + dt.timedelta(seconds=seconds))

    async def _finish(self, row: Any, state: str, error: str, attempts: int | None = None) -> None:
        if attempts is None:
            attempts = row.attempts + 1 if state == "delivered" else row.attempts
        await self._queue.finish(row.id, state=state, error=error, attempts=attempts, at=utcnow())
