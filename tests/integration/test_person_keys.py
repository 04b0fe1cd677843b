"""The person keys of crypto-shredding (issue 18 item 4) on SQLite and PostgreSQL: goals' key store, its RPC (the
system identity only), and the outbox relay and inbox consumer with a KeyRing over it, through a real broker."""
from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import grpc
import pytest
import sqlalchemy as sa

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2
from paars.privacy.v1 import keys_pb2, keys_pb2_grpc
from paars_goals.adapters import tables as t
from paars_goals.adapters.key_store import KeyStore
from paars_goals.bootstrap import build
from paars_platform import crypto, outbox
from paars_platform.db import Database, platform_tables
from paars_platform.events import decode, new_metadata
from paars_platform.inbox import InboxConsumer
from paars_platform.kafka import Publisher
from paars_platform.keyring import KeyRing, KeyScope, PersonKey
from tests.conftest import kafka_idempotence, make_settings
from tests.helpers import auth, read_topic, system_auth


@pytest.fixture
async def store(database_url: str):
    db = Database(database_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(t.metadata.create_all)
    yield KeyStore(db, crypto.KeyEncryptionKey.from_text(crypto.KeyEncryptionKey.generate()))
    await db.dispose()


async def test_a_person_gets_one_key_made_once_even_when_asked_at_the_same_time(store: KeyStore) -> None:
    made = await asyncio.gather(*(store.fetch([KeyScope("ann")], (), True) for _ in range(5)))
    assert len({k[0].key_id for k in made}) == 1 and len({k[0].key for k in made}) == 1
    ann = made[0][0]
    assert ann.key is not None and len(ann.key) == 32
    assert await store.fetch([KeyScope("ann")], (), False) == [ann]
    assert await store.fetch((), [ann.key_id], False) == [ann]
    bob = (await store.fetch([KeyScope("bob")], (), True))[0]
    assert bob.key != ann.key
    assert await store.fetch([KeyScope("nobody")], (), False) == []


async def test_keys_rest_wrapped_by_the_key_encryption_key_and_no_other_opens_them(store: KeyStore) -> None:
    ann = (await store.fetch([KeyScope("ann")], (), True))[0]
    async with store.db.read() as conn:
        wrapped = (await conn.execute(sa.select(t.person_keys.c.wrapped_key).where(t.person_keys.c.person_id == "ann"))).scalar_one()
    assert ann.key is not None and ann.key not in bytes(wrapped)
    other = KeyStore(store.db, crypto.KeyEncryptionKey.from_text(crypto.KeyEncryptionKey.generate()))
    with pytest.raises(crypto.UndecryptableField):
        await other.fetch([KeyScope("ann")], (), False)


async def test_a_destroyed_key_answers_erased_and_is_never_made_again(store: KeyStore) -> None:
    ann = (await store.fetch([KeyScope("ann")], (), True))[0]
    forgotten: list[str] = []
    store.on_destroyed.append(forgotten.append)
    await store.destroy_now("ann")
    await store.destroy_now("ann")  # idempotent
    assert await store.fetch([KeyScope("ann")], [ann.key_id], True) == [PersonKey("ann", ann.key_id, None)]
    # Someone erased before ever having a key gets a destroyed row: none is made for them later either.
    await store.destroy_now("cas")
    assert [k.key for k in await store.fetch([KeyScope("cas")], (), True)] == [None]
    assert forgotten == ["ann", "ann", "cas"]
    async with store.db.read() as conn:
        rows = (await conn.execute(sa.select(t.person_keys.c.wrapped_key, t.person_keys.c.destroyed_at).where(t.person_keys.c.person_id == "ann"))).all()
    assert [(r.wrapped_key, r.destroyed_at is not None) for r in rows] == [(None, True)]


async def test_goals_serves_keys_to_the_system_identity_only(database_url: str, kafka_bootstrap: str) -> None:
    runtime = build(make_settings("goals", database_url=database_url, kafka_bootstrap=kafka_bootstrap))
    await runtime.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{runtime.grpc_port}") as channel:
            stub = keys_pb2_grpc.PersonKeysStub(channel)
            made = await stub.GetPersonKeys(keys_pb2.GetPersonKeysRequest(person_ids=["ann"], create=True), metadata=system_auth("paars-feedback"))
            assert [(k.person_id, len(k.key), k.erased) for k in made.keys] == [("ann", 32, False)]
            again = await stub.GetPersonKeys(keys_pb2.GetPersonKeysRequest(key_ids=[made.keys[0].key_id]), metadata=system_auth("paars-notifications"))
            assert again.keys[0].key == made.keys[0].key
            for caller in (auth("hr1", "hr"), auth("ann")):
                with pytest.raises(grpc.aio.AioRpcError) as err:
                    await stub.GetPersonKeys(keys_pb2.GetPersonKeysRequest(person_ids=["ann"]), metadata=caller)
                assert err.value.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED)
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await stub.GetPersonKeys(keys_pb2.GetPersonKeysRequest(person_ids=["x"] * 1001), metadata=system_auth())
            assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        await runtime.stop()


class FlakyStore:
    """A key store that is down until told otherwise (goals unavailable)."""

    def __init__(self, store: KeyStore) -> None:
        self.store = store
        self.down = True
        self.refused = 0

    async def fetch(self, scopes: Sequence[KeyScope], key_ids: Sequence[str], create: bool) -> list[PersonKey]:
        if self.down:
            self.refused += 1
            raise ConnectionError("goals unavailable")
        return await self.store.fetch(scopes, key_ids, create)


def praise(receiver: str, text: str) -> feedback_pb2.FeedbackGiven:
    return feedback_pb2.FeedbackGiven(
        metadata=new_metadata(producer="feedback", subject_id=receiver, visibility=event_pb2.VISIBILITY_PUBLIC),
        feedback_id=uuid.uuid4().hex, receiver_id=receiver, giver_id="mgr", text=text,
    )


async def test_the_relay_publishes_only_ciphertext_waits_out_a_key_outage_in_order_and_a_consumer_reads_plaintext(
    store: KeyStore, kafka_bootstrap: str, database_url: str,
) -> None:
    metadata = sa.MetaData()
    tables = platform_tables(metadata)
    async with store.db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    marker = uuid.uuid4().hex
    receiver = f"ann-{marker[:8]}"
    flaky = FlakyStore(store)
    publisher = Publisher(kafka_bootstrap, client_id="test", idempotence=kafka_idempotence())
    relay = outbox.OutboxRelay(store.db, tables["outbox"], publisher, service="test", poll_seconds=0.1, keyring=KeyRing(flaky))
    texts = [f"{marker} thank you for the demo {i}" for i in range(5)]
    async with store.db.transaction() as conn:
        await outbox.append(conn, tables["outbox"], *(praise(receiver, text) for text in texts))
    with pytest.raises(Exception, match="key store"):
        await relay.publish_pending()
    relay.start()
    await asyncio.sleep(0)  # the relay is retrying against the outage: nothing may leave in clear meanwhile
    flaky.down = False

    def ours(records: list) -> list:
        return [r for r in records if r.key == receiver.encode()]

    records = ours(await asyncio.to_thread(read_topic, kafka_bootstrap, "feedback.feedback-given.v1", until=lambda rs: len(ours(rs)) >= 5))
    await relay.stop()
    assert len(records) == 5
    assert not any(marker.encode() in r.value for r in records), "a personal text left the relay in clear"
    events = [decode(r.value, r.headers) for r in records]
    # The receiver's key of feedback for the month the praise was given in (issue 18 item 5).
    period = events[0].metadata.occurred_at.ToDatetime().strftime("%Y-%m")
    key_id = (await store.fetch([KeyScope(receiver, "feedback", period)], (), False))[0].key_id
    assert all(e.text.startswith(f"pc1:{key_id}:") for e in events)  # type: ignore[attr-defined]

    seen: list[str] = []

    async def handle(_conn: object, event: feedback_pb2.FeedbackGiven) -> None:
        if event.receiver_id == receiver:
            seen.append(event.text)

    settings = make_settings("notifications", database_url=database_url, kafka_bootstrap=kafka_bootstrap)
    consumer_keys = FlakyStore(store)
    consumer = InboxConsumer(settings, store.db, tables["inbox"], publisher, group_id=f"test-{marker}",
                             handlers={"feedback.feedback-given.v1": handle}, keyring=KeyRing(consumer_keys))
    await consumer.start()
    try:
        # While the keys cannot be had, the consumer waits: no handler runs (with ciphertext or at all), nothing is skipped.
        for _ in range(300):
            if consumer_keys.refused >= 2:
                break
            await asyncio.sleep(0.1)
        assert consumer_keys.refused >= 2 and seen == []
        consumer_keys.down = False
        for _ in range(200):
            if len(seen) >= 5:
                break
            await asyncio.sleep(0.1)
    finally:
        await consumer.stop()
        publisher.close()
    assert seen == texts  # decrypted, in order
