"""The delivery worker over a fake queue and fake senders (no database, no network): what it records for each
outcome (delivered, retried with backoff, dead-lettered, cancelled, postponed while a breaker rests)."""
from __future__ import annotations

import dataclasses
import datetime as dt
import types
from collections.abc import Sequence
from typing import Any

from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.adapters.senders import Outcome
from paars_notifications.config import NotificationsConfig
from paars_notifications.domain.resilience import Breakers
from paars_notifications.service_layer.deliveries import DeliveryWorker

CONFIG = NotificationsConfig(delivery_max_attempts=3, backoff_base_seconds=10, backoff_cap_seconds=60)


class Queue:
    """The deliveries table as the worker sees it: rows claimed once, and every outcome recorded."""

    def __init__(self, *rows: dict[str, Any]) -> None:
        self.rows = {r["id"]: dict(r) for r in rows}
        self.recorded: list[tuple[str, int, dict[str, Any]]] = []

    async def claim(self, now: dt.datetime, lease: dt.timedelta, limit: int) -> list[Any]:
        due = [types.SimpleNamespace(**r) for r in self.rows.values() if r["state"] == "pending" and r["next_attempt_at"] <= now][:limit]
        for r in due:
            self.rows[r.id]["next_attempt_at"] = now + lease  # leased
        return due

    async def hand_back(self, ids: Sequence[int]) -> None:
        self.recorded += [("hand_back", i, {}) for i in ids]

    async def next_due(self) -> dt.datetime | None:
        return None

    async def reschedule(self, delivery_id: int, *, attempts: int, error: str, at: dt.datetime) -> None:
        self.rows[delivery_id].update(attempts=attempts, next_attempt_at=at, last_error=error)
        self.recorded.append(("reschedule", delivery_id, dict(attempts=attempts, error=error)))

    async def postpone(self, delivery_id: int, at: dt.datetime) -> None:
        self.rows[delivery_id]["next_attempt_at"] = at
        self.recorded.append(("postpone", delivery_id, {}))

    async def finish(self, delivery_id: int, *, state: str, error: str, attempts: int, at: dt.datetime) -> None:
        self.rows[delivery_id].update(state=state, attempts=attempts, last_error=error)
        self.recorded.append(("finish", delivery_id, dict(state=state, attempts=attempts, error=error)))


class Sender:
    def __init__(self, *outcomes: Outcome | Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[Any, ...]] = []

    async def send(self, *args: Any, **kw: Any) -> Outcome:
        self.calls.append(args)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def close(self) -> None:
        pass


def webhook_row(delivery_id: int, **kw: Any) -> dict[str, Any]:
    row = dict(
        id=delivery_id, channel=pb.CHANNEL_WEBHOOK, target=f"https://chat{delivery_id}.example/hook", secret="whsec", payload="{}",
        event_type="prompt.sent", kind=pb.PROMPT_KIND_GIVE_FEEDBACK, subject="", attempts=0, state="pending", subscription_active=True,
        next_attempt_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    )
    row.update(kw)
    return row


def worker(queue: Queue, webhooks: Sender, email: Sender | None = None, threshold: int = 5) -> DeliveryWorker:
    w = DeliveryWorker(
        CONFIG, webhooks=webhooks, email=email or Sender(), breakers=Breakers(threshold=threshold, reset_seconds=30),  # type: ignore[arg-type]
        rand=lambda: 0.5,
    )
    w.attach(queue)
    return w


async def test_a_delivered_call_is_recorded_with_its_attempt() -> None:
    queue, hooks = Queue(webhook_row(1)), Sender(Outcome(True))
    assert await worker(queue, hooks).run_once() == 1
    assert queue.recorded == [("finish", 1, dict(state="delivered", attempts=1, error=""))]
    assert hooks.calls == [("https://chat1.example/hook", "whsec", "{}")]


async def test_a_failed_call_is_retried_later_and_dead_lettered_after_its_last_attempt() -> None:
    queue, hooks = Queue(webhook_row(1, attempts=1), webhook_row(2, attempts=2)), Sender(Outcome(False, "the endpoint failed", reason="http"), Outcome(False, "the endpoint failed", reason="http"))
    await worker(queue, hooks).run_once()
    assert sorted(queue.recorded) == [
        ("finish", 2, dict(state="dead", attempts=3, error="the endpoint failed")),
        ("reschedule", 1, dict(attempts=2, error="the endpoint failed")),
    ]


async def test_a_permanent_failure_and_a_raising_sender_are_failed_attempts_like_any_other() -> None:
    queue = Queue(webhook_row(1), webhook_row(2))
    hooks = Sender(Outcome(False, "refused", permanent=True, reason="refused"), RuntimeError("boom"))
    await worker(queue, hooks).run_once()
    states = {i: (kind, detail.get("state")) for kind, i, detail in queue.recorded}
    assert sorted(states.values()) == [("finish", "dead"), ("reschedule", None)], "the permanent one dead at once, the raising one retried"


async def test_a_call_for_a_deleted_subscription_is_cancelled_unsent() -> None:
    queue, hooks = Queue(webhook_row(1, subscription_active=False)), Sender()
    await worker(queue, hooks).run_once()
    assert queue.recorded == [("finish", 1, dict(state="cancelled", attempts=0, error="subscription deleted"))] and hooks.calls == []


async def test_while_an_endpoints_breaker_rests_its_calls_are_postponed_and_not_counted_as_attempts() -> None:
    failing = Outcome(False, "the endpoint failed", reason="http")
    queue, hooks = Queue(webhook_row(1), webhook_row(2, target="https://chat1.example/other")), Sender(failing)
    w = worker(queue, hooks, threshold=1)
    w.config = dataclasses.replace(CONFIG, delivery_concurrency=1)
    await w.run_once()
    assert [kind for kind, _i, _d in queue.recorded] == ["reschedule", "postpone"], "the first opened the breaker, the second waits"
    assert len(hooks.calls) == 1


async def test_an_email_is_sent_with_its_subject_and_text() -> None:
    queue = Queue(webhook_row(1, channel=pb.CHANNEL_EMAIL, target="ann@paars.example", subject="Hello", payload='{"text": "Dag Ann"}'))
    mail = Sender(Outcome(True))
    await worker(queue, Sender(), mail).run_once()
    assert mail.calls == [("ann@paars.example", "Hello", "Dag Ann")] and queue.recorded[0][2]["state"] == "delivered"
