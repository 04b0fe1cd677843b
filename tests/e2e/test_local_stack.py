"""`make run` as a user meets it: every service serving (health, reflection, metrics), the demo active,
and goal events on the topic that an independent client decodes, with CloudEvents headers."""
from __future__ import annotations

import asyncio
import os
import pathlib
import random
import signal
import subprocess
import sys
import time
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from paars.goals.v1 import goals_pb2 as pb
from paars.goals.v1 import goals_pb2_grpc
from paars_cli.stack import SERVICES, installed
from paars_platform.config import DEFAULT_PORTS
from paars_platform.events import header
from tests.helpers import auth, decoded, read_topic

pytestmark = pytest.mark.e2e

SERVICE_NAMES = {
    "goals": {"paars.goals.v1.GoalService", "paars.org.v1.OrgService"},
    "feedback": {"paars.feedback.v1.FeedbackService"},
    "notifications": {"paars.notifications.v1.NotificationService"},
    "analytics": {"paars.analytics.v1.AnalyticsService"},
}


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.3)


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


def test_make_run_serves_every_service_and_the_demo_produces_decodable_events(tmp_path: pathlib.Path) -> None:
    offset = random.randint(200, 900)
    services = [s for s in SERVICES if installed(s)]
    out = tmp_path / "run.out"
    env = {k: v for k, v in os.environ.items() if k != "PAARS_KAFKA_BOOTSTRAP"}
    run = subprocess.Popen(
        [sys.executable, "-m", "paars_cli", "run", "--plain", "--port-offset", str(offset), "--data-dir", str(tmp_path / "data"), "--seed", "7"],
        stdout=out.open("wb"), stderr=subprocess.STDOUT, env=env,
    )
    try:
        _exercise(run, out, offset, services, tmp_path)
    except BaseException as exc:
        raise AssertionError(f"{exc!r}\n--- paars run output ---\n{out.read_text()[-4000:]}") from exc
    finally:
        run.send_signal(signal.SIGTERM)
        try:
            run.wait(60)
        except subprocess.TimeoutExpired:
            run.kill()
    text = out.read_text()
    assert run.returncode == 0, text[-3000:]
    assert "stopped" in text
    assert "Traceback" not in text, text[-3000:]


def _exercise(run: subprocess.Popen, out: pathlib.Path, offset: int, services: list[str], tmp_path: pathlib.Path) -> None:
    wait_for(lambda: "serving:" in out.read_text() or run.poll() is not None, 120, "the stack did not start")
    assert run.poll() is None, out.read_text()
    for name in services:
        grpc_port, metrics_port = (p + offset for p in DEFAULT_PORTS[name])
        assert asyncio.run(health(grpc_port, "")) == health_pb2.HealthCheckResponse.SERVING
        listed = asyncio.run(listed_services(grpc_port))
        assert SERVICE_NAMES[name] <= listed, f"{name} reflection lists {listed}"
        for service_name in SERVICE_NAMES[name]:
            assert asyncio.run(health(grpc_port, service_name)) == health_pb2.HealthCheckResponse.SERVING
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
        assert f"paars_{name}_" in metrics

    # The API as an outside client uses it: propose -> agree -> check in.
    goals_port = DEFAULT_PORTS["goals"][0] + offset
    wait_for(lambda: "demo organisation loaded" in out.read_text(), 60, "the demo directory was not loaded")

    async def flow() -> pb.Goal:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{goals_port}") as channel:
            stub = goals_pb2_grpc.GoalServiceStub(channel)
            g = await stub.ProposeGoal(
                pb.ProposeGoalRequest(kind=pb.GOAL_KIND_WELLBEING, level=pb.GOAL_LEVEL_INDIVIDUAL, owner_id="emma", title="e2e: lunch away from the desk",
                                      key_results=[pb.KeyResult(title="lunches", start_value=0, target_value=10)], due_date="2030-01-01"),
                metadata=auth("emma"),
            )
            g = await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=g.id, expected_version=g.version), metadata=auth("sofie", "manager"))
            return await stub.CheckIn(pb.CheckInRequest(goal_id=g.id, updates=[pb.KeyResultUpdate(key_result_id=g.key_results[0].id, current_value=5)], confidence=4), metadata=auth("emma"))

    goal = asyncio.run(flow())
    bootstrap = f"127.0.0.1:{9092 + offset}"

    def ours(records: list) -> list:
        return [r for r in records if r.key == b"emma" and decoded([r])[0].goal.id == goal.id]

    records = ours(read_topic(bootstrap, "goals.goal-updated.v1", until=lambda rs: len(ours(rs)) >= 3, timeout=30))
    events = decoded(records)
    assert [list(e.changes)[0] for e in events] == [pb.GoalUpdated.CHANGE_PROPOSED, pb.GoalUpdated.CHANGE_AGREED, pb.GoalUpdated.CHANGE_PROGRESS]
    for record, event in zip(records, events, strict=True):
        assert header(record.headers, "ce_id") == event.metadata.event_id
        assert header(record.headers, "ce_type") == "paars.goals.v1.GoalUpdated"
        assert header(record.headers, "ce_specversion") == "1.0"
    assert (tmp_path / "data" / "prometheus.yml").exists()
    # Let the demo keep the organisation active for a while: goals are proposed, agreed, checked in.
    wait_for(lambda: out.read_text().count("[demo]") >= 8, 60, "the demo is not active")
    text = out.read_text()
    assert "[events] goal proposed" in text, "the demo's goals reach the live view through Kafka"
