"""One ASGI layer around every request: correlation id, session cookie, CSRF check, security headers, RED metrics."""
from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paars_platform import metrics
from paars_platform.logs import correlation_id, new_correlation_id
from paars_web.sessions import COOKIE, Session, SessionStore

log = logging.getLogger("paars.web")

SESSION_KEY = "paars.session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_FORM_BYTES = 256 * 1024
# No inline script or style anywhere: everything comes from this origin's /static.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # The customer page's URL carries its link token: it must not leak to another site.
    (b"referrer-policy", b"no-referrer"),
]
# Paths without a session (assets, probes): they neither read nor set the cookie.
SESSIONLESS_PREFIXES = ("/static/", "/healthz")

REQUESTS = metrics.counter("paars_web_requests_total", "HTTP requests answered by the web app.", ("route", "method", "status"))
DURATION = metrics.histogram("paars_web_request_duration_seconds", "Server time of a request until its response starts.", ("route", "method"))


def session_of(scope: Scope) -> Session:
    return scope[SESSION_KEY]


def _cookie(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:
                return None
            morsel = jar.get(COOKIE)
            return morsel.value if morsel else None
    return None


def _header(headers: list[tuple[bytes, bytes]], wanted: bytes) -> str:
    for name, value in headers:
        if name == wanted:
            return value.decode("latin-1")
    return ""


class WebMiddleware:
    def __init__(
        self, app: ASGIApp, store: SessionStore, *, secure_cookies: bool, refusal: Callable[[Scope], str], sign_out_origins: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.store = store
        self.secure_cookies = secure_cookies
        # The text of a refused form, in the visitor's language.
        self.refusal = refusal
        # Signing out posts here and is redirected to the identity provider's logout: form-action governs
        # that redirect too, so the provider's origin is the one other place a form may lead.
        policy = CONTENT_SECURITY_POLICY.replace("form-action 'self'", " ".join(["form-action 'self'", *sign_out_origins]))
        self.security_headers = [(b"content-security-policy", policy.encode()), *SECURITY_HEADERS[1:]]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = scope["headers"]
        correlation_id.set(_header(headers, b"x-correlation-id")[:64] or new_correlation_id())
        path: str = scope["path"]
        method: str = scope["method"]
        status = {"code": 500}
        with_session = not path.startswith(SESSIONLESS_PREFIXES)
        cookie_id = ""
        if with_session:
            session = self.store.from_cookie(_cookie(headers))
            if session is None:
                session = self.store.new()
            else:
                cookie_id = session.id
            scope[SESSION_KEY] = session

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                out = list(message.get("headers", []))
                out.extend(self.security_headers)
                out.append((b"x-correlation-id", correlation_id.get().encode()))
                if with_session:
                    out.append((b"cache-control", b"no-store"))
                    current: Session | None = scope.get(SESSION_KEY)
                    if current is None:
                        out.append((b"set-cookie", self._set_cookie("", max_age=0)))
                    elif current.id != cookie_id:
                        out.append((b"set-cookie", self._set_cookie(self.store.cookie_value(current), max_age=self.store.max_age)))
                elapsed = time.perf_counter() - started
                # Server time until the response starts, for browsers' dev tools and `make bench`.
                out.append((b"server-timing", f"app;dur={elapsed * 1000:.2f}".encode()))
                message["headers"] = out
                DURATION.labels(self._route(scope), method).observe(elapsed)
            await send(message)

        try:
            if with_session and method not in SAFE_METHODS:
                receive = await self._checked(scope, receive, send)
                if receive is None:
                    return
            await self.app(scope, receive, send_with_headers)
        finally:
            REQUESTS.labels(self._route(scope), method, str(status["code"])).inc()
            log.info("request", extra={"method": method, "path": path, "status": status["code"], "ms": round((time.perf_counter() - started) * 1000, 1)})

    async def _checked(self, scope: Scope, receive: Receive, send: Send) -> Any:
        """The request with its body replayed if the CSRF token matches (form field or htmx header); else None, answered 403."""
        session = session_of(scope)
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_FORM_BYTES:
                await self._refuse(scope, send, 413, b"")
                return None
        token = _header(scope["headers"], CSRF_HEADER.encode())
        content_type = _header(scope["headers"], b"content-type")
        if not token and content_type.startswith("application/x-www-form-urlencoded"):
            token = (parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD) or [""])[0]
        elif not token and content_type.startswith("multipart/form-data"):
            # A file upload (the directory import) carries the token as one of its fields.
            token = await _multipart_field(scope, body, CSRF_FIELD)
        if not token or not hmac.compare_digest(token, session.csrf_token):
            await self._refuse(scope, send, 403, self.refusal(scope).encode())
            return None
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay

    async def _refuse(self, scope: Scope, send: Send, status: int, text: bytes) -> None:
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain; charset=utf-8"), *self.security_headers]})
        await send({"type": "http.response.body", "body": text})

    def _set_cookie(self, value: str, *, max_age: int) -> bytes:
        parts = [f"{COOKIE}={value}", "Path=/", "HttpOnly", "SameSite=Lax", f"Max-Age={max_age}"]
        if self.secure_cookies:
            parts.append("Secure")
        return "; ".join(parts).encode()

    @staticmethod
    def _route(scope: Scope) -> str:
        route = scope.get("route")
        # Unmatched paths share one label, so a scan of random URLs cannot grow the label set.
        return getattr(route, "path", "unmatched")


async def _multipart_field(scope: Scope, body: bytes, name: str) -> str:
    """One text field of a multipart/form-data body already read (bounded by MAX_FORM_BYTES); "" when absent or malformed."""

    async def stream() -> Any:
        yield body

    try:
        form = await MultiPartParser(Headers(scope=scope), stream(), max_files=4, max_fields=100).parse()
    except MultiPartException:
        return ""
    try:
        value = form.get(name, "")
        return value if isinstance(value, str) else ""
    finally:
        await form.close()
