"""Prompt latency: the commit of a goal check-in that crossed a milestone -> the prompt on the manager's in-app stream.

Standalone: starts the embedded broker, then the whole stack (goals, feedback, notifications and analytics,
whose insights about each milestone reach notifications too) as real service processes (SQLite by default,
`--database postgresql` for fresh PostgreSQL databases), drives CheckIn RPCs open-loop at a fixed rate, and
reads every manager's Subscribe stream. As the floor it measures, in the same run, the broker-only produce ->
consume round trip with the same clients the services use (kafka-python producer, aiokafka consumer with the
services' fetch wait). Writes bench/results/prompt_latency.json, naming the services that ran (`services`).
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any

import grpc
from aiokafka import AIOKafkaConsumer, TopicPartition
from kafka import KafkaAdminClient, KafkaConsumer
from kafka import TopicPartition as KafkaTopicPartition

from paars.goals.v1 import goals_pb2 as gl
from paars.goals.v1 import goals_pb2_grpc
from paars.notifications.v1 import notifications_pb2 as pb
from paars.notifications.v1 import notifications_pb2_grpc
from paars.org.v1 import org_pb2, org_pb2_grpc
from paars_cli.stack import ServiceProcess
from paars_platform.auth import mint_token
from paars_platform.config import DEV_JWT_SECRET, DEV_SYSTEM_CLIENT
from paars_platform.embedded_broker import EmbeddedBroker, free_port
from paars_platform.events import decode
from paars_platform.kafka import Publisher, provision_topics
from paars_platform.topics import Topic

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.conftest import create_pg_database, drop_pg_database  # noqa: E402  (the tests' fresh-database helpers)

RESULTS = REPO / "bench" / "results"
ROUND_TRIP_TOPIC = Topic("bench.round-trip.v1", "", "none", partitions=1)
# Every service of the stack, in start order (goals first: the others project its directory).
SERVICES = ("goals", "feedback", "notifications", "analytics")
FETCH_WAIT_MS = int(os.environ.get("PAARS_CONSUMER_FETCH_WAIT_MS", "10"))


@functools.cache
def auth(person: str, *roles: str) -> list[tuple[str, str]]:
    # Like a real client, each person keeps one token for the run rather than minting one per call.
    client = DEV_SYSTEM_CLIENT if "system" in roles else ""
    return [("authorization", f"Bearer {mint_token(person, roles or ('employee',), secret=DEV_JWT_SECRET, client_id=client)}")]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def service_process(name: str, bootstrap: str, database_url: str, log_dir: pathlib.Path, goals_port: int | None = None) -> ServiceProcess:
    env = dict(
        os.environ, PAARS_GRPC_PORT=str(free_port()), PAARS_METRICS_PORT=str(free_port()), PAARS_DATABASE_URL=database_url,
        PAARS_DATA_DIR=str(log_dir), PAARS_ANALYTICS_STATE_DIR=str(log_dir / "analytics-state"),
        PAARS_KAFKA_BOOTSTRAP=bootstrap, PAARS_KAFKA_IDEMPOTENCE="false", PAARS_LOG_LEVEL="WARNING",
        PAARS_CONSUMER_SESSION_TIMEOUT_MS="6000", PAARS_CONSUMER_REBALANCE_TIMEOUT_MS="2000", PAARS_PROVISION_TOPICS="false",
    )
    if goals_port is not None:
        # Where the others ask goals for the person keys of the events' encrypted fields (PersonKeys RPC).
        env["PAARS_GOALS_ADDR"] = f"127.0.0.1:{goals_port}"
    return ServiceProcess(name, int(env["PAARS_GRPC_PORT"]), int(env["PAARS_METRICS_PORT"]), log_dir / f"{name}.log", env)


async def broker_round_trip(bootstrap: str, count: int, rate: float) -> list[float]:
    """Produce -> consume through the broker alone, with the services' producer and consumer settings."""
    await asyncio.to_thread(provision_topics, bootstrap, [ROUND_TRIP_TOPIC])
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, fetch_max_wait_ms=FETCH_WAIT_MS, enable_auto_commit=False)
    await consumer.start()
    tp = TopicPartition(ROUND_TRIP_TOPIC.name, 0)
    consumer.assign([tp])
    await consumer.seek_to_end(tp)
    publisher = await asyncio.to_thread(Publisher, bootstrap, client_id="bench-round-trip", idempotence=False)
    samples: list[float] = []

    async def consume() -> None:
        while len(samples) < count:
            batches = await consumer.getmany(timeout_ms=1000)
            now = time.time()
            for records in batches.values():
                samples.extend(now - float(r.value.decode()) for r in records)

    reader = asyncio.create_task(consume())
    await asyncio.sleep(0.5)
    for i in range(count):
        await asyncio.to_thread(publisher.send_raw, ROUND_TRIP_TOPIC.name, b"k", str(time.time()).encode(), [])
        await asyncio.sleep(max(0.0, 1 / rate - 0.001))
        if i and i % 50 == 0 and reader.done():
            break
    await asyncio.wait_for(reader, 30)
    await consumer.stop()
    await asyncio.to_thread(publisher.close)
    return samples


def consumer_lag(bootstrap: str) -> int:
    """Records not yet committed by the stack's consumer groups, over every topic of the broker."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        groups = [group for group, _kind in admin.list_consumer_groups()]
    finally:
        admin.close()
    probe = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [KafkaTopicPartition(t, p) for t in probe.topics() for p in sorted(probe.partitions_for_topic(t) or ())]
        ends = probe.end_offsets(partitions)
    finally:
        probe.close()
    lag = 0
    for group in groups:
        member = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
        try:
            for tp in partitions:
                committed = member.committed(tp)
                if committed is not None:
                    lag += max(0, ends[tp] - committed)
        finally:
            member.close()
    return lag


async def settle(bootstrap: str, timeout: float) -> float:
    """Waits until every consumer group has committed everything twice in a row; returns the seconds it took."""
    started = time.monotonic()
    idle = 0
    while idle < 2 and time.monotonic() - started < timeout:
        idle = idle + 1 if await asyncio.to_thread(consumer_lag, bootstrap) == 0 else 0
        await asyncio.sleep(1.0)
    return time.monotonic() - started


_STAGE = re.compile(r'^paars_notifications_consumer_stage_seconds_(sum|count)\{stage="(\w+)"\} (\S+)$')


def consumer_stages(metrics_port: int) -> dict[str, dict[str, float]]:
    """The notifications consumer's stage histogram (paars_notifications_consumer_stage_seconds) as it stands:
    per stage, the seconds spent and how many batches (or polls, for queued) it counted."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
    stages: dict[str, dict[str, float]] = {}
    for line in text.splitlines():
        m = _STAGE.match(line)
        if m:
            stages.setdefault(m.group(2), {})[m.group(1)] = float(m.group(3))
    return stages


def stage_figures(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]) -> dict[str, Any]:
    """What the stages took over the load alone; decrypt's share is of a batch's own time (decrypt, transaction
    and after_commit: the consumer's busy time, without the queued wait)."""
    out: dict[str, Any] = {}
    for stage, values in sorted(after.items()):
        seconds = values.get("sum", 0.0) - before.get(stage, {}).get("sum", 0.0)
        count = values.get("count", 0.0) - before.get(stage, {}).get("count", 0.0)
        out[stage] = {"count": int(count), "seconds": round(seconds, 3), "mean_ms": round(seconds / count * 1000, 2) if count else None}
    busy = sum(out.get(stage, {}).get("seconds", 0.0) for stage in ("decrypt", "transaction", "after_commit"))
    out["decrypt_share_of_batch"] = round(out.get("decrypt", {}).get("seconds", 0.0) / busy, 3) if busy else None
    return out


async def setup_goals(port: int, managers: int, reports_each: int) -> tuple[list[dict[str, Any]], list[str]]:
    R = org_pb2
    employees = []
    manager_ids = [f"m{i:03d}" for i in range(managers)]
    for m in manager_ids:
        employees.append(R.Employee(id=m, name=f"Manager {m}", email=f"{m}@bench.example", team_id="org", roles=[R.ROLE_MANAGER], active=True))
        for j in range(reports_each):
            e = f"{m}-e{j:02d}"
            employees.append(R.Employee(id=e, name=f"Employee {e}", email=f"{e}@bench.example", manager_id=m, team_id="org", roles=[R.ROLE_EMPLOYEE], active=True))
    goals = []
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        org = org_pb2_grpc.OrgServiceStub(channel)
        await org.ImportDirectory(R.ImportDirectoryRequest(teams=[R.Team(id="org", name="Bench NV")], employees=employees), metadata=auth("hris", "system"))
        stub = goals_pb2_grpc.GoalServiceStub(channel)
        limit = asyncio.Semaphore(16)

        async def one(owner: str, manager: str) -> None:
            async with limit:
                proposed = await stub.ProposeGoal(gl.ProposeGoalRequest(
                    kind=gl.GOAL_KIND_DEVELOPMENT, level=gl.GOAL_LEVEL_INDIVIDUAL, title="Present at the guild", owner_id=owner,
                    key_results=[gl.KeyResult(title="talks", start_value=0, target_value=4)], start_date="2026-01-01", due_date="2030-12-31",
                ), metadata=auth(owner))
                agreed = await stub.AgreeGoal(gl.AgreeGoalRequest(goal_id=proposed.id, expected_version=proposed.version), metadata=auth(manager, "manager"))
                goals.append({"id": agreed.id, "owner": owner, "kr": agreed.key_results[0].id, "version": agreed.version, "value": 0,
                              "lock": asyncio.Lock()})

        await asyncio.gather(*(one(f"{m}-e{j:02d}", m) for m in manager_ids for j in range(reports_each)))
    return goals, manager_ids


async def set_budget(notifications: Any, manager: str, *, timeout: float) -> None:
    """Room for every prompt of the run in the manager's week. Notifications knows the manager (the caller) only once
    it has projected the directory goals imported; on a loaded machine that can take longer than setting up the
    goals did (a 100-record batch of org changes measured 1.1-3.4 s at load 7-15), so a caller it does not know yet
    is asked again until it does."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            await notifications.SetPreferences(pb.SetPreferencesRequest(preferences=pb.Preferences(weekly_budget=100)), metadata=auth(manager))
            return
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.UNAUTHENTICATED or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with EmbeddedBroker() as broker, tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(args.keep_logs or tmp)
        work.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(provision_topics, broker.bootstrap)
        urls = {
            # create_pg_database runs its own event loop, so it gets a thread of its own.
            name: (await asyncio.to_thread(create_pg_database) if args.database == "postgresql" else f"sqlite+aiosqlite:///{work}/{name}.db")
            for name in SERVICES
        }
        processes = {}
        ports: dict[str, int] = {}
        metrics_ports: dict[str, int] = {}
        try:
            for name in SERVICES:
                service = service_process(name, broker.bootstrap, urls[name], work, ports.get("goals"))
                service.start()
                assert service.process is not None
                processes[name], ports[name], metrics_ports[name] = service.process, service.grpc_port, service.metrics_port
                await service.wait_serving(60)
            baseline = await broker_round_trip(broker.bootstrap, count=args.baseline_messages, rate=args.rate)

            total = int(args.rate * args.seconds)
            goals, managers = await setup_goals(ports["goals"], args.managers, max(1, -(-total // 4 // args.managers)))
            channel = grpc.aio.insecure_channel(f"127.0.0.1:{ports['notifications']}")
            notifications = notifications_pb2_grpc.NotificationServiceStub(channel)
            # Room for every prompt of the run: the fatigue budget is not what this measures.
            for m in managers:
                await set_budget(notifications, m, timeout=args.settle_timeout)
            latencies: list[float] = []
            # By prompt kind: the milestone's own GIVE_FEEDBACK, and the INSIGHT prompts analytics' insights
            # give managers (in this flat organisation other managers are a colleague's "teammates").
            by_kind: dict[str, list[float]] = {}
            # An insight prompt's cause is the insight (its time is the detection); measured from the check-in
            # that made the moment too: the latest check-in of the person it is about, when it returned.
            insight_from_check_in: list[float] = []
            checked_in_at: dict[str, float] = {}
            received = 0
            last_received = time.monotonic()

            async def listen(manager: str) -> None:
                nonlocal received, last_received
                async for prompt in notifications.Subscribe(pb.SubscribeRequest(), metadata=auth(manager)):
                    now = time.time()
                    latency = now - prompt.cause_occurred_at.ToNanoseconds() / 1e9
                    latencies.append(latency)
                    kind = pb.PromptKind.Name(prompt.kind).removeprefix("PROMPT_KIND_")
                    by_kind.setdefault(kind, []).append(latency)
                    if kind == "INSIGHT" and prompt.about_id in checked_in_at:
                        insight_from_check_in.append(now - checked_in_at[prompt.about_id])
                    received += 1
                    last_received = time.monotonic()

            listeners = [asyncio.create_task(listen(m)) for m in managers]
            # Where the time goes: the cause's own trip from the goals commit to the broker and back out.
            cause_seen: list[float] = []
            cause_reader = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap, fetch_max_wait_ms=FETCH_WAIT_MS, enable_auto_commit=False)
            await cause_reader.start()
            parts = [TopicPartition("goals.goal-updated.v1", i) for i in range(6)]
            cause_reader.assign(parts)
            await cause_reader.seek_to_end(*parts)

            async def read_causes() -> None:
                while True:
                    batches = await cause_reader.getmany(timeout_ms=500)
                    now = time.time()
                    for records in batches.values():
                        for r in records:
                            cause_seen.append(now - decode(r.value, r.headers).metadata.occurred_at.ToNanoseconds() / 1e9)

            cause_task = asyncio.create_task(read_causes())
            # Let the directory and the agreements (which prompt nobody) drain through every consumer first:
            # analytics works through them far longer than notifications, and its insights follow.
            await asyncio.sleep(args.settle_seconds)
            settled = await settle(broker.bootstrap, args.settle_timeout)
            latencies.clear()
            by_kind.clear()
            insight_from_check_in.clear()
            cause_seen.clear()
            received = 0
            stages_before = await asyncio.to_thread(consumer_stages, metrics_ports["notifications"])

            goals_channel = grpc.aio.insecure_channel(f"127.0.0.1:{ports['goals']}")
            stub = goals_pb2_grpc.GoalServiceStub(goals_channel)
            failures = 0
            sent = 0

            async def check_in(goal: dict[str, Any]) -> None:
                nonlocal failures, sent
                # One check-in of a goal at a time: its next one names the version the last one returned. Sent
                # together they were stale-version refusals whenever goals answered slower than the round robin
                # came back to the goal (a quarter to a third of the causes under load), so the rate never held.
                # Latency is measured from the event's own time, so the wait here is not counted in it.
                async with goal["lock"]:
                    goal["value"] += 1
                    try:
                        reply = await stub.CheckIn(gl.CheckInRequest(
                            goal_id=goal["id"], expected_version=goal["version"], confidence=4,
                            updates=[gl.KeyResultUpdate(key_result_id=goal["kr"], current_value=goal["value"])],
                        ), metadata=auth(goal["owner"]))
                        goal["version"] = reply.version
                        checked_in_at[goal["owner"]] = time.time()
                        sent += 1
                    except grpc.aio.AioRpcError:
                        failures += 1

            started = time.monotonic()
            tasks = []
            for i in range(total):
                # Open loop: causes leave on schedule whether or not earlier ones finished.
                delay = started + i / args.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(check_in(goals[i % len(goals)])))
            await asyncio.gather(*tasks)
            duration = time.monotonic() - started
            # A prompt per check-in (the milestone's, or the insight's when it reached the manager first), then
            # until none came for a second: stopping at as many prompts as causes would leave out the slowest
            # milestone prompts whenever insight prompts came before them.
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and (received < sent or time.monotonic() - last_received < 1.0):
                await asyncio.sleep(0.1)
            stages = stage_figures(stages_before, await asyncio.to_thread(consumer_stages, metrics_ports["notifications"]))
            for task in [*listeners, cause_task]:
                task.cancel()
            await cause_reader.stop()
            await channel.close()
            await goals_channel.close()
        finally:
            for process in processes.values():
                process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
            # The run's databases go with it (76 had piled up on this machine before this drop).
            for url in urls.values():
                if url.startswith("postgresql"):
                    await asyncio.to_thread(drop_pg_database, url)
    ms = [x * 1000 for x in latencies]
    base = [x * 1000 for x in baseline]
    return {
        "p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2), "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2) if ms else None, "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
        "baseline_p50_ms": round(percentile(base, 50), 2), "baseline_p99_ms": round(percentile(base, 99), 2),
        "rate_per_s": round(sent / duration, 1), "target_rate_per_s": args.rate, "seconds": round(duration, 1),
        "causes": sent, "cause_failures": failures, "prompts_received": received, "database": args.database,
        "cause_on_broker_p50_ms": round(percentile([x * 1000 for x in cause_seen], 50), 2),
        "cause_on_broker_p99_ms": round(percentile([x * 1000 for x in cause_seen], 99), 2),
        "managers_streaming": args.managers, "fetch_wait_ms": FETCH_WAIT_MS, "services": ["broker", *SERVICES],
        "settled_s": round(settled, 1),
        # The notifications consumer's stages over the load (paars_notifications_consumer_stage_seconds).
        "notifications_stages": stages,
        "by_kind": {
            kind: {"prompts": len(values), **{f"p{q}_ms": round(percentile([x * 1000 for x in values], q), 2) for q in (50, 95, 99)}}
            for kind, values in sorted(by_kind.items())
        },
        "insight_from_check_in": {
            "prompts": len(insight_from_check_in),
            **{f"p{q}_ms": round(percentile([x * 1000 for x in insight_from_check_in], q), 2) for q in (50, 95, 99)},
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=100.0, help="causes per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--managers", type=int, default=25, help="managers, each with an open stream")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--baseline-messages", type=int, default=500)
    parser.add_argument("--settle-seconds", type=float, default=4.0, help="at least this long before the load")
    parser.add_argument("--settle-timeout", type=float, default=120.0, help="at most this long for every consumer group to catch up")
    parser.add_argument("--keep-logs", metavar="DIR", help="keep the services' logs and databases here instead of a temporary directory")
    parser.add_argument("--output", default="prompt_latency.json", help="file name under bench/results/")
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.output).write_text(json.dumps(figures, indent=2) + "\n")
    print(
        f"prompt latency at {figures['rate_per_s']}/s over {figures['seconds']} s ({figures['database']}, {', '.join(figures['services'])}): "
        f"p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms "
        f"({figures['prompts_received']} prompts for {figures['causes']} causes)\n"
        f"the cause alone, goals commit -> read from the broker: p50 {figures['cause_on_broker_p50_ms']} ms, p99 {figures['cause_on_broker_p99_ms']} ms\n"
        f"broker-only produce -> consume floor: p50 {figures['baseline_p50_ms']} ms, p99 {figures['baseline_p99_ms']} ms\n"
        + "\n".join(f"  {kind}: {f['prompts']} prompts, p50 {f['p50_ms']} / p95 {f['p95_ms']} / p99 {f['p99_ms']} ms" for kind, f in figures["by_kind"].items())
        + "\n  INSIGHT from the check-in that made the moment: p50 {p50_ms} / p95 {p95_ms} / p99 {p99_ms} ms".format(**figures["insight_from_check_in"])
        + "\nnotifications consumer stages (mean ms): " + ", ".join(
            f"{stage} {f['mean_ms']} ({f['count']})" for stage, f in figures["notifications_stages"].items() if isinstance(f, dict))
        + f"; decrypt {figures['notifications_stages']['decrypt_share_of_batch']} of a batch's time"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
