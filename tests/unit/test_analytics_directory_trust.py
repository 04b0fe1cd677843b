"""Analytics' org agents apply a directory event only with goals' signature; anything else becomes a dead letter."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from paars.common.v1 import event_pb2
from paars.org.v1 import org_pb2
from paars_analytics.org.agents import _apply
from paars_analytics.translate import employee_record
from paars_platform.events import Record, header, new_metadata, to_record
from paars_platform.signing import EventSigner, EventVerifier
from paars_platform.topics import topic

GOALS_KEY = Ed25519PrivateKey.generate()


class Counter:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, ...], int] = {}

    def labels(self, *values: str) -> Counter:
        self._key = values
        return self

    def inc(self, amount: int = 1) -> None:
        self.counts[self._key] = self.counts.get(self._key, 0) + amount


@dataclass
class DeadLetters:
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def send(self, *, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> None:
        self.sent.append({"key": key, "value": value, "headers": headers})


def context() -> Any:
    return SimpleNamespace(
        verifier=EventVerifier({"goals": [GOALS_KEY.public_key()]}), expected_type=lambda t: topic(t).message_type,
        employees={}, dirty=set(), directory_version=0, processed=Counter(), dead_letters=Counter(), dead_letter_topic=DeadLetters(),
        config=SimpleNamespace(app_id="paars-analytics"),
    )


def record(manager: str, version: int) -> Record:
    return to_record(org_pb2.EmployeeChanged(
        metadata=new_metadata(producer="goals", subject_id="ann", visibility=event_pb2.VISIBILITY_INTERNAL),
        employee=org_pb2.Employee(id="ann", manager_id=manager, version=version, active=True),
    ))


def faust_event(r: Record) -> Any:
    """What a Faust agent's stream.events() yields: the record as event.message (headers as a dict)."""
    return SimpleNamespace(message=SimpleNamespace(topic=r.topic, key=r.key, value=r.value, headers=dict(r.headers), partition=0, offset=7))


async def test_a_signed_employee_change_is_applied() -> None:
    ctx = context()
    await _apply(ctx, faust_event(EventSigner("goals", GOALS_KEY).sign(record("mgr", 2))), ctx.employees, employee_record)
    assert ctx.employees["ann"]["manager_id"] == "mgr" and not ctx.dead_letter_topic.sent
    assert ctx.directory_version == 1, "the query API's copy of the directory is read again after a write"


async def test_an_unsigned_or_foreign_signed_promotion_is_dead_lettered_and_changes_nobody() -> None:
    ctx = context()
    await _apply(ctx, faust_event(EventSigner("goals", GOALS_KEY).sign(record("mgr", 2))), ctx.employees, employee_record)
    await _apply(ctx, faust_event(record("cas", 99)), ctx.employees, employee_record)
    await _apply(ctx, faust_event(EventSigner("goals", Ed25519PrivateKey.generate()).sign(record("cas", 98))), ctx.employees, employee_record)
    assert (ctx.employees["ann"]["manager_id"], ctx.employees["ann"]["version"]) == ("mgr", 2)
    assert [header(d["headers"], "dlq_reason") for d in ctx.dead_letter_topic.sent] == ["unsigned", "bad-signature"]
    assert ctx.directory_version == 1, "what was not written does not count as a directory write"
    # A later genuine change with a lower version than the forgeries still applies.
    await _apply(ctx, faust_event(EventSigner("goals", GOALS_KEY).sign(record("bob", 3))), ctx.employees, employee_record)
    assert ctx.employees["ann"]["manager_id"] == "bob"
