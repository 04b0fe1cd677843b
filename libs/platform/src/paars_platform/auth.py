"""Who calls: bearer JWTs (HS256 for development, RS256 by PEM or JWKS in production) resolved against the directory."""
from __future__ import annotations

import asyncio
import contextvars
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import jwt

from paars_platform.config import Settings
from paars_platform.directory import ROLE_NAMES as ROLE_NAMES  # re-exported: the names Identity.has() uses
from paars_platform.errors import PermissionDenied, Unauthenticated, Unavailable, shown

# Roles a person can have in the directory, and "system" for the configured service clients.
ROLES = ("employee", "manager", "hr", "coach", "admin", "leader", "system")


@dataclass(frozen=True)
class Identity:
    employee_id: str
    roles: frozenset[str] = field(default_factory=frozenset)
    # "person" for employees, "system" for other internal systems, "external" for link-token callers.
    kind: str = "person"
    # A system's OAuth scopes (which RPCs it may call, see rpc_scope); None: its token named none.
    scopes: frozenset[str] | None = None

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


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


@dataclass(frozen=True)
class Claims:
    """What a verified token says. Its roles are only a wish: the directory decides (CallerResolver)."""

    subject: str
    # None when the token lists no roles (the directory's roles apply unnarrowed).
    roles: frozenset[str] | None
    # The OAuth client the token was issued to (`azp`, else `client_id`); "" when it names none.
    client_id: str = ""
    # The token's OAuth scopes (`scope`, space-separated, or `scp`, a list); None when it has neither.
    scopes: frozenset[str] | None = None


def rpc_scope(method: str) -> str:
    """The scope a system needs for an RPC: "rpc:paars.org.v1.OrgService/ImportDirectory" for that gRPC method."""
    return "rpc:" + method.lstrip("/")


def scope_allows(scopes: frozenset[str], method: str) -> bool:
    """Whether scopes grant the gRPC method: its own scope, or its service's "rpc:<package.Service>/*"."""
    wanted = rpc_scope(method)
    return wanted in scopes or (wanted.rsplit("/", 1)[0] + "/*") in scopes


class JwksKeys:
    """The identity provider's signing keys, fetched in a thread so a slow endpoint never stalls the event loop.

    A token signed with a key id not seen yet refreshes the set (so rotated keys work at once), at most
    once per REFRESH_SECONDS: tokens with made-up key ids must not turn every RPC into an HTTP request.
    """

    REFRESH_SECONDS = 10.0
    FETCH_TIMEOUT_SECONDS = 5.0
    # Keys are fetched again when older than this (PAARS_JWT_JWKS_MAX_AGE_SECONDS), so a key the provider
    # retired stops being trusted; if that fetch fails, the known keys serve until twice this age.
    MAX_AGE_SECONDS = 300.0

    def __init__(self, url: str, clock: Callable[[], float] = time.monotonic, max_age_seconds: float = MAX_AGE_SECONDS) -> None:
        self._client = jwt.PyJWKClient(url, cache_jwk_set=False, cache_keys=False, timeout=self.FETCH_TIMEOUT_SECONDS)
        self.max_age = max_age_seconds
        self.clock = clock
        self._keys: dict[str | None, Any] = {}
        self._fetched_at: float | None = None
        self._lock: asyncio.Lock | None = None
        self.fetches = 0

    def _find(self, kid: str | None) -> Any:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid)

    async def key(self, kid: str | None) -> Any:
        if self._fetched_at is not None and self.clock() - self._fetched_at >= self.max_age:
            await self._refresh_stale()
        found = self._find(kid)
        if found is not None:
            return found
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            # Callers that waited for a refresh in flight find its keys here instead of fetching again.
            found = self._find(kid)
            if found is None and (self._fetched_at is None or self.clock() - self._fetched_at >= self.REFRESH_SECONDS):
                await self._refresh()
                found = self._find(kid)
        if found is None:
            raise Unauthenticated("invalid token: unknown signing key")
        return found

    async def _refresh_stale(self) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            fetched = self._fetched_at
            if fetched is None or self.clock() - fetched < self.max_age:
                return  # another caller refreshed while this one waited
            try:
                await self._refresh()
            except Unavailable:
                if self.clock() - fetched >= 2 * self.max_age:
                    self._keys = {}
                    raise
                self._fetched_at = fetched  # try again on the next call, within REFRESH_SECONDS of it

    async def _refresh(self) -> None:
        self._fetched_at = self.clock()
        self.fetches += 1
        try:
            data = await asyncio.to_thread(self._client.fetch_data)
            keys = jwt.PyJWKSet.from_dict(data).keys
        except (jwt.PyJWKClientError, jwt.PyJWKSetError) as exc:
            raise Unavailable(f"the identity provider's signing keys cannot be fetched: {exc}") from None
        self._keys = {k.key_id: k.key for k in keys if k.public_key_use in (None, "sig")}


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
        self._verified: dict[str, tuple[Claims, float]] = {}
        self.algorithm = settings.jwt_algorithm
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience or None
        self.leeway = settings.jwt_leeway_seconds
        self.max_lifetime = settings.jwt_max_lifetime_seconds
        self._key: object = None
        self.jwks: JwksKeys | None = None
        if self.algorithm == "HS256":
            self._key = settings.jwt_secret
        elif self.algorithm == "RS256":
            if settings.jwt_jwks_url:
                self.jwks = JwksKeys(settings.jwt_jwks_url, max_age_seconds=settings.jwt_jwks_max_age_seconds)
            elif settings.jwt_public_key:
                self._key = settings.jwt_public_key
            else:
                raise ValueError("RS256 needs PAARS_JWT_JWKS_URL or PAARS_JWT_PUBLIC_KEY")
        else:
            raise ValueError(f"unsupported PAARS_JWT_ALGORITHM {self.algorithm!r} (HS256 or RS256)")

    async def verify(self, token: str) -> Claims:
        now = self.clock()
        known = self._verified.get(token)
        if known is not None and known[1] > now:
            return known[0]
        key = await self.jwks.key(_key_id(token)) if self.jwks else self._key
        claims, expires = self._verify(token, key)
        if len(self._verified) >= self.CACHE_SIZE:
            # Dropping everything is cheaper than tracking age order, and only costs a re-verification each.
            self._verified.clear()
        self._verified[token] = (claims, min(expires, now + self.CACHE_SECONDS))
        return claims

    def _verify(self, token: str, key: object) -> tuple[Claims, float]:
        try:
            claims = jwt.decode(
                token,
                key,  # type: ignore[arg-type]
                algorithms=[self.algorithm],
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway,
                # Without a configured audience (development only) a token's `aud` is not checked.
                options={"require": ["sub", "exp", "iss", "iat"], "verify_aud": self.audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from None
        if not isinstance(claims["iat"], int | float) or not isinstance(claims["exp"], int | float):
            raise Unauthenticated("invalid token: iat and exp must be numbers")
        if claims["exp"] - claims["iat"] > self.max_lifetime:
            raise Unauthenticated(f"invalid token: lives longer than {self.max_lifetime} s (exp - iat)")
        sub = claims["sub"]
        if not isinstance(sub, str) or not sub:
            raise Unauthenticated("invalid token: sub must be a non-empty string")
        roles = claims.get("roles")
        if roles is not None and (not isinstance(roles, list) or not all(isinstance(r, str) for r in roles)):
            raise Unauthenticated("invalid token: roles must be a list of strings")
        client = claims.get("azp") or claims.get("client_id") or ""
        if not isinstance(client, str):
            raise Unauthenticated("invalid token: azp / client_id must be a string")
        return Claims(sub, frozenset(roles) if roles else None, client, _scopes(claims)), float(claims["exp"])


def _scopes(claims: dict[str, Any]) -> frozenset[str] | None:
    scope, scp = claims.get("scope"), claims.get("scp")
    if scope is not None:
        if not isinstance(scope, str):
            raise Unauthenticated("invalid token: scope must be a space-separated string")
        return frozenset(scope.split())
    if scp is not None:
        if isinstance(scp, str):
            return frozenset(scp.split())
        if not isinstance(scp, list) or not all(isinstance(s, str) for s in scp):
            raise Unauthenticated("invalid token: scp must be a list of strings")
        return frozenset(scp)
    return None


def _key_id(token: str) -> str | None:
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except (jwt.PyJWTError, json.JSONDecodeError, ValueError) as exc:
        raise Unauthenticated(f"invalid token: {exc}") from None
    return kid if isinstance(kid, str) else None


@dataclass(frozen=True)
class DirectoryEntry:
    """What a service's own directory data says about a person."""

    roles: frozenset[str]
    active: bool


# A service's lookup of a person in its directory data: None when the person is not there.
DirectoryLookup = Callable[[str], Awaitable[DirectoryEntry | None]]


class CallerResolver:
    """Turns verified claims into the caller: roles from the directory, `system` only for allow-listed clients.

    The token may narrow the directory's roles (effective = directory ∩ token) but never widen them. A
    subject the directory does not know is refused, and so is a deactivated one, on every RPC.

    Lookups are remembered for CACHE_SECONDS so the write path pays a dictionary lookup, not a query; a
    service forgets a person as soon as its projection of them changes (forget), so a deactivation or a
    role change applies to the next call. Misses are never remembered: a person who was just imported
    gets in as soon as the projection has them.
    """

    CACHE_SECONDS = 5.0
    CACHE_SIZE = 10_000

    def __init__(
        self, settings: Settings, lookup: DirectoryLookup, *, cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lookup = lookup
        # 0 for a lookup that is already in memory (analytics' directory table).
        self.cache_seconds = cache_seconds
        self.system_clients = settings.system_clients
        self.clock = clock
        self._entries: dict[str, tuple[DirectoryEntry, float]] = {}
        # Bumped by forget: a lookup that was in flight across a change is not remembered.
        self._generation = 0

    async def resolve(self, claims: Claims) -> Identity:
        # A client-credentials token names the client as its subject (RFC 9068 2.2): no person behind it.
        own_credential = bool(claims.client_id) and claims.subject == claims.client_id
        if own_credential and claims.client_id in self.system_clients:
            return Identity(claims.subject, frozenset({"system"}), "system", claims.scopes)
        if own_credential and claims.roles is None:
            raise PermissionDenied(
                f"client {shown(claims.client_id)} is not a configured service client (PAARS_SYSTEM_CLIENTS)"
            )
        if claims.roles is not None and "system" in claims.roles:
            if claims.client_id and claims.client_id in self.system_clients:
                return Identity(claims.subject, frozenset({"system"}), "system", claims.scopes)
            raise PermissionDenied(
                f"the system role is only for configured service clients (PAARS_SYSTEM_CLIENTS); client {shown(claims.client_id)} is not one"
            )
        entry = await self._entry(claims.subject)
        if entry is None:
            raise Unauthenticated(f"{shown(claims.subject)} is not a person in the directory")
        if not entry.active:
            raise PermissionDenied(f"{shown(claims.subject)} is deactivated in the directory")
        roles = entry.roles if claims.roles is None else entry.roles & claims.roles
        return Identity(claims.subject, roles, "person")

    async def _entry(self, subject: str) -> DirectoryEntry | None:
        now = self.clock()
        known = self._entries.get(subject)
        if known is not None and known[1] > now:
            return known[0]
        generation = self._generation
        entry = await self.lookup(subject)
        if entry is not None and self.cache_seconds > 0 and generation == self._generation:
            if len(self._entries) >= self.CACHE_SIZE:
                self._entries.clear()
            self._entries[subject] = (entry, now + self.cache_seconds)
        return entry

    def forget(self, *employee_ids: str) -> None:
        """The directory changed for these people: their next call looks them up again."""
        self._generation += 1
        for employee_id in employee_ids:
            self._entries.pop(employee_id, None)


def mint_token(
    subject: str,
    roles: list[str] | tuple[str, ...] = (),
    *,
    secret: str,
    issuer: str = "paars",
    ttl_seconds: int = 12 * 3600,
    client_id: str = "",
    audience: str = "",
    scopes: tuple[str, ...] = (),
) -> str:
    """A development token (HS256). Production tokens come from the enterprise's identity provider.

    No roles: the token asks for the directory's roles. A system token needs the client id of an
    allow-listed service client (PAARS_SYSTEM_CLIENTS; `paars-dev` in development).
    """
    now = int(time.time())
    claims: dict[str, Any] = {"sub": subject, "iss": issuer, "iat": now, "exp": now + ttl_seconds}
    if roles:
        claims["roles"] = list(roles)
    if client_id:
        claims["azp"] = client_id
    if audience:
        claims["aud"] = audience
    if scopes:
        claims["scope"] = " ".join(scopes)
    return jwt.encode(claims, secret, algorithm="HS256")
