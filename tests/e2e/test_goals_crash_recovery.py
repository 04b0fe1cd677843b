"""SIGKILL the goals process while check-ins are being acknowledged: no acknowledged update is lost,
and a repeated send carries the same event id so consumers drop it."""
from __future__ import annotations

import asyncio
import collections
import os
import pathlib
import signal

import grpc
import pytest

from paars.goals.v1 import goals_pb2 as pb
from paars.goals.v1 import goals_pb2_grpc
from paars.org.v1 import org_pb2_grpc
from paars_cli.stack import ServiceProcess
from paars_platform.embedded_broker import free_port
from tests.conftest import kafka_idempotence
from tests.helpers import auth, decoded, demo_directory, read_topic, system_auth

pytestmark = pytest.mark.e2e

OWNERS = ("ann", "bob", "cas")


def goals_process(database_url: str, bootstrap: str, log: pathlib.Path, grpc_port: int) -> ServiceProcess:
    env = dict(os.environ)
    env.update(
        PAARS_DATABASE_URL=database_url, PAARS_KAFKA_BOOTSTRAP=bootstrap, PAARS_KAFKA_IDEMPOTENCE=str(kafka_idempotence()).lower(),
        PAARS_GRPC_PORT=str(grpc_port), PAARS_METRICS_PORT=str(free_port()), PAARS_RELAY_POLL_SECONDS="0.2",
    )
    return ServiceProcess("goals", grpc_port, 0, log, env)


async def test_sigkill_during_acknowledged_check_ins_loses_nothing(database_url: str, kafka_bootstrap: str, tmp_path: pathlib.Path) -> None:
    port = free_port()
    proc = goals_process(database_url, kafka_bootstrap, tmp_path / "goals.log", port)
    proc.start()
    await proc.wait_serving(60)
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    stub = goals_pb2_grpc.GoalServiceStub(channel)
    await org_pb2_grpc.OrgServiceStub(channel).ImportDirectory(demo_directory(), metadata=system_auth())
    goals: dict[str, pb.Goal] = {}
    for owner in OWNERS:
        g = await stub.ProposeGoal(
            pb.ProposeGoalRequest(
                kind=pb.GOAL_KIND_PERFORMANCE, level=pb.GOAL_LEVEL_INDIVIDUAL, owner_id=owner, title="Answer customers within a day",
                key_results=[pb.KeyResult(title="answered", start_value=0, target_value=1_000_000)], due_date="2030-01-01",
            ),
            metadata=auth(owner),
        )
        goals[owner] = await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=g.id), metadata=auth("mgr", "manager"))

    acknowledged: set[tuple[str, int]] = set()
    stop = asyncio.Event()

    async def worker(owner: str) -> None:
        """Check-ins one after another; an unanswered call is retried with the same idempotency key."""
        goal = goals[owner]
        n = 0
        while not stop.is_set():
            n += 1
            request = pb.CheckInRequest(
                goal_id=goal.id, updates=[pb.KeyResultUpdate(key_result_id=goal.key_results[0].id, current_value=n)],
                confidence=3, idempotency_key=f"{owner}-{n}",
            )
            while True:
                try:
                    answer = await stub.CheckIn(request, metadata=auth(owner), timeout=5)
                    acknowledged.add((answer.id, answer.version))
                    break
                except grpc.aio.AioRpcError as err:
                    assert err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED), err
                    await asyncio.sleep(0.05)

    workers = [asyncio.create_task(worker(o)) for o in OWNERS]
    await asyncio.sleep(2.0)
    assert proc.process is not None
    proc.process.send_signal(signal.SIGKILL)
    proc.process.wait()
    killed_after = len(acknowledged)
    await asyncio.sleep(0.5)
    proc.start()
    await proc.wait_serving(60)
    await asyncio.sleep(1.5)
    stop.set()
    await asyncio.gather(*workers)
    assert killed_after > 0 and len(acknowledged) > killed_after

    # What is in the database: every check-in stored, read through the API.
    stored = {}
    for owner, goal in goals.items():
        detail = await stub.GetGoal(pb.GetGoalRequest(goal_id=goal.id), metadata=auth(owner))
        stored[goal.id] = detail
        keys = [c.updates[0].current_value for c in detail.check_ins]
        assert len(keys) == len(set(keys)), "a retried check-in was applied twice"
    await channel.close()
    assert proc.process is not None
    proc.process.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(proc.process.wait, 30) == 0, "SIGTERM stops the service cleanly"
    assert '"msg": "service stopped"' in proc.log_tail(50)

    goal_ids = {g.id for g in goals.values()}
    expected_events = sum(len(d.check_ins) for d in stored.values())

    def progress_events(records: list) -> list:
        return [e for e in decoded(records) if e.goal.id in goal_ids and pb.GoalUpdated.CHANGE_PROGRESS in e.changes]

    records = await asyncio.to_thread(
        read_topic, kafka_bootstrap, "goals.goal-updated.v1", until=lambda rs: len({(e.goal.id, e.goal.version) for e in progress_events(rs)}) >= expected_events, timeout=30
    )
    events = progress_events(records)
    on_topic = {(e.goal.id, e.goal.version) for e in events}
    missing = acknowledged - on_topic
    assert not missing, f"{len(missing)} acknowledged check-ins never reached the topic"
    assert len(on_topic) == expected_events, "every stored check-in is on the topic"
    ids_by_update: dict[tuple[str, int], set[str]] = collections.defaultdict(set)
    for e in events:
        ids_by_update[(e.goal.id, e.goal.version)].add(e.metadata.event_id)
    assert all(len(ids) == 1 for ids in ids_by_update.values()), "a repeated send must carry the same event id"
