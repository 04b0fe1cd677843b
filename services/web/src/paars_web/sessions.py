"""Server-side sessions: the cookie carries only a signed random id; the person's access token stays on the server."""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, TimestampSigner

COOKIE = "paars_session"


@dataclass
class Session:
    id: str
    csrf_token: str
    created_at: float
    person_id: str = ""
    person_name: str = ""
    # The bearer token every gRPC call is made with: the person's own, never one with more rights.
    access_token: str = ""
    expires_at: float = 0.0
    # "nl" or "en" once the person chose with the switch; empty: their preference, else Accept-Language.
    language: str = ""
    # Whether the person's stored language (notifications' preferences) was read into `language` yet.
    preference_read: bool = False
    # From the directory at sign-in, for the navigation only (paars_web.sections.Reader): role names, whether anyone
    # reports to them, and whether that was read yet (a directory that could not answer is tried again on a later call).
    roles: frozenset[str] = frozenset()
    has_reports: bool = False
    reader_known: bool = False
    # Scratch space for a sign-in in progress (OIDC state, nonce, PKCE verifier) and similar.
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def signed_in(self) -> bool:
        return bool(self.person_id and self.access_token) and self.expires_at > time.time()

    @property
    def bearer(self) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {self.access_token}")]


class SessionStore:
    """In this process's memory: a restart signs everyone out, and replicas need session affinity."""

    MAX_SESSIONS = 50_000

    def __init__(self, secret: str, max_age_seconds: int, clock: Callable[[], float] = time.time) -> None:
        self.signer = TimestampSigner(secret, salt="paars-web-session")
        self.max_age = max_age_seconds
        self.clock = clock
        self._sessions: dict[str, Session] = {}

    def new(self) -> Session:
        if len(self._sessions) >= self.MAX_SESSIONS:
            self._expire()
        session = Session(id=secrets.token_urlsafe(32), csrf_token=secrets.token_urlsafe(32), created_at=self.clock())
        self._sessions[session.id] = session
        return session

    def from_cookie(self, value: str | None) -> Session | None:
        if not value:
            return None
        try:
            session_id = self.signer.unsign(value, max_age=self.max_age).decode()
        except BadSignature:
            return None
        session = self._sessions.get(session_id)
        if session is None or session.created_at + self.max_age < self.clock():
            return None
        return session

    def cookie_value(self, session: Session) -> str:
        return self.signer.sign(session.id).decode()

    def sign_in(self, session: Session, *, person_id: str, person_name: str, access_token: str, expires_at: float) -> Session:
        """A fresh id and CSRF token at sign-in, so an id planted before it (session fixation) is worth nothing."""
        self._sessions.pop(session.id, None)
        fresh = self.new()
        fresh.language = session.language
        fresh.person_id, fresh.person_name, fresh.access_token = person_id, person_name, access_token
        fresh.expires_at = min(expires_at, fresh.created_at + self.max_age)
        return fresh

    def drop(self, session: Session) -> None:
        self._sessions.pop(session.id, None)

    def _expire(self) -> None:
        now = self.clock()
        for key in [k for k, s in self._sessions.items() if s.created_at + self.max_age < now]:
            del self._sessions[key]
        if len(self._sessions) >= self.MAX_SESSIONS:
            # Still full of live sessions: the oldest go first (dicts keep insertion order).
            for key in list(self._sessions)[: self.MAX_SESSIONS // 10]:
                del self._sessions[key]
