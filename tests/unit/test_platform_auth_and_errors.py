"""Identity from tokens and the directory, the JWT rules, start-up refusals, and the one mapping of domain errors to gRPC status."""
from __future__ import annotations

import asyncio
import dataclasses
import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from paars_platform.auth import CallerResolver, Claims, DirectoryEntry, JwksKeys, TokenVerifier, mint_token
from paars_platform.config import DEV_JWT_SECRET, DEV_SYSTEM_CLIENT, Settings
from paars_platform.errors import (
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    StaleVersion,
    Unauthenticated,
    Validator,
    to_rpc_status,
)


def settings(**kw: object) -> Settings:
    return dataclasses.replace(Settings.from_env("goals"), **kw)  # type: ignore[arg-type]


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    values = {"sub": "ann", "roles": ["employee"], "iss": "paars", "iat": now, "exp": now + 60}
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def hs256(**overrides: Any) -> str:
    return jwt.encode(claims(**overrides), DEV_JWT_SECRET, algorithm="HS256")


async def test_a_development_token_carries_the_subject_and_the_roles_it_asks_for() -> None:
    s = settings()
    said = await TokenVerifier(s).verify(mint_token("ann", ["employee", "manager"], secret=s.jwt_secret))
    assert said == Claims("ann", frozenset({"employee", "manager"}), "")
    unnarrowed = await TokenVerifier(s).verify(mint_token("ann", secret=s.jwt_secret))
    assert unnarrowed.roles is None


@pytest.mark.parametrize("case", ["expired", "wrong-secret", "tampered", "no-subject", "wrong-issuer", "alg-none", "no-iat"])
async def test_bad_tokens_are_unauthenticated(case: str) -> None:
    s = settings()
    if case == "expired":
        token = hs256(iat=int(time.time()) - 600, exp=int(time.time()) - 300)
    elif case == "wrong-secret":
        token = jwt.encode(claims(), "another-secret-of-sufficient-length-123", algorithm="HS256")
    elif case == "tampered":
        head, _body, sig = hs256().split(".")
        forged = jwt.encode(claims(roles=["admin"]), "x" * 32, algorithm="HS256").split(".")[1]
        token = f"{head}.{forged}.{sig}"
    elif case == "no-subject":
        token = hs256(sub=None)
    elif case == "wrong-issuer":
        token = hs256(iss="elsewhere")
    elif case == "no-iat":
        token = hs256(iat=None)
    else:
        token = jwt.encode(claims(), None, algorithm="none")
    with pytest.raises(Unauthenticated):
        await TokenVerifier(s).verify(token)


async def test_a_configured_audience_is_required_and_must_match() -> None:
    verifier = TokenVerifier(settings(jwt_audience="paars-api"))
    assert (await verifier.verify(hs256(aud="paars-api"))).subject == "ann"
    assert (await verifier.verify(hs256(aud=["other", "paars-api"]))).subject == "ann"
    for wrong in ({"aud": "someone-else"}, {}):
        with pytest.raises(Unauthenticated):
            await verifier.verify(hs256(**wrong))


async def test_without_a_configured_audience_a_token_from_a_provider_that_sets_one_is_accepted() -> None:
    assert (await TokenVerifier(settings(jwt_audience="")).verify(hs256(aud="account"))).subject == "ann"


async def test_clocks_a_little_apart_are_tolerated_but_not_beyond_the_leeway() -> None:
    now = int(time.time())
    verifier = TokenVerifier(settings(jwt_leeway_seconds=30))
    assert (await verifier.verify(hs256(iat=now + 5, exp=now + 65))).subject == "ann"
    assert (await verifier.verify(hs256(iat=now - 100, exp=now - 10))).subject == "ann"
    with pytest.raises(Unauthenticated):
        await verifier.verify(hs256(iat=now + 120, exp=now + 600))
    with pytest.raises(Unauthenticated):
        await verifier.verify(hs256(iat=now - 600, exp=now - 60))


async def test_a_token_that_lives_longer_than_the_maximum_lifetime_is_refused() -> None:
    now = int(time.time())
    verifier = TokenVerifier(settings(jwt_max_lifetime_seconds=86400))
    assert (await verifier.verify(hs256(iat=now, exp=now + 86400))).subject == "ann"
    with pytest.raises(Unauthenticated, match="lives longer"):
        await verifier.verify(hs256(iat=now, exp=now + 100 * 365 * 86400))


async def test_the_client_id_comes_from_azp_or_client_id() -> None:
    verifier = TokenVerifier(settings())
    assert (await verifier.verify(hs256(azp="crm-sync"))).client_id == "crm-sync"
    assert (await verifier.verify(hs256(client_id="hris"))).client_id == "hris"


async def test_production_tokens_are_verified_with_the_identity_providers_public_key() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    verifier = TokenVerifier(settings(jwt_algorithm="RS256", jwt_public_key=public))
    assert (await verifier.verify(jwt.encode(claims(roles=["hr"]), key, algorithm="RS256"))).roles == {"hr"}
    # An HS256 token signed with the public key as secret (algorithm confusion) must not pass.
    with pytest.raises(Unauthenticated):
        await verifier.verify(jwt.encode(claims(), "development-secret-that-is-long-enough", algorithm="HS256"))


class Jwks:
    """A local JWKS endpoint: serves `keys`, counts fetches, and holds each answer until `release` is set."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        self.release = threading.Event()
        self.release.set()
        jwks = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                jwks.fetches += 1
                jwks.release.wait(timeout=10)
                body = json.dumps({"keys": jwks.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/jwks.json"

    def publish(self, key: rsa.RSAPrivateKey, kid: str) -> None:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        jwk.update(kid=kid, use="sig", alg="RS256")
        self.keys.append(jwk)


@pytest.fixture
def jwks() -> Iterator[Jwks]:
    endpoint = Jwks()
    threading.Thread(target=endpoint.server.serve_forever, daemon=True).start()
    try:
        yield endpoint
    finally:
        endpoint.release.set()
        endpoint.server.shutdown()


def rs256(key: rsa.RSAPrivateKey, kid: str, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), key, algorithm="RS256", headers={"kid": kid})


async def test_production_tokens_can_be_verified_against_the_identity_providers_jwks_endpoint(jwks: Jwks) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks.publish(key, "k1")
    verifier = TokenVerifier(settings(jwt_algorithm="RS256", jwt_jwks_url=jwks.url))
    assert (await verifier.verify(rs256(key, "k1", sub="lotte"))).subject == "lotte"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Unauthenticated):
        await verifier.verify(rs256(other, "k1", sub="lotte"))


async def test_fetching_the_jwks_does_not_stall_the_event_loop(jwks: Jwks) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks.publish(key, "k1")
    jwks.release.clear()
    verifier = TokenVerifier(settings(jwt_algorithm="RS256", jwt_jwks_url=jwks.url))
    ticks = 0

    async def probe() -> None:
        # The endpoint answers only once the loop has ticked 20 times while the fetch is in flight.
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1
            if ticks >= 20:
                jwks.release.set()

    ticking = asyncio.create_task(probe())
    try:
        said = await verifier.verify(rs256(key, "k1"))
    finally:
        ticking.cancel()
    assert said.subject == "ann"
    assert ticks >= 20


async def test_a_token_signed_with_a_rotated_key_refreshes_the_keys_at_most_once_per_interval(jwks: Jwks) -> None:
    old, new = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
    jwks.publish(old, "2026-11")
    verifier = TokenVerifier(settings(jwt_algorithm="RS256", jwt_jwks_url=jwks.url))
    assert verifier.jwks is not None
    now = [1000.0]
    verifier.jwks.clock = lambda: now[0]
    await verifier.verify(rs256(old, "2026-11"))
    assert jwks.fetches == 1
    jwks.publish(new, "2026-12")
    now[0] += JwksKeys.REFRESH_SECONDS
    assert (await verifier.verify(rs256(new, "2026-12", sub="bob"))).subject == "bob"
    assert jwks.fetches == 2
    # Made-up key ids right after a refresh are refused without another fetch.
    for kid in ("nope-1", "nope-2"):
        with pytest.raises(Unauthenticated, match="unknown signing key"):
            await verifier.verify(rs256(new, kid))
    assert jwks.fetches == 2


def a_resolver(people: dict[str, DirectoryEntry], **kw: Any) -> tuple[CallerResolver, list[str]]:
    looked_up: list[str] = []

    async def lookup(employee_id: str) -> DirectoryEntry | None:
        looked_up.append(employee_id)
        return people.get(employee_id)

    return CallerResolver(settings(**kw), lookup), looked_up


EMPLOYEE = DirectoryEntry(frozenset({"employee"}), True)
HR = DirectoryEntry(frozenset({"hr"}), True)


async def test_roles_come_from_the_directory_and_a_token_can_only_narrow_them() -> None:
    resolver, _ = a_resolver({"ann": EMPLOYEE, "hanne": DirectoryEntry(frozenset({"hr", "coach"}), True)})
    assert (await resolver.resolve(Claims("ann", frozenset({"hr", "admin"})))).roles == frozenset()
    assert (await resolver.resolve(Claims("ann", None))).roles == {"employee"}
    assert (await resolver.resolve(Claims("hanne", None))).roles == {"hr", "coach"}
    assert (await resolver.resolve(Claims("hanne", frozenset({"coach"})))).roles == {"coach"}


async def test_the_system_role_needs_an_allow_listed_client_and_is_never_taken_from_a_persons_token() -> None:
    resolver, looked_up = a_resolver({"bob": EMPLOYEE}, system_clients=frozenset({"hris"}))
    who = await resolver.resolve(Claims("hris-sync", frozenset({"system"}), "hris"))
    assert who.kind == "system" and who.has("system") and looked_up == []
    for client in ("", "paars-web", DEV_SYSTEM_CLIENT):
        with pytest.raises(PermissionDenied, match="system role"):
            await resolver.resolve(Claims("bob", frozenset({"system"}), client))


async def test_a_subject_not_in_the_directory_is_unauthenticated_and_a_deactivated_one_is_refused() -> None:
    resolver, _ = a_resolver({"gone": DirectoryEntry(frozenset({"hr"}), False)})
    with pytest.raises(Unauthenticated, match="not a person in the directory"):
        await resolver.resolve(Claims("stranger", None))
    with pytest.raises(PermissionDenied, match="deactivated"):
        await resolver.resolve(Claims("gone", frozenset({"hr"})))


async def test_a_caller_is_looked_up_once_per_window_and_again_as_soon_as_the_directory_changes() -> None:
    people = {"ann": EMPLOYEE}
    resolver, looked_up = a_resolver(people)
    for _ in range(3):
        await resolver.resolve(Claims("ann", None))
    assert looked_up == ["ann"]
    people["ann"] = DirectoryEntry(frozenset({"employee"}), False)
    resolver.forget("ann")
    with pytest.raises(PermissionDenied):
        await resolver.resolve(Claims("ann", None))
    # Someone not there yet is looked up on every call, so they get in once the projection has them.
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await resolver.resolve(Claims("new", None))
    people["new"] = EMPLOYEE
    assert (await resolver.resolve(Claims("new", None))).employee_id == "new"
    assert looked_up == ["ann", "ann", "new", "new", "new"]


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({}, "PAARS_JWT_SECRET must be set"),
        ({"PAARS_JWT_SECRET": DEV_JWT_SECRET}, "published development secret"),
        ({"PAARS_JWT_ALGORITHM": "RS256", "PAARS_JWT_SECRET": DEV_JWT_SECRET}, "published development secret"),
        ({"PAARS_JWT_ALGORITHM": "RS256"}, "PAARS_JWT_AUDIENCE must be set"),
        ({"PAARS_JWT_ALGORITHM": "RS256", "PAARS_JWT_AUDIENCE": "paars", "PAARS_SYSTEM_CLIENTS": f"hris,{DEV_SYSTEM_CLIENT}"}, "development client"),
    ],
)
def test_a_service_does_not_start_outside_development_with_development_secrets(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], complaint: str
) -> None:
    monkeypatch.setenv("PAARS_ENVIRONMENT", "production")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # "cli": a process that signs no events, so only these settings decide (event keys have their own test).
    with pytest.raises(ValueError, match=complaint):
        Settings.from_env("cli")


def test_production_settings_with_their_own_secrets_start_and_allow_no_development_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAARS_ENVIRONMENT", "production")
    monkeypatch.setenv("PAARS_JWT_ALGORITHM", "RS256")
    monkeypatch.setenv("PAARS_JWT_AUDIENCE", "paars")
    s = Settings.from_env("cli")
    assert s.system_clients == frozenset() and s.jwt_secret == ""
    monkeypatch.setenv("PAARS_SYSTEM_CLIENTS", "hris, crm-sync")
    assert Settings.from_env("cli").system_clients == {"hris", "crm-sync"}


def test_development_defaults_allow_the_development_system_client() -> None:
    s = Settings.from_env("goals")
    assert s.is_development and s.system_clients == {DEV_SYSTEM_CLIENT} and s.jwt_leeway_seconds == 30


def test_invalid_arguments_carry_every_field_violation() -> None:
    v = Validator()
    v.require("", "title")
    v.check(False, "key_results[0].target_value", "must differ from start_value")
    with pytest.raises(InvalidArgument) as err:
        v.raise_if_any()
    status = to_rpc_status(err.value)
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    detail = error_details_pb2.BadRequest()
    status.details[0].Unpack(detail)
    assert [f.field for f in detail.field_violations] == ["title", "key_results[0].target_value"]


def test_a_stale_version_is_aborted() -> None:
    assert to_rpc_status(StaleVersion("goal g at version 3")).code == grpc.StatusCode.ABORTED.value[0]


def _trailer_bytes(status: Any) -> int:
    """What the status costs in trailers: grpc-message (percent-encoded) and grpc-status-details-bin (base64)."""
    message = status.details.encode()
    encoded = sum(1 if 0x20 <= b < 0x7F and b != 0x25 else 3 for b in message)
    details = dict(status.trailing_metadata)["grpc-status-details-bin"]
    return encoded + (len(details) * 4 + 2) // 3


@pytest.mark.parametrize("echoed", ["9" * 10_000, "é" * 10_000, "\U0001f600" * 5_000])
def test_an_error_echoes_a_huge_id_only_in_part_so_its_status_fits_in_the_trailers(echoed: str) -> None:
    for error in (
        NotFound(f"goal {echoed!r} not found"),
        InvalidArgument([FieldViolation(f"ids[{i}]", f"unknown id {echoed!r}") for i in range(50)]),
    ):
        status = rpc_status.to_status(to_rpc_status(error))
        assert status.code == error.code
        assert _trailer_bytes(status) < 8 * 1024
    assert rpc_status.to_status(to_rpc_status(NotFound(f"goal {echoed!r} not found"))).details.endswith("not found")
