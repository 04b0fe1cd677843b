"""Issue 18 item 5's "through the keys, in the events" through the real stack (every service a process on PostgreSQL,
the embedded broker): two pieces of praise for the same person, one given seven months ago and one today, travel
encrypted under that person's feedback keys of their own months; goals' retention job, with feedback kept 90 days,
destroys the old month's key, and from then on the old praise on the topic reads as erased while today's still
reads, and the services keep working (a new praise is still counted)."""
from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from paars.analytics.v1 import analytics_pb2_grpc
from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as fpb
from paars.feedback.v1 import feedback_pb2_grpc
from paars.org.v1 import org_pb2, org_pb2_grpc
from paars_feedback.adapters import tables as feedback_tables
from paars_goals.adapters import person_data as goals_data
from paars_goals.adapters import tables as goals_tables
from paars_goals.adapters.key_store import KeyStore
from paars_platform import crypto, outbox
from paars_platform.crypto import KeyEncryptionKey
from paars_platform.db import Database
from paars_platform.events import new_metadata
from tests.chaos.stack_under_test import RunningStack
from tests.e2e.test_crypto_shredding import TOKEN, _every_record, _raw, _readable, _received, _until
from tests.helpers import auth, system_auth

pytestmark = pytest.mark.e2e

MARK = uuid.uuid4().hex[:8]
RAY = f"ray-{uuid.uuid4().hex[:8]}"
OLD_TEXT = f"Back in spring your {MARK} migration plan kept everyone calm"
NEW_TEXT = f"Today your {MARK} demo made the roadmap concrete"
LATER_TEXT = f"And the {MARK} follow-up answered every question"
FEEDBACK_TOPIC = "feedback.feedback-given.v1"


def _praise(text: str) -> fpb.GiveFeedbackRequest:
    return fpb.GiveFeedbackRequest(
        receiver_id=RAY, kind=fpb.FEEDBACK_KIND_PRAISE, relation=fpb.RELATION_MANAGER, setting=fpb.FEEDBACK_SETTING_INFORMAL,
        text=text, visibility=event_pb2.VISIBILITY_PUBLIC,
        examples=[fpb.Example(situation="the planning week", behaviour="wrote the plan down", impact="nobody had to guess")],
    )


async def _publish_from_the_past(feedback_url: str, given_at: dt.datetime) -> None:
    """Praise ray was given at given_at, in feedback's outbox as the service writes it: feedback's relay publishes it."""
    event = fpb.FeedbackGiven(
        metadata=new_metadata(producer="feedback", subject_id=RAY, visibility=event_pb2.VISIBILITY_PUBLIC),
        feedback_id=uuid.uuid4().hex, receiver_id=RAY, giver_id="mgr", text=OLD_TEXT,
        kind=fpb.FEEDBACK_KIND_PRAISE, relation=fpb.RELATION_MANAGER, setting=fpb.FEEDBACK_SETTING_INFORMAL,
        visibility=event_pb2.VISIBILITY_PUBLIC, has_example=True,
    )
    event.metadata.occurred_at.FromDatetime(given_at)
    db = Database(feedback_url)
    try:
        async with db.transaction() as conn:
            await outbox.append(conn, feedback_tables.platform["outbox"], event)
    finally:
        await db.dispose()


async def _run_goals_retention(goals_url: str, kek: str) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Goals' retention job (as goals runs it every PAARS_RETENTION_EVERY_SECONDS) over goals' database, feedback
    kept 90 days; what it destroyed, and its audit lines."""
    db = Database(goals_url)
    try:
        job = goals_data.retention(db, {"feedback": 90}, keys=KeyStore(db, KeyEncryptionKey.from_text(kek)))
        run = await job.run_once()
        async with db.read() as conn:
            t = goals_tables.privileged_actions
            audit = [dict(r) for r in (await conn.execute(sa.select(t).where(t.c.action == "retention"))).mappings()]
        return run.keys_destroyed, audit
    finally:
        await db.dispose()


def _ours(everything: dict[str, list[Any]]) -> list[Any]:
    return [r for r in everything.get(FEEDBACK_TOPIC, []) if r.key == RAY.encode()]


def test_an_event_past_its_kinds_retention_becomes_unreadable_on_the_topic_while_a_newer_one_of_the_same_person_stays(running_stack: RunningStack) -> None:
    bootstrap = running_stack.stack.bootstrap
    urls = running_stack.stack.database_urls
    org_pb2_grpc.OrgServiceStub(running_stack.channel("goals")).ImportDirectory(org_pb2.ImportDirectoryRequest(employees=[org_pb2.Employee(
        id=RAY, name="Ray Peeters", email=f"ray.{MARK}@paars.example", manager_id="mgr", team_id="team-a",
        roles=[org_pb2.ROLE_EMPLOYEE], active=True, time_zone="Europe/Brussels")]), metadata=system_auth(), timeout=30)
    feedback = feedback_pb2_grpc.FeedbackServiceStub(running_stack.channel("feedback"))
    analytics = analytics_pb2_grpc.AnalyticsServiceStub(running_stack.channel("analytics"))

    # Praise given seven months ago (feedback's outbox, as the service wrote it then) and praise given today.
    now = dt.datetime.now(dt.UTC)
    asyncio.run(_publish_from_the_past(urls["feedback"], now - dt.timedelta(days=210)))
    _until("feedback to know Ray", lambda: feedback.GiveFeedback(_praise(NEW_TEXT), metadata=auth("mgr", "manager"), timeout=10))
    records = _until("both praises on the topic", lambda: (lambda rs: rs if len(rs) >= 2 else None)(_ours(_every_record(bootstrap))))
    raw = b"\n".join(_raw(r) for r in records)
    assert MARK.encode() not in raw, "a praise left the relay in clear"
    # Each under Ray's feedback key of its own month: two keys, neither the other's.
    key_ids = {m.group(1).decode() for r in records for m in TOKEN.finditer(r.value)}
    assert len(key_ids) == 2
    before = _readable({FEEDBACK_TOPIC: records})
    assert OLD_TEXT.encode() in before and NEW_TEXT.encode() in before

    # Goals' retention job with feedback kept 90 days: the old month is past, today's is not.
    destroyed, audit = asyncio.run(_run_goals_retention(urls["goals"], running_stack.stack.key_encryption_key()))
    assert destroyed["feedback"] >= 1
    assert any(a["detail"]["kind"] == "feedback" and a["detail"]["table"] == "person_keys" and a["detail"]["keys_destroyed"] >= 1 for a in audit)

    # The topic still holds both records; only today's praise can be read.
    after = _ours(_every_record(bootstrap))
    assert len(after) >= 2
    readable = _readable({FEEDBACK_TOPIC: after})
    assert OLD_TEXT.encode() not in readable, "praise past feedback's retention is still readable on the topic"
    assert NEW_TEXT.encode() in readable

    # The services keep working for the same person: a new praise is published, read and counted.
    _until("analytics to count today's praise", lambda: _received(analytics, RAY) >= 1)
    counted = _received(analytics, RAY)
    feedback.GiveFeedback(_praise(LATER_TEXT), metadata=auth("mgr", "manager"), timeout=10)
    _until("analytics to count Ray's new praise", lambda: _received(analytics, RAY) > counted)
    assert LATER_TEXT.encode() in _readable({FEEDBACK_TOPIC: _ours(_every_record(bootstrap))})
    assert crypto.PREFIX.encode() in b"".join(r.value for r in after)
