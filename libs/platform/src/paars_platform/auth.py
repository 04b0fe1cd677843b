"""Identity from bearer JWTs: HS256 with a local secret for development, RS256 (PEM or JWKS) in production."""
from __future__ import annotations

import contextvars
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import jwt

from paars_platform.config import Settings
from paars_platform.errors import PermissionDenied, Unauthenticated

# Roles a token may carry; the directory is the source of truth for who manages whom.
ROLES = ("employee", "manager", "hr", "coach", "admin", "leader", "system")


@dataclass(frozen=True)
class Identity:
    employee_id: str
    roles: frozenset[str] = field(default_factory=frozenset)
    # "person" for employees, "system" for other internal systems, "external" for link-token callers.
    kind: str = "person"

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_privileged(self) -> bool:
        return self.has("admin", "system")


SYSTEM = Identity("system", frozenset({"system"}), "system")
ANONYMOUS = Identity("", frozenset(), "anonymous")

current_identity: contextvars.ContextVar[Identity] = contextvars.ContextVar("current_identity", default=ANONYMOUS)


def identity() -> Identity:
    """The caller of the current RPC (set by the auth interceptor)."""
    return current_identity.get()


def require_person() -> Identity:
    who = current_identity.get()
    if not who.employee_id or who.kind == "anonymous":
        raise Unauthenticated("a bearer token is required")
    return who


def require_role(*roles: str) -> Identity:
    who = require_person()
    if not who.has(*roles):
        raise PermissionDenied(f"requires one of the roles: {', '.join(roles)}")
    return who


class TokenVerifier:
    """Verifies bearer tokens; a token verified once is trusted again for a few seconds without re-checking.

    A caller sends the same token on every RPC, and checking its signature and claims costs more than
    the rest of the interceptor. Only successes are remembered, never past the token's own expiry, and
    keyed by the whole token, so a tampered or different token is always verified afresh.
    """

    CACHE_SECONDS = 30.0
    CACHE_SIZE = 10_000

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._verified: dict[str, tuple[Identity, float]] = {}
        self.algorithm = settings.jwt_algorithm
        self.issuer = settings.jwt_issuer
        self._key: object
        self._jwks: jwt.PyJWKClient | None = None
        if self.algorithm == "HS256":
            self._key = settings.jwt_secret
        elif self.algorithm == "RS256":
            if settings.jwt_jwks_url:
                self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True)
                self._key = None
            elif settings.jwt_public_key:
                self._key = settings.jwt_public_key
            else:
                raise ValueError("RS256 needs PAARS_JWT_JWKS_URL or PAARS_JWT_PUBLIC_KEY")
        else:
            raise ValueError(f"unsupported PAARS_JWT_ALGORITHM {self.algorithm!r} (HS256 or RS256)")

    def verify(self, token: str) -> Identity:
        now = self.clock()
        known = self._verified.get(token)
        if known is not None and known[1] > now:
            return known[0]
        who, expires = self._verify(token)
        if len(self._verified) >= self.CACHE_SIZE:
            # Dropping everything is cheaper than tracking age order, and only costs a re-verification each.
            self._verified.clear()
        self._verified[token] = (who, min(expires, now + self.CACHE_SECONDS))
        return who

    def _verify(self, token: str) -> tuple[Identity, float]:
        try:
            key = self._jwks.get_signing_key_from_jwt(token).key if self._jwks else self._key
            claims = jwt.decode(
                token,
                key,  # type: ignore[arg-type]
                algorithms=[self.algorithm],
                issuer=self.issuer,
                options={"require": ["sub", "exp", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from None
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Unauthenticated("invalid token: roles must be a list of strings")
        sub = claims["sub"]
        if not isinstance(sub, str) or not sub:
            raise Unauthenticated("invalid token: sub must be a non-empty string")
        kind = "system" if "system" in roles else "person"
        return Identity(sub, frozenset(roles), kind), float(claims["exp"])


def mint_token(
    subject: str,
    roles: list[str] | tuple[str, ...] = ("employee",),
    *,
    secret: str,
    issuer: str = "paars",
    ttl_seconds: int = 12 * 3600,
) -> str:
    """A development token (HS256). Production tokens come from the enterprise's identity provider."""
    now = int(time.time())
    claims = {"sub": subject, "roles": list(roles), "iss": issuer, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, secret, algorithm="HS256")
