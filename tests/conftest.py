"""Real components for the test-suite: the embedded broker (or PAARS_TEST_KAFKA_BOOTSTRAP), PostgreSQL and SQLite."""
from __future__ import annotations

import asyncio
import dataclasses
import os
import pathlib
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from paars_platform.config import Settings
from paars_platform.embedded_broker import EmbeddedBroker

ROOT = pathlib.Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = os.environ.get("PAARS_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def ops_tools_installed() -> None:
    """promtool, prometheus, kubectl (kustomize v5) and hadolint, installed by the project's own script
    when missing (once per session), so that no test depends on what an earlier run left behind."""
    script = pathlib.Path(__file__).resolve().parent.parent / "scripts" / "install-ops-tools.sh"
    done = subprocess.run(["bash", str(script), sys.executable], check=False, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{script.name} failed:\n{done.stderr}"


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Kafka-protocol broker: the one named by PAARS_TEST_KAFKA_BOOTSTRAP, else the embedded one."""
    external = os.environ.get("PAARS_TEST_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return
    log = tmp_path_factory.mktemp("broker") / "broker.log"
    with EmbeddedBroker(log_path=str(log)) as broker:
        yield broker.bootstrap


@pytest.fixture
def private_kafka_bootstrap(kafka_bootstrap: str, tmp_path: pathlib.Path) -> Iterator[str]:
    """A broker with no history, for tests whose consumers must not replay what other tests published
    (the embedded broker starts in milliseconds). With an external broker, the shared one."""
    if os.environ.get("PAARS_TEST_KAFKA_BOOTSTRAP"):
        yield kafka_bootstrap
        return
    with EmbeddedBroker(log_path=str(tmp_path / "private-broker.log")) as broker:
        yield broker.bootstrap


def kafka_idempotence() -> bool:
    # The embedded broker rejects idempotent producers (see paars_platform.embedded_broker).
    return bool(os.environ.get("PAARS_TEST_KAFKA_BOOTSTRAP"))


async def _pg_admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def create_pg_database() -> str:
    """A fresh PostgreSQL database; returns its SQLAlchemy URL."""
    name = f"paars_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[str]:
    """Each test that takes it runs twice: on a fresh SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/test.db"
        return
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@pytest.fixture
def pg_url() -> Iterator[str]:
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


def make_settings(service: str, *, database_url: str, kafka_bootstrap: str, **overrides: object) -> Settings:
    base = Settings.from_env(service)
    values: dict[str, object] = dict(
        database_url=database_url,
        kafka_bootstrap=kafka_bootstrap,
        kafka_idempotence=kafka_idempotence(),
        grpc_port=0,
        metrics_port=-1,
        relay_poll_seconds=0.2,
        consumer_session_timeout_ms=6000,
        consumer_rebalance_timeout_ms=2000,
        shutdown_grace_seconds=1.0,
    )
    values.update(overrides)
    return dataclasses.replace(base, **values)  # type: ignore[arg-type]
