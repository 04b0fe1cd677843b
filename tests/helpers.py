"""Small helpers the tests share: tokens, gRPC metadata, an independent Kafka reader, a demo directory."""
from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import sqlalchemy as sa
from kafka import KafkaConsumer, TopicPartition

from paars.org.v1 import org_pb2
from paars_platform.auth import mint_token
from paars_platform.config import DEV_JWT_SECRET, DEV_SYSTEM_CLIENT, Settings
from paars_platform.db import Database, migrate
from paars_platform.events import UndecodableEvent, decode
from paars_platform.keyring import KEYS_SCOPE, KeyRing, RemoteKeySource


@contextlib.asynccontextmanager
async def migrated(database_url: str, migrations: str) -> AsyncIterator[Database]:
    """A Database on the schema a service's migrations make (upgraded to their head), disposed afterwards."""
    await migrate(database_url, migrations)
    database = Database(database_url)
    try:
        yield database
    finally:
        await database.dispose()


class StatementLog:
    """The statements a Database's engine sends while entered, each as its whole text (what a connection's
    prepared-statement cache is keyed by); heads() gives their first three words, enough to tell them apart."""

    def __init__(self, db: Any) -> None:
        self.engine = db.engine.sync_engine
        self.texts: list[str] = []

    def __enter__(self) -> StatementLog:
        sa.event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.texts.append(statement)

    def heads(self) -> list[str]:
        return [" ".join(text.split()[:3]) for text in self.texts]


def token(sub: str, *roles: str) -> str:
    """A development token: no roles asks for the directory's; "system" comes from the development service client."""
    return mint_token(sub, roles, secret=DEV_JWT_SECRET, client_id=DEV_SYSTEM_CLIENT if "system" in roles else "")


def system_auth(client: str = "hris") -> list[tuple[str, str]]:
    """A service client's call (the HRIS filling the directory, a subscribing system)."""
    return auth(client, "system")


def auth(sub: str, *roles: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token(sub, *roles)}")]


def read_topic(
    bootstrap: str, topic: str, *, at_least: int = 1, until: Callable[[list[Any]], bool] | None = None, timeout: float = 20.0
) -> list[Any]:
    """Reads a topic from the beginning with a plain kafka-python consumer (no group, no Paars code),
    until at_least records (or until(records) holds) or the timeout."""
    # The broker version probe gets 20 s, not kafka-python's 2: on a loaded CI machine 2 s was not always enough
    # (NoBrokersAvailable from check_version while the broker was up).
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=500, api_version_auto_timeout_ms=20_000)
    try:
        deadline = time.monotonic() + timeout
        parts = None
        while not parts and time.monotonic() < deadline:
            parts = consumer.partitions_for_topic(topic)
            if not parts:
                time.sleep(0.2)
        tps = [TopicPartition(topic, p) for p in sorted(parts or ())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        records: list[Any] = []
        def done() -> bool:
            return until(records) if until else len(records) >= at_least

        while not done() and time.monotonic() < deadline:
            batch = consumer.poll(timeout_ms=300)
            for recs in batch.values():
                records.extend(recs)
        return records
    finally:
        consumer.close()


async def plaintext(events: list[Any]) -> list[Any]:
    """The events as their consumers see them: personal fields decrypted (in place) with the person keys of goals
    (the goals runtime of this process, else PAARS_GOALS_ADDR), as the platform's decode path does."""
    await KeyRing(RemoteKeySource.from_settings(Settings.from_env("tests"))).decrypt_events(events)
    return events


def decoded(records: list[Any]) -> list[Any]:
    """The events in records, skipping undecodable ones: tests share a broker, and some of them
    write poison records on purpose (they are the dead-letter tests' business)."""
    events = []
    for r in records:
        try:
            events.append(decode(r.value, r.headers))
        except UndecodableEvent:
            continue
    return events


def demo_directory() -> org_pb2.ImportDirectoryRequest:
    """A small organisation: an HR person, a manager with three reports, and a second team."""
    R = org_pb2
    return R.ImportDirectoryRequest(
        teams=[
            R.Team(id="org", name="Paars NV"),
            R.Team(id="team-a", name="Team A", parent_team_id="org", manager_id="mgr"),
            R.Team(id="team-b", name="Team B", parent_team_id="org", manager_id="boss"),
        ],
        employees=[
            R.Employee(id="boss", name="Bea Baas", email="bea@paars.example", team_id="org", roles=[R.ROLE_MANAGER, R.ROLE_LEADER], active=True),
            R.Employee(id="hr1", name="Hanne HR", email="hanne@paars.example", manager_id="boss", team_id="org", roles=[R.ROLE_HR], active=True),
            R.Employee(id="mgr", name="Mo Manager", email="mo@paars.example", manager_id="boss", team_id="team-a", roles=[R.ROLE_MANAGER], active=True),
            R.Employee(id="ann", name="Ann Peeters", email="ann@paars.example", manager_id="mgr", team_id="team-a", roles=[R.ROLE_EMPLOYEE], active=True, time_zone="Europe/Brussels"),
            R.Employee(id="bob", name="Bob Claes", email="bob@paars.example", manager_id="mgr", team_id="team-a", roles=[R.ROLE_EMPLOYEE], active=True),
            R.Employee(id="cas", name="Cas Janssens", email="cas@paars.example", manager_id="mgr", team_id="team-a", roles=[R.ROLE_EMPLOYEE], active=True),
        ],
    )


# The services' own client at a real OpenID provider (the browser and identity stacks): with RS256 tokens a service
# asks goals for person keys with a client-credentials token of this client (paars_platform.keyring.ServiceToken),
# so the provider must know it, allow it the key RPC's scope, and the services must list it as a system client.
SERVICES_CLIENT = "paars-services"


def services_client(secret: str) -> dict[str, object]:
    """The provider's client metadata for the services (OIDC_EXTRA_CLIENTS in tests/oidc/provider.js)."""
    return {
        "client_id": SERVICES_CLIENT, "client_secret": secret, "grant_types": ["client_credentials"],
        "response_types": [], "redirect_uris": [], "scope": KEYS_SCOPE,
    }


def services_client_env(issuer: str, secret: str) -> dict[str, str]:
    """What each service process needs to get its token from that provider."""
    return {"PAARS_OIDC_ISSUER": issuer, "PAARS_OIDC_CLIENT_ID": SERVICES_CLIENT, "PAARS_OIDC_CLIENT_SECRET": secret}
