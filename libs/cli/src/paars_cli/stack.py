"""The local platform of `make run`: embedded broker (unless one is configured), every installed service, SQLite."""
from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from paars_cli.ports import BusyPort, busy
from paars_platform.config import DEFAULT_PORTS
from paars_platform.crypto import KeyEncryptionKey
from paars_platform.embedded_broker import EmbeddedBroker
from paars_platform.kafka import provision_topics
from paars_platform.parent import ENV as PARENT_ENV

log = logging.getLogger("paars.stack")

SERVICES = ("goals", "feedback", "notifications", "analytics", "story", "conversations")
EMBEDDED_BROKER_PORT = 9092
# The web app (paars_web): its HTTP port and its metrics port, like DEFAULT_PORTS for the services.
WEB_PORTS = (8080, 9105)


def installed(service: str) -> bool:
    return importlib.util.find_spec(f"paars_{service}") is not None


class PortsInUse(RuntimeError):
    def __init__(self, taken: list[BusyPort]) -> None:
        self.taken = taken
        lines = "\n".join(f"  {b.describe()}" for b in taken)
        super().__init__(f"cannot start: {len(taken)} port(s) this stack needs are in use\n{lines}\n"
                         "stop that process (or an earlier `paars run`), or start with another --port-offset")


@dataclass
class ServiceProcess:
    name: str
    grpc_port: int
    metrics_port: int
    log_path: pathlib.Path
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """A session of its own (a Ctrl-C reaches only the launcher, which stops services in order), and
        SIGTERM when the launcher dies without that stop (SIGKILL, a closed terminal)."""
        log_file = self.log_path.open("ab")
        # The child sets its parent-death signal itself, after exec (paars_platform.parent): no
        # preexec_fn, which would run Python between fork and exec in this multithreaded process.
        env = {**self.env, PARENT_ENV: str(os.getpid())}
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"paars_{self.name}"], env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log_file.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def wait_serving(self, timeout: float) -> None:
        """Until the gRPC health service answers SERVING; fails fast if the process died."""
        deadline = time.monotonic() + timeout
        async with grpc.aio.insecure_channel(f"127.0.0.1:{self.grpc_port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while True:
                if not self.alive():
                    raise RuntimeError(f"{self.name} exited during start-up:\n{self.log_tail()}")
                try:
                    answer = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1.0)
                    if answer.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.aio.AioRpcError:
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.name} not SERVING after {timeout}s:\n{self.log_tail()}")
                await asyncio.sleep(0.1)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class WebProcess(ServiceProcess):
    """The web app: ready when its /healthz answers, not on gRPC health (it serves HTTP, and no gRPC)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.grpc_port}"

    async def wait_serving(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited during start-up:\n{self.log_tail()}")
            try:
                with await asyncio.to_thread(urllib.request.urlopen, f"{self.url}/healthz", timeout=1.0) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} not answering /healthz after {timeout}s:\n{self.log_tail()}")
            await asyncio.sleep(0.1)


@dataclass
class Stack:
    data_dir: pathlib.Path
    port_offset: int = 0
    bootstrap: str = ""
    services: tuple[str, ...] = SERVICES
    fresh: bool = True
    # Optional per-service database URLs (default: a SQLite file per service in data_dir) and extra
    # environment for every service; the chaos harness uses them for PostgreSQL and short timeouts.
    database_urls: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    broker: EmbeddedBroker | None = None
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    # `paars run` adds the web app (with the development sign-in) once the services serve.
    web: bool = False
    web_process: WebProcess | None = None

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{WEB_PORTS[0] + self.port_offset}"

    def grpc_port(self, service: str) -> int:
        return DEFAULT_PORTS[service][0] + self.port_offset

    def metrics_port(self, service: str) -> int:
        return DEFAULT_PORTS[service][1] + self.port_offset

    def ports(self) -> list[tuple[int, str]]:
        """Every local port this stack will listen on, with what for: each service's gRPC and metrics
        ports (from DEFAULT_PORTS), and the embedded broker's when it starts one."""
        wanted = [(EMBEDDED_BROKER_PORT + self.port_offset, "embedded broker")] if not self.bootstrap else []
        for name in self.services:
            if installed(name):
                wanted += [(self.grpc_port(name), f"{name} gRPC"), (self.metrics_port(name), f"{name} metrics")]
        if self.web and installed("web"):
            wanted += [(WEB_PORTS[0] + self.port_offset, "web app"), (WEB_PORTS[1] + self.port_offset, "web app metrics")]
        return [(port, what) for port, what in wanted if port > 0]

    def check_ports(self) -> None:
        """Refuses to start over processes that still hold the ports (say, of a launcher killed
        before its stop): they would answer health checks, and every write would meet the old databases."""
        taken = busy(self.ports())
        if taken:
            raise PortsInUse(taken)

    def key_encryption_key(self) -> str:
        """This stack's key-encryption key of the person keys: made once per data directory (a fresh stack makes a
        new one), kept beside goals' database so a restart over the same data can still unwrap its keys."""
        path = self.data_dir / "key-encryption-key"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(KeyEncryptionKey.generate())
        return path.read_text().strip()

    def start(self, ready_timeout: float = 90.0) -> None:
        self.check_ports()
        if self.fresh and self.data_dir.exists():
            # The embedded broker keeps nothing across restarts, so neither do the databases it fed.
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        idempotence = "true"
        if not self.bootstrap:
            self.broker = EmbeddedBroker(port=EMBEDDED_BROKER_PORT + self.port_offset, log_path=str(self.data_dir / "broker.log")).start()
            self.bootstrap = self.broker.bootstrap
            idempotence = "false"
        provision_topics(self.bootstrap)
        key_encryption_key = self.key_encryption_key()
        for name in self.services:
            if not installed(name):
                log.warning("service %s is not installed; skipping", name)
                continue
            env = dict(os.environ)
            env.update(
                PAARS_KAFKA_BOOTSTRAP=self.bootstrap,
                PAARS_KAFKA_IDEMPOTENCE=env.get("PAARS_KAFKA_IDEMPOTENCE", idempotence),
                PAARS_DATABASE_URL=self.database_urls.get(name, f"sqlite+aiosqlite:///{self.data_dir.resolve()}/{name}.db"),
                PAARS_GRPC_PORT=str(self.grpc_port(name)),
                PAARS_METRICS_PORT=str(self.metrics_port(name)),
                PAARS_PROVISION_TOPICS="false",
                PAARS_DATA_DIR=str(self.data_dir.resolve()),
                PAARS_ANALYTICS_STATE_DIR=str((self.data_dir / "analytics-state").resolve()),
                # goals' key RPC (the person keys every relay and consumer uses) and its key-encryption key.
                PAARS_GOALS_ADDR=f"127.0.0.1:{self.grpc_port('goals')}",
            )
            env.setdefault("PAARS_KEY_ENCRYPTION_KEY", key_encryption_key)
            if self.web:
                # Links in e-mails, webhooks and prompts point at the pages where the person acts.
                env.setdefault("PAARS_WEB_BASE_URL", self.web_url)
            env.update(self.extra_env)
            proc = ServiceProcess(name, self.grpc_port(name), self.metrics_port(name), self.data_dir / f"{name}.log", env)
            proc.start()
            self.processes[name] = proc
            os.environ[f"PAARS_{name.upper()}_ADDR"] = f"127.0.0.1:{proc.grpc_port}"
        asyncio.run(self.wait_ready(ready_timeout))
        if self.web and installed("web"):
            self.start_web(ready_timeout)
        self.write_prometheus_config()

    def start_web(self, ready_timeout: float) -> None:
        """The web app on WEB_PORTS (+ offset), calling the services just started, with the development sign-in."""
        env = dict(os.environ)
        env.update(
            PAARS_WEB_PORT=str(WEB_PORTS[0] + self.port_offset),
            PAARS_WEB_METRICS_PORT=str(WEB_PORTS[1] + self.port_offset),
            PAARS_WEB_DEV_SIGNIN="true",
        )
        env.setdefault("PAARS_WEB_BASE_URL", self.web_url)
        env.update(self.extra_env)
        self.web_process = WebProcess("web", WEB_PORTS[0] + self.port_offset, WEB_PORTS[1] + self.port_offset, self.data_dir / "web.log", env)
        self.web_process.start()
        asyncio.run(self.web_process.wait_serving(ready_timeout))

    async def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for proc in self.processes.values():
            await proc.wait_serving(max(0.1, deadline - time.monotonic()))

    def write_prometheus_config(self) -> pathlib.Path:
        """A scrape configuration for `prometheus --config.file=...` (Debian's prometheus package)."""
        targets = "\n".join(
            f"  - job_name: paars-{p.name}\n    static_configs:\n      - targets: ['127.0.0.1:{p.metrics_port}']\n        labels: {{service: {p.name}}}"
            for p in [*self.processes.values(), *([self.web_process] if self.web_process else [])]
        )
        path = self.data_dir / "prometheus.yml"
        path.write_text(f"global:\n  scrape_interval: 5s\n  evaluation_interval: 5s\nscrape_configs:\n{targets}\n")
        return path

    def stop(self, grace: float = 20.0) -> None:
        if self.web_process is not None and self.web_process.process is not None:
            # First: it is a client of the services, and its open streams would hold up their stop.
            self.web_process.process.terminate()
            try:
                self.web_process.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.web_process.process.kill()
                self.web_process.process.wait()
        for proc in self.processes.values():
            if proc.alive():
                assert proc.process is not None
                proc.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in self.processes.values():
            if proc.process is None:
                continue
            try:
                proc.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.process.kill()
                proc.process.wait()
        if self.broker:
            self.broker.stop()
