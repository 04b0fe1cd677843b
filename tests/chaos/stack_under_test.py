"""One table of the services the bad-input and auth tests cover, and a fixture that starts them all as processes.

Adding a service to those tests is one line in SERVICES (its gRPC services, and the cheap reads that
snapshot what a caller can see); the RPCs themselves come from the service descriptors.
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor as d

from paars.analytics.v1 import analytics_pb2
from paars.conversations.v1 import conversations_pb2
from paars.feedback.v1 import feedback_pb2, feedback_pb2_grpc
from paars.goals.v1 import goals_pb2, goals_pb2_grpc
from paars.notifications.v1 import notifications_pb2
from paars.org.v1 import org_pb2, org_pb2_grpc
from paars.privacy.v1 import keys_pb2, privacy_pb2
from paars.story.v1 import story_pb2
from paars_cli.stack import Stack
from paars_platform.embedded_broker import EmbeddedBroker
from paars_platform.kafka import provision_topics
from tests.chaos.harness import SERVICE_ENV, free_port_offset, runnable
from tests.conftest import TEST_SESSION_TIMEOUT_MS, create_pg_database, drop_pg_database
from tests.helpers import auth, demo_directory, system_auth

PEOPLE = ["ann", "bob", "cas", "mgr", "hr1", "boss", "nobody"]


def _refused_sees_nothing(snapshot: Callable[[grpc.Channel, str], Any]) -> Callable[[grpc.Channel, str], Any]:
    """A caller the service does not know (not in its directory) sees nothing, before and after."""

    def guarded(channel: grpc.Channel, who: str) -> Any:
        try:
            return snapshot(channel, who)
        except grpc.RpcError as err:
            if err.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):  # type: ignore[attr-defined]
                return err.code()  # type: ignore[attr-defined]
            raise

    return guarded


@_refused_sees_nothing
def _snapshot_goals(channel: grpc.Channel, who: str) -> Any:
    stub = goals_pb2_grpc.GoalServiceStub(channel)
    return stub.ListGoals(goals_pb2.ListGoalsRequest(owner_id=who), metadata=auth(who), timeout=10).SerializeToString(deterministic=True)


@_refused_sees_nothing
def _snapshot_feedback(channel: grpc.Channel, who: str) -> Any:
    stub = feedback_pb2_grpc.FeedbackServiceStub(channel)
    given = stub.ListFeedback(feedback_pb2.ListFeedbackRequest(giver_id=who, page_size=100), metadata=auth(who), timeout=10)
    asked = stub.ListFeedbackRequests(feedback_pb2.ListFeedbackRequestsRequest(requester_id=who), metadata=auth(who), timeout=10)
    return (len(given.feedback), len(asked.requests))


@_refused_sees_nothing
def _snapshot_notifications(channel: grpc.Channel, who: str) -> Any:
    call = channel.unary_unary(
        "/paars.notifications.v1.NotificationService/GetPreferences",
        request_serializer=lambda m: m.SerializeToString(), response_deserializer=notifications_pb2.Preferences.FromString,
    )
    return call(notifications_pb2.GetPreferencesRequest(), metadata=auth(who), timeout=10).SerializeToString(deterministic=True)


@dataclass(frozen=True)
class ServiceUnderTest:
    name: str
    grpc_services: tuple[d.ServiceDescriptor, ...]
    # What a caller can see of their own data, read through the API: equal before and after a rejected write.
    snapshot: Callable[[grpc.Channel, str], Any] | None = None
    # RPCs callable without a bearer token (external link-token callers), documented in the service.
    public: frozenset[str] = field(default_factory=frozenset)


# Every service with personal data also serves paars.privacy.v1.PersonalData (issue 18: export, privileged actions).
PERSONAL_DATA = privacy_pb2.DESCRIPTOR.services_by_name["PersonalData"]

SERVICES: tuple[ServiceUnderTest, ...] = (
    ServiceUnderTest("goals", (
        goals_pb2.DESCRIPTOR.services_by_name["GoalService"], org_pb2.DESCRIPTOR.services_by_name["OrgService"], PERSONAL_DATA,
        # The person keys of crypto-shredding (issue 18 item 4): the system identity only.
        keys_pb2.DESCRIPTOR.services_by_name["PersonKeys"],
    ), _snapshot_goals),
    ServiceUnderTest(
        "feedback", (feedback_pb2.DESCRIPTOR.services_by_name["FeedbackService"], PERSONAL_DATA), _snapshot_feedback,
        # External givers and customers answer, decline or look at their request with a single-use link token
        # (services/feedback bootstrap.PUBLIC_METHODS).
        public=frozenset({"GiveFeedback", "SubmitReviewResponse", "DeclineFeedbackRequest", "GetLink"}),
    ),
    ServiceUnderTest("notifications", (notifications_pb2.DESCRIPTOR.services_by_name["NotificationService"], PERSONAL_DATA), _snapshot_notifications),
    ServiceUnderTest("analytics", (analytics_pb2.DESCRIPTOR.services_by_name["AnalyticsService"], PERSONAL_DATA)),
    ServiceUnderTest("story", (story_pb2.DESCRIPTOR.services_by_name["StoryService"], PERSONAL_DATA)),
    ServiceUnderTest("conversations", (conversations_pb2.DESCRIPTOR.services_by_name["ConversationsService"], PERSONAL_DATA)),
)


def present() -> list[ServiceUnderTest]:
    return [s for s in SERVICES if runnable(s.name)]


@dataclass(frozen=True)
class Method:
    service: str
    full_service: str
    name: str
    request_type: type
    response_type: type
    streaming: bool

    @property
    def path(self) -> str:
        return f"/{self.full_service}/{self.name}"

    @property
    def mutating(self) -> bool:
        return not self.name.startswith(("Get", "List", "Subscribe"))


def methods(services: list[ServiceUnderTest] | None = None) -> list[Method]:
    out = []
    for svc in services if services is not None else present():
        for desc in svc.grpc_services:
            for m in desc.methods:
                out.append(Method(svc.name, desc.full_name, m.name, m.input_type._concrete_class, m.output_type._concrete_class, m.server_streaming))
    return out


def invoke(channel: grpc.Channel, method: Method, request: Any, metadata: list[tuple[str, str]] | None, *, raw: bool = False) -> Any:
    """Calls any RPC (a streaming one: its first message, or the end of the stream); raises grpc.RpcError."""
    serializer = (lambda b: b) if raw else (lambda m: m.SerializeToString())
    if method.streaming:
        call = channel.unary_stream(method.path, request_serializer=serializer, response_deserializer=method.response_type.FromString)
        stream = call(request, metadata=metadata, timeout=3)
        try:
            return next(iter(stream), None)
        except grpc.RpcError as err:
            # A live stream that had nothing to say within the deadline was accepted, not refused.
            if err.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                return None
            raise
    call = channel.unary_unary(method.path, request_serializer=serializer, response_deserializer=method.response_type.FromString)
    return call(request, metadata=metadata, timeout=10)


@dataclass
class RunningStack:
    stack: Stack
    channels: dict[str, grpc.Channel]
    known: list[str]
    private: dict[str, str]

    def channel(self, service: str) -> grpc.Channel:
        return self.channels[service]

    def error_logs(self) -> dict[str, str]:
        out = {}
        for name, proc in self.stack.processes.items():
            text = proc.log_path.read_text(errors="replace") if proc.log_path.exists() else ""
            bad = [line for line in text.splitlines() if '"level": "error"' in line or '"level": "critical"' in line or line.startswith("Traceback")]
            if bad:
                out[name] = "\n".join(bad[-10:])
        return out

    def dead(self) -> list[str]:
        return [name for name, proc in self.stack.processes.items() if not proc.alive()]


def _seed(channels: dict[str, grpc.Channel]) -> tuple[list[str], dict[str, str]]:
    """A directory, one goal of ann's, feedback for ann: ids the generators can aim at."""
    org_pb2_grpc.OrgServiceStub(channels["goals"]).ImportDirectory(demo_directory(), metadata=system_auth(), timeout=30)
    goal = goals_pb2_grpc.GoalServiceStub(channels["goals"]).ProposeGoal(
        goals_pb2.ProposeGoalRequest(
            kind=1, level=3, title="Learn the billing domain", owner_id="ann", due_date="2030-01-01",
            key_results=[goals_pb2.KeyResult(title="k", start_value=0, target_value=1)],
        ),
        metadata=auth("ann"), timeout=10,
    )
    known = [*PEOPLE, goal.id, goal.key_results[0].id, "team-a", "team-b", "org", "2030-01-01", "2026-06-01"]
    private = {"goal": goal.id, "key_result": goal.key_results[0].id}
    if "feedback" in channels:
        stub = feedback_pb2_grpc.FeedbackServiceStub(channels["feedback"])
        request = feedback_pb2.GiveFeedbackRequest(
            receiver_id="ann", kind=feedback_pb2.FEEDBACK_KIND_CONSTRUCTIVE, relation=feedback_pb2.RELATION_MANAGER,
            setting=feedback_pb2.FEEDBACK_SETTING_INFORMAL, text="Your summary of the outage was hard to follow; lead with the impact.",
            examples=[feedback_pb2.Example(situation="outage review", behaviour="started with the timeline", impact="people missed the customer impact")],
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                given = stub.GiveFeedback(request, metadata=auth("mgr", "manager"), timeout=10)
                break
            except grpc.RpcError as err:
                # The directory reaches feedback through org.employee-changed.v1: wait for it (until then
                # the giver is unknown there, UNAUTHENTICATED, or the receiver is, NOT_FOUND).
                if err.code() not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNAUTHENTICATED) or time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        known.append(given.id)
        private["feedback"] = given.id
    return known, private


@pytest.fixture(scope="package")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """Every runnable service as a process (PostgreSQL databases, a broker of its own), seeded.

    tests/e2e/conftest.py registers it, so the package's modules share one stack, stopped after the
    package's last test: as a session fixture it kept five processes polling for the rest of the run.
    """
    data = tmp_path_factory.mktemp("stack-under-test")
    services = tuple(s.name for s in present())
    broker = EmbeddedBroker(log_path=str(data / "broker.log")).start()
    urls = {name: create_pg_database() for name in services}
    stack = Stack(
        pathlib.Path(data) / "stack", port_offset=free_port_offset(random.Random()), bootstrap=broker.bootstrap,
        services=services, database_urls=urls,
        # No faults here: the tests' short session timeout (tests/conftest.py), not the chaos run's.
        extra_env={**SERVICE_ENV, "PAARS_CONSUMER_SESSION_TIMEOUT_MS": str(TEST_SESSION_TIMEOUT_MS)},
    )
    channels: dict[str, grpc.Channel] = {}
    # Stack.start publishes PAARS_<SERVICE>_ADDR for the CLI; later tests must not inherit these ports.
    saved_env = dict(os.environ)
    try:
        provision_topics(broker.bootstrap)
        stack.start(ready_timeout=120)
        channels = {name: grpc.insecure_channel(f"127.0.0.1:{stack.grpc_port(name)}") for name in services}
        known, private = _seed(channels)
        yield RunningStack(stack, channels, known, private)
    finally:
        for channel in channels.values():
            channel.close()
        stack.stop(grace=20)
        broker.stop()
        for url in urls.values():
            with contextlib.suppress(Exception):
                drop_pg_database(url)
        os.environ.clear()
        os.environ.update(saved_env)


__all__ = ["PEOPLE", "SERVICES", "Method", "RunningStack", "invoke", "methods", "present", "running_stack"]
