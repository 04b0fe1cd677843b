"""Internal systems' scopes, client-credentials tokens mapped to `system` only by the allow-list, and the
JWKS cache's age (issue 18 item 1). The end-to-end flows against the real provider are tests/identity."""
from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from paars_platform.auth import CallerResolver, Claims, DirectoryEntry, Identity, TokenVerifier, rpc_scope, scope_allows
from paars_platform.config import DEV_JWT_SECRET, Settings
from paars_platform.errors import PermissionDenied, Unauthenticated, Unavailable
from paars_platform.grpc_server import PlatformInterceptor
from tests.unit.test_platform_auth_and_errors import Jwks, rs256

IMPORT = "/paars.org.v1.OrgService/ImportDirectory"
LIST = "/paars.org.v1.OrgService/ListEmployees"


@pytest.fixture
def jwks() -> Iterator[Jwks]:
    endpoint = Jwks()
    threading.Thread(target=endpoint.server.serve_forever, daemon=True).start()
    try:
        yield endpoint
    finally:
        endpoint.release.set()
        endpoint.server.shutdown()


def settings(**kw: object) -> Settings:
    return dataclasses.replace(Settings.from_env("goals"), **kw)  # type: ignore[arg-type]


async def nobody(_: str) -> DirectoryEntry | None:
    return None


def test_a_scope_names_one_rpc_or_every_rpc_of_one_service() -> None:
    assert rpc_scope(IMPORT) == "rpc:paars.org.v1.OrgService/ImportDirectory"
    assert scope_allows(frozenset({rpc_scope(IMPORT)}), IMPORT)
    assert not scope_allows(frozenset({rpc_scope(IMPORT)}), LIST)
    assert scope_allows(frozenset({"rpc:paars.org.v1.OrgService/*"}), LIST)
    assert not scope_allows(frozenset({"rpc:paars.goals.v1.GoalService/*"}), LIST)
    assert not scope_allows(frozenset({"paars", "openid"}), LIST)


async def test_scopes_are_read_from_scope_or_scp() -> None:
    s = settings()
    now = int(time.time())
    base = {"sub": "hris", "iss": s.jwt_issuer, "iat": now, "exp": now + 60, "azp": "hris"}
    spaced = await TokenVerifier(s).verify(jwt.encode({**base, "scope": f"paars {rpc_scope(LIST)}"}, s.jwt_secret, algorithm="HS256"))
    assert spaced.scopes == {"paars", rpc_scope(LIST)}
    listed = await TokenVerifier(s).verify(jwt.encode({**base, "scp": [rpc_scope(LIST)]}, s.jwt_secret, algorithm="HS256"))
    assert listed.scopes == {rpc_scope(LIST)}
    none = await TokenVerifier(s).verify(jwt.encode(base, s.jwt_secret, algorithm="HS256"))
    assert none.scopes is None
    with pytest.raises(Unauthenticated, match="scope"):
        await TokenVerifier(s).verify(jwt.encode({**base, "scope": ["not", "a", "string"]}, s.jwt_secret, algorithm="HS256"))


async def test_a_client_credentials_token_is_system_only_for_an_allow_listed_client() -> None:
    resolver = CallerResolver(settings(system_clients=frozenset({"hris"})), nobody)
    # RFC 9068: a client-credentials token names its client as the subject, and asks for no roles.
    who = await resolver.resolve(Claims("hris", None, "hris", frozenset({rpc_scope(LIST)})))
    assert who == Identity("hris", frozenset({"system"}), "system", frozenset({rpc_scope(LIST)}))
    with pytest.raises(PermissionDenied, match="not a configured service client"):
        await resolver.resolve(Claims("crm", None, "crm", frozenset({rpc_scope(LIST)})))
    # A person's token from an allow-listed client is still a person's (and here, nobody the directory knows).
    with pytest.raises(Unauthenticated, match="not a person"):
        await resolver.resolve(Claims("ann", None, "hris"))


def interceptor(**kw: object) -> PlatformInterceptor:
    s = settings(**kw)
    return PlatformInterceptor(s, TokenVerifier(s), CallerResolver(s, nobody))


def test_a_system_calls_only_the_rpcs_its_scopes_name() -> None:
    check = interceptor(jwt_algorithm="RS256", jwt_public_key="unused")._check_scope
    scoped = Identity("hris", frozenset({"system"}), "system", frozenset({rpc_scope(LIST)}))
    check(scoped, LIST)
    with pytest.raises(PermissionDenied, match="ImportDirectory"):
        check(scoped, IMPORT)
    # The provider's tokens always carry their scopes: one without any is refused, even in development.
    with pytest.raises(PermissionDenied, match="names no scopes"):
        check(Identity("hris", frozenset({"system"}), "system", None), LIST)


def test_only_development_tokens_may_act_as_system_without_scopes() -> None:
    unscoped = Identity("paars-dev", frozenset({"system"}), "system", None)
    interceptor(jwt_algorithm="HS256", jwt_secret=DEV_JWT_SECRET)._check_scope(unscoped, IMPORT)
    with pytest.raises(PermissionDenied):
        interceptor(jwt_algorithm="HS256", jwt_secret="x" * 40, environment="production")._check_scope(unscoped, IMPORT)


async def test_keys_older_than_the_jwks_max_age_are_fetched_again_so_a_retired_key_stops_working(jwks: Jwks) -> None:
    retired, current = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
    jwks.publish(retired, "old")
    jwks.publish(current, "new")
    verifier = TokenVerifier(settings(jwt_algorithm="RS256", jwt_jwks_url=jwks.url, jwt_jwks_max_age_seconds=60.0))
    assert verifier.jwks is not None
    now = [1000.0]
    verifier.jwks.clock = lambda: now[0]
    assert (await verifier.verify(rs256(retired, "old", sub="a"))).subject == "a"
    jwks.keys[:] = jwks.keys[1:]  # the provider retires "old"
    now[0] += 30
    assert (await verifier.verify(rs256(retired, "old", sub="b"))).subject == "b"  # still within the age
    assert jwks.fetches == 1
    now[0] += 31
    with pytest.raises(Unauthenticated, match="unknown signing key"):
        await verifier.verify(rs256(retired, "old", sub="c"))
    assert (await verifier.verify(rs256(current, "new", sub="d"))).subject == "d"
    assert jwks.fetches == 2


async def test_a_failed_refresh_keeps_the_known_keys_until_twice_the_max_age(jwks: Jwks) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks.publish(key, "k")
    verifier = TokenVerifier(settings(jwt_algorithm="RS256", jwt_jwks_url=jwks.url, jwt_jwks_max_age_seconds=60.0))
    assert verifier.jwks is not None
    now = [1000.0]
    verifier.jwks.clock = lambda: now[0]
    await verifier.verify(rs256(key, "k", sub="a"))
    verifier.jwks._client.uri = "http://127.0.0.1:9/jwks.json"  # the provider is unreachable now
    now[0] += 61
    assert (await verifier.verify(rs256(key, "k", sub="b"))).subject == "b"
    now[0] += 60
    with pytest.raises(Unavailable):
        await verifier.verify(rs256(key, "k", sub="c"))
