"""The services' view of the person keys goals keeps: a bounded in-memory cache in front of
paars.privacy.v1.PersonKeys, and the encrypting and decrypting of events' personal fields with it (issue 18 item 4).

The outbox relay encrypts (``encrypt_records``: the key of the person a field is about, for the kind of data of its
topic and the month of the event's time, made on first use: issue 18 item 5) and every consumer decrypts
(``decrypt_events``, by the key id each value names, old per-person keys included) in the platform's decode path, so
handlers only ever see plaintext. An erased person's keys, and the keys the retention job destroyed, answer as
erased: their values decode as "" and are never encrypted again. When goals cannot answer, both sides
raise KeysUnavailable and retry; nothing is published in clear and no event is skipped.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import grpc

from paars.privacy.v1 import keys_pb2, keys_pb2_grpc
from paars_platform import crypto, event_kinds
from paars_platform.auth import mint_token
from paars_platform.clock import utcnow
from paars_platform.config import DEFAULT_PORTS, Settings, env_str
from paars_platform.deadletter import source_topic
from paars_platform.events import Record
from paars_platform.registry import BY_NAME, BY_TOPIC

log = logging.getLogger("paars.keyring")

# The RPC (and its system scope) through which services get keys.
KEYS_METHOD = "/paars.privacy.v1.PersonKeys/GetPersonKeys"
KEYS_SCOPE = "rpc:" + KEYS_METHOD.lstrip("/")


@dataclass(frozen=True)
class KeyScope:
    """Whose key for which kind of data and period (paars_platform.event_kinds: EVENT_KINDS, period_of). Kind and period
    "" name a person's key from before kinds and periods (issue 18 item 4), which still opens what it encrypted."""

    person_id: str
    kind: str = ""
    period: str = ""


@dataclass(frozen=True)
class PersonKey:
    person_id: str
    key_id: str
    # None: the key was destroyed (the person was erased, or its period is past its kind's retention).
    key: bytes | None
    kind: str = ""
    period: str = ""

    @property
    def scope(self) -> KeyScope:
        return KeyScope(self.person_id, self.kind, self.period)


class KeysUnavailable(Exception):
    """The key store did not answer; try again later (never publish in clear, never skip the event)."""


class KeySource(Protocol):
    async def fetch(self, scopes: Sequence[KeyScope], key_ids: Sequence[str], create: bool) -> list[PersonKey]:
        """The keys of these scopes (made for those without one when create) and the keys with these ids."""


class KeyRing:
    """Keys by id and by scope, remembered for ttl_seconds, at most max_entries (least recently used go first).

    A key destroyed in goals is forgotten at once by goals' own KeyRing (forget, forget_keys) and by every consumer
    on the erasure event (paars_platform.inbox); a key the retention job destroyed is served from another process's
    cache for at most ttl_seconds (5 minutes by default, against periods counted in days)."""

    def __init__(
        self, source: KeySource, *, max_entries: int = 10_000, ttl_seconds: float = 300.0, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._by_key: OrderedDict[str, tuple[PersonKey, float]] = OrderedDict()
        self._by_scope: dict[KeyScope, str] = {}
        self._by_person: dict[str, set[str]] = {}
        # Bumped by forget: an answer fetched across an erasure is not remembered.
        self._generation = 0
        self.fetches = 0

    def _cached(self, key_id: str) -> PersonKey | None:
        entry = self._by_key.get(key_id)
        if entry is None:
            return None
        if entry[1] <= self.clock():
            self._drop(key_id)
            return None
        self._by_key.move_to_end(key_id)
        return entry[0]

    def _drop(self, key_id: str) -> None:
        entry = self._by_key.pop(key_id, None)
        if entry is None:
            return
        k = entry[0]
        if self._by_scope.get(k.scope) == key_id:
            del self._by_scope[k.scope]
        ids = self._by_person.get(k.person_id)
        if ids is not None:
            ids.discard(key_id)
            if not ids:
                del self._by_person[k.person_id]

    def _remember(self, keys: Iterable[PersonKey]) -> None:
        expires = self.clock() + self.ttl_seconds
        for k in keys:
            self._by_key[k.key_id] = (k, expires)
            self._by_key.move_to_end(k.key_id)
            self._by_scope[k.scope] = k.key_id
            self._by_person.setdefault(k.person_id, set()).add(k.key_id)
        while len(self._by_key) > self.max_entries:
            self._drop(next(iter(self._by_key)))

    def forget(self, *person_ids: str) -> None:
        """These people were erased (or their keys changed): ask the key store again next time, for every key of theirs."""
        self._generation += 1
        for person_id in person_ids:
            for key_id in list(self._by_person.get(person_id, ())):
                self._drop(key_id)
            self._by_person.pop(person_id, None)
            for scope in [s for s in self._by_scope if s.person_id == person_id]:
                del self._by_scope[scope]

    def forget_keys(self, *key_ids: str) -> None:
        """These keys were destroyed (the retention job): ask the key store again next time."""
        self._generation += 1
        for key_id in key_ids:
            self._drop(key_id)

    async def _fetch(self, scopes: Sequence[KeyScope], key_ids: Sequence[str], create: bool) -> list[PersonKey]:
        generation = self._generation
        self.fetches += 1
        try:
            found = await self.source.fetch(scopes, key_ids, create)
        except KeysUnavailable:
            raise
        except Exception as exc:
            raise KeysUnavailable(f"the key store did not answer: {exc!r}"[:300]) from exc
        if generation == self._generation:
            self._remember(found)
        missing = set(key_ids) - {k.key_id for k in found}
        if missing:
            # Goals does not know these ids (a key of another deployment, or a store that was reset): as erased.
            log.warning("personal values under unknown keys read as erased", extra={"keys": len(missing)})
            unknown = [PersonKey("", key_id, None) for key_id in missing]
            self._remember(unknown)
            found = [*found, *unknown]
        return found

    async def for_scopes(self, scopes: Iterable[KeyScope], *, create: bool = True) -> dict[KeyScope, PersonKey]:
        """The key of each scope (made when create and missing; an erased person's scopes answer erased), one fetch
        for all those not cached."""
        wanted = set(scopes)
        out: dict[KeyScope, PersonKey] = {}
        for scope in wanted:
            key_id = self._by_scope.get(scope)
            cached = self._cached(key_id) if key_id else None
            if cached is not None:
                out[scope] = cached
        missing = sorted(wanted - set(out), key=lambda s: (s.person_id, s.kind, s.period))
        if missing:
            found = {k.scope: k for k in await self._fetch(missing, (), create)}
            out.update((scope, found[scope]) for scope in missing if scope in found)
        return out

    async def for_people(self, person_ids: Iterable[str], *, create: bool = True) -> dict[str, PersonKey]:
        """Each person's key from before kinds and periods (kind and period "")."""
        keys = await self.for_scopes((KeyScope(p) for p in person_ids), create=create)
        return {scope.person_id: k for scope, k in keys.items()}

    async def by_ids(self, key_ids: Iterable[str]) -> dict[str, bytes | None]:
        wanted = set(key_ids)
        out: dict[str, bytes | None] = {}
        for key_id in wanted:
            cached = self._cached(key_id)
            if cached is not None:
                out[key_id] = cached.key
        missing = sorted(wanted - set(out))
        if missing:
            found = {k.key_id: k.key for k in await self._fetch((), missing, False)}
            for key_id in missing:
                out[key_id] = found.get(key_id)
        return out

    # ---------- events ----------

    async def encrypt_events(self, events: Sequence[Any], *, now: Callable[[], dt.datetime] = utcnow) -> None:
        """Encrypts the personal fields of these events in place, each with the key of (its person, its event's kind
        of data, the period of the event's time: metadata.occurred_at, else now), one fetch for all."""
        scopes: set[KeyScope] = set()
        scope_of: list[Callable[[str], KeyScope]] = []
        for event in events:
            kind = event_kinds.event_kind(_topic_of(event.DESCRIPTOR.full_name))
            occurred = event.metadata.occurred_at
            at = occurred.ToDatetime(tzinfo=dt.UTC) if occurred.seconds or occurred.nanos else now()
            period = event_kinds.period_of(kind, at)
            scope_of.append(functools.partial(KeyScope, kind=kind.kind, period=period))

        for event, scope in zip(events, scope_of, strict=True):
            def wanted(value: str, person: str, scope: Callable[[str], KeyScope] = scope) -> str:
                if person:
                    scopes.add(scope(person))
                return value

            crypto.transform_personal(event, event.metadata.subject_id, wanted)
        keys = await self.for_scopes(scopes, create=True) if scopes else {}

        for event, scope in zip(events, scope_of, strict=True):
            def sealed(value: str, person: str, scope: Callable[[str], KeyScope] = scope) -> str:
                k = keys.get(scope(person)) if person else None
                if k is None or k.key is None:
                    return ""  # erased, past retention, or no person to key it with: the value is not published at all
                return crypto.encrypt_value(k.key_id, k.key, value)

            crypto.transform_personal(event, event.metadata.subject_id, sealed)

    async def encrypt_records(self, records: Sequence[Record]) -> list[Record]:
        """The outbox relay's records with their events' personal fields encrypted (others passed through unparsed).
        A dead letter in the outbox (a parked event notifications failed, its value the decrypted event) is sealed as
        an event of its source topic, so it reaches the broker no more in clear than the event did."""
        parsed: list[tuple[int, Any]] = []
        for i, record in enumerate(records):
            cls = _personal_class(record.topic) or _personal_class(source_topic(record.topic, record.headers))
            if cls is not None:
                event = cls()
                event.ParseFromString(record.value)
                parsed.append((i, event))
        if not parsed:
            return list(records)
        await self.encrypt_events([event for _, event in parsed])
        out = list(records)
        for i, event in parsed:
            r = out[i]
            out[i] = Record(r.topic, r.key, event.SerializeToString(), r.headers, r.event_id)
        return out

    async def decrypt_events(self, events: Sequence[Any]) -> None:
        """Decrypts the personal fields of these events in place: plaintext, or "" under a destroyed key.
        Raises crypto.UndecryptableField for a value its key does not open."""
        ids: set[str] = set()

        def wanted(value: str, _person: str) -> str:
            ids.update(crypto.key_ids_in(value))
            return value

        for event in events:
            crypto.transform_personal(event, "", wanted)
        if not ids:
            return
        keys = await self.by_ids(ids)

        def opened(value: str, _person: str) -> str:
            return crypto.decrypt_value(value, keys.get)

        for event in events:
            crypto.transform_personal(event, "", opened)

    async def decrypt_any(self, message: Any) -> Any:
        """Decrypts every token in any string of message (marked or not), in place; returns message."""
        ids: set[str] = set()

        def wanted(value: str) -> str:
            ids.update(crypto.key_ids_in(value))
            return value

        crypto.transform_tokens(message, wanted)
        if ids:
            keys = await self.by_ids(ids)
            crypto.transform_tokens(message, lambda value: crypto.decrypt_value(value, keys.get))
        return message


@functools.cache
def _topic_of(full_name: str) -> str:
    return BY_NAME[full_name].topic.name


@functools.cache
def _personal_class(topic: str) -> Any:
    """The event class of a topic whose events have personal fields, else None: worked out once per topic, not per
    record the relay publishes (the registry already resolved each topic's class)."""
    event = BY_TOPIC.get(topic)
    if event is None:
        return None
    desc: Any = event.message.DESCRIPTOR
    return event.message if crypto.has_personal_fields(desc) else None


# ---------- the remote key source: goals' PersonKeys over gRPC, as the system identity ----------


class ServiceToken:
    """This service's bearer token towards goals' key RPC, refreshed before it expires.

    Development and HS256 deployments mint it with the shared secret for the first allow-listed system client;
    otherwise it is the client-credentials grant at PAARS_OIDC_ISSUER with PAARS_OIDC_CLIENT_ID and
    PAARS_OIDC_CLIENT_SECRET (the provider's client for this service, mapped to `system` by PAARS_SYSTEM_CLIENTS)."""

    LIFETIME_SECONDS = 3600

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time, *, scopes: tuple[str, ...] = (KEYS_SCOPE,)) -> None:
        self.settings = settings
        self.clock = clock
        # The RPCs the token is for (a token of its own per use: the legal holds' reader asks another scope).
        self.scopes = scopes
        self._token = ""
        self._expires = 0.0

    async def get(self) -> str:
        if self.clock() < self._expires - 60:
            return self._token
        s = self.settings
        if s.jwt_algorithm == "HS256" and s.jwt_secret:
            client = sorted(s.system_clients)[0] if s.system_clients else ""
            self._token = mint_token(
                client or f"paars-{s.service}", ("system",), secret=s.jwt_secret, issuer=s.jwt_issuer,
                ttl_seconds=self.LIFETIME_SECONDS, client_id=client, audience=s.jwt_audience, scopes=self.scopes,
            )
            self._expires = self.clock() + self.LIFETIME_SECONDS
            return self._token
        self._token, lifetime = await self._client_credentials()
        self._expires = self.clock() + lifetime
        return self._token

    def forget(self) -> None:
        """Drops the kept token (goals refused it: e.g. the provider's signing key was rotated); the next get asks again."""
        self._token, self._expires = "", 0.0

    async def _client_credentials(self) -> tuple[str, float]:
        issuer = env_str("PAARS_OIDC_ISSUER", "").rstrip("/")
        client_id, secret = env_str("PAARS_OIDC_CLIENT_ID", ""), env_str("PAARS_OIDC_CLIENT_SECRET", "")
        if not (issuer and client_id and secret):
            raise KeysUnavailable("PAARS_OIDC_ISSUER, PAARS_OIDC_CLIENT_ID and PAARS_OIDC_CLIENT_SECRET must name this service's client")
        # Imported here, its one use: a process that mints its tokens (HS256) never holds httpx (~8 MB resident, in
        # analytics' worker too); one with a provider's client loads it with its first token.
        import httpx

        async with httpx.AsyncClient(timeout=10.0) as http:
            endpoint = (await http.get(f"{issuer}/.well-known/openid-configuration")).json()["token_endpoint"]
            form = {"grant_type": "client_credentials", "scope": " ".join(self.scopes)}
            if self.settings.jwt_audience:
                form["resource"] = self.settings.jwt_audience
            answer = await http.post(endpoint, data=form, auth=(client_id, secret))
            answer.raise_for_status()
            body = answer.json()
        return str(body["access_token"]), float(body.get("expires_in", 300))


# The key store of a goals runtime in this same process (one process running several services: the in-process
# integration tests): used directly, before the network. A deployment runs goals alone in its process, so empty.
_in_process: list[KeySource] = []


def offer_in_process(source: KeySource) -> None:
    _in_process.append(source)


def withdraw_in_process(source: KeySource) -> None:
    if source in _in_process:
        _in_process.remove(source)


class GoalsRpc:
    """A service's calls to goals at PAARS_GOALS_ADDR (default: its local port) as the system identity: the channel
    made on first use, the bearer token of a ServiceToken, and the token forgotten when goals answers UNAUTHENTICATED
    (the next call gets a fresh one). RemoteKeySource (PersonKeys) and legal_holds.RemoteLegalHolds use it."""

    def __init__(
        self, address: str, token: Callable[[], Awaitable[str]], *, timeout_seconds: float = 5.0,
        forget_token: Callable[[], None] = lambda: None,
    ) -> None:
        self.address = address
        self.token = token
        self.forget_token = forget_token
        self.timeout_seconds = timeout_seconds
        self._channel: grpc.aio.Channel | None = None
        self._stubs: dict[type[Any], Any] = {}

    @staticmethod
    def goals_address() -> str:
        return env_str("PAARS_GOALS_ADDR", f"127.0.0.1:{DEFAULT_PORTS['goals'][0]}")

    async def call(self, stub_class: type[Any], method: str, request: Any) -> Any:
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(self.address)
        stub = self._stubs.get(stub_class)
        if stub is None:
            stub = self._stubs[stub_class] = stub_class(self._channel)
        try:
            return await getattr(stub, method)(
                request, metadata=[("authorization", f"Bearer {await self.token()}")], timeout=self.timeout_seconds,
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                self.forget_token()
            raise

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None
            self._stubs.clear()


class RemoteKeySource(GoalsRpc):
    """goals' PersonKeys at PAARS_GOALS_ADDR (default: its local port), or goals' store when goals runs in this process."""

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteKeySource:
        token = ServiceToken(settings)
        return cls(cls.goals_address(), token.get, forget_token=token.forget)

    async def fetch(self, scopes: Sequence[KeyScope], key_ids: Sequence[str], create: bool) -> list[PersonKey]:
        if _in_process:
            return await _in_process[-1].fetch(scopes, key_ids, create)
        request = keys_pb2.GetPersonKeysRequest(
            scopes=[keys_pb2.KeyScope(person_id=s.person_id, kind=s.kind, period=s.period) for s in scopes], key_ids=key_ids, create=create,
        )
        answer = await self.call(keys_pb2_grpc.PersonKeysStub, "GetPersonKeys", request)
        return [PersonKey(k.person_id, k.key_id, None if k.erased else bytes(k.key), k.kind, k.period) for k in answer.keys]


async def wait_for_keys(step: Callable[[], Awaitable[None]], *, stopping: Callable[[], bool], what: str) -> None:
    """Runs step until the key store answers (backing off up to 5 s), or until stopping() (then re-raises)."""
    backoff = 0.1
    while True:
        try:
            await step()
            return
        except KeysUnavailable:
            if stopping():
                raise
            log.warning("keys unavailable; waiting before %s", what, exc_info=True)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)
