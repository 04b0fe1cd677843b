"""Retention through the keys (issue 18 item 5) on SQLite and PostgreSQL, on goals' database migrated as goals
migrates it: keys per (person, kind, period); goals' retention job destroys the keys of a kind's months past its
period, keeps what a legal hold in force keeps, records the run (audit line, Prometheus) and makes its own KeyRing
forget them; keys from before kinds and periods still open what they encrypted, and erasure destroys every key."""
from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import grpc
import pytest
import sqlalchemy as sa
from alembic import command
from prometheus_client import REGISTRY

from paars.privacy.v1 import keys_pb2, keys_pb2_grpc
from paars_goals.adapters import person_data as goals_data
from paars_goals.adapters import tables as t
from paars_goals.adapters.key_store import KeyStore, destroy_key
from paars_goals.bootstrap import MIGRATIONS, build
from paars_platform import crypto
from paars_platform.db import Database, alembic_config, migrate
from paars_platform.keyring import KeyRing, KeyScope
from tests.conftest import make_settings
from tests.helpers import system_auth

NOW = dt.datetime(2030, 6, 1, 12, 0, tzinfo=dt.UTC)
KEK = crypto.KeyEncryptionKey.from_text(crypto.KeyEncryptionKey.generate())


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[KeyStore]:
    await migrate(database_url, MIGRATIONS)
    db = Database(database_url)
    yield KeyStore(db, KEK, clock=lambda: NOW)
    await db.dispose()


def destroyed_metric(kind: str) -> float:
    return REGISTRY.get_sample_value("paars_retention_keys_destroyed_total", {"service": "goals", "kind": kind}) or 0.0


async def hold(db: Database, person: str, service: str, kind: str, *, released: bool = False) -> None:
    async with db.transaction() as conn:
        await conn.execute(t.legal_holds.insert().values(
            id=f"h-{person}-{service}-{kind}", person_id=person, service=service, kind=kind, reason="an open grievance", placed_by="hr1",
            placed_at=NOW - dt.timedelta(days=400), released_at=NOW - dt.timedelta(days=1) if released else None,
            released_by="hr1" if released else "", release_reason="closed" if released else "",
        ))


async def test_the_job_destroys_the_keys_of_months_past_their_kinds_period_and_keeps_held_and_younger_ones(store: KeyStore) -> None:
    scopes = [
        KeyScope("ann", "feedback", "2030-01"), KeyScope("ann", "feedback", "2030-02"), KeyScope("ann", "feedback", "2030-03"),
        KeyScope("ann", "feedback", "2030-05"), KeyScope("ann", "goals", "2030-01"), KeyScope("ann", "directory", ""),
        KeyScope("bob", "feedback", "2030-01"), KeyScope("cas", "feedback", "2030-01"), KeyScope("dan", "feedback", "2030-01"),
    ]
    made = {k.scope: k for k in await store.fetch(scopes, (), True)}
    assert set(made) == set(scopes) and all(k.key is not None for k in made.values())
    assert len({k.key_id for k in made.values()}) == len(scopes)  # one key per person, kind and month
    await hold(store.db, "bob", "feedback", "feedback_received")  # keeps bob's feedback, and so its keys
    await hold(store.db, "dan", "", "")  # everything about dan
    await hold(store.db, "cas", "feedback", "", released=True)  # released: keeps nothing
    await hold(store.db, "ann", "goals", "goals")  # a hold on another kind keeps none of ann's feedback keys
    forgotten: list[str] = []
    store.on_keys_destroyed.append(forgotten.extend)
    before = destroyed_metric("feedback")

    # Feedback kept 90 days: on 1 June the cutoff is 3 March, so January and February are past, March is not yet.
    job = goals_data.retention(store.db, {"feedback": 90, "outbox": 0, "goals": 0}, keys=store)
    job.clock = lambda: NOW
    run = await job.run_once()
    gone = {made[s].key_id for s in (KeyScope("ann", "feedback", "2030-01"), KeyScope("ann", "feedback", "2030-02"), KeyScope("cas", "feedback", "2030-01"))}
    assert run.keys_destroyed == {"feedback": 3}
    assert set(forgotten) == gone
    assert destroyed_metric("feedback") - before == 3
    assert (REGISTRY.get_sample_value("paars_retention_keys_held", {"service": "goals", "kind": "feedback"}) or 0.0) == 2
    after = {k.key_id: k.key for k in await store.fetch((), [k.key_id for k in made.values()], False)}
    assert {key_id for key_id, key in after.items() if key is None} == gone

    # An event of a destroyed month published late is not readable either: its scope answers erased, no new key.
    late = await store.fetch([KeyScope("ann", "feedback", "2030-01")], (), True)
    assert [(k.key_id, k.key) for k in late] == [(made[KeyScope("ann", "feedback", "2030-01")].key_id, None)]
    async with store.db.read() as conn:
        audit = [dict(r) for r in (await conn.execute(sa.select(t.privileged_actions).where(t.privileged_actions.c.action == "retention"))).mappings()]
    assert len(audit) == 1 and audit[0]["actor_id"] == "system:retention"
    assert audit[0]["detail"] == {"kind": "feedback", "keys_destroyed": 3, "periods_before": "2030-03", "table": "person_keys", "kept_by_legal_holds": 2}

    # A second run has nothing more to destroy and records nothing more.
    assert (await job.run_once()).keys_destroyed == {"feedback": 0}
    async with store.db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(t.privileged_actions))).scalar_one() == 1


async def test_a_key_ring_over_the_store_reads_a_destroyed_months_values_as_erased_and_the_rest_in_clear(store: KeyStore) -> None:
    ring = KeyRing(store)
    old, new = KeyScope("ann", "feedback", "2030-01"), KeyScope("ann", "feedback", "2030-05")
    keys = await ring.for_scopes([old, new])
    sealed = {s: crypto.encrypt_value(keys[s].key_id, keys[s].key or b"", f"words of {s.period}") for s in (old, new)}
    store.on_keys_destroyed.append(lambda ids: ring.forget_keys(*ids))
    job = goals_data.retention(store.db, {"feedback": 90}, keys=store)
    job.clock = lambda: NOW
    await job.run_once()
    opened = await ring.by_ids([*crypto.key_ids_in(sealed[old]), *crypto.key_ids_in(sealed[new])])
    assert crypto.decrypt_value(sealed[old], opened.get) == ""
    assert crypto.decrypt_value(sealed[new], opened.get) == "words of 2030-05"


async def test_keys_made_before_kinds_and_periods_still_open_and_erasure_destroys_every_key(database_url: str) -> None:
    # A database at 0007 with a person's one key, as item 4 made it, then migrated to the keys per kind and period.
    await asyncio.to_thread(command.upgrade, alembic_config(database_url, MIGRATIONS), "0007")
    db = Database(database_url)
    try:
        legacy_key, legacy_id = crypto.new_data_key(), crypto.new_key_id()
        async with db.transaction() as conn:
            await conn.execute(sa.text("INSERT INTO person_keys (key_id, person_id, wrapped_key, created_at) VALUES (:k, 'ann', :w, :c)"),
                               {"k": legacy_id, "w": KEK.wrap("ann", legacy_id, legacy_key), "c": NOW - dt.timedelta(days=30)})
        sealed = crypto.encrypt_value(legacy_id, legacy_key, "words from before")
        await migrate(database_url, MIGRATIONS)
        store = KeyStore(db, KEK, clock=lambda: NOW)
        ring = KeyRing(store)
        assert crypto.decrypt_value(sealed, (await ring.by_ids([legacy_id])).get) == "words from before"
        monthly = (await ring.for_scopes([KeyScope("ann", "feedback", "2030-05")]))[KeyScope("ann", "feedback", "2030-05")]
        assert monthly.key_id != legacy_id and monthly.key is not None
        # The retention job never destroys a key from before kinds and periods (it has neither).
        job = goals_data.retention(db, {"feedback": 1, "goals": 1, "review_answers": 1, "insights": 1}, keys=store)
        job.clock = lambda: NOW + dt.timedelta(days=400)
        await job.run_once()
        assert (await KeyRing(store).by_ids([legacy_id]))[legacy_id] == legacy_key

        async with db.transaction() as conn:
            await destroy_key(conn, "ann", NOW)
        found = await store.fetch([KeyScope("ann", "goals", "2030-06")], [legacy_id, monthly.key_id], True)
        assert {k.key_id: k.key for k in found} == {legacy_id: None, monthly.key_id: None}  # the new scope answers with the erasure's mark
        async with db.read() as conn:
            live = (await conn.execute(sa.select(sa.func.count()).select_from(t.person_keys).where(t.person_keys.c.wrapped_key.is_not(None)))).scalar_one()
        assert live == 0
    finally:
        await db.dispose()


async def test_goals_serves_keys_by_scope_over_its_rpc(database_url: str, kafka_bootstrap: str) -> None:
    runtime = build(make_settings("goals", database_url=database_url, kafka_bootstrap=kafka_bootstrap))
    await runtime.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{runtime.grpc_port}") as channel:
            stub = keys_pb2_grpc.PersonKeysStub(channel)
            scope = keys_pb2.KeyScope(person_id="ann", kind="feedback", period="2030-05")
            made = await stub.GetPersonKeys(keys_pb2.GetPersonKeysRequest(scopes=[scope], create=True), metadata=system_auth("paars-feedback"))
            assert [(k.person_id, k.kind, k.period, len(k.key), k.erased) for k in made.keys] == [("ann", "feedback", "2030-05", 32, False)]
            legacy = await stub.GetPersonKeys(keys_pb2.GetPersonKeysRequest(person_ids=["ann"], create=True), metadata=system_auth("paars-feedback"))
            assert legacy.keys[0].kind == "" and legacy.keys[0].key_id != made.keys[0].key_id
    finally:
        await runtime.stop()
