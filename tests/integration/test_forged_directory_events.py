"""A directory event written to the broker by anyone but goals is dead-lettered, never applied (issue 11, item 4)."""
from __future__ import annotations

import asyncio
import pathlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka import KafkaProducer

from paars.common.v1 import event_pb2
from paars.org.v1 import org_pb2, org_pb2_grpc
from paars_feedback.adapters import tables as t
from paars_feedback.bootstrap import build
from paars_goals.bootstrap import build as build_goals
from paars_platform.events import Record, header, new_metadata
from paars_platform.runtime import ServiceRuntime
from paars_platform.signing import EventSigner
from tests.conftest import make_settings
from tests.helpers import demo_directory, read_topic, system_auth

TOPIC = "org.employee-changed.v1"


@dataclass
class Stack:
    bootstrap: str
    feedback: ServiceRuntime
    org: org_pb2_grpc.OrgServiceStub

    async def person(self, employee_id: str) -> Any:
        assert self.feedback.db is not None
        async with self.feedback.db.read() as conn:
            return (await conn.execute(sa.select(t.people).where(t.people.c.id == employee_id))).first()

    async def until_manager(self, employee_id: str, manager_id: str) -> Any:
        # Waiting for the projection to catch up (bounded), not asserting on speed.
        for _ in range(300):
            row = await self.person(employee_id)
            if row is not None and row.manager_id == manager_id:
                return row
            await asyncio.sleep(0.1)
        raise AssertionError(f"{employee_id}'s manager never became {manager_id} in the feedback projection")


@pytest.fixture
async def stack(database_url: str, private_kafka_bootstrap: str, tmp_path: pathlib.Path) -> AsyncIterator[Stack]:
    """Goals (the directory's producer) and feedback (a consumer of it) on a broker of their own."""
    bootstrap = private_kafka_bootstrap
    goals = build_goals(make_settings("goals", database_url=f"sqlite+aiosqlite:///{tmp_path}/goals.db", kafka_bootstrap=bootstrap))
    feedback = build(make_settings(
        "feedback", database_url=database_url, kafka_bootstrap=bootstrap,
        extra={"org_consumer_group": f"paars-feedback-org-{uuid.uuid4().hex[:8]}"},
        consumer_session_timeout_ms=2000, consumer_rebalance_timeout_ms=300,
    ))
    await goals.start()
    await feedback.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{goals.grpc_port}")
    try:
        s = Stack(bootstrap, feedback, org_pb2_grpc.OrgServiceStub(channel))
        await s.org.ImportDirectory(demo_directory(), metadata=system_auth())
        await s.until_manager("ann", "mgr")
        yield s
    finally:
        await channel.close()
        await feedback.stop()
        await goals.stop()


def forged_promotion(employee_id: str, manager_id: str, version: int) -> tuple[str, bytes, list[tuple[str, bytes]]]:
    """What an outside client writes: a well-formed EmployeeChanged with CloudEvents headers naming goals."""
    event_id = f"forged-{uuid.uuid4().hex}"
    event = org_pb2.EmployeeChanged(
        metadata=new_metadata(producer="goals", subject_id=employee_id, visibility=event_pb2.VISIBILITY_INTERNAL, event_id=event_id),
        change=org_pb2.EmployeeChanged.CHANGE_UPDATED,
        employee=org_pb2.Employee(id=employee_id, name="Ann Peeters", manager_id=manager_id, team_id="team-a",
                                  roles=[org_pb2.ROLE_EMPLOYEE], active=True, version=version),
    )
    headers = [
        ("ce_specversion", b"1.0"), ("ce_id", event_id.encode()), ("ce_type", b"paars.org.v1.EmployeeChanged"),
        ("ce_source", b"/paars/goals"), ("content-type", b"application/x-protobuf"),
    ]
    return event_id, event.SerializeToString(), headers


def produce_plainly(bootstrap: str, records: list[tuple[bytes, bytes, list[tuple[str, bytes]]]]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for key, value, headers in records:
            producer.send(TOPIC, key=key, value=value, headers=headers).get(timeout=30)
    finally:
        producer.close(10)


async def test_a_forged_employee_changed_is_dead_lettered_and_a_later_genuine_import_still_applies(stack: Stack) -> None:
    before = await stack.person("ann")
    unsigned_id, unsigned_value, unsigned_headers = forged_promotion("ann", "cas", version=before.version + 100)
    # Signed, but with the attacker's own key: it must not pass for goals' signature.
    wrong_id, wrong_value, wrong_headers = forged_promotion("ann", "cas", version=before.version + 200)
    attacker = EventSigner("goals", Ed25519PrivateKey.generate())
    wrong_headers = attacker.sign(Record(TOPIC, b"ann", wrong_value, wrong_headers, wrong_id)).headers
    await asyncio.to_thread(produce_plainly, stack.bootstrap, [(b"ann", unsigned_value, unsigned_headers), (b"ann", wrong_value, wrong_headers)])

    def letters(records: list[Any]) -> dict[str, str]:
        return {header(r.headers, "ce_id"): header(r.headers, "dlq_reason") for r in records if header(r.headers, "ce_id") in (unsigned_id, wrong_id)}

    dead = letters(await asyncio.to_thread(read_topic, stack.bootstrap, "feedback.dead-letter.v1", until=lambda rs: len(letters(rs)) == 2, timeout=30))
    assert dead == {unsigned_id: "unsigned", wrong_id: "bad-signature"}
    after = await stack.person("ann")
    assert (after.manager_id, after.version) == ("mgr", before.version), "a forged record changed who manages ann"

    # The genuine producer's next import has a lower version than the forgeries: it applies all the same.
    directory = demo_directory()
    [ann] = [e for e in directory.employees if e.id == "ann"]
    ann.manager_id = "bob"
    await stack.org.ImportDirectory(directory, metadata=system_auth())
    moved = await stack.until_manager("ann", "bob")
    assert before.version < moved.version < before.version + 100
