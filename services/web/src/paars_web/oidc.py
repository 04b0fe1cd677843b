"""OpenID Connect sign-in (authorization code + PKCE, Authlib): the person's own access token, refreshed, is what the services see."""
from __future__ import annotations

import asyncio
import logging
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from paars_web.config import WebConfig
from paars_web.middleware import SESSION_KEY, session_of
from paars_web.sessions import Session
from paars_web.web import safe_next, web_of

log = logging.getLogger("paars.web.oidc")

CALLBACK_PATH = "/signin/oidc/callback"
# offline_access: a refresh token, so a session outlives one short-lived access token.
SCOPE = "openid profile email offline_access"
# A token closer than this to its expiry is refreshed before the request uses it: an RPC started
# with it must not see it expire half-way.
REFRESH_MARGIN_SECONDS = 60.0
PENDING = "oidc.pending"
TOKENS = "oidc.tokens"


class OidcSignIn:
    """The SignIn of paars_web.web for the organisation's OpenID provider.

    The web app never mints a token here: the services get the access token the provider issued to this
    person for the Paars audience (RFC 8707 resource indicator), verified by them through its JWKS.
    """

    key = "oidc"
    start_path = "/signin/oidc"

    def __init__(self, config: WebConfig, **client_kwargs: Any) -> None:
        self.config = config
        self.redirect_uri = config.link(CALLBACK_PATH)
        # Authlib makes a new httpx client for every authorization URL and token request, and each loads the CA bundle
        # again (about 40 ms of CPU here, most of what /signin/oidc and the callback cost): one TLS context serves them all.
        self.tls = httpx.create_ssl_context()
        self.client: Any = OAuth().register(
            "paars",
            client_id=config.oidc_client_id,
            client_secret=config.oidc_client_secret,
            server_metadata_url=config.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "verify": self.tls, **client_kwargs},
        )

    def origins(self) -> tuple[str, ...]:
        """Where sign-out leads (the provider's end-session page), for the Content-Security-Policy's form-action."""
        issuer = urllib.parse.urlsplit(self.config.oidc_issuer)
        return (f"{issuer.scheme}://{issuer.netloc}",)

    def label(self, gettext: Callable[[str], str]) -> str:
        return gettext("Sign in with your organisation account")

    def routes(self) -> list[BaseRoute]:
        return [Route(self.start_path, self.start, methods=["GET"]), Route(CALLBACK_PATH, self.callback, methods=["GET"])]

    def _resource(self) -> dict[str, str]:
        return {"resource": self.config.oidc_audience} if self.config.oidc_audience else {}

    async def start(self, request: Request) -> Response:
        """To the provider's login, remembering state, nonce and PKCE verifier in this (not yet signed-in) session."""
        asked = await self.client.create_authorization_url(self.redirect_uri, **self._resource())
        session_of(request.scope).data[PENDING] = {
            "state": asked["state"], "nonce": asked["nonce"], "code_verifier": asked["code_verifier"],
            "next": safe_next(request.query_params.get("next", "/")),
        }
        return RedirectResponse(asked["url"], status_code=303)

    async def callback(self, request: Request) -> Response:
        web = web_of(request)
        pending = session_of(request.scope).data.pop(PENDING, None)
        params = request.query_params
        if pending is None or params.get("state") != pending["state"]:
            # A callback this browser did not start (or one replayed): never sign anyone in on it.
            return web.render(request, "error.html", status_code=400)
        if "error" in params or "code" not in params:
            log.info("sign-in not completed at the provider", extra={"error": params.get("error", "no code")})
            return RedirectResponse("/signin", status_code=303)
        try:
            token = await self.client.fetch_access_token(
                self.redirect_uri, code=params["code"], code_verifier=pending["code_verifier"], **self._resource()
            )
            claims = await self.client.parse_id_token(token, nonce=pending["nonce"])
        except (OAuthError, JoseError, ValueError) as exc:
            log.warning("sign-in refused by the provider", extra={"error": str(exc)})
            return web.render(request, "error.html", status_code=502)
        refresh_token = token.get("refresh_token", "")
        access_expires = float(token["expires_at"])
        response = await web.complete_sign_in(
            request,
            person_id=claims["sub"],
            person_name=claims.get("name") or claims["sub"],
            access_token=token["access_token"],
            # With a refresh token the session lives its own length; the access token is renewed within it.
            expires_at=time.time() + self.config.session_max_age_seconds if refresh_token else access_expires,
            next_path=pending["next"],
        )
        session_of(request.scope).data[TOKENS] = {
            "refresh_token": refresh_token, "access_expires_at": access_expires, "id_token": token.get("id_token", ""),
        }
        return response

    async def keep_fresh(self, session: Session) -> None:
        """Renews the access token shortly before it expires; a refused refresh signs the session out."""
        tokens = session.data.get(TOKENS)
        if not tokens or not tokens["refresh_token"] or not self._due(tokens):
            return
        # Concurrent requests of one session refresh once; the others wait and find the new token.
        async with tokens.setdefault("lock", asyncio.Lock()):
            if not self._due(tokens):
                return
            try:
                token = await self.client.fetch_access_token(
                    grant_type="refresh_token", refresh_token=tokens["refresh_token"], **self._resource()
                )
            except OAuthError as exc:
                log.info("refresh refused: signing the session out", extra={"error": str(exc)})
                session.access_token = ""
                return
            session.access_token = token["access_token"]
            tokens["access_expires_at"] = float(token["expires_at"])
            tokens["refresh_token"] = token.get("refresh_token") or tokens["refresh_token"]

    @staticmethod
    def _due(tokens: dict[str, Any]) -> bool:
        return bool(tokens["access_expires_at"] - time.time() <= REFRESH_MARGIN_SECONDS)

    async def sign_out_url(self, session: Session) -> str | None:
        """The provider's end-session page (RP-initiated logout), which comes back to this app's sign-in page."""
        tokens = session.data.get(TOKENS)
        if not tokens:
            return None
        if tokens["refresh_token"]:
            await self._revoke(tokens["refresh_token"])
        logout = await self.client.create_logout_url(
            post_logout_redirect_uri=self.config.link("/signin"), id_token_hint=tokens["id_token"] or None,
            client_id=self.config.oidc_client_id,
        )
        return str(logout["url"])

    async def _revoke(self, refresh_token: str) -> None:
        """A signed-out session's refresh token must not mint new access tokens (RFC 7009); best effort."""
        endpoint = (await self.client.load_server_metadata()).get("revocation_endpoint")
        if not endpoint:
            return
        try:
            async with httpx.AsyncClient(timeout=5.0, verify=self.tls) as http:
                answer = await http.post(
                    endpoint, data={"token": refresh_token, "token_type_hint": "refresh_token"},
                    auth=(self.config.oidc_client_id, self.config.oidc_client_secret),
                )
                answer.raise_for_status()
        except httpx.HTTPError as exc:
            # The session is dropped anyway; the refresh token then only lives out its time at the provider.
            log.warning("refresh token not revoked", extra={"error": str(exc)})


class KeepTokensFresh:
    """ASGI layer inside WebMiddleware: a signed-in session's access token is renewed before the page uses it."""

    def __init__(self, app: ASGIApp, sign_in: OidcSignIn) -> None:
        self.app = app
        self.sign_in = sign_in

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        session: Session | None = scope.get(SESSION_KEY) if scope["type"] == "http" else None
        if session is not None and session.signed_in:
            await self.sign_in.keep_fresh(session)
        await self.app(scope, receive, send)
