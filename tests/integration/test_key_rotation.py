"""Rotation of the key-encryption key (issue 18) on SQLite and PostgreSQL, on goals' database migrated as goals
migrates it: goals started with a new current key and the old one retired re-wraps every row in the background (the
data keys unchanged, so what they encrypted still opens through GetPersonKeys), then starts with the old key removed;
a re-wrap that dies mid-way resumes; rows from before key ids are adopted; a key that wrapped rows and is missing from
the configuration stops goals from starting."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator

import grpc
import pytest
import sqlalchemy as sa
from alembic import command
from prometheus_client import REGISTRY

from paars.privacy.v1 import keys_pb2, keys_pb2_grpc
from paars_goals.adapters import key_rewrap
from paars_goals.adapters import tables as t
from paars_goals.adapters.key_store import KeyStore
from paars_goals.bootstrap import MIGRATIONS, build
from paars_platform import crypto
from paars_platform.db import Database, alembic_config, migrate
from paars_platform.keyring import KeyScope
from tests.conftest import make_settings
from tests.helpers import migrated, system_auth

NOW = dt.datetime(2030, 6, 1, 12, 0, tzinfo=dt.UTC)


def _text_and_key() -> tuple[str, crypto.KeyEncryptionKey]:
    text = crypto.KeyEncryptionKey.generate()
    return text, crypto.KeyEncryptionKey.from_text(text)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated(database_url, MIGRATIONS) as database:
        yield database


async def _rows(db: Database) -> dict[str, tuple[str | None, bytes | None]]:
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(t.person_keys.c.key_id, t.person_keys.c.kek_id, t.person_keys.c.wrapped_key))).all()
    return {key_id: (kek_id, None if wrapped is None else bytes(wrapped)) for key_id, kek_id, wrapped in rows}


def _on_retired() -> float | None:
    return REGISTRY.get_sample_value("paars_person_keys_on_retired_kek")


async def test_goals_rewraps_the_rows_of_the_retired_key_and_old_ciphertext_still_opens(database_url: str, kafka_bootstrap: str) -> None:
    (old_text, old), (new_text, new) = _text_and_key(), _text_and_key()
    scopes = [keys_pb2.KeyScope(person_id=p, kind="feedback", period="2030-05") for p in ("ann", "bob", "cas")]

    async def serve(current: str, retired: str = "") -> object:
        runtime = build(make_settings("goals", database_url=database_url, kafka_bootstrap=kafka_bootstrap, key_encryption_key=current,
                                      key_encryption_keys_retired=retired, key_rewrap_every_seconds=0.2))
        await runtime.start()
        return runtime

    runtime = await serve(old_text)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{runtime.grpc_port}") as channel:  # type: ignore[attr-defined]
            made = await keys_pb2_grpc.PersonKeysStub(channel).GetPersonKeys(
                keys_pb2.GetPersonKeysRequest(scopes=scopes, create=True), metadata=system_auth("paars-feedback"),
            )
    finally:
        await runtime.stop()  # type: ignore[attr-defined]
    sealed = {k.key_id: crypto.encrypt_value(k.key_id, k.key, f"words of {k.person_id}") for k in made.keys}
    db = Database(database_url)
    try:
        before = await _rows(db)
        assert {kek_id for kek_id, _ in before.values()} == {old.id} and set(sealed) <= set(before)

        # Rotation: the new key current, the old one retired. Goals re-wraps in the background.
        runtime = await serve(new_text, old_text)
        try:
            for _ in range(100):
                if {kek_id for kek_id, _ in (await _rows(db)).values()} == {new.id}:
                    break
                await asyncio.sleep(0.1)
            after = await _rows(db)
            assert {kek_id for kek_id, _ in after.values()} == {new.id}
            assert all(after[k][1] != before[k][1] for k in before)  # re-wrapped, not copied
            for _ in range(50):
                if _on_retired() == 0:
                    break
                await asyncio.sleep(0.1)
            assert _on_retired() == 0
            async with grpc.aio.insecure_channel(f"127.0.0.1:{runtime.grpc_port}") as channel:  # type: ignore[attr-defined]
                again = await keys_pb2_grpc.PersonKeysStub(channel).GetPersonKeys(
                    keys_pb2.GetPersonKeysRequest(key_ids=list(sealed)), metadata=system_auth("paars-notifications"),
                )
            opened = {k.key_id: k.key for k in again.keys}
            assert sorted(crypto.decrypt_value(v, opened.get) for v in sealed.values()) == ["words of ann", "words of bob", "words of cas"]
        finally:
            await runtime.stop()  # type: ignore[attr-defined]

        # The old key removed: goals starts and serves the same keys.
        runtime = await serve(new_text)
        try:
            store = KeyStore(db, new)
            found = await store.fetch((), list(sealed), False)
            assert {k.key_id: k.key for k in found} == {k.key_id: k.key for k in made.keys}
        finally:
            await runtime.stop()  # type: ignore[attr-defined]
    finally:
        await db.dispose()


async def test_a_rewrap_that_dies_mid_way_leaves_every_row_whole_and_the_next_run_finishes(db: Database) -> None:
    (_, old), (_, new) = _text_and_key(), _text_and_key()
    old_store = KeyStore(db, old, clock=lambda: NOW)
    made = await old_store.fetch([KeyScope(f"p{i}", "feedback", "2030-05") for i in range(7)], (), True)
    await old_store.destroy_now("p6")  # erased: its row has no key to re-wrap, and must not get one back
    keys = crypto.KeyEncryptionKeys(new, (old,))
    assert await key_rewrap.count_on_retired(db, keys) == 6
    expected = {k.key_id: None if k.person_id == "p6" else k.key for k in made}

    assert await key_rewrap.rewrap_batch(db, keys, limit=2) == (2, 0)
    assert await key_rewrap.count_on_retired(db, keys) == 4

    # The process dies inside the next batch, after wrapping one row: the batch's transaction is not committed.
    wrapped = 0
    real_wrap = keys.wrap

    def dying_wrap(person_id: str, key_id: str, data_key: bytes) -> tuple[str, bytes]:
        nonlocal wrapped
        wrapped += 1
        if wrapped > 1:
            raise SystemExit("killed")
        return real_wrap(person_id, key_id, data_key)

    dying = crypto.KeyEncryptionKeys(new, (old,))
    dying.wrap = dying_wrap  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        await key_rewrap.rewrap_batch(db, dying, limit=3)
    assert await key_rewrap.count_on_retired(db, keys) == 4
    # Every row still opens with the key it names, half-way as it is.
    opened = await KeyStore(db, keys).fetch((), [k.key_id for k in made], False)
    assert {k.key_id: k.key for k in opened} == expected

    outcome = await key_rewrap.rewrap_all(db, keys, batch=3)
    assert (outcome.rewrapped, outcome.failed, outcome.remaining) == (4, 0, 0)
    assert await key_rewrap.rewrap_all(db, keys, batch=3) == key_rewrap.RewrapOutcome(0, 0, 0)  # idempotent
    rows = await _rows(db)
    erased = next(k.key_id for k in made if k.person_id == "p6")
    assert rows[erased][1] is None and all(kek_id == new.id for key_id, (kek_id, _) in rows.items() if rows[key_id][1] is not None)
    # Without the retired key, every key still opens: the data keys did not change.
    opened = await KeyStore(db, new).fetch((), [k.key_id for k in made], False)
    assert {k.key_id: k.key for k in opened} == expected


async def test_rows_from_before_key_ids_are_stamped_with_the_key_that_opens_them_then_rewrapped(database_url: str) -> None:
    (_, old), (_, new) = _text_and_key(), _text_and_key()
    await asyncio.to_thread(command.upgrade, alembic_config(database_url, MIGRATIONS), "0008")
    db = Database(database_url)
    try:
        legacy_key, legacy_id = crypto.new_data_key(), crypto.new_key_id()
        async with db.transaction() as conn:
            await conn.execute(sa.text("INSERT INTO person_keys (key_id, person_id, wrapped_key, created_at) VALUES (:k, 'ann', :w, :c)"),
                               {"k": legacy_id, "w": old.wrap("ann", legacy_id, legacy_key), "c": NOW})
        await migrate(database_url, MIGRATIONS)
        assert (await _rows(db))[legacy_id][0] is None
        keys = crypto.KeyEncryptionKeys(new, (old,))
        assert [k.key for k in await KeyStore(db, keys).fetch((), [legacy_id], False)] == [legacy_key]  # opened before stamping too
        await key_rewrap.prepare(db, keys)
        assert (await _rows(db))[legacy_id][0] == old.id
        assert (await key_rewrap.rewrap_all(db, keys)).rewrapped == 1
        assert [k.key for k in await KeyStore(db, new).fetch((), [legacy_id], False)] == [legacy_key]
        # A row from before ids that no configured key opens: refused.
        stray_id = crypto.new_key_id()
        async with db.transaction() as conn:
            await conn.execute(sa.text("INSERT INTO person_keys (key_id, person_id, wrapped_key, created_at) VALUES (:k, 'bob', :w, :c)"),
                               {"k": stray_id, "w": _text_and_key()[1].wrap("bob", stray_id, legacy_key), "c": NOW})
        with pytest.raises(key_rewrap.MissingKeyEncryptionKey, match="PAARS_KEY_ENCRYPTION_KEYS_RETIRED"):
            await key_rewrap.prepare(db, keys)
    finally:
        await db.dispose()


async def test_goals_refuses_to_start_when_a_key_that_wrapped_rows_is_not_configured(database_url: str, kafka_bootstrap: str) -> None:
    (old_text, old), (new_text, new) = _text_and_key(), _text_and_key()
    await migrate(database_url, MIGRATIONS)
    db = Database(database_url)
    try:
        await KeyStore(db, old).fetch([KeyScope("ann", "feedback", "2030-05")], (), True)
    finally:
        await db.dispose()
    # Rotated without listing the old key as retired.
    runtime = build(make_settings("goals", database_url=database_url, kafka_bootstrap=kafka_bootstrap, key_encryption_key=new_text))
    try:
        with pytest.raises(key_rewrap.MissingKeyEncryptionKey) as refused:
            await runtime.start()
        assert old.id in str(refused.value) and new.id in str(refused.value) and "PAARS_KEY_ENCRYPTION_KEYS_RETIRED" in str(refused.value)
        assert runtime.relay is None and runtime.grpc is None  # refused before serving anything
    finally:
        if runtime.db is not None:
            await runtime.db.dispose()
    # Listed as retired, it starts.
    runtime = build(make_settings("goals", database_url=database_url, kafka_bootstrap=kafka_bootstrap, key_encryption_key=new_text,
                                  key_encryption_keys_retired=old_text))
    await runtime.start()
    await runtime.stop()


async def test_the_rewrap_command_runs_to_completion_and_refuses_a_missing_key(db: Database, database_url: str) -> None:
    (old_text, old), (new_text, new) = _text_and_key(), _text_and_key()
    made = await KeyStore(db, old).fetch([KeyScope(f"p{i}", "goals", "2030-05") for i in range(3)], (), True)
    env = {**os.environ, "PAARS_ENVIRONMENT": "development", "PAARS_DATABASE_URL": database_url, "PAARS_KEY_ENCRYPTION_KEY": new_text}

    def rewrap_keys(**extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "paars_goals", "rewrap-keys"], env={**env, **extra}, capture_output=True, text=True, timeout=120)

    refused = await asyncio.to_thread(rewrap_keys)
    assert refused.returncode == 1 and "PAARS_KEY_ENCRYPTION_KEYS_RETIRED" in refused.stderr and old.id in refused.stderr
    done = await asyncio.to_thread(rewrap_keys, PAARS_KEY_ENCRYPTION_KEYS_RETIRED=old_text)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"kek_id": new.id, "rewrapped": 3, "failed": 0, "remaining": 0}
    assert {kek_id for kek_id, _ in (await _rows(db)).values()} == {new.id}
    opened = await KeyStore(db, new).fetch((), [k.key_id for k in made], False)
    assert {k.key_id: k.key for k in opened} == {k.key_id: k.key for k in made}
