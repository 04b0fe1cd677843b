"""Property: no request a client can send to the goals process produces INTERNAL (or UNKNOWN)."""
from __future__ import annotations

import asyncio
import os
import pathlib
import signal
from collections.abc import Iterator

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paars.goals.v1 import goals_pb2 as pb
from paars.goals.v1 import goals_pb2_grpc
from paars.org.v1 import org_pb2, org_pb2_grpc
from paars_cli.stack import ServiceProcess
from paars_platform.embedded_broker import free_port
from tests.conftest import create_pg_database, drop_pg_database, kafka_idempotence
from tests.helpers import auth, demo_directory
from tests.strategies import requests

pytestmark = pytest.mark.e2e
PEOPLE = ["ann", "bob", "mgr", "hr1", "boss", "nobody"]
FORBIDDEN = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def goals_service(request: pytest.FixtureRequest, kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[grpc.Channel, list[str]]]:
    data = tmp_path_factory.mktemp("goals-fuzz")
    database_url = f"sqlite+aiosqlite:///{data}/goals.db" if request.param == "sqlite" else create_pg_database()
    port = free_port()
    env = dict(os.environ)
    env.update(
        PAARS_DATABASE_URL=database_url, PAARS_KAFKA_BOOTSTRAP=kafka_bootstrap,
        PAARS_KAFKA_IDEMPOTENCE=str(kafka_idempotence()).lower(), PAARS_GRPC_PORT=str(port), PAARS_METRICS_PORT=str(free_port()),
    )
    proc = ServiceProcess("goals", port, 0, pathlib.Path(data) / "goals.log", env)
    proc.start()
    asyncio.run(proc.wait_serving(60))
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    org_pb2_grpc.OrgServiceStub(channel).ImportDirectory(demo_directory(), metadata=auth("hr1", "hr"))
    goal = goals_pb2_grpc.GoalServiceStub(channel).ProposeGoal(
        pb.ProposeGoalRequest(kind=1, level=3, title="t", owner_id="ann", key_results=[pb.KeyResult(title="k", start_value=0, target_value=1)], due_date="2030-01-01"),
        metadata=auth("ann"),
    )
    known = PEOPLE + [goal.id, goal.key_results[0].id, "team-a", "org", "2030-01-01", "2026-06-01"]
    try:
        yield channel, known
    finally:
        channel.close()
        assert proc.process is not None
        proc.process.send_signal(signal.SIGTERM)
        proc.process.wait(30)
        if request.param == "postgresql":
            drop_pg_database(database_url)
        log = proc.log_tail(400)
        assert '"level": "error"' not in log, f"the service logged errors while fuzzed:\n{log}"


def _methods() -> list[tuple[str, str, type, type]]:
    out = []
    for file, service in ((pb, "GoalService"), (org_pb2, "OrgService")):
        svc = file.DESCRIPTOR.services_by_name[service]
        for m in svc.methods:
            out.append((svc.full_name, m.name, m.input_type._concrete_class, m.output_type._concrete_class))
    return out


METHODS = _methods()


@pytest.mark.parametrize("service,method,request_type,response_type", METHODS, ids=[m[1] for m in METHODS])
def test_no_generated_request_gets_internal(goals_service, service: str, method: str, request_type: type, response_type: type) -> None:
    channel, known = goals_service
    call = channel.unary_unary(f"/{service}/{method}", request_serializer=lambda m: m.SerializeToString(), response_deserializer=response_type.FromString)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(request=requests(request_type, known), who=st.sampled_from(PEOPLE), roles=st.sampled_from([("employee",), ("manager",), ("hr",), ("admin",)]))
    def check(request, who, roles) -> None:
        try:
            call(request, metadata=auth(who, *roles), timeout=10)
        except grpc.RpcError as err:
            assert err.code() not in FORBIDDEN, f"{method} -> {err.code()}: {err.details()} for {request}"

    check()


@pytest.mark.parametrize("service,method,request_type,response_type", METHODS, ids=[m[1] for m in METHODS])
def test_garbage_bytes_are_invalid_argument_not_internal(goals_service, service: str, method: str, request_type: type, response_type: type) -> None:
    channel, _ = goals_service
    raw = channel.unary_unary(f"/{service}/{method}", request_serializer=lambda b: b, response_deserializer=lambda b: b)

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(payload=st.binary(min_size=1, max_size=300))
    def check(payload: bytes) -> None:
        try:
            raw(payload, metadata=auth("ann"), timeout=10)
        except grpc.RpcError as err:
            assert err.code() not in FORBIDDEN, f"{method} -> {err.code()}: {err.details()}"

    check()
