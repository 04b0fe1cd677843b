"""The stack under test and its faults: embedded broker behind a cuttable proxy, every service as a
process (PostgreSQL when reachable), SIGKILL/restart, broker SIGSTOP/SIGCONT, PostgreSQL restart, poison records."""
from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import logging
import os
import pathlib
import random
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from paars_cli.stack import SERVICES, ServiceProcess, Stack, installed
from paars_platform.config import DEFAULT_PORTS, Settings
from paars_platform.embedded_broker import EmbeddedBroker, free_port
from tests.chaos.proxy import TcpProxy

log = logging.getLogger("paars.chaos")

POISON_HEADER = "chaos_poison_id"
# Short consumer-group timings (as the tests use): the embedded broker makes new groups wait about
# half the rebalance timeout, and a killed member is only evicted after the session timeout.
SERVICE_ENV = {
    "PAARS_KAFKA_IDEMPOTENCE": "false",
    "PAARS_RELAY_POLL_SECONDS": "0.2",
    "PAARS_CONSUMER_SESSION_TIMEOUT_MS": "6000",
    "PAARS_CONSUMER_REBALANCE_TIMEOUT_MS": "2000",
    "PAARS_SHUTDOWN_GRACE_SECONDS": "2",
    "PAARS_LOG_LEVEL": "INFO",
    # The workload gives feedback faster than a person would; the per-giver limit is not under test here.
    "PAARS_FEEDBACK_GIVE_LIMITS": "1000000/60",
}


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def runnable(service: str) -> bool:
    """Installed and startable with `python -m paars_<service>` (a service being built may not be yet)."""
    return installed(service) and importlib.util.find_spec(f"paars_{service}.__main__") is not None


def consumed_topics(service: str) -> list[str]:
    """The topics a service's inbox consumers read, from its own composition root (analytics: its Faust app)."""
    if service == "analytics":
        app = importlib.import_module("paars_analytics.app")
        names = ("GOAL_TOPICS", "ORG_TOPICS", "FEEDBACK_TOPICS", "NOTIFICATION_TOPICS", "CONVERSATION_TOPICS")
        return sorted({topic for name in names for topic in getattr(app, name, ())})
    try:
        bootstrap = importlib.import_module(f"paars_{service}.bootstrap")
    except ImportError:
        return []
    build = getattr(bootstrap, "build", None)
    if build is None:
        return []
    runtime = build(Settings.from_env(service))
    return sorted({topic for spec in getattr(runtime, "consumers", []) for topic in spec.handlers})


def _ports_free(offset: int) -> bool:
    for grpc_port, metrics_port in DEFAULT_PORTS.values():
        for port in (grpc_port + offset, metrics_port + offset):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    return False
    return True


def free_port_offset(rng: random.Random) -> int:
    """A Stack port offset whose gRPC and metrics ports are all free (other runs may share the machine).

    The range keeps every port outside Linux's ephemeral range (32768-60999): gRPC 61001-65464,
    metrics and broker 20042-24584. Inside it, a port found free could be taken by some process's
    outgoing connection before the service bound it (seen once: "Failed to bind to 127.0.0.1:55252").
    """
    for _ in range(200):
        offset = rng.randrange(10950, 15410, 10)
        if _ports_free(offset):
            return offset
    raise RuntimeError("no free port range for the chaos stack")


@dataclass
class Recovery:
    fault: str
    target: str
    started_s: float
    down_s: float
    to_serving_s: float | None = None
    to_first_write_s: float | None = None
    note: str = ""


@dataclass
class ChaosStack:
    data_dir: pathlib.Path
    services: tuple[str, ...]
    use_postgres: bool
    rng: random.Random
    # Analytics workers in its one consumer group (the first is the stack's "analytics", then "analytics-2", ...):
    # a kill of "analytics" SIGKILLs one of them, and the checker asks each one.
    analytics_workers: int = 1
    broker: EmbeddedBroker | None = None
    proxy: TcpProxy | None = None
    stack: Stack | None = None
    database_urls: dict[str, str] = field(default_factory=dict)
    t0: float = field(default_factory=time.monotonic)

    @property
    def bootstrap(self) -> str:
        assert self.proxy is not None
        return self.proxy.address

    def grpc_address(self, service: str) -> str:
        """The address of a service, or of one analytics worker by its process name ("analytics-2")."""
        assert self.stack is not None
        proc = self.stack.processes.get(service)
        return f"127.0.0.1:{proc.grpc_port if proc is not None else self.stack.grpc_port(service)}"

    @property
    def analytics_names(self) -> list[str]:
        """The process names of the analytics workers (empty when analytics is not in the stack)."""
        assert self.stack is not None
        return [name for name, proc in self.stack.processes.items() if proc.name == "analytics"]

    def kill_target(self, service: str) -> str:
        """The process a kill of `service` hits: one analytics worker of several, picked at random."""
        workers = self.analytics_names if service == "analytics" else []
        return self.rng.choice(workers) if workers else service

    def _start_analytics_workers(self) -> None:
        """More workers of the same app id (one consumer group), each with its own ports, state directory and log."""
        assert self.stack is not None
        first = self.stack.processes.get("analytics")
        if first is None:
            return
        extra: list[ServiceProcess] = []
        for n in range(2, self.analytics_workers + 1):
            grpc_port, metrics_port = free_port(), free_port()
            env = dict(first.env, PAARS_GRPC_PORT=str(grpc_port), PAARS_METRICS_PORT=str(metrics_port),
                       PAARS_ANALYTICS_STATE_DIR=str((self.data_dir / "stack" / f"analytics-state-{n}").resolve()))
            proc = ServiceProcess("analytics", grpc_port, metrics_port, self.data_dir / "stack" / f"analytics-{n}.log", env)
            proc.start()
            self.stack.processes[f"analytics-{n}"] = proc
            extra.append(proc)

        async def serving() -> None:
            for proc in extra:
                await proc.wait_serving(120)

        asyncio.run(serving())

    def start(self) -> None:
        from tests.conftest import create_pg_database

        self.data_dir.mkdir(parents=True, exist_ok=True)
        proxy_port = free_port()
        self.broker = EmbeddedBroker(log_path=str(self.data_dir / "broker.log"), advertised_port=proxy_port).start()
        self.proxy = TcpProxy(self.broker.host, self.broker.port, listen_port=proxy_port).start()
        if self.use_postgres:
            self.database_urls = {name: create_pg_database() for name in self.services}
        self.stack = Stack(
            self.data_dir / "stack", port_offset=free_port_offset(self.rng), bootstrap=self.proxy.address,
            services=self.services, database_urls=self.database_urls, extra_env=SERVICE_ENV,
        )
        self.stack.start(ready_timeout=120)
        if "analytics" in self.services and self.analytics_workers > 1:
            self._start_analytics_workers()

    def stop(self) -> None:
        from tests.conftest import drop_pg_database

        if self.broker is not None and self.broker.process is not None:
            self.broker.resume()
        if self.proxy is not None:
            self.proxy.restore()
        if self.stack is not None:
            self.stack.stop(grace=20)
        if self.proxy is not None:
            self.proxy.stop()
        if self.broker is not None:
            self.broker.stop()
        for url in self.database_urls.values():
            with contextlib.suppress(Exception):
                drop_pg_database(url)

    def error_lines(self) -> dict[str, list[str]]:
        """Error-level log lines of every service (JSON logs), for the report."""
        assert self.stack is not None
        found: dict[str, list[str]] = {}
        for name, proc in self.stack.processes.items():
            text = proc.log_path.read_text(errors="replace") if proc.log_path.exists() else ""
            # The Kafka clients log a broken connection at error level: expected while the link is cut.
            lines = [
                line for line in text.splitlines()
                if ('"level": "error"' in line or '"level": "critical"' in line) and '"logger": "kafka' not in line and '"logger": "aiokafka' not in line
            ]
            if lines:
                found[name] = lines[-20:]
        return found

    # ---- faults --------------------------------------------------------------------------------

    async def kill_and_restart(self, service: str, delay: float) -> tuple[float, float]:
        """SIGKILL, wait, start again; returns (monotonic restart time, seconds to SERVING)."""
        assert self.stack is not None
        proc = self.stack.processes[service]
        assert proc.process is not None
        proc.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(proc.process.wait)
        await asyncio.sleep(delay)
        restarted = time.monotonic()
        proc.start()
        await proc.wait_serving(120)
        return restarted, time.monotonic() - restarted

    async def pause_broker(self, seconds: float) -> float:
        assert self.broker is not None
        self.broker.pause()
        try:
            await asyncio.sleep(seconds)
        finally:
            self.broker.resume()
        return time.monotonic()

    async def cut_network(self, seconds: float) -> float:
        assert self.proxy is not None
        self.proxy.cut()
        try:
            await asyncio.sleep(seconds)
        finally:
            self.proxy.restore()
        return time.monotonic()

    async def restart_postgres(self) -> float:
        """Restart the machine's PostgreSQL cluster; returns when it accepts connections again."""
        await asyncio.to_thread(restart_postgres_cluster)
        return time.monotonic()

    def write_poison(self, topics: list[str]) -> list[dict[str, str]]:
        """Garbage bytes, an unknown schema and an oversized record on each topic; each carries an id header."""
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all", max_request_size=2_000_000, retries=5)
        written: list[dict[str, str]] = []
        try:
            for topic in topics:
                for kind in ("garbage", "unknown-schema", "oversized"):
                    poison_id = f"{kind}-{uuid.uuid4().hex[:10]}"
                    headers = [(POISON_HEADER, poison_id.encode())]
                    if kind == "garbage":
                        value = bytes(self.rng.getrandbits(8) for _ in range(256))
                    elif kind == "unknown-schema":
                        value = b"\x0a\x03abc\x12\x05hello"
                        headers += _ce_headers(poison_id, "paars.unknown.v1.SomethingNobodyKnows")
                    else:
                        # Right type header, but the bytes are nothing of the kind and near the record limit.
                        value = b"\xff" * 900_000
                        headers += _ce_headers(poison_id, _topic_type(topic))
                    producer.send(topic, key=b"chaos-poison", value=value, headers=headers).get(timeout=30)
                    written.append({"id": poison_id, "topic": topic, "kind": kind})
            producer.flush(30)
        finally:
            producer.close(10)
        return written


def _topic_type(topic: str) -> str:
    from paars_platform.topics import topic as registered

    return registered(topic).message_type


def _ce_headers(event_id: str, ce_type: str) -> list[tuple[str, bytes]]:
    return [
        ("ce_specversion", b"1.0"), ("ce_id", event_id.encode()), ("ce_type", ce_type.encode()),
        ("ce_source", b"chaos"), ("content-type", b"application/x-protobuf"),
    ]


def postgres_cluster() -> str:
    return max(os.listdir("/etc/postgresql"))


def restart_postgres_cluster(timeout: float = 60.0) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", postgres_cluster(), "main", "restart"],
        check=False, capture_output=True, timeout=timeout,
    )
    ensure_postgres_up(timeout)


def ensure_postgres_up(timeout: float = 60.0) -> None:
    """Start the cluster if it is down, and wait until it accepts connections."""
    deadline = time.monotonic() + timeout
    while not postgres_reachable():
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", postgres_cluster(), "main", "start"],
            check=False, capture_output=True, timeout=timeout,
        )
        if time.monotonic() > deadline:
            raise RuntimeError("PostgreSQL did not come back")
        time.sleep(0.5)


def read_whole_topic(bootstrap: str, topic: str, timeout: float = 30.0) -> list:
    """Every record of a topic up to its current end (plain kafka-python, no group, no Paars code)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=1000, fetch_max_bytes=50_000_000,
                             receive_message_max_bytes=100_000_000, api_version_auto_timeout_ms=20_000)
    try:
        deadline = time.monotonic() + timeout
        parts = consumer.partitions_for_topic(topic)
        while not parts and time.monotonic() < deadline:
            time.sleep(0.2)
            parts = consumer.partitions_for_topic(topic)
        tps = [TopicPartition(topic, p) for p in sorted(parts or ())]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        records: list = []
        while time.monotonic() < deadline and any(consumer.position(tp) < end[tp] for tp in tps):
            for recs in consumer.poll(timeout_ms=500).values():
                records.extend(recs)
        return records
    finally:
        consumer.close()


__all__ = ["POISON_HEADER", "SERVICES", "ChaosStack", "Recovery", "consumed_topics", "read_whole_topic", "runnable"]
