"""The browser tests' world: the whole platform as processes, the organisation's OpenID provider, one Chromium.

One stack per session (embedded broker, the four services on SQLite, or on PostgreSQL with
PAARS_TEST_BROWSER_DB=postgresql, the web app in OpenID Connect mode), one browser; each test gets a
fresh browser context, so nobody is signed in at its start.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import pathlib
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from paars.analytics.v1 import analytics_pb2, analytics_pb2_grpc
from paars.conversations.v1 import conversations_pb2, conversations_pb2_grpc
from paars.feedback.v1 import feedback_pb2, feedback_pb2_grpc
from paars.goals.v1 import goals_pb2, goals_pb2_grpc
from paars.notifications.v1 import notifications_pb2, notifications_pb2_grpc
from paars.org.v1 import org_pb2_grpc
from paars_cli import demo_org
from paars_cli.stack import SERVICES, Stack
from paars_platform.keyring import KEYS_SCOPE
from tests.chaos.harness import free_port_offset
from tests.conftest import TEST_SESSION_TIMEOUT_MS, create_pg_database, drop_pg_database, run_install_script
from tests.helpers import SERVICES_CLIENT, services_client, services_client_env

AUDIENCE = "https://paars.test/api"
# The allow-listed service client of the tests' own system calls (the directory import).
TEST_CLIENT = "paars-tests"
WEB_CLIENT = "paars-web"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 360, "height": 740}


def free_port() -> int:
    """A free port outside Linux's ephemeral range, so no outgoing connection takes it before the server binds."""
    rng = random.Random()
    for _ in range(500):
        port = rng.randrange(25000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


@dataclass(frozen=True)
class SigningKey:
    """The provider's RSA key. The tests sign their own gRPC calls with it, as the provider would."""

    private_pem: bytes
    jwk: dict[str, str]
    kid: str = "paars-test-key"

    @classmethod
    def generate(cls) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(key))
        # PyJWT marks a private JWK key_ops ["sign"]; the provider would publish that on its public key.
        jwk.pop("key_ops", None)
        jwk.update(kid=cls.kid, alg="RS256", use="sig")
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return cls(pem, jwk)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: pathlib.Path

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start_process(name: str, command: list[str], env: dict[str, str], log: pathlib.Path, ready: Callable[[], bool], timeout: float = 60) -> Process:
    process = Process(name, subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True), log)

    def up() -> bool:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{name} exited during start-up:\n{process.tail()}")
        return ready()

    try:
        wait_for(up, timeout, f"{name} did not start:\n{process.tail()}")
    except BaseException:
        process.stop()
        raise
    return process


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@dataclass
class Paars:
    """The running platform, as a person reaches it (web_url) and as the tests drive causes (gRPC)."""

    web_url: str
    issuer: str
    stack: Stack
    key: SigningKey
    web: Process
    provider: Process

    def token(
        self, subject: str, *, audience: str = AUDIENCE, roles: list[str] | None = None, client: str = WEB_CLIENT, ttl: int = 600,
        scope: str | None = None,
    ) -> str:
        """A token as the provider issues it (same key, issuer, claims), for calls the tests make themselves.
        A system token names the RPCs it may call in scope (paars_platform.auth.rpc_scope)."""
        now = int(time.time())
        claims: dict[str, object] = {"sub": subject, "iss": self.issuer, "aud": audience, "iat": now, "exp": now + ttl, "client_id": client}
        if roles is not None:
            claims["roles"] = roles
        if scope is not None:
            claims["scope"] = scope
        return jwt.encode(claims, self.key.private_pem, algorithm="RS256", headers={"kid": self.key.kid})

    def metadata(self, subject: str, **kwargs: object) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.token(subject, **kwargs)}")]  # type: ignore[arg-type]

    def address(self, service: str) -> str:
        return f"127.0.0.1:{self.stack.grpc_port(service)}"

    def call(self, service: str, stub: type, method: str, request: object, metadata: list[tuple[str, str]]) -> object:
        """One unary RPC on a fresh channel (the tests' calls are few)."""

        async def once() -> object:
            async with grpc.aio.insecure_channel(self.address(service)) as channel:
                return await getattr(stub(channel), method)(request, metadata=metadata, timeout=10)

        # Playwright's sync API keeps an event loop running in this thread, so the call gets its own.
        with concurrent.futures.ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, once()).result()

    def as_person(self, person: str, service: str, stub: type, method: str, request: object) -> object:
        return self.call(service, stub, method, request, self.metadata(person))

    def logs(self) -> str:
        parts = [f"--- web ---\n{self.web.tail()}", f"--- oidc-provider ---\n{self.provider.tail(15)}"]
        parts += [f"--- {name} ---\n{proc.log_tail(15)}" for name, proc in self.stack.processes.items()]
        return "\n".join(parts)


def _everyone_known(paars: Paars) -> bool:
    """Each service's directory projection has the demo people (a person's call is resolved there)."""
    probes = (
        ("goals", goals_pb2_grpc.GoalServiceStub, "ListGoals", goals_pb2.ListGoalsRequest(owner_id="emma")),
        ("feedback", feedback_pb2_grpc.FeedbackServiceStub, "ListFeedback", feedback_pb2.ListFeedbackRequest(receiver_id="emma")),
        ("notifications", notifications_pb2_grpc.NotificationServiceStub, "ListPrompts", notifications_pb2.ListPromptsRequest(limit=1)),
        ("analytics", analytics_pb2_grpc.AnalyticsServiceStub, "GetSignals", analytics_pb2.GetSignalsRequest(employee_id="emma", window_days=30)),
        ("conversations", conversations_pb2_grpc.ConversationsServiceStub, "ListPairs", conversations_pb2.ListPairsRequest()),
    )
    for service, stub, method, request in probes:
        try:
            paars.as_person("emma", service, stub, method, request)
        except grpc.aio.AioRpcError as err:
            if err.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAVAILABLE):
                return False
            raise
    return True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed journey shows the tail of every process's log beside the assertion."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    running = getattr(item, "funcargs", {}).get("paars")
    if report.when == "call" and report.failed and isinstance(running, Paars):
        report.sections.append(("the platform's logs", running.logs()))


@pytest.fixture(scope="package")
def chromium_path() -> str:
    """Debian's chromium, installed by scripts/install-browser.sh when missing."""
    return run_install_script("install-browser.sh")


@pytest.fixture(scope="package")
def paars(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Paars]:
    provider_script = run_install_script("install-oidc-provider.sh")
    tmp = tmp_path_factory.mktemp("paars")
    key = SigningKey.generate()
    web_port, web_metrics_port, provider_port = free_port(), free_port(), free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    issuer = f"http://127.0.0.1:{provider_port}"
    client_secret = "browser-tests-client-secret-0123456789"
    services_secret = "browser-tests-services-secret-0123456789"
    provider_env = dict(
        os.environ,
        OIDC_PORT=str(provider_port),
        OIDC_CLIENT=json.dumps({
            "client_id": WEB_CLIENT, "client_secret": client_secret,
            "redirect_uris": [f"{web_url}/signin/oidc/callback"], "post_logout_redirect_uris": [f"{web_url}/signin"],
        }),
        OIDC_ACCOUNTS=json.dumps({i: {"name": n, "email": f"{i}@paars.example"} for i, n, *_ in demo_org.PEOPLE}),
        OIDC_RESOURCE=AUDIENCE,
        OIDC_SIGNING_KEY=json.dumps(key.jwk),
        # The services' own client: their key requests to goals (tests/helpers.services_client).
        OIDC_EXTRA_CLIENTS=json.dumps([services_client(services_secret)]),
        OIDC_RESOURCE_SCOPES=KEYS_SCOPE,
    )
    provider = start_process(
        "oidc-provider", ["node", provider_script], provider_env, tmp / "oidc-provider.log",
        lambda: answers(f"{issuer}/.well-known/openid-configuration"),
    )
    database_urls: dict[str, str] = {}
    if os.environ.get("PAARS_TEST_BROWSER_DB") == "postgresql":
        database_urls = {s: create_pg_database() for s in SERVICES if s != "analytics"}
    stack = Stack(
        data_dir=tmp / "stack",
        port_offset=free_port_offset(random.Random()),
        services=SERVICES,
        database_urls=database_urls,
        extra_env={
            "PAARS_JWT_ALGORITHM": "RS256", "PAARS_JWT_JWKS_URL": f"{issuer}/jwks", "PAARS_JWT_ISSUER": issuer,
            "PAARS_JWT_AUDIENCE": AUDIENCE, "PAARS_SYSTEM_CLIENTS": f"{TEST_CLIENT},{SERVICES_CLIENT}",
            **services_client_env(issuer, services_secret),
            "PAARS_RELAY_POLL_SECONDS": "0.05", "PAARS_CONSUMER_REBALANCE_TIMEOUT_MS": "2000",
            # Not the default 10 s: each consumer's first join waits about half of it (tests/conftest.py).
            "PAARS_CONSUMER_SESSION_TIMEOUT_MS": str(TEST_SESSION_TIMEOUT_MS),
            "PAARS_SHUTDOWN_GRACE_SECONDS": "2",
            # The calibration journey reads ratings given during the test: a minute's cache made it wait ~50 s.
            "PAARS_ANALYTICS_RATINGS_CACHE_SECONDS": "1",
        },
    )
    web: Process | None = None
    # Stack.start points PAARS_<SERVICE>_ADDR of this process at its services; later tests get theirs back.
    addresses = {k: os.environ.get(k) for k in (f"PAARS_{s.upper()}_ADDR" for s in SERVICES)}
    try:
        stack.start()
        web_env = dict(
            os.environ,
            PAARS_WEB_PORT=str(web_port), PAARS_WEB_METRICS_PORT=str(web_metrics_port), PAARS_WEB_BASE_URL=web_url,
            PAARS_WEB_OIDC_ISSUER=issuer, PAARS_WEB_OIDC_CLIENT_ID=WEB_CLIENT, PAARS_WEB_OIDC_CLIENT_SECRET=client_secret,
            PAARS_WEB_OIDC_AUDIENCE=AUDIENCE, PAARS_WEB_DEV_SIGNIN="false",
            **{f"PAARS_{s.upper()}_ADDR": f"127.0.0.1:{stack.grpc_port(s)}" for s in SERVICES},
        )
        web = start_process("web", [sys.executable, "-m", "paars_web"], web_env, tmp / "web.log", lambda: answers(f"{web_url}/healthz"))
        running = Paars(web_url, issuer, stack, key, web, provider)
        running.call(
            "goals", org_pb2_grpc.OrgServiceStub, "ImportDirectory", demo_org.directory(),
            running.metadata("paars-tests", roles=["system"], client=TEST_CLIENT, scope="rpc:paars.org.v1.OrgService/ImportDirectory"),
        )
        wait_for(lambda: _everyone_known(running), 60, "the services' directories did not learn the demo people")
        yield running
    finally:
        if web is not None:
            web.stop()
        stack.stop()
        provider.stop()
        for url in database_urls.values():
            drop_pg_database(url)
        for key, value in addresses.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="package")
def browser(chromium_path: str, paars: Paars) -> Iterator[object]:
    """One Chromium for the browser tests, started after the platform (whose start-up runs its own event loops).

    Package scope, not session: Playwright's sync API keeps an event loop running in this thread until it
    stops, so it must stop before the rest of the suite calls asyncio.run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, paars: Paars) -> Iterator[Callable[..., object]]:
    """A fresh page in its own context (nobody signed in): open_page(language="en", phone=True)."""
    contexts = []

    def open_(language: str = "nl", phone: bool = False) -> object:
        viewport = PHONE if phone else {"width": 1280, "height": 900}
        context = browser.new_context(base_url=paars.web_url, locale=language, viewport=viewport, extra_http_headers={"Accept-Language": language})
        # Generous for a loaded 2-core machine: a wait ends as soon as the element is there.
        context.set_default_timeout(20_000)
        # Nothing leaves this machine: a page that fetches from elsewhere fails here as it would offline.
        context.route(lambda url: not url.startswith(("http://127.0.0.1", "data:", "about:")), lambda route: route.abort())
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    return open_page()
