"""The notifications service in-process on a real database and broker: prompts from published events,
exactly once under redelivery, the resumable stream, closing the loop, quiet hours and the digest,
webhooks against a real local HTTP endpoint, e-mail through a real SMTP server process, restarts."""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import mailbox
import pathlib
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

import grpc
import pytest
import sqlalchemy as sa
from aiohttp import web
from google.protobuf import field_mask_pb2

from paars.analytics.v1 import analytics_pb2 as an
from paars.common.v1 import event_pb2 as ev
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as gl
from paars.notifications.v1 import notifications_pb2 as pb
from paars.notifications.v1 import notifications_pb2_grpc
from paars.org.v1 import org_pb2
from paars_notifications.adapters import tables as t
from paars_notifications.adapters.fanout import FanOut
from paars_notifications.adapters.senders import Outcome, Resolve, system_resolve
from paars_notifications.bootstrap import Notifications
from paars_notifications.config import NotificationsConfig
from paars_notifications.domain.resilience import CLOSED, OPEN, Breakers
from paars_notifications.domain.signing import SIGNATURE_HEADER, verify
from paars_notifications.service_layer.prompting import PromptService
from paars_platform.db import Database, utcnow
from paars_platform.embedded_broker import free_port, wait_for_port
from paars_platform.errors import field_violations
from paars_platform.events import new_metadata, to_record
from paars_platform.kafka import Publisher
from paars_platform.signing import EventSigner, development_key
from tests.conftest import kafka_idempotence, make_settings
from tests.helpers import auth

FAST = NotificationsConfig(
    scheduler_seconds=0.1, stream_poll_seconds=0.5, backoff_base_seconds=0.05, backoff_cap_seconds=0.2,
    delivery_max_attempts=3, breaker_threshold=50, breaker_reset_seconds=0.2,
    # The test's webhook receiver listens on loopback: the operator allow-list lets the service call it.
    webhook_allow_hosts=("127.0.0.1/32",),
)


class MovableClock:
    """Real time plus an offset the test moves (quiet hours, digests)."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return utcnow() + self.offset


async def until(check: Callable[[], Awaitable[Any]], timeout: float = 25.0) -> Any:
    """Polls check() until it returns something truthy; the test then asserts on what it returned."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.05)


@dataclasses.dataclass
class Harness:
    database_url: str
    kafka_bootstrap: str
    publisher: Publisher
    clock: MovableClock
    prefix: str
    app: Notifications | None = None
    channel: grpc.aio.Channel | None = None

    def id(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    async def start(self, config: NotificationsConfig = FAST, breakers: Breakers | None = None, resolve: Resolve = system_resolve) -> None:
        settings = make_settings("notifications", database_url=self.database_url, kafka_bootstrap=self.kafka_bootstrap)
        self.app = Notifications(settings, config=config, clock=self.clock, resolve=resolve)
        if breakers is not None:
            self.app.deliveries.breakers = breakers
        await self.app.runtime.start()
        self.channel = grpc.aio.insecure_channel(f"127.0.0.1:{self.app.runtime.grpc_port}")

    async def stop(self) -> None:
        if self.channel is not None:
            await self.channel.close()
        if self.app is not None:
            await self.app.runtime.stop()
        self.app = self.channel = None

    @property
    def stub(self) -> notifications_pb2_grpc.NotificationServiceStub:
        assert self.channel is not None
        return notifications_pb2_grpc.NotificationServiceStub(self.channel)

    def auth(self, name: str, *roles: str) -> list[tuple[str, str]]:
        return auth(self.id(name), *roles)

    async def publish(self, *events: Any) -> None:
        await asyncio.to_thread(self.publisher.publish, [to_record(e) for e in events])

    async def rows(self, table: sa.Table, *where: Any) -> list[Any]:
        assert self.app is not None and self.app.prompts.db is not None
        async with self.app.prompts.db.read() as conn:
            return list((await conn.execute(sa.select(table).where(*where))).all())

    async def directory(self) -> None:
        people = [("boss", "Bea Baas", ""), ("mgr", "Mo Manager", "boss"), ("ann", "Ann Peeters", "mgr"), ("bob", "Bob Claes", "mgr")]
        await self.publish(*(
            org_pb2.EmployeeChanged(
                metadata=new_metadata(producer="goals", subject_id=self.id(p), visibility=ev.VISIBILITY_INTERNAL),
                change=org_pb2.EmployeeChanged.CHANGE_CREATED,
                employee=org_pb2.Employee(id=self.id(p), name=n, email=f"{p}@paars.example", manager_id=self.id(m) if m else "", active=True, version=1, time_zone="Europe/Brussels"),
            )
            for p, n, m in people
        ))
        assert len(await until(lambda: _all(self.rows(t.people, t.people.c.id.like(f"{self.prefix}-%")), 4))) == 4

    async def subscribe(self, name: str, after_cursor: int = 0, from_cursor: bool = False) -> Any:
        assert self.app is not None
        before = self.app.fanout.subscribers(self.id(name))
        call = self.stub.Subscribe(pb.SubscribeRequest(after_cursor=after_cursor, from_cursor=from_cursor), metadata=self.auth(name))
        # Wait until the server registered the stream, so "only new prompts" starts from here.
        await until(lambda: _true(self.app is not None and self.app.fanout.subscribers(self.id(name)) > before))
        return call

    def milestone(self, owner: str = "ann", percent: int = 50, event_id: str | None = None, goal: str = "g1") -> gl.GoalUpdated:
        return gl.GoalUpdated(
            metadata=new_metadata(producer="goals", subject_id=self.id(owner), visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER, actor_id=self.id(owner), event_id=event_id),
            changes=[gl.GoalUpdated.CHANGE_PROGRESS], milestone_percent=percent, confidence=4,
            goal=gl.Goal(id=self.id(goal), title="Present at the guild", owner_id=self.id(owner), agreement=gl.AGREEMENT_STATE_AGREED, status=gl.GOAL_STATUS_ON_TRACK, progress=percent / 100),
        )


async def _true(value: bool) -> bool:
    return value


@pytest.fixture
async def harness(database_url: str, private_kafka_bootstrap: str) -> AsyncIterator[Harness]:
    # A broker of its own: a fresh consumer group must not have to work through every event the
    # rest of the suite published before the assertions' deadlines run out.
    kafka_bootstrap = private_kafka_bootstrap
    # Signed with goals' development key: consumers apply directory events only with their producer's signature.
    publisher = await asyncio.to_thread(
        Publisher, kafka_bootstrap, client_id="notifications-test", idempotence=kafka_idempotence(),
        signer=EventSigner("goals", development_key("goals")),
    )
    h = Harness(database_url, kafka_bootstrap, publisher, MovableClock(), uuid.uuid4().hex[:8])
    try:
        yield h
    finally:
        await h.stop()
        await asyncio.to_thread(publisher.close)


async def read(call: Any, timeout: float = 25.0) -> pb.Prompt:
    return await asyncio.wait_for(call.read(), timeout)


async def test_a_redelivered_cause_prompts_once_the_stream_resumes_from_its_cursor_and_acting_closes_the_loop(harness: Harness) -> None:
    h = harness
    await h.start()
    await h.directory()
    await h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(weekly_budget=100)), metadata=h.auth("mgr"))
    live = await h.subscribe("mgr")
    first = h.milestone(goal="g1")
    await h.publish(first, first)  # the same event twice: a redelivery
    await h.publish(h.milestone(goal="g2"))
    a, b = await read(live), await read(live)
    assert (a.cursor, b.cursor) == (1, 2)
    assert a.cause_event_id == first.metadata.event_id and a.kind == pb.PROMPT_KIND_GIVE_FEEDBACK and a.about_id == h.id("ann")
    assert b.cause_event_id != first.metadata.event_id
    live.cancel()

    # Disconnected: three more causes arrive; then the client comes back from cursor 2 while more arrive live.
    await h.publish(*(h.milestone(goal=f"g{i}") for i in range(3, 6)))
    assert len(await until(lambda: _all(h.rows(t.prompts, t.prompts.c.recipient_id == h.id("mgr"), t.prompts.c.cursor > 0), 5))) == 5
    resumed = await h.subscribe("mgr", after_cursor=2)
    await h.publish(*(h.milestone(goal=f"g{i}") for i in range(6, 8)))
    got = [await read(resumed) for _ in range(5)]
    assert [p.cursor for p in got] == [3, 4, 5, 6, 7]
    assert len({p.cause_event_id for p in got} | {a.cause_event_id, b.cause_event_id}) == 7
    await h.publish(first)  # redelivered once more, much later: still nothing new
    listed = await h.stub.ListPrompts(pb.ListPromptsRequest(limit=50), metadata=h.auth("mgr"))
    assert [p.cursor for p in listed.prompts] == [7, 6, 5, 4, 3, 2, 1]

    # The manager gives Ann feedback: every open feedback prompt about Ann counts as acted on.
    await h.publish(fb.FeedbackGiven(
        metadata=new_metadata(producer="feedback", subject_id=h.id("ann"), visibility=ev.VISIBILITY_PRIVATE, actor_id=h.id("mgr")),
        feedback_id="f1", receiver_id=h.id("ann"), giver_id=h.id("mgr"), kind=fb.FEEDBACK_KIND_PRAISE, relation=fb.RELATION_MANAGER,
    ))
    acted = await until(lambda: h.rows(t.prompts, t.prompts.c.recipient_id == h.id("mgr"), t.prompts.c.acted.is_(True)))
    assert len(acted) == 7
    # Ann, for her part, was asked to acknowledge the praise.
    ann = await h.stub.ListPrompts(pb.ListPromptsRequest(), metadata=h.auth("ann"))
    assert [p.kind for p in ann.prompts] == [pb.PROMPT_KIND_ACKNOWLEDGE_FEEDBACK]
    marked = await h.stub.MarkRead(pb.MarkReadRequest(prompt_ids=[ann.prompts[0].id, a.id]), metadata=h.auth("ann"))
    assert marked.updated == 1, "only your own prompts"
    outbox = await h.rows(t.platform["outbox"])
    topics = [r.topic for r in outbox]
    assert topics.count("notifications.prompt-sent.v1") == 8 and topics.count("notifications.prompt-acted.v1") == 7
    sent = pb.PromptSent.FromString(next(bytes(r.payload) for r in outbox if r.topic == "notifications.prompt-sent.v1"))
    assert sent.recipient_id == h.id("mgr") and sent.cause_event_id == first.metadata.event_id and sent.latency_seconds >= 0


async def test_quiet_hours_hold_a_prompt_until_morning_and_the_budget_sends_the_rest_to_the_digest(harness: Harness) -> None:
    h = harness
    await h.start()
    await h.directory()
    now_brussels = h.clock().astimezone(ZoneInfo("Europe/Brussels"))
    quiet_from = (now_brussels - dt.timedelta(minutes=30)).strftime("%H:%M")
    quiet_to = (now_brussels + dt.timedelta(hours=1)).strftime("%H:%M")
    prefs = await h.stub.SetPreferences(
        pb.SetPreferencesRequest(preferences=pb.Preferences(quiet_start=quiet_from, quiet_end=quiet_to, weekly_budget=1)), metadata=h.auth("mgr"),
    )
    assert prefs.time_zone == "Europe/Brussels", "from the org projection"
    await h.publish(h.milestone(goal="g1"), h.milestone(goal="g2"))
    held = await until(lambda: _all(h.rows(t.prompts, t.prompts.c.recipient_id == h.id("mgr")), 2))
    assert sorted((r.state, r.digest, r.budgeted) for r in held) == [("held", False, True), ("held", True, False)]
    assert (await h.stub.ListPrompts(pb.ListPromptsRequest(), metadata=h.auth("mgr"))).prompts == []

    live = await h.subscribe("mgr")
    h.clock.offset = dt.timedelta(hours=1, minutes=5)  # after the quiet hours
    morning = await read(live)
    assert (morning.cursor, morning.digest) == (1, False)
    h.clock.offset = dt.timedelta(days=1, hours=1)  # past the next 09:00 digest
    digest = await read(live)
    assert (digest.cursor, digest.digest) == (2, True)


async def _all(rows: Awaitable[list[Any]], n: int) -> list[Any] | None:
    got = await rows
    return got if len(got) >= n else None


class Endpoint:
    """A real local HTTP receiver that verifies signatures and answers what the test says."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, bytes, dict[str, str]]] = []
        self.statuses: dict[str, int] = {}
        self.delays: dict[str, float] = {}
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append((request.path, body, dict(request.headers)))
        await asyncio.sleep(self.delays.get(request.path, 0.0))
        return web.Response(status=self.statuses.get(request.path, 200))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ok(self, path: str) -> list[tuple[str, bytes, dict[str, str]]]:
        return [r for r in self.requests if r[0] == path]


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    e = Endpoint()
    await e.start()
    try:
        yield e
    finally:
        assert e.runner is not None
        await e.runner.cleanup()


async def test_webhooks_are_signed_filtered_retried_and_dead_lettered_then_retried_by_hand(harness: Harness, endpoint: Endpoint) -> None:
    h = harness
    await h.start()
    await h.directory()
    signed = await h.stub.CreateWebhook(pb.CreateWebhookRequest(url=endpoint.url("/signed"), event_filter=["goals.goal-updated.v1"]), metadata=h.auth("mgr"))
    assert signed.secret.startswith("whsec_")
    await h.stub.CreateWebhook(pb.CreateWebhookRequest(url=endpoint.url("/other"), event_filter=["feedback.feedback-given.v1"]), metadata=h.auth("mgr"))
    chat = await h.stub.CreateWebhook(
        pb.CreateWebhookRequest(url=endpoint.url("/chat"), event_filter=["PROMPT_KIND_GIVE_FEEDBACK"], format=pb.WebhookSubscription.FORMAT_CHAT_INCOMING_WEBHOOK), metadata=h.auth("mgr"),
    )
    assert chat.secret
    listed = await h.stub.ListWebhooks(pb.ListWebhooksRequest(), metadata=h.auth("mgr"))
    assert len(listed.subscriptions) == 3 and all(not s.secret for s in listed.subscriptions)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await h.stub.CreateWebhook(pb.CreateWebhookRequest(url=endpoint.url("/all"), organisation_wide=True), metadata=h.auth("mgr"))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED

    await h.publish(h.milestone())
    [(_, body, headers)] = await until(lambda: _true_list(endpoint.ok("/signed")))
    assert verify(signed.secret, body, headers[SIGNATURE_HEADER], now=int(time.time())) > 0
    payload = json.loads(body)
    assert payload["type"] == "notifications.prompt-sent.v1" and payload["data"]["prompt"]["recipient_id"] == h.id("mgr")
    assert "Ann Peeters" in payload["data"]["prompt"]["title"]
    [(_, chat_body, _)] = await until(lambda: _true_list(endpoint.ok("/chat")))
    assert set(json.loads(chat_body)) == {"text"} and "Ann Peeters" in json.loads(chat_body)["text"]
    assert endpoint.ok("/other") == [], "filtered out"

    # An endpoint that keeps failing: three tries with the same delivery id, then a dead letter.
    failing = await h.stub.CreateWebhook(pb.CreateWebhookRequest(url=endpoint.url("/signed-fail"), event_filter=["PROMPT_KIND_CHECK_IN"]), metadata=h.auth("mgr"))
    endpoint.statuses["/signed-fail"] = 500
    slipped = h.milestone(percent=0)
    slipped.changes.append(gl.GoalUpdated.CHANGE_STATUS)
    slipped.goal.status = gl.GOAL_STATUS_OFF_TRACK
    slipped.field_changes.add(field="status", before="GOAL_STATUS_ON_TRACK", after="GOAL_STATUS_OFF_TRACK")
    await h.publish(slipped)
    dead = await until(lambda: _dead_letters(h))
    assert len(dead) == 1 and dead[0].attempts == 3 and dead[0].subscription_id == failing.id
    assert dead[0].last_error == "the endpoint did not accept the delivery", "generic: what answered and how stays in the logs"
    tries = endpoint.ok("/signed-fail")
    assert len(tries) == 3 and len({hd["Paars-Delivery-Id"] for _, _, hd in tries}) == 1
    endpoint.statuses["/signed-fail"] = 200
    await h.stub.RetryDeadLetter(pb.RetryDeadLetterRequest(id=dead[0].id), metadata=h.auth("mgr"))
    assert len(await until(lambda: _true_list(endpoint.ok("/signed-fail") if len(endpoint.ok("/signed-fail")) == 4 else []))) == 4
    assert (await h.stub.ListDeadLetters(pb.ListDeadLettersRequest(), metadata=h.auth("mgr"))).dead_letters == []
    assert (await h.stub.ListDeadLetters(pb.ListDeadLettersRequest(), metadata=h.auth("bob"))).dead_letters == []


async def _true_list(items: list[Any]) -> list[Any]:
    return items


async def _dead_letters(h: Harness) -> list[pb.DeadLetter]:
    return list((await h.stub.ListDeadLetters(pb.ListDeadLettersRequest(), metadata=h.auth("mgr"))).dead_letters)


class StoppedClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_the_circuit_breaker_stops_calling_a_failing_endpoint_until_a_trial_succeeds(harness: Harness, endpoint: Endpoint) -> None:
    h = harness
    breaker_clock = StoppedClock()
    config = dataclasses.replace(FAST, delivery_max_attempts=20, delivery_concurrency=1, breaker_threshold=2, breaker_reset_seconds=30)
    await h.start(config, breakers=Breakers(threshold=2, reset_seconds=30, clock=breaker_clock))
    await h.directory()
    await h.stub.CreateWebhook(pb.CreateWebhookRequest(url=endpoint.url("/flaky")), metadata=h.auth("mgr"))
    endpoint.statuses["/flaky"] = 503
    await h.publish(*(h.milestone(goal=f"g{i}") for i in range(3)))
    assert h.app is not None
    breaker = h.app.deliveries.breakers.for_endpoint(endpoint.url(""))
    await until(lambda: _true(breaker.state == OPEN))
    pending = await until(lambda: _all(h.rows(t.deliveries, t.deliveries.c.state == "pending"), 3))
    assert len(pending) == 3
    assert len(endpoint.ok("/flaky")) == 2, "the breaker opened after two failures and made no call since"
    endpoint.statuses["/flaky"] = 200
    breaker_clock.now = 31  # the pause is over: one trial, which succeeds and closes the breaker
    delivered = await until(lambda: _all(h.rows(t.deliveries, t.deliveries.c.state == "delivered"), 3))
    assert len(delivered) == 3 and breaker.state == CLOSED
    assert len(endpoint.ok("/flaky")) == 5


async def test_a_restart_resends_nothing_delivered_and_loses_nothing_accepted(harness: Harness, endpoint: Endpoint) -> None:
    h = harness
    # Enough tries that the failing delivery is still pending (not dead) when the restart comes.
    patient = dataclasses.replace(FAST, delivery_max_attempts=1000)
    await h.start(patient)
    await h.directory()
    await h.stub.CreateWebhook(pb.CreateWebhookRequest(url=endpoint.url("/hook")), metadata=h.auth("mgr"))
    await h.publish(h.milestone(goal="g1"))
    await until(lambda: _all(h.rows(t.deliveries, t.deliveries.c.state == "delivered"), 1))
    endpoint.statuses["/hook"] = 503  # the next one is accepted but cannot be delivered before the restart
    await h.publish(h.milestone(goal="g2"))
    await until(lambda: _all(h.rows(t.deliveries, t.deliveries.c.attempts >= 1, t.deliveries.c.state == "pending"), 1))
    await h.stop()

    endpoint.statuses["/hook"] = 200
    await h.start(patient)
    delivered = await until(lambda: _all(h.rows(t.deliveries, t.deliveries.c.state == "delivered"), 2))
    assert len(delivered) == 2
    successes = [hd["Paars-Delivery-Id"] for path, _, hd in endpoint.requests if path == "/hook"]
    first_id = f"pd_{min(r.id for r in delivered)}"
    assert successes.count(first_id) == 1, "delivered before the restart, not sent again after it"
    # The in-app side resumes too: the stream from cursor 0 of a fresh client replays nothing, the list has both.
    listed = await h.stub.ListPrompts(pb.ListPromptsRequest(), metadata=h.auth("mgr"))
    assert [p.cursor for p in listed.prompts] == [2, 1]


async def test_a_graceful_stop_hands_back_the_calls_it_had_in_flight(harness: Harness, endpoint: Endpoint) -> None:
    """Without this a rolling restart would hold a cut-short webhook call for the whole lease (60 s)."""
    h = harness
    await h.start()
    await h.directory()
    await h.stub.CreateWebhook(pb.CreateWebhookRequest(url=endpoint.url("/slow")), metadata=h.auth("mgr"))
    endpoint.delays["/slow"] = 5.0
    await h.publish(h.milestone(goal="g1"))
    await until(lambda: _all(asyncio.sleep(0, endpoint.ok("/slow")), 1))
    await h.stop()
    stopped = Database(h.database_url)
    async with stopped.read() as conn:
        [pending] = (await conn.execute(sa.select(t.deliveries))).all()
    await stopped.dispose()
    assert pending.state == "pending" and pending.lease_until is None
    endpoint.delays.clear()
    await h.start()
    [delivered] = await until(lambda: _all(h.rows(t.deliveries, t.deliveries.c.state == "delivered"), 1))
    calls = [hd["Paars-Delivery-Id"] for _, _, hd in endpoint.ok("/slow")]
    assert calls == [f"pd_{delivered.id}"] * 2, "the cut-short call is repeated once, with the same delivery id"


@pytest.fixture
def smtp_server(tmp_path: pathlib.Path) -> Any:
    """A real SMTP server process (aiosmtpd) storing what it receives in a Maildir."""
    port = free_port()
    maildir = tmp_path / "maildir"
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox", str(maildir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port("127.0.0.1", port)
        yield port, maildir
    finally:
        process.terminate()
        process.wait(timeout=5)


async def test_a_prompt_reaches_someone_who_chose_e_mail_through_a_real_smtp_server(harness: Harness, smtp_server: Any) -> None:
    h = harness
    port, maildir = smtp_server
    await h.start(dataclasses.replace(FAST, smtp_host="127.0.0.1", smtp_port=port))
    await h.directory()
    await h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(channels=[pb.CHANNEL_IN_APP, pb.CHANNEL_EMAIL], email="mo@paars.example")), metadata=h.auth("mgr"))
    await h.publish(h.milestone())

    async def messages() -> list[Any]:
        return list(mailbox.Maildir(str(maildir), create=True)) if maildir.exists() else []

    [message] = await until(messages)
    assert message["To"] == "mo@paars.example"
    # Mo chose no language: the organisation's default, Dutch.
    assert "Ann Peeters haalde 50%" in message["Subject"]
    body = message.get_payload(decode=True).decode()
    assert body.startswith("Dag Mo,") and "één concreet voorbeeld" in body
    # The server stores the message before the worker records the outcome: wait for the record.
    [delivery] = await until(lambda: h.rows(t.deliveries, t.deliveries.c.channel == pb.CHANNEL_EMAIL, t.deliveries.c.state == "delivered"))
    assert delivery.attempts == 1


def moment_insight(h: Harness, moment_event_id: str, *actors: str) -> an.InsightDetected:
    """What analytics publishes after a milestone: a MOMENT_FOR_FEEDBACK insight whose evidence is the goal event."""
    return an.InsightDetected(
        metadata=new_metadata(producer="analytics", subject_id=h.id("ann"), visibility=ev.VISIBILITY_RECEIVER_AND_MANAGER, causation_id=moment_event_id),
        insight=an.Insight(
            id=uuid.uuid4().hex, kind=an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, severity=an.SEVERITY_INFO, subject_id=h.id("ann"),
            reason="Ann just reached 50% on 'Present at the guild': a good moment for immediate, concrete feedback.",
            evidence_event_ids=[moment_event_id], actors=[h.id(a) for a in actors], open=True,
        ),
    )


@pytest.mark.parametrize("insight_first", [False, True], ids=["milestone first", "insight first"])
async def test_one_moment_gives_the_manager_one_prompt_whichever_of_milestone_and_insight_arrives_first(harness: Harness, insight_first: bool) -> None:
    h = harness
    await h.start()
    await h.directory()
    milestone = h.milestone(goal="g1")
    insight = moment_insight(h, milestone.metadata.event_id, "mgr", "bob")
    inbox = t.platform["inbox"].c
    for event in ([insight, milestone] if insight_first else [milestone, insight]):
        await h.publish(event)
        assert await until(lambda e=event: h.rows(t.platform["inbox"], inbox.event_id == e.metadata.event_id))
    mine = await h.rows(t.prompts, t.prompts.c.recipient_id == h.id("mgr"))
    assert [r.kind for r in mine] == [pb.PROMPT_KIND_INSIGHT if insight_first else pb.PROMPT_KIND_GIVE_FEEDBACK]
    assert mine[0].budgeted, "the one prompt uses one slot of the week's budget"
    # A teammate named by the insight, who got no milestone prompt, still gets the insight's.
    [teammate] = await h.rows(t.prompts, t.prompts.c.recipient_id == h.id("bob"))
    assert teammate.kind == pb.PROMPT_KIND_INSIGHT
    # Another moment of the same goal is a prompt of its own.
    await h.publish(h.milestone(goal="g1", percent=75))
    assert len(await until(lambda: _all(h.rows(t.prompts, t.prompts.c.recipient_id == h.id("mgr")), 2))) == 2


async def _refused(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value


async def test_webhooks_to_internal_addresses_or_with_credentials_are_refused_when_the_operator_allows_none(harness: Harness) -> None:
    h = harness
    await h.start(dataclasses.replace(FAST, webhook_allow_hosts=()))
    await h.directory()
    for url in (
        "http://169.254.169.254/latest/meta-data/", "http://localhost:8080/", "http://127.0.0.1:5432/", "http://[::1]/",
        "http://0x7f000001/", "http://2130706433/", "http://127.1/", "http://metadata.google.internal/", "http://10.0.0.1/",
        "http://goals:50051/", "http://x.svc.cluster.local/", "http://user:pw@hooks.example.com/",
    ):
        err = await _refused(h.stub.CreateWebhook(pb.CreateWebhookRequest(url=url), metadata=h.auth("ann")))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and [f for f, _ in field_violations(err)] == ["url"], url
    assert (await h.stub.ListWebhooks(pb.ListWebhooksRequest(), metadata=h.auth("ann"))).subscriptions == []


async def test_a_name_that_rebinds_to_loopback_after_registration_is_never_called_and_its_owner_learns_nothing_of_what_answered(
    harness: Harness, endpoint: Endpoint,
) -> None:
    h = harness
    answers = {"hooks.example.com": ["93.184.216.34"]}

    async def resolve(host: str, port: int) -> list[str]:
        return answers[host]

    await h.start(dataclasses.replace(FAST, webhook_allow_hosts=()), resolve=resolve)
    await h.directory()
    await h.stub.CreateWebhook(pb.CreateWebhookRequest(url=f"http://hooks.example.com:{endpoint.port}/rebound"), metadata=h.auth("mgr"))
    answers["hooks.example.com"] = ["127.0.0.1"]  # the attacker's DNS now points at the local receiver
    await h.publish(h.milestone())
    [dead] = await until(lambda: _dead_letters(h))
    assert endpoint.requests == [], "the call went nowhere"
    assert dead.attempts == 1, "a refused address is not retried"
    assert dead.last_error == "the endpoint's address is not allowed for webhooks"


async def test_inputs_that_answered_internal_or_unavailable_are_refused_naming_the_field_or_not_found(harness: Harness) -> None:
    h = harness
    await h.start()
    await h.directory()
    me = h.auth("mgr")
    crlf = await _refused(h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(email="a@b.example\r\nBcc: all@b.example")), metadata=me))
    assert crlf.code() == grpc.StatusCode.INVALID_ARGUMENT and [f for f, _ in field_violations(crlf)] == ["preferences.email"]
    for zone in ("a" * 300, "Europe", "Mars/Olympus_Mons"):
        err = await _refused(h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(time_zone=zone)), metadata=me))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and [f for f, _ in field_violations(err)] == ["preferences.time_zone"], zone
    for bad_id in ("9" * 40, "12abc", " 12", "-1", "1_000"):
        err = await _refused(h.stub.RetryDeadLetter(pb.RetryDeadLetterRequest(id=bad_id), metadata=me))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and [f for f, _ in field_violations(err)] == ["id"], bad_id
    assert (await _refused(h.stub.RetryDeadLetter(pb.RetryDeadLetterRequest(id="9" * 18), metadata=me))).code() == grpc.StatusCode.NOT_FOUND
    missing = await _refused(h.stub.DeleteWebhook(pb.DeleteWebhookRequest(id="x" * 10_000), metadata=me))
    assert missing.code() == grpc.StatusCode.NOT_FOUND and len(missing.details()) < 200
    long_ids = await _refused(h.stub.MarkRead(pb.MarkReadRequest(prompt_ids=["x" * 10_000]), metadata=me))
    assert [f for f, _ in field_violations(long_ids)] == ["prompt_ids"]
    # A directory record with a time zone nobody checked is projected as UTC instead of failing later.
    await h.publish(org_pb2.EmployeeChanged(
        metadata=new_metadata(producer="goals", subject_id=h.id("zed"), visibility=ev.VISIBILITY_INTERNAL),
        change=org_pb2.EmployeeChanged.CHANGE_CREATED,
        employee=org_pb2.Employee(id=h.id("zed"), name="Zed", email="zed@paars.example", active=True, version=1, time_zone="Europe/" + "x" * 300),
    ))
    [zed] = await until(lambda: h.rows(t.people, t.people.c.id == h.id("zed")))
    assert zed.time_zone == "UTC"


class RaisingSender:
    """A sender with a bug: it raises instead of answering an Outcome."""

    def __init__(self) -> None:
        self.calls = 0

    async def send(self, *args: Any, **kwargs: Any) -> Outcome:
        self.calls += 1
        raise RuntimeError("a bug in the sender")


async def test_an_address_with_a_line_break_and_a_sender_that_raises_both_end_as_dead_letters(harness: Harness, smtp_server: Any) -> None:
    h = harness
    port, maildir = smtp_server
    await h.start(dataclasses.replace(FAST, smtp_host="127.0.0.1", smtp_port=port))
    # The address comes from the directory (never checked by SetPreferences): a header injection attempt.
    await h.publish(*(
        org_pb2.EmployeeChanged(
            metadata=new_metadata(producer="goals", subject_id=h.id(p), visibility=ev.VISIBILITY_INTERNAL),
            change=org_pb2.EmployeeChanged.CHANGE_CREATED,
            employee=org_pb2.Employee(id=h.id(p), name=p.title(), email=e, manager_id=h.id(m) if m else "", active=True, version=1),
        )
        for p, e, m in (("mgr", "mo@paars.example\r\nBcc: everyone@paars.example", ""), ("ann", "ann@paars.example", "mgr"))
    ))
    assert len(await until(lambda: _all(h.rows(t.people, t.people.c.id.like(f"{h.prefix}-%")), 2))) == 2
    await h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(channels=[pb.CHANNEL_IN_APP, pb.CHANNEL_EMAIL])), metadata=h.auth("mgr"))
    await h.publish(h.milestone(goal="g1"))
    [dead] = await until(lambda: _dead_letters(h))
    assert (dead.channel, dead.attempts, dead.last_error) == (pb.CHANNEL_EMAIL, 1, "the e-mail address is not valid")
    assert not maildir.exists() or list(mailbox.Maildir(str(maildir))) == []

    assert h.app is not None
    raising = RaisingSender()
    h.app.deliveries.email = raising  # type: ignore[assignment]
    await h.publish(h.milestone(goal="g2"))
    dead_letters = await until(lambda: _all(_dead_letters(h), 2))
    assert len(dead_letters) == 2 and raising.calls == FAST.delivery_max_attempts, "retried like any failure, then dead-lettered"
    assert all(d.last_error in ("the e-mail address is not valid", "the e-mail could not be handed to the mail server") for d in dead_letters)


async def test_a_person_opening_more_streams_than_the_cap_closes_their_oldest_and_the_others_keep_receiving(harness: Harness) -> None:
    h = harness
    await h.start(dataclasses.replace(FAST, max_streams_per_person=2))
    await h.directory()
    oldest = await h.subscribe("mgr")
    middle = await h.subscribe("mgr")
    assert h.app is not None
    newest = h.stub.Subscribe(pb.SubscribeRequest(), metadata=h.auth("mgr"))
    with pytest.raises(grpc.aio.AioRpcError) as closed:
        await read(oldest)
    assert closed.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "newer stream" in (closed.value.details() or "")
    assert h.app.fanout.subscribers(h.id("mgr")) == 2
    await h.publish(h.milestone())
    a, b = await read(middle), await read(newest)
    assert a.cursor == b.cursor == 1


async def test_idle_streams_share_one_database_read_and_still_get_what_another_replica_released(harness: Harness) -> None:
    h = harness
    # Quiet hours now for this replica's clock; "another replica" has a clock past them and releases the prompt.
    await h.start(dataclasses.replace(FAST, stream_poll_seconds=0.2))
    await h.directory()
    now_brussels = h.clock().astimezone(ZoneInfo("Europe/Brussels"))
    quiet = pb.Preferences(quiet_start=(now_brussels - dt.timedelta(minutes=30)).strftime("%H:%M"), quiet_end=(now_brussels + dt.timedelta(hours=1)).strftime("%H:%M"))
    await h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=quiet), metadata=h.auth("mgr"))
    streams = [await h.subscribe(name) for name in ("mgr", "ann", "bob", "boss")]
    assert h.app is not None and h.app.prompts.db is not None
    statements: list[str] = []
    watch = asyncio.ensure_future(asyncio.sleep(0))

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # Only the watch's own statements: the streams may still be reading their start.
        if asyncio.current_task() is watch:
            statements.append(statement)

    engine = h.app.prompts.db.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        watch = asyncio.ensure_future(h.app.handlers.watch_replicas())
        await watch
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1 and "recipient_cursors" in statements[0], "one read for four open streams"

    await h.publish(h.milestone())
    await until(lambda: h.rows(t.prompts, t.prompts.c.recipient_id == h.id("mgr"), t.prompts.c.state == "held"))
    other_clock = MovableClock()
    other_clock.offset = dt.timedelta(hours=1, minutes=5)
    other = PromptService(FAST, FanOut(), other_clock)
    other.attach(h.app.prompts.db)
    [released] = await other.tick()
    got = await read(streams[0])
    assert (got.id, got.cursor) == (released.id, 1)
    for stream in streams:
        stream.cancel()


async def test_a_person_who_chose_dutch_gets_a_dutch_prompt_and_one_who_chose_english_an_english_one(harness: Harness) -> None:
    h = harness
    await h.start()
    await h.directory()
    chose = await h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(language="nl")), metadata=h.auth("mgr"))
    assert chose.language == "nl" and (await h.stub.GetPreferences(pb.GetPreferencesRequest(), metadata=h.auth("mgr"))).language == "nl"
    await h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(language="en")), metadata=h.auth("boss"))
    assert (await h.stub.GetPreferences(pb.GetPreferencesRequest(), metadata=h.auth("ann"))).language == "", "ann chose none"
    manager, boss = await h.subscribe("mgr"), await h.subscribe("boss")
    await h.publish(h.milestone(owner="ann"), h.milestone(owner="mgr", goal="g2"))
    dutch, english = await read(manager), await read(boss)
    assert dutch.title == "Ann Peeters haalde 50% op “Present at the guild”"
    assert "Nu het moment nog vers is" in dutch.body and "één concreet voorbeeld" in dutch.body
    assert english.title == "Mo Manager reached 50% on “Present at the guild”" and "one concrete example" in english.body
    refused = await _refused(h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(language="fr")), metadata=h.auth("mgr")))
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT and [f for f, _ in field_violations(refused)] == ["preferences.language"]


async def test_the_list_names_the_latest_cursor_so_a_stream_from_it_misses_nothing_released_in_between(harness: Harness) -> None:
    h = harness
    await h.start()
    await h.directory()
    empty = await h.stub.ListPrompts(pb.ListPromptsRequest(), metadata=h.auth("mgr"))
    assert (list(empty.prompts), empty.latest_cursor) == ([], 0)
    # Released after the list was read and before the stream opened: the stream from the list's cursor
    # has it, also for someone who never had a prompt (cursor 0, which alone means "only new ones").
    first = h.milestone(goal="g1")
    await h.publish(first)
    await until(lambda: h.rows(t.prompts, t.prompts.c.recipient_id == h.id("mgr"), t.prompts.c.cursor > 0))
    stream = await h.subscribe("mgr", after_cursor=empty.latest_cursor, from_cursor=True)
    got = await read(stream)
    assert (got.cursor, got.cause_event_id) == (1, first.metadata.event_id)
    stream.cancel()
    # A list with prompts names the latest cursor from the same statement.
    full = await h.stub.ListPrompts(pb.ListPromptsRequest(), metadata=h.auth("mgr"))
    assert ([p.cursor for p in full.prompts], full.latest_cursor) == ([1], 1)
    # Nothing listed (all read, unread only asked for) still names where the stream must begin.
    await h.stub.MarkRead(pb.MarkReadRequest(prompt_ids=[got.id]), metadata=h.auth("mgr"))
    listed = await h.stub.ListPrompts(pb.ListPromptsRequest(unread_only=True), metadata=h.auth("mgr"))
    assert (list(listed.prompts), listed.latest_cursor) == ([], 1)
    await h.publish(h.milestone(goal="g2"))
    await until(lambda: _all(h.rows(t.prompts, t.prompts.c.recipient_id == h.id("mgr"), t.prompts.c.cursor > 0), 2))
    stream = await h.subscribe("mgr", after_cursor=listed.latest_cursor, from_cursor=True)
    assert (await read(stream)).cursor == 2
    stream.cancel()


async def test_switching_the_language_with_a_mask_changes_only_the_language_and_keeps_what_is_stored(harness: Harness) -> None:
    h = harness
    await h.start()
    await h.directory()
    mask = field_mask_pb2.FieldMask
    # Nothing stored for ann: the language alone is stored, and her time zone and address keep following the directory.
    chose = await h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(language="nl", time_zone="Asia/Tokyo"), update_mask=mask(paths=["language"])), metadata=h.auth("ann"))
    assert (chose.language, chose.time_zone, chose.email) == ("nl", "Europe/Brussels", "ann@paars.example")
    [stored] = await h.rows(t.preferences, t.preferences.c.employee_id == h.id("ann"))
    assert (stored.language, stored.time_zone, stored.email) == ("nl", "", "")
    # Everything chosen earlier stays as it was when only the language is named.
    chosen = pb.Preferences(channels=[pb.CHANNEL_IN_APP, pb.CHANNEL_EMAIL], quiet_start="22:00", quiet_end="07:00", time_zone="Europe/Amsterdam", daily_digest=True, weekly_budget=12, email="mo@home.example", language="en")
    await h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=chosen), metadata=h.auth("mgr"))
    switched = await h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(language="nl"), update_mask=mask(paths=["language"])), metadata=h.auth("mgr"))
    expected = pb.Preferences()
    expected.CopyFrom(chosen)
    expected.employee_id, expected.language = h.id("mgr"), "nl"
    assert switched == expected
    assert await h.stub.GetPreferences(pb.GetPreferencesRequest(), metadata=h.auth("mgr")) == expected
    # Two named fields change together; a field that is named but left empty is cleared.
    both = await h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(quiet_start="21:30"), update_mask=mask(paths=["quiet_start", "email"])), metadata=h.auth("mgr"))
    assert (both.quiet_start, both.quiet_end, both.email, both.time_zone, both.language) == ("21:30", "07:00", "mgr@paars.example", "Europe/Amsterdam", "nl")
    # The whole record is checked as it will be stored: one end of the quiet hours alone is refused.
    err = await _refused(h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(quiet_start="22:00"), update_mask=mask(paths=["quiet_start"])), metadata=h.auth("ann")))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and [f for f, _ in field_violations(err)] == ["preferences.quiet_end"]
    err = await _refused(h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(language="en"), update_mask=mask(paths=["language", "employee_id", "colour"])), metadata=h.auth("mgr")))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and [f for f, _ in field_violations(err)] == ["update_mask"]
    assert (await h.stub.GetPreferences(pb.GetPreferencesRequest(), metadata=h.auth("mgr"))).language == "nl", "a refused mask changes nothing"
    # Without a mask (and with "*") the record is replaced whole, as before the mask existed.
    replaced = await h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(language="en")), metadata=h.auth("mgr"))
    assert (replaced.language, replaced.time_zone, replaced.quiet_start, replaced.email) == ("en", "Europe/Brussels", "", "mgr@paars.example")
    star = await h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(time_zone="Europe/Amsterdam"), update_mask=mask(paths=["*"])), metadata=h.auth("mgr"))
    assert (star.language, star.time_zone) == ("", "Europe/Amsterdam")


async def test_a_batch_reads_everyone_its_events_name_once_before_its_handlers_run(harness: Harness) -> None:
    """The inbox's prepare hook: the org projection is read for the whole batch (one query per chain level), so
    handling its events reads no person again."""
    h = harness
    await h.start()
    await h.directory()
    assert h.app is not None and h.app.prompts.db is not None
    db = h.app.prompts.db
    prompts = PromptService(FAST, FanOut(), MovableClock())  # a cold cache of its own
    prompts.attach(db)
    events = [h.milestone(owner="ann"), h.milestone(owner="bob", goal="g2")]
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = db.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        async with db.transaction() as conn:
            await prompts.prepare(conn, events)
            prepared = [s for s in statements if "FROM people" in s]
            statements.clear()
            for event in events:
                await prompts.handle(conn, event)
            handled = [s for s in statements if "FROM people" in s]
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    # ann and bob, then their manager mgr, then boss: one query per level for both events.
    assert len(prepared) == 3, prepared
    assert handled == [], "the handlers found everyone in the cache"
    assert len(await h.rows(t.prompts, t.prompts.c.recipient_id == h.id("mgr"))) == 2, "both events prompted the manager"


async def test_a_published_story_prompts_each_manager_once_per_version_and_a_referral_tells_hr_without_content(harness: Harness) -> None:
    """The two rules that address a group: for a new story version everyone active, the managers (people with direct
    reports in the org projection) asked about their team, the others at low priority to read it, in their language;
    HR for a referral, naming nothing."""
    from paars.story.v1 import story_pb2 as st

    h = harness
    await h.start()
    await h.directory()
    hr = org_pb2.EmployeeChanged(
        metadata=new_metadata(producer="goals", subject_id=h.id("hr"), visibility=ev.VISIBILITY_INTERNAL),
        change=org_pb2.EmployeeChanged.CHANGE_CREATED,
        employee=org_pb2.Employee(id=h.id("hr"), name="Hanne HR", email="hr@paars.example", manager_id=h.id("boss"), active=True, version=1, time_zone="Europe/Brussels", roles=[org_pb2.ROLE_HR]),
    )
    await h.publish(hr)
    await until(lambda: h.rows(t.people, t.people.c.id == h.id("hr")))
    await h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(language="en")), metadata=h.auth("boss"))
    # bob's week holds one prompt: the second version's low-priority prompt waits for his digest.
    await h.stub.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(weekly_budget=1)), metadata=h.auth("bob"))
    mgr, boss, ann = await h.subscribe("mgr"), await h.subscribe("boss"), await h.subscribe("ann")

    def published(version: int) -> st.StoryPublished:
        return st.StoryPublished(
            metadata=new_metadata(producer="story", subject_id="organisation", visibility=ev.VISIBILITY_PUBLIC, actor_id=h.id("boss")),
            story=st.StoryVersion(version=version, published=True),
        )

    await h.publish(published(7))
    dutch, english = await read(mgr), await read(boss)
    assert (dutch.kind, english.kind) == (pb.PROMPT_KIND_TEAM_STORY, pb.PROMPT_KIND_TEAM_STORY)
    assert dutch.title == "Versie 7 van ons verhaal is uit: hoe komt het aan in je team?"
    assert english.title == "Version 7 of our story is out: how does it land in your team?"
    reader = await read(ann)
    assert (reader.kind, reader.ref_id, reader.title) == (pb.PROMPT_KIND_STORY_CHANGED, "7", "Versie 7 van ons verhaal is uit: lees wat er veranderd is")
    # The same version again (a replay of the compacted topic, a second publish event): nobody is asked twice.
    await h.publish(published(7), published(8))
    again = await read(mgr)
    assert again.title.startswith("Versie 8"), "version 7 was not asked again; version 8 is"
    story_prompts = await h.rows(t.prompts, t.prompts.c.kind == pb.PROMPT_KIND_TEAM_STORY, t.prompts.c.recipient_id.like(f"{h.prefix}-%"))
    assert sorted((r.recipient_id, r.ref_id) for r in story_prompts) == sorted(
        (h.id(p), v) for p in ("mgr", "boss") for v in ("7", "8")
    ), "only the managers: not ann, bob or hr, who have no reports"
    read_prompts = await h.rows(t.prompts, t.prompts.c.kind == pb.PROMPT_KIND_STORY_CHANGED, t.prompts.c.recipient_id.like(f"{h.prefix}-%"))
    assert sorted((r.recipient_id, r.ref_id, r.priority) for r in read_prompts) == sorted(
        (h.id(p), v, pb.PRIORITY_LOW) for p in ("ann", "bob", "hr") for v in ("7", "8")
    ), "everyone else once per version, to read it; a manager is not asked twice"
    bobs = {r.ref_id: r for r in read_prompts if r.recipient_id == h.id("bob")}
    assert (bobs["7"].digest, bobs["8"].digest, bobs["8"].state) == (False, True, "held"), "budget spent: the digest"

    raised = fb.ReferralRaised(
        metadata=new_metadata(producer="feedback", subject_id=h.id("ann"), visibility=ev.VISIBILITY_HR_ONLY, actor_id=h.id("mgr")),
        referral_id="ref-1",
    )
    hr_stream = await h.subscribe("hr")
    await h.publish(raised)
    got = await read(hr_stream)
    assert (got.kind, got.about_id, got.ref_id) == (pb.PROMPT_KIND_REFERRAL, "", "ref-1")
    assert "Ann" not in got.title + got.body and "Mo" not in got.title + got.body
    referral_prompts = await h.rows(t.prompts, t.prompts.c.kind == pb.PROMPT_KIND_REFERRAL)
    assert [r.recipient_id for r in referral_prompts] == [h.id("hr")]
    for stream in (mgr, boss, ann, hr_stream):
        stream.cancel()


async def test_a_prompt_before_a_1_1_waits_for_its_lead_time_is_released_once_across_a_restart_and_links_to_the_meeting(
    harness: Harness, endpoint: Endpoint,
) -> None:
    """The agenda prompt of a 1:1 goes out two days before it (NotificationsConfig.lead_days), not when it is planned:
    until then it is a held row, on no stream, in no list, in no delivery. The service stops before its time and
    starts again after it: the scheduler releases it once (one cursor, one prompt-sent, one webhook call), with the
    meeting's own page as its link; a 1:1 further away still waits."""
    from paars.conversations.v1 import conversations_pb2 as cv

    h = harness
    config = dataclasses.replace(FAST, web_base_url="https://paars.example.org")
    await h.start(config)
    await h.directory()
    hook = await h.stub.CreateWebhook(pb.CreateWebhookRequest(url=endpoint.url("/agenda"), event_filter=["PROMPT_KIND_ONE_ON_ONE_AGENDA"]), metadata=h.auth("mgr"))
    today = h.clock().date()

    def planned(meeting: str, days: int) -> cv.OneOnOneScheduled:
        return cv.OneOnOneScheduled(
            metadata=new_metadata(producer="conversations", subject_id=h.id("ann"), visibility=ev.VISIBILITY_PRIVATE, actor_id=h.id("mgr")),
            pair_id=h.id("pair"), meeting_id=h.id(meeting), kind=cv.PAIR_KIND_MANAGER_REPORT, lead_id=h.id("mgr"), other_id=h.id("ann"),
            scheduled_on=(today + dt.timedelta(days=days)).isoformat(),
        )

    await h.publish(planned("week", 7), planned("month", 30))
    waiting = await until(lambda: _all(h.rows(t.prompts, t.prompts.c.kind == pb.PROMPT_KIND_ONE_ON_ONE_AGENDA), 4))
    assert waiting is not None
    brussels = ZoneInfo("Europe/Brussels")
    due = {
        r.ref_id: dt.datetime.combine(today + dt.timedelta(days=5 if r.ref_id == h.id("week") else 28), dt.time(9, 0), tzinfo=brussels)
        for r in waiting
    }
    assert sorted((r.recipient_id, r.ref_id, r.state, r.cursor) for r in waiting) == sorted(
        (h.id(p), h.id(m), "held", None) for p in ("mgr", "ann") for m in ("week", "month")
    )
    assert all(r.release_at == due[r.ref_id] for r in waiting), "two days before, at the digest hour in Brussels"
    assert (await h.stub.ListPrompts(pb.ListPromptsRequest(), metadata=h.auth("mgr"))).prompts == []
    assert await h.rows(t.deliveries) == [] and endpoint.ok("/agenda") == []
    assert [r for r in await h.rows(t.platform["outbox"]) if r.topic == "notifications.prompt-sent.v1"] == []

    # Stopped before its time, started again after it (six days on): released once.
    await h.stop()
    h.clock.offset = dt.timedelta(days=6)
    await h.start(config)
    live = await h.subscribe("mgr", from_cursor=True)
    week = await read(live)
    assert (week.kind, week.ref_id, week.cursor) == (pb.PROMPT_KIND_ONE_ON_ONE_AGENDA, h.id("week"), 1)
    [(_, body, headers)] = await until(lambda: _true_list(endpoint.ok("/agenda")))
    assert verify(hook.secret, body, headers[SIGNATURE_HEADER], now=int(time.time())) > 0
    assert json.loads(body)["data"]["prompt"]["link"] == f"https://paars.example.org/conversations/meetings/{h.id('week')}", "the meeting itself"
    assert h.app is not None
    assert await h.app.prompts.tick() == [], "a second round finds nothing more to release"
    rows = {(r.recipient_id, r.ref_id): r for r in await h.rows(t.prompts, t.prompts.c.kind == pb.PROMPT_KIND_ONE_ON_ONE_AGENDA)}
    assert {k: (r.state, r.cursor) for k, r in rows.items() if k[1] == h.id("week")} == {
        (h.id("mgr"), h.id("week")): ("released", 1), (h.id("ann"), h.id("week")): ("released", 1),
    }
    assert {(r.state, r.cursor) for k, r in rows.items() if k[1] == h.id("month")} == {("held", None)}, "further away: still waiting"
    listed = await h.stub.ListPrompts(pb.ListPromptsRequest(), metadata=h.auth("mgr"))
    assert [(p.ref_id, p.cursor) for p in listed.prompts] == [(h.id("week"), 1)]
    sent = [pb.PromptSent.FromString(bytes(r.payload)) for r in await h.rows(t.platform["outbox"]) if r.topic == "notifications.prompt-sent.v1"]
    assert sorted(p.recipient_id for p in sent) == sorted([h.id("mgr"), h.id("ann")]), "one prompt-sent each"
    assert len(endpoint.ok("/agenda")) == 1
    live.cancel()
