"""The OpenID Connect sign-in's token upkeep, against a stand-in token endpoint (the real provider is in tests/browser)."""
from __future__ import annotations

import dataclasses
import json
import time
import urllib.parse

import httpx

from paars_web.config import WebConfig
from paars_web.oidc import TOKENS, OidcSignIn
from paars_web.sessions import Session

ISSUER = "https://login.example.test"
AUDIENCE = "https://paars.example.test/api"


class Provider:
    """Discovery and a token endpoint; answers refresh requests from a queue of (status, body)."""

    def __init__(self, *answers: tuple[int, dict]) -> None:
        self.answers = list(answers)
        self.token_requests: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(200, json={"issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/auth", "token_endpoint": f"{ISSUER}/token"})
        assert request.url.path == "/token"
        self.token_requests.append(dict(urllib.parse.parse_qsl(request.content.decode())))
        status, body = self.answers.pop(0)
        return httpx.Response(status, content=json.dumps(body), headers={"content-type": "application/json"})


def sign_in_with(provider: Provider) -> OidcSignIn:
    config = dataclasses.replace(WebConfig.from_env(), oidc_issuer=ISSUER, oidc_client_id="paars-web", oidc_client_secret="s", oidc_audience=AUDIENCE)
    return OidcSignIn(config, transport=httpx.MockTransport(provider))


def session(access_expires_in: float, refresh_token: str = "rt-1") -> Session:
    s = Session(id="s1", csrf_token="c", created_at=time.time(), person_id="emma", person_name="Emma", access_token="at-1", expires_at=time.time() + 3600)
    s.data[TOKENS] = {"refresh_token": refresh_token, "access_expires_at": time.time() + access_expires_in, "id_token": ""}
    return s


async def test_a_token_far_from_its_expiry_is_used_as_it_is() -> None:
    provider = Provider()
    current = session(access_expires_in=600)
    await sign_in_with(provider).keep_fresh(current)
    assert current.access_token == "at-1" and provider.token_requests == []


async def test_a_token_about_to_expire_is_renewed_for_the_paars_audience() -> None:
    provider = Provider((200, {"access_token": "at-2", "token_type": "Bearer", "expires_in": 600, "refresh_token": "rt-2"}))
    current = session(access_expires_in=10)
    await sign_in_with(provider).keep_fresh(current)
    [asked] = provider.token_requests
    assert asked["grant_type"] == "refresh_token" and asked["refresh_token"] == "rt-1" and asked["resource"] == AUDIENCE
    assert current.access_token == "at-2" and current.signed_in
    assert current.data[TOKENS]["refresh_token"] == "rt-2"
    assert current.data[TOKENS]["access_expires_at"] > time.time() + 500


async def test_a_refused_refresh_signs_the_session_out() -> None:
    provider = Provider((400, {"error": "invalid_grant", "error_description": "grant revoked"}))
    current = session(access_expires_in=10)
    await sign_in_with(provider).keep_fresh(current)
    assert not current.signed_in


async def test_without_a_refresh_token_nothing_is_asked() -> None:
    provider = Provider()
    current = session(access_expires_in=10, refresh_token="")
    await sign_in_with(provider).keep_fresh(current)
    assert current.access_token == "at-1" and provider.token_requests == []
