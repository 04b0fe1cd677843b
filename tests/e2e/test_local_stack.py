"""`make run` as a user meets it: every service serving (health, reflection, metrics), the demo active,
goal events an independent client decodes, and a real Prometheus finding what was just driven."""
from __future__ import annotations

import asyncio
import json
import os
import pathlib
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from paars.goals.v1 import goals_pb2 as pb
from paars.goals.v1 import goals_pb2_grpc
from paars_cli import ports
from paars_cli.stack import SERVICES, Stack, installed
from paars_platform.config import DEFAULT_PORTS
from paars_platform.embedded_broker import free_port
from paars_platform.events import header
from tests.chaos.harness import free_port_offset
from tests.helpers import auth, decoded, read_topic

pytestmark = pytest.mark.e2e

SERVICE_NAMES = {
    "goals": {"paars.goals.v1.GoalService", "paars.org.v1.OrgService"},
    "feedback": {"paars.feedback.v1.FeedbackService"},
    "notifications": {"paars.notifications.v1.NotificationService"},
    "analytics": {"paars.analytics.v1.AnalyticsService"},
    "story": {"paars.story.v1.StoryService"},
    "conversations": {"paars.conversations.v1.ConversationsService"},
}


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.3)


@dataclass
class RunningStack:
    offset: int
    output: pathlib.Path
    data_dir: pathlib.Path
    services: list[str]

    def text(self) -> str:
        return self.output.read_text()

    def grpc_port(self, service: str) -> int:
        return DEFAULT_PORTS[service][0] + self.offset

    def metrics_port(self, service: str) -> int:
        return DEFAULT_PORTS[service][1] + self.offset

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{9092 + self.offset}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """`paars run` (what `make run` starts) as a subprocess, stopped with SIGTERM like Ctrl-C."""
    tmp = tmp_path_factory.mktemp("stack")
    running = RunningStack(free_port_offset(random.Random()), tmp / "run.out", tmp / "data", [s for s in SERVICES if installed(s)])
    env = {k: v for k, v in os.environ.items() if k != "PAARS_KAFKA_BOOTSTRAP"}
    run = subprocess.Popen(
        [sys.executable, "-m", "paars_cli", "run", "--plain", "--port-offset", str(running.offset), "--data-dir", str(running.data_dir), "--seed", "7"],
        stdout=running.output.open("wb"), stderr=subprocess.STDOUT, env=env,
    )
    try:
        wait_for(lambda: "serving:" in running.text() or run.poll() is not None, 120, "the stack did not start")
        assert run.poll() is None, running.text()
        yield running
    finally:
        run.send_signal(signal.SIGTERM)
        try:
            run.wait(60)
        except subprocess.TimeoutExpired:
            run.kill()
    text = running.text()
    assert run.returncode == 0, text[-3000:]
    assert "stopped" in text
    assert "Traceback" not in text, text[-3000:]


def explained(stack: RunningStack, check: Callable[[], None]) -> None:
    """Runs check; on failure shows what the platform printed."""
    try:
        check()
    except BaseException as exc:
        raise AssertionError(f"{exc!r}\n--- paars run output ---\n{stack.text()[-4000:]}") from exc


async def listed_services(port: int) -> set[str]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        async for answer in stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")])):
            return {s.name for s in answer.list_services_response.service}
    return set()


async def health(port: int, service: str) -> int:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        answer = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        return answer.status


def metrics_text(stack: RunningStack, service: str) -> str:
    return urllib.request.urlopen(f"http://127.0.0.1:{stack.metrics_port(service)}/metrics", timeout=5).read().decode()


def test_every_service_serves_health_reflection_and_metrics(stack: RunningStack) -> None:
    def check() -> None:
        assert set(stack.services) == set(SERVICES), "make run starts every service"
        for name in stack.services:
            port = stack.grpc_port(name)
            assert asyncio.run(health(port, "")) == health_pb2.HealthCheckResponse.SERVING
            listed = asyncio.run(listed_services(port))
            assert SERVICE_NAMES[name] <= listed, f"{name} reflection lists {listed}"
            for service_name in SERVICE_NAMES[name]:
                assert asyncio.run(health(port, service_name)) == health_pb2.HealthCheckResponse.SERVING
            assert f"paars_{name}_" in metrics_text(stack, name)

    explained(stack, check)


def test_propose_agree_check_in_yields_decodable_events_and_the_demo_keeps_people_active(stack: RunningStack) -> None:
    def check() -> None:
        wait_for(lambda: "demo organisation loaded" in stack.text(), 60, "the demo directory was not loaded")

        async def flow() -> pb.Goal:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{stack.grpc_port('goals')}") as channel:
                stub = goals_pb2_grpc.GoalServiceStub(channel)
                g = await stub.ProposeGoal(
                    pb.ProposeGoalRequest(kind=pb.GOAL_KIND_WELLBEING, level=pb.GOAL_LEVEL_INDIVIDUAL, owner_id="emma", title="e2e: lunch away from the desk",
                                          key_results=[pb.KeyResult(title="lunches", start_value=0, target_value=10)], due_date="2030-01-01"),
                    metadata=auth("emma"),
                )
                g = await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=g.id, expected_version=g.version), metadata=auth("sofie", "manager"))
                return await stub.CheckIn(pb.CheckInRequest(goal_id=g.id, updates=[pb.KeyResultUpdate(key_result_id=g.key_results[0].id, current_value=5)], confidence=4), metadata=auth("emma"))

        goal = asyncio.run(flow())

        def ours(records: list) -> list:
            return [r for r in records if r.key == b"emma" and any(e.goal.id == goal.id for e in decoded([r]))]

        records = ours(read_topic(stack.bootstrap, "goals.goal-updated.v1", until=lambda rs: len(ours(rs)) >= 3, timeout=30))
        events = decoded(records)
        assert [list(e.changes)[0] for e in events] == [pb.GoalUpdated.CHANGE_PROPOSED, pb.GoalUpdated.CHANGE_AGREED, pb.GoalUpdated.CHANGE_PROGRESS]
        for record, event in zip(records, events, strict=True):
            assert header(record.headers, "ce_id") == event.metadata.event_id
            assert header(record.headers, "ce_type") == "paars.goals.v1.GoalUpdated"
            assert header(record.headers, "ce_specversion") == "1.0"
        wait_for(lambda: stack.text().count("[demo]") >= 8, 60, "the demo is not active")
        # The demo starts once every service has projected the directory: none of its calls is refused as a stranger's.
        assert "is not a person in the directory" not in stack.text(), stack.text()
        assert "[events] goal proposed" in stack.text(), "the demo's goals reach the live view through Kafka"

    explained(stack, check)


def test_promtool_accepts_every_services_live_metrics(stack: RunningStack, ops_tools_installed: None) -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is installed by scripts/install-ops-tools.sh (tests/ops)"
    for name in stack.services:
        result = subprocess.run([promtool, "check", "metrics"], input=metrics_text(stack, name), capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, f"{name}: {result.stdout}{result.stderr}"


def test_a_real_prometheus_finds_the_rpcs_and_events_just_driven(stack: RunningStack, tmp_path: pathlib.Path, ops_tools_installed: None) -> None:
    prometheus = shutil.which("prometheus")
    assert prometheus, "Debian's prometheus package provides it (scripts/install-ops-tools.sh)"
    config = stack.data_dir / "prometheus.yml"
    assert config.exists(), "make run writes the scrape configuration"
    port = free_port()
    server = subprocess.Popen(
        [prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "prometheus.log").open("wb"),
    )

    def query(promql: str) -> float:
        url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        try:
            answer = json.loads(urllib.request.urlopen(url, timeout=5).read())
        except OSError:
            return 0.0
        result = answer["data"]["result"]
        return float(result[0]["value"][1]) if result else 0.0

    try:
        expectations = {
            'sum(paars_goals_grpc_requests_total{method="CheckIn",code="OK"})': "check-ins answered by goals",
            'sum(paars_goals_outbox_published_total{topic="goals.goal-updated.v1"})': "goal events published",
            'sum(paars_feedback_grpc_requests_total{code="OK"})': "feedback RPCs answered",
            'sum(paars_feedback_events_consumed_total{topic="org.employee-changed.v1"})': "directory events consumed by feedback",
            'sum(paars_notifications_events_consumed_total)': "events consumed by notifications",
            'sum(paars_analytics_events_processed_total)': "events processed by analytics",
            'sum(paars_web_requests_total{route="/healthz"})': "requests answered by the web app",
            'count(up{job=~"paars-.*"} == 1)': "scraped targets up",
        }
        for promql, what in expectations.items():
            wait_for(lambda promql=promql: query(promql) > 0, 60, f"Prometheus did not see {what}: {promql}")
        # The services and the web app (paars run starts it; it answered the launcher's /healthz). Each
        # target's first scrape lands somewhere in the 5 s interval, so all of them being up is waited for.
        everyone = len(stack.services) + 1
        wait_for(lambda: query('count(up{job=~"paars-.*"} == 1)') == everyone, 60, f"not all {everyone} scrape targets are up")
        assert query('count(up{job=~"paars-.*"} == 1)') == everyone
    finally:
        server.terminate()
        server.wait(30)


def _gone(pid: int) -> bool:
    """Exited (a zombie nobody reaped yet has let go of its sockets too)."""
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_the_services_die_with_a_killed_launcher_and_free_their_ports(tmp_path: pathlib.Path) -> None:
    offset = free_port_offset(random.Random())
    output = tmp_path / "run.out"
    env = {k: v for k, v in os.environ.items() if k != "PAARS_KAFKA_BOOTSTRAP"}
    launcher = subprocess.Popen(
        [sys.executable, "-m", "paars_cli", "run", "--plain", "--no-demo", "--port-offset", str(offset), "--data-dir", str(tmp_path / "data")],
        stdout=output.open("wb"), stderr=subprocess.STDOUT, env=env,
    )
    stack = Stack(data_dir=tmp_path / "data", port_offset=offset, web=True)  # the ports `paars run` takes by default
    try:
        wait_for(lambda: "serving:" in output.read_text() or launcher.poll() is not None, 120, "the stack did not start")
        assert launcher.poll() is None, output.read_text()
        held = {port: ports.holders(port) for port, _ in stack.ports()}
        assert all(held.values()), f"every port of the stack is listened on: {held}"
        children = {h.pid for found in held.values() for h in found}
        # One process per component (the broker, each service, the web app), each holding its own ports.
        components = {what.removesuffix(" metrics").removesuffix(" gRPC") for _, what in stack.ports()}
        assert launcher.pid not in children and len(children) == len(components), held
    finally:
        launcher.kill()  # SIGKILL: no clean stop runs
        launcher.wait()
    wait_for(lambda: all(_gone(pid) for pid in children), 60, f"services outlived their launcher: {children}")
    wait_for(lambda: not ports.busy(stack.ports()), 30, f"ports still held: {ports.busy(stack.ports())}")


def test_a_port_still_held_stops_paars_run_naming_the_process_that_holds_it(tmp_path: pathlib.Path) -> None:
    offset = free_port_offset(random.Random())
    port = DEFAULT_PORTS["feedback"][0] + offset
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        result = subprocess.run(
            [sys.executable, "-m", "paars_cli", "run", "--plain", "--no-demo", "--port-offset", str(offset), "--data-dir", str(tmp_path / "data")],
            capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 1, result.stdout + result.stderr
    me = pathlib.Path("/proc/self/cmdline").read_bytes().split(b"\0")[0].decode()
    assert f"port {port} (feedback gRPC) is held by pid {os.getpid()} ({me} " in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists(), "nothing was started or cleared"
