"""The services' view of the person keys goals keeps: a bounded in-memory cache in front of
paars.privacy.v1.PersonKeys, and the encrypting and decrypting of events' personal fields with it (issue 18 item 4).

The outbox relay encrypts (``encrypt_records``: the subject's key, made on first use) and every consumer decrypts
(``decrypt_events``) in the platform's decode path, so handlers only ever see plaintext. An erased person's key
answers as erased: their values decode as "" and are never encrypted again. When goals cannot answer, both sides
raise KeysUnavailable and retry; nothing is published in clear and no event is skipped.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import grpc
import httpx

from paars.privacy.v1 import keys_pb2, keys_pb2_grpc
from paars_platform import crypto
from paars_platform.auth import mint_token
from paars_platform.config import DEFAULT_PORTS, Settings, env_str
from paars_platform.events import Record
from paars_platform.registry import BY_TOPIC

log = logging.getLogger("paars.keyring")

# The RPC (and its system scope) through which services get keys.
KEYS_METHOD = "/paars.privacy.v1.PersonKeys/GetPersonKeys"
KEYS_SCOPE = "rpc:" + KEYS_METHOD.lstrip("/")


@dataclass(frozen=True)
class PersonKey:
    person_id: str
    key_id: str
    # None: the key was destroyed (the person was erased).
    key: bytes | None


class KeysUnavailable(Exception):
    """The key store did not answer; try again later (never publish in clear, never skip the event)."""


class KeySource(Protocol):
    async def fetch(self, person_ids: Sequence[str], key_ids: Sequence[str], create: bool) -> list[PersonKey]:
        """The keys of these people (made for those without one when create) and the keys with these ids."""


class KeyRing:
    """Keys by id and by person, remembered for ttl_seconds, at most max_entries (least recently used go first)."""

    def __init__(
        self, source: KeySource, *, max_entries: int = 10_000, ttl_seconds: float = 300.0, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._by_key: OrderedDict[str, tuple[PersonKey, float]] = OrderedDict()
        self._by_person: dict[str, str] = {}
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
        if entry is not None and self._by_person.get(entry[0].person_id) == key_id:
            del self._by_person[entry[0].person_id]

    def _remember(self, keys: Iterable[PersonKey]) -> None:
        expires = self.clock() + self.ttl_seconds
        for k in keys:
            self._by_key[k.key_id] = (k, expires)
            self._by_key.move_to_end(k.key_id)
            self._by_person[k.person_id] = k.key_id
        while len(self._by_key) > self.max_entries:
            self._drop(next(iter(self._by_key)))

    def forget(self, *person_ids: str) -> None:
        """These people were erased (or their key changed): ask the key store again next time."""
        self._generation += 1
        for person_id in person_ids:
            key_id = self._by_person.pop(person_id, None)
            if key_id is not None:
                self._by_key.pop(key_id, None)

    async def _fetch(self, person_ids: Sequence[str], key_ids: Sequence[str], create: bool) -> None:
        generation = self._generation
        self.fetches += 1
        try:
            found = await self.source.fetch(person_ids, key_ids, create)
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
            self._remember(PersonKey("", key_id, None) for key_id in missing)
        return None

    async def for_people(self, person_ids: Iterable[str], *, create: bool = True) -> dict[str, PersonKey]:
        wanted = set(person_ids)
        out: dict[str, PersonKey] = {}
        for person_id in wanted:
            key_id = self._by_person.get(person_id)
            cached = self._cached(key_id) if key_id else None
            if cached is not None:
                out[person_id] = cached
        missing = sorted(wanted - set(out))
        if missing:
            await self._fetch(missing, (), create)
            for person_id in missing:
                key_id = self._by_person.get(person_id)
                entry = self._by_key.get(key_id) if key_id else None
                if entry is not None:
                    out[person_id] = entry[0]
        return out

    async def by_ids(self, key_ids: Iterable[str]) -> dict[str, bytes | None]:
        wanted = set(key_ids)
        out: dict[str, bytes | None] = {}
        for key_id in wanted:
            cached = self._cached(key_id)
            if cached is not None:
                out[key_id] = cached.key
        missing = sorted(wanted - set(out))
        if missing:
            await self._fetch((), missing, False)
            for key_id in missing:
                entry = self._by_key.get(key_id)
                out[key_id] = entry[0].key if entry is not None else None
        return out

    # ---------- events ----------

    async def encrypt_events(self, events: Sequence[Any]) -> None:
        """Encrypts the personal fields of these events in place, each with its person's key (one fetch for all)."""
        people: set[str] = set()

        def wanted(value: str, person: str) -> str:
            people.add(person)
            return value

        for event in events:
            crypto.transform_personal(event, event.metadata.subject_id, wanted)
        if not people:
            return
        keys = await self.for_people(people - {""}, create=True)

        def sealed(value: str, person: str) -> str:
            k = keys.get(person)
            if k is None or k.key is None:
                return ""  # erased (or no person to key it with): the value is not published at all
            return crypto.encrypt_value(k.key_id, k.key, value)

        for event in events:
            crypto.transform_personal(event, event.metadata.subject_id, sealed)

    async def encrypt_records(self, records: Sequence[Record]) -> list[Record]:
        """The outbox relay's records with their events' personal fields encrypted (others passed through unparsed)."""
        parsed: list[tuple[int, Any]] = []
        for i, record in enumerate(records):
            cls = _personal_class(record.topic)
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

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
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
                ttl_seconds=self.LIFETIME_SECONDS, client_id=client, audience=s.jwt_audience, scopes=(KEYS_SCOPE,),
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
        async with httpx.AsyncClient(timeout=10.0) as http:
            endpoint = (await http.get(f"{issuer}/.well-known/openid-configuration")).json()["token_endpoint"]
            form = {"grant_type": "client_credentials", "scope": KEYS_SCOPE}
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


class RemoteKeySource:
    """goals' PersonKeys at PAARS_GOALS_ADDR (default: its local port), or goals' store when goals runs in this process."""

    def __init__(
        self, address: str, token: Callable[[], Awaitable[str]], *, timeout_seconds: float = 5.0,
        forget_token: Callable[[], None] = lambda: None,
    ) -> None:
        self.address = address
        self.token = token
        self.forget_token = forget_token
        self.timeout_seconds = timeout_seconds
        self._channel: grpc.aio.Channel | None = None
        self._stub: Any = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteKeySource:
        address = env_str("PAARS_GOALS_ADDR", f"127.0.0.1:{DEFAULT_PORTS['goals'][0]}")
        token = ServiceToken(settings)
        return cls(address, token.get, forget_token=token.forget)

    async def fetch(self, person_ids: Sequence[str], key_ids: Sequence[str], create: bool) -> list[PersonKey]:
        if _in_process:
            return await _in_process[-1].fetch(person_ids, key_ids, create)
        if self._stub is None:
            self._channel = grpc.aio.insecure_channel(self.address)
            self._stub = keys_pb2_grpc.PersonKeysStub(self._channel)  # type: ignore[no-untyped-call]
        request = keys_pb2.GetPersonKeysRequest(person_ids=person_ids, key_ids=key_ids, create=create)
        try:
            answer = await self._stub.GetPersonKeys(
                request, metadata=[("authorization", f"Bearer {await self.token()}")], timeout=self.timeout_seconds,
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                self.forget_token()
            raise
        return [PersonKey(k.person_id, k.key_id, None if k.erased else bytes(k.key)) for k in answer.keys]

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()


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
