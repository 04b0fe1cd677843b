"""Analytics' worker has no database (its state is in Kafka changelogs): its process must not hold SQLAlchemy
(~13 MB resident) nor httpx (~8 MB) through the platform modules it shares with the services that have one
(issue 14: RSS per worker). The platform's SQL-free halves (data_rights, event_kinds, clock, outage) are what it
imports; the keyring loads httpx only for a provider's client-credentials token, which the last test exercises.

The import check runs in a fresh interpreter: in this one, other tests have imported SQLAlchemy long before."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from paars_platform.config import Settings
from paars_platform.keyring import KEYS_SCOPE, ServiceToken

HEAVY = ("sqlalchemy", "httpx", "aiosqlite", "asyncpg", "alembic")

# Imports what `python -m paars_analytics serve` loads (its __main__, the worker, every module of the package), then
# builds the app and registers its agents as the worker does before Faust starts; prints, per heavy package loaded,
# the module whose import statement first asked for it.
PROBE = """
import builtins, importlib, json, pkgutil, sys
HEAVY = set(sys.argv[1].split(","))
first = {}
real_import = builtins.__import__

def watching(name, globals=None, locals=None, fromlist=(), level=0):
    top = name.split(".")[0]
    if level == 0 and top in HEAVY and top not in sys.modules:
        first.setdefault(top, (globals or {}).get("__name__", "?"))
    return real_import(name, globals, locals, fromlist, level)

builtins.__import__ = watching
import paars_analytics
for name in ["paars_analytics.__main__", "paars_analytics.worker", "paars_analytics.app", "paars_analytics.api.grpc",
             *(m.name for m in pkgutil.walk_packages(paars_analytics.__path__, "paars_analytics."))]:
    importlib.import_module(name)
from paars_analytics.app import create_app, register_agents
from paars_analytics.config import AnalyticsConfig
register_agents(create_app(AnalyticsConfig.from_env()))
loaded = sorted({m.split(".")[0] for m in sys.modules} & HEAVY)
print(json.dumps({top: first.get(top, "?") for top in loaded}))
"""


def test_the_analytics_worker_imports_neither_sqlalchemy_nor_httpx(tmp_path) -> None:
    env = {"PAARS_ANALYTICS_STATE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", PROBE, ",".join(HEAVY)], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == {}, f"the analytics worker imports {loaded} (package: the module that asked for it first)"


@pytest.fixture
def provider() -> Iterator[str]:
    """A local OpenID provider's two endpoints the client-credentials grant uses: discovery and token."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer({"token_endpoint": f"http://127.0.0.1:{self.server.server_address[1]}/token"})

        def do_POST(self) -> None:
            asked.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
            self._answer({"access_token": "from-the-provider", "expires_in": 120})

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
    assert asked and "grant_type=client_credentials" in asked[0]


def test_the_service_token_still_comes_from_the_provider_with_httpx_imported_at_its_use(provider: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAARS_OIDC_ISSUER", provider)
    monkeypatch.setenv("PAARS_OIDC_CLIENT_ID", "paars-services")
    monkeypatch.setenv("PAARS_OIDC_CLIENT_SECRET", "a-secret")
    # Not HS256: the token is the provider's, not minted with the shared secret.
    settings = dataclasses.replace(Settings.from_env("analytics"), jwt_algorithm="RS256")
    now = [1000.0]
    token = ServiceToken(settings, clock=lambda: now[0], scopes=(KEYS_SCOPE,))
    assert asyncio.run(token.get()) == "from-the-provider"
    assert token._expires == 1120.0
