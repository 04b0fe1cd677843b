"""Real components for the test-suite: the embedded broker (or PAARS_TEST_KAFKA_BOOTSTRAP), PostgreSQL and SQLite."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator

import pytest

from paars_platform import db as platform_db
from paars_platform.config import Settings
from paars_platform.embedded_broker import EmbeddedBroker

ROOT = pathlib.Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = os.environ.get("PAARS_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


# Tests that share an expensive fixture run on one pytest-xdist worker (`make test` runs `-n 2 --dist
# loadgroup`), which starts it once; the other worker's tests need not wait for it. Session-scoped
# fixtures named here by group; tests using a package- or module-scoped fixture are grouped by that
# package or module. Everything else is spread test by test.
SHARED_FIXTURE_GROUPS = {
    "running_stack": "stack-under-test",  # tests/chaos/stack_under_test.py: every service as a process
    "ops_tools": "ops",  # and `rendered`: kubectl renders every overlay once
}


# The groups by their wall time in a whole run, longest first (see the scheduler below).
LONGEST_GROUPS_FIRST = ("/tests/browser", "/tests/identity", "stack-under-test")


def _xdist_group(item: pytest.Item) -> str | None:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    scoped: dict[str, str] = {}
    for name in item.fixturenames:  # type: ignore[attr-defined]
        defs = info.name2fixturedefs.get(name)
        if not defs:
            continue
        if name in SHARED_FIXTURE_GROUPS:
            return SHARED_FIXTURE_GROUPS[name]
        scope = defs[-1].scope
        if scope == "package":
            scoped.setdefault("package", f"package:{pathlib.Path(str(item.path)).parent}")
        elif scope == "module":
            scoped.setdefault("module", f"module:{item.nodeid.split('::')[0]}")
    return scoped.get("package") or scoped.get("module")


GROUPS_FILE_ENV = "PAARS_TEST_XDIST_GROUPS"


def pytest_configure(config: pytest.Config) -> None:
    # The controller of an xdist run names a file where its workers write each grouped test's group.
    if config.pluginmanager.hasplugin("xdist") and config.getoption("dist", "no") != "no" and "PYTEST_XDIST_WORKER" not in os.environ:
        os.environ[GROUPS_FILE_ENV] = str(pathlib.Path(tempfile.mkdtemp(prefix="paars-xdist-")) / "groups.json")


def pytest_unconfigure(config: pytest.Config) -> None:
    target = os.environ.get(GROUPS_FILE_ENV)
    if target and "PYTEST_XDIST_WORKER" not in os.environ:
        shutil.rmtree(pathlib.Path(target).parent, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    target = os.environ.get(GROUPS_FILE_ENV)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not target or not worker:
        return
    groups = {item.nodeid: group for item in items if (group := _xdist_group(item)) is not None}
    partial = pathlib.Path(f"{target}.{worker}")
    partial.write_text(json.dumps(groups))
    os.replace(partial, target)  # every worker collects the same tests: whichever lands last is complete


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """--dist loadgroup, with the groups above. (pytest-xdist 3.8's own loadgroup renames the items'
    nodeid to carry the group, which pytest 9 no longer lets it do: its groups had no effect.)"""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):  # type: ignore[misc]
        _groups: dict[str, str] | None = None
        _ordered = False

        def _assign_work_unit(self, node: object) -> None:
            # xdist queues the groups by their number of tests, so the browser journeys (46 tests, the
            # longest group by far) started only after the ops group (96 quick tests) was done on one
            # worker. Longest first instead: they start at once, the rest fills the other worker.
            if not self._ordered:
                self._ordered = True
                for suffix in reversed(LONGEST_GROUPS_FIRST):
                    for scope in [s for s in self.workqueue if s.endswith(suffix)]:
                        self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

        def _split_scope(self, nodeid: str) -> str:
            # Called once every worker has collected (and so written the file).
            if self._groups is None:
                path = pathlib.Path(os.environ[GROUPS_FILE_ENV])
                self._groups = json.loads(path.read_text()) if path.exists() else {}
            return self._groups.get(nodeid, nodeid)

    return SharedFixtureScheduling(config, log)


def run_install_script(name: str, *args: str) -> str:
    """One of scripts/install-*.sh; returns what it printed (the installed path). One at a time on this
    machine (a file lock): xdist workers, or two runs, must not run apt-get or npm side by side."""
    lock = pathlib.Path(tempfile.gettempdir()) / f"paars-{name}.lock"
    with lock.open("w") as handle, contextlib.ExitStack() as held:
        fcntl.flock(handle, fcntl.LOCK_EX)
        held.callback(fcntl.flock, handle, fcntl.LOCK_UN)
        done = subprocess.run(["bash", str(ROOT / "scripts" / name), *args], check=False, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{name} failed:\n{done.stderr}"
    return done.stdout.strip()


@pytest.fixture(scope="session")
def ops_tools_installed() -> None:
    """promtool, prometheus, kubectl (kustomize v5) and hadolint, installed by the project's own script
    when missing (once per session), so that no test depends on what an earlier run left behind."""
    run_install_script("install-ops-tools.sh", sys.executable)


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
    return _pg_url(name)


def _pg_url(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# Every repository and service test starts from a fresh database migrated to head: on SQLite and on
# PostgreSQL, for each of 218 parametrised tests. Alembic's upgrade costs 1-10 s a time on this machine
# (feedback's migrations the most), copying a database a fraction of that. So, in the test process, the
# first upgrade of a service's migrations to head runs for real on a database of its own (the template,
# once per process and backend), and each later upgrade of a fresh, empty database copies the template:
# a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL. A database that is not fresh (one a
# test has written to, left at an older revision, or has connections to) gets Alembic's own upgrade.
# Service processes (the e2e, browser and identity stacks) migrate themselves as in production.
_real_migrate_sync = platform_db.migrate_sync
_templates: dict[tuple[str, str], str] = {}
_templates_lock = threading.Lock()


def _migrations_digest(script_location: str) -> str:
    digest = hashlib.sha256(script_location.encode())
    for path in sorted(pathlib.Path(script_location).rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _template(backend: str, script_location: str) -> str:
    """The template of script_location's head on backend (a file path, or a PostgreSQL database name)."""
    key = (backend, script_location)
    with _templates_lock:
        if key not in _templates:
            if backend == "sqlite":
                path = pathlib.Path(tempfile.mkdtemp(prefix="paars-migrated-")) / "template.db"
                _real_migrate_sync(f"sqlite+aiosqlite:///{path}", script_location)
                _templates[key] = str(path)
            else:
                name = f"paars_test_template_{_migrations_digest(script_location)}_{os.getpid()}"
                asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}"'))
                asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
                _real_migrate_sync(_pg_url(name), script_location)
                _templates[key] = name
        return _templates[key]


async def _fresh_pg_database(url: str) -> bool:
    """No table in it and nobody else connected: nothing to lose by replacing it with the template's copy."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return bool(await conn.fetchval(
            "SELECT NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%')"
            " AND NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid())"
        ))
    finally:
        await conn.close()


def _migrate_from_template(url: str, script_location: str) -> None:
    if platform_db.is_sqlite(url):
        path = pathlib.Path(url.split("///", 1)[-1])
        if str(path) in ("", ":memory:") or path.exists():
            _real_migrate_sync(url, script_location)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        template = _template("sqlite", script_location)
        shutil.copyfile(template, path)
        if os.path.exists(f"{template}-wal"):  # a write-ahead log not yet checkpointed belongs to the copy
            shutil.copyfile(f"{template}-wal", f"{path}-wal")
        return
    name = url.rsplit("/", 1)[1]
    if not (url.startswith("postgresql") and name.startswith("paars_test_") and asyncio.run(_fresh_pg_database(url))):
        _real_migrate_sync(url, script_location)
        return
    template = _template("postgresql", script_location)
    try:
        asyncio.run(_pg_admin(f'DROP DATABASE "{name}"'))
    except Exception:  # someone connected after all: it stays, and Alembic upgrades it
        _real_migrate_sync(url, script_location)
        return
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))


def pytest_sessionstart(session: pytest.Session) -> None:
    platform_db.migrate_sync = _migrate_from_template


def pytest_sessionfinish(session: pytest.Session) -> None:
    platform_db.migrate_sync = _real_migrate_sync
    for (backend, _), template in _templates.items():
        if backend == "sqlite":
            shutil.rmtree(pathlib.Path(template).parent, ignore_errors=True)
        else:
            with contextlib.suppress(Exception):
                asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
    _templates.clear()


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


# Consumers' session timeout in the tests' services (in-process and as processes); see make_settings.
TEST_SESSION_TIMEOUT_MS = 2000


def make_settings(service: str, *, database_url: str, kafka_bootstrap: str, **overrides: object) -> Settings:
    base = Settings.from_env(service)
    values: dict[str, object] = dict(
        database_url=database_url,
        kafka_bootstrap=kafka_bootstrap,
        kafka_idempotence=kafka_idempotence(),
        grpc_port=0,
        metrics_port=-1,
        relay_poll_seconds=0.2,
        # The embedded broker completes a group's first join after about half the session timeout,
        # and a rejoin after a restart after about two: 6000 ms made each consumer start cost 3 s and
        # each restart 11 s; 2000 ms costs 1 s and 4 s (heartbeats every 666 ms keep a busy member in).
        consumer_session_timeout_ms=TEST_SESSION_TIMEOUT_MS,
        consumer_rebalance_timeout_ms=2000,
        shutdown_grace_seconds=1.0,
    )
    values.update(overrides)
    return dataclasses.replace(base, **values)  # type: ignore[arg-type]
