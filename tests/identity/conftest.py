"""The identity tests' world: the organisation's OpenID provider (tests/oidc/provider.js) with the CLI's
device-flow client and three internal systems, the five services verifying its tokens by JWKS, and goals
serving SCIM. One of each per session; the directory is imported by an internal system with its own
client-credentials token, as production does it.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import html.parser
import json
import os
import pathlib
import random
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field

import grpc
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from paars.org.v1 import org_pb2_grpc
from paars_cli import demo_org
from paars_cli.stack import SERVICES, Stack
from paars_platform.keyring import KEYS_SCOPE
from tests.browser.conftest import Process, answers, free_port, start_process, wait_for
from tests.chaos.harness import free_port_offset
from tests.conftest import TEST_SESSION_TIMEOUT_MS, run_install_script
from tests.helpers import SERVICES_CLIENT, services_client, services_client_env

AUDIENCE = "https://paars.test/api"
OTHER_AUDIENCE = "https://elsewhere.test/api"
CLI_CLIENT = "paars-cli"
ORG = "paars.org.v1.OrgService"
# The internal systems: the HRIS sync may import and list the directory, reporting may only list it,
# a stranger has every scope but is not in PAARS_SYSTEM_CLIENTS, short-lived gets 5-second tokens.
SYSTEMS: dict[str, list[str]] = {
    "hris-sync": [f"rpc:{ORG}/ImportDirectory", f"rpc:{ORG}/ListEmployees", f"rpc:{ORG}/GetEmployee"],
    "reporting": [f"rpc:{ORG}/ListEmployees"],
    "stranger": [f"rpc:{ORG}/*"],
    "short-lived": [f"rpc:{ORG}/ListEmployees"],
}
ALLOWED_SYSTEMS = ("hris-sync", "reporting", "short-lived")
SCIM_TOKEN = "scim-tests-bearer-secret-0123456789abcdef"
SCIM_ROLE_GROUPS = "hr=Paars HR,admin=Paars admins"


@dataclass(frozen=True)
class Key:
    """One of the provider's RSA signing keys (its own kid), kept so tests can sign as a retired key would."""

    kid: str
    private_pem: bytes
    jwk: dict[str, str]

    @classmethod
    def generate(cls, kid: str) -> Key:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(key))
        jwk.pop("key_ops", None)
        jwk.update(kid=kid, alg="RS256", use="sig")
        return cls(kid, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), jwk)


class _Forms(html.parser.HTMLParser):
    """The forms of a provider page: action, method and the inputs with their values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method") or "get").lower(), "inputs": {}})
        elif tag == "input" and self.forms and a.get("name"):
            inputs = self.forms[-1]["inputs"]
            assert isinstance(inputs, dict)
            inputs[a["name"]] = a.get("value") or ""


@dataclass
class Identity:
    """The running world, and what the tests do in it as people, systems and the provisioning client."""

    issuer: str
    provider_port: int
    provider_env: dict[str, str]
    provider: Process
    stack: Stack
    keys: list[Key]
    scim_url: str
    secrets: dict[str, str]
    tmp: pathlib.Path
    restarts: int = field(default=0)

    # ---------- tokens ----------

    def system_token(self, client: str, scopes: list[str] | None = None, audience: str = AUDIENCE) -> str:
        """A client-credentials token from the provider (the real grant, the client's own secret)."""
        response = httpx.post(
            f"{self.issuer}/token", auth=(client, self.secrets[client]), timeout=10,
            data={"grant_type": "client_credentials", "scope": " ".join(SYSTEMS[client] if scopes is None else scopes), "resource": audience},
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def signed(self, subject: str, key: Key, *, ttl: int = 300, client: str = CLI_CLIENT) -> str:
        """A token as the provider would sign it with key (for keys the provider no longer uses)."""
        now = int(time.time())
        claims = {"sub": subject, "iss": self.issuer, "aud": AUDIENCE, "iat": now, "exp": now + ttl, "client_id": client}
        return jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})

    # ---------- the person at the provider ----------

    def approve_device(self, verification_uri_complete: str, login: str, *, abort: bool = False) -> str:
        """What a person does in a browser with the CLI's code: confirm it, sign in, see the success page
        (or, with abort, press the page's Abort). Returns the last page's title."""
        with httpx.Client(follow_redirects=True, timeout=10) as browser:
            page = browser.get(verification_uri_complete)
            for _ in range(8):
                assert page.status_code == 200, page.text[:500]
                if "<title>Sign-in Success</title>" in page.text:
                    return "Sign-in Success"
                parser = _Forms()
                parser.feed(page.text)
                assert parser.forms, page.text[:500]
                form = parser.forms[0]
                inputs = dict(form["inputs"])  # type: ignore[call-overload]
                if "login" in inputs:
                    inputs.update(login=login, password="any password: the development login checks none")
                if abort and "user_code" in inputs:
                    inputs["abort"] = "yes"
                target = urllib.parse.urljoin(str(page.url), str(form["action"]))
                page = browser.post(target, data=inputs) if form["method"] == "post" else browser.get(target, params=inputs)
                if "abort" in inputs:
                    return page.text.split("<title>", 1)[-1].split("</title>", 1)[0]
        raise AssertionError(f"the provider's pages did not end in success: {page.text[:500]}")

    def restart_provider(self, keys: list[Key]) -> None:
        """The provider's key rotation: the same issuer and port, the first key signing, all on /jwks."""
        self.provider.stop()
        self.restarts += 1
        env = dict(self.provider_env, OIDC_SIGNING_KEYS=json.dumps([k.jwk for k in keys]))
        self.provider = start_process(
            "oidc-provider", ["node", self.provider.popen.args[1]], env,  # type: ignore[index]
            self.tmp / f"oidc-provider-{self.restarts}.log", lambda: answers(f"{self.issuer}/.well-known/openid-configuration"),
        )
        self.keys = keys

    # ---------- the services ----------

    def address(self, service: str) -> str:
        return f"127.0.0.1:{self.stack.grpc_port(service)}"

    def call(self, service: str, stub: type, method: str, request: object, token: str) -> object:
        async def once() -> object:
            async with grpc.aio.insecure_channel(self.address(service)) as channel:
                return await getattr(stub(channel), method)(request, metadata=[("authorization", f"Bearer {token}")], timeout=10)

        with concurrent.futures.ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, once()).result()

    def code(self, service: str, stub: type, method: str, request: object, token: str) -> grpc.StatusCode:
        """The status a call ends with (OK when it succeeds)."""
        try:
            self.call(service, stub, method, request, token)
        except grpc.aio.AioRpcError as err:
            return err.code()
        return grpc.StatusCode.OK

    def cli(self, *args: str, config_home: pathlib.Path, extra_env: dict[str, str] | None = None, **popen: object) -> object:
        """`paars ...` as a person (or a system) runs it, with its own config directory, against this world's services."""
        import subprocess

        env = dict(
            os.environ, XDG_CONFIG_HOME=str(config_home), PAARS_OIDC_ISSUER=self.issuer, PAARS_OIDC_AUDIENCE=AUDIENCE,
            **{f"PAARS_{s.upper()}_ADDR": self.address(s) for s in SERVICES}, **(extra_env or {}),
        )
        return subprocess.Popen([sys.executable, "-m", "paars_cli", *args], env=env, text=True, **popen)  # type: ignore[call-overload]

    def logs(self) -> str:
        parts = [f"--- oidc-provider ---\n{self.provider.tail(20)}"]
        parts += [f"--- {name} ---\n{proc.log_tail(20)}" for name, proc in self.stack.processes.items()]
        return "\n".join(parts)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    running = getattr(item, "funcargs", {}).get("identity")
    if report.when == "call" and report.failed and isinstance(running, Identity):
        report.sections.append(("the platform's logs", running.logs()))


@pytest.fixture(scope="package")
def identity(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Identity]:
    provider_script = run_install_script("install-oidc-provider.sh")
    tmp = tmp_path_factory.mktemp("identity")
    keys = [Key.generate("key-2026-a")]
    provider_port, scim_port = free_port(), free_port()
    issuer = f"http://127.0.0.1:{provider_port}"
    secrets = {client: f"{client}-secret-{random.getrandbits(64):016x}" for client in SYSTEMS}
    clients: list[dict[str, object]] = [{
        "client_id": CLI_CLIENT, "client_name": "Paars CLI", "application_type": "native",
        "grant_types": ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"], "response_types": [],
        "redirect_uris": [], "token_endpoint_auth_method": "none",
    }]
    clients += [{
        "client_id": client, "client_secret": secrets[client], "grant_types": ["client_credentials"], "response_types": [],
        "redirect_uris": [], "scope": " ".join(scopes),
    } for client, scopes in SYSTEMS.items()]
    services_secret = f"services-secret-{random.getrandbits(64):016x}"
    clients.append(services_client(services_secret))
    all_scopes = sorted({s for scopes in SYSTEMS.values() for s in scopes} | {KEYS_SCOPE})
    provider_env = dict(
        os.environ,
        OIDC_PORT=str(provider_port),
        # The web client the provider always has (not used here).
        OIDC_CLIENT=json.dumps({"client_id": "paars-web", "client_secret": "unused-web-client-secret-0123456789", "redirect_uris": ["http://127.0.0.1:9/cb"]}),
        OIDC_EXTRA_CLIENTS=json.dumps(clients),
        OIDC_ACCOUNTS=json.dumps({i: {"name": n, "email": f"{i}@paars.example"} for i, n, *_ in demo_org.PEOPLE}),
        OIDC_RESOURCE=AUDIENCE,
        OIDC_RESOURCE_SCOPES=" ".join(all_scopes),
        OIDC_OTHER_RESOURCE=OTHER_AUDIENCE,
        OIDC_CLIENT_TOKEN_TTL=json.dumps({"short-lived": 5}),
        OIDC_SIGNING_KEYS=json.dumps([k.jwk for k in keys]),
    )
    provider = start_process(
        "oidc-provider", ["node", provider_script], provider_env, tmp / "oidc-provider.log",
        lambda: answers(f"{issuer}/.well-known/openid-configuration"),
    )
    stack = Stack(
        data_dir=tmp / "stack",
        port_offset=free_port_offset(random.Random()),
        services=SERVICES,
        extra_env={
            "PAARS_JWT_ALGORITHM": "RS256", "PAARS_JWT_JWKS_URL": f"{issuer}/jwks", "PAARS_JWT_ISSUER": issuer,
            "PAARS_JWT_AUDIENCE": AUDIENCE, "PAARS_SYSTEM_CLIENTS": ",".join((*ALLOWED_SYSTEMS, SERVICES_CLIENT)),
            **services_client_env(issuer, services_secret),
            # Expiry is exact here, and a retired key stops being trusted within seconds.
            "PAARS_JWT_LEEWAY_SECONDS": "0", "PAARS_JWT_JWKS_MAX_AGE_SECONDS": "2",
            "PAARS_SCIM_PORT": str(scim_port), "PAARS_SCIM_TOKEN": SCIM_TOKEN, "PAARS_SCIM_ROLE_GROUPS": SCIM_ROLE_GROUPS,
            "PAARS_RELAY_POLL_SECONDS": "0.05", "PAARS_CONSUMER_REBALANCE_TIMEOUT_MS": "2000",
            "PAARS_CONSUMER_SESSION_TIMEOUT_MS": str(TEST_SESSION_TIMEOUT_MS), "PAARS_SHUTDOWN_GRACE_SECONDS": "2",
        },
    )
    addresses = {k: os.environ.get(k) for k in (f"PAARS_{s.upper()}_ADDR" for s in SERVICES)}
    world: Identity | None = None
    try:
        stack.start()
        world = Identity(issuer, provider_port, provider_env, provider, stack, keys, f"http://127.0.0.1:{scim_port}/scim/v2", secrets, tmp)
        world.call("goals", org_pb2_grpc.OrgServiceStub, "ImportDirectory", demo_org.directory(), world.system_token("hris-sync"))
        yield world
    finally:
        stack.stop()
        (world.provider if world else provider).stop()
        for key, value in addresses.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def wait_until(predicate: object, what: str, timeout: float = 120) -> None:
    wait_for(predicate, timeout, what)  # type: ignore[arg-type]
