"""The analytics worker (a real Faust process) against the real broker: insights out, dead letters, recovery after a kill."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import grpc
import pytest

from paars.analytics.v1 import analytics_pb2 as pb
from paars.analytics.v1 import analytics_pb2_grpc
from paars.common.v1 import event_pb2
from paars.conversations.v1 import conversations_pb2 as cv
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as goals
from paars.org.v1 import org_pb2 as org
from paars_platform.embedded_broker import free_port
from paars_platform.events import header, new_metadata, to_record
from paars_platform.kafka import Publisher, provision_topics
from paars_platform.signing import EventSigner, development_key
from tests.conftest import ROOT, kafka_idempotence
from tests.helpers import decoded, read_topic, system_auth


class Worker:
    """`python -m paars_analytics` in a subprocess (its state in memory: a restart rebuilds it from the changelogs)."""

    def __init__(self, bootstrap: str, app_id: str, log_path: str) -> None:
        self.port = free_port()
        self.env = dict(
            os.environ,
            PAARS_KAFKA_BOOTSTRAP=bootstrap, PAARS_KAFKA_IDEMPOTENCE="true" if kafka_idempotence() else "false",
            PAARS_ANALYTICS_APP_ID=app_id, PAARS_GRPC_PORT=str(self.port),
            PAARS_METRICS_PORT="-1", PAARS_CONSUMER_SESSION_TIMEOUT_MS="6000", PAARS_CONSUMER_REBALANCE_TIMEOUT_MS="2000",
            PAARS_ANALYTICS_DETECT_INTERVAL_SECONDS="0.5", PAARS_PROVISION_TOPICS="false", PAARS_SHUTDOWN_GRACE_SECONDS="1",
            PAARS_ANALYTICS_STATE_DIR=os.path.dirname(log_path),
        )
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        log = open(self.log_path, "ab")  # noqa: SIM115
        self.process = subprocess.Popen([sys.executable, "-m", "paars_analytics"], env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    async def signals(self, employee: str) -> pb.Signals | None:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{self.port}") as channel:
            stub = analytics_pb2_grpc.AnalyticsServiceStub(channel)
            try:
                return await stub.GetSignals(pb.GetSignalsRequest(employee_id=employee, window_days=30), metadata=system_auth(), timeout=2)
            except grpc.aio.AioRpcError:
                return None


@pytest.fixture(scope="module")
def publisher(kafka_bootstrap: str) -> Iterator[Publisher]:
    provision_topics(kafka_bootstrap)
    # Signed with goals' development key: analytics applies directory events only with their producer's signature.
    p = Publisher(kafka_bootstrap, client_id="analytics-test", idempotence=kafka_idempotence(), signer=EventSigner("goals", development_key("goals")))
    yield p
    p.close()


def feedback_given(receiver: str, eid: str) -> fb.FeedbackGiven:
    return fb.FeedbackGiven(
        metadata=new_metadata(producer="test", subject_id=receiver, visibility=1, event_id=eid), feedback_id=f"f-{eid}",
        receiver_id=receiver, kind=fb.FEEDBACK_KIND_PRAISE, relation=fb.RELATION_PEER, has_example=True,
    )


def anonymous_feedback(receiver: str, eid: str, *, giver: str) -> fb.FeedbackGiven:
    """Anonymous in aggregate, but carrying a relation, a giver and a request id (as events once did)."""
    event = feedback_given(receiver, eid)
    event.metadata.visibility = event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE
    event.visibility = event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE
    event.relation, event.giver_id, event.request_id = fb.RELATION_DIRECT_REPORT, giver, f"rq-{eid}"
    return event


async def until(check, timeout: float = 45.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.3)


async def test_a_milestone_comes_out_as_an_insight_and_an_undecodable_record_as_a_dead_letter(kafka_bootstrap, publisher, tmp_path) -> None:
    run = uuid.uuid4().hex[:8]
    ann, mgr = f"ann-{run}", f"mgr-{run}"
    worker = Worker(kafka_bootstrap, f"analytics-test-{run}", str(tmp_path / "worker.log")).start()
    try:
        publisher.publish([to_record(org.EmployeeChanged(
            metadata=new_metadata(producer="goals", subject_id=ann, visibility=6), change=org.EmployeeChanged.CHANGE_CREATED,
            employee=org.Employee(id=ann, name="Ann", manager_id=mgr, team_id=f"team-{run}", active=True, version=1)))])
        publisher.send_raw("feedback.feedback-given.v1", ann.encode(), b"\x00not a protobuf", [("ce_type", b"paars.feedback.v1.FeedbackGiven")])
        milestone = goals.GoalUpdated(
            metadata=new_metadata(producer="test", subject_id=ann, visibility=2), changes=[goals.GoalUpdated.CHANGE_PROGRESS],
            milestone_percent=50,
            goal=goals.Goal(id=f"g-{run}", kind=goals.GOAL_KIND_DEVELOPMENT, level=goals.GOAL_LEVEL_INDIVIDUAL, title="Guild talks",
                            owner_id=ann, progress=0.5, expected_progress=0.2, agreement=goals.AGREEMENT_STATE_AGREED, version=3),
        )
        publisher.publish([to_record(milestone), to_record(feedback_given(ann, f"after-the-bad-one-{run}"))])

        def ours(records: list) -> list:
            return [e for e in decoded(records) if e.insight.subject_id == ann]

        found = ours(await asyncio.to_thread(read_topic, kafka_bootstrap, "analytics.insight-detected.v1", until=lambda rs: bool(ours(rs)), timeout=60))
        assert [e.insight.kind for e in found] == [pb.INSIGHT_KIND_MOMENT_FOR_FEEDBACK]
        insight = found[0].insight
        assert milestone.metadata.event_id in insight.evidence_event_ids and insight.actors[0] == mgr and insight.open
        assert "50%" in insight.reason and found[0].metadata.event_id == insight.id
        # Through the command topic and the insights table into the event: the values a reader renders it from.
        assert dict(insight.params) == {"goal": "Guild talks", "percent": "50", "variant": "milestone", "goal_id": f"g-{run}"}

        def dead(records: list) -> list:
            return [r for r in records if r.key == ann.encode()]

        letters = dead(await asyncio.to_thread(read_topic, kafka_bootstrap, "analytics.dead-letter.v1", until=lambda rs: bool(dead(rs))))
        assert header(letters[0].headers, "dlq_reason") == "undecodable"
        assert header(letters[0].headers, "dlq_source_topic") == "feedback.feedback-given.v1"
        assert header(letters[0].headers, "dlq_consumer") == f"analytics-test-{run}"
        assert letters[0].value == b"\x00not a protobuf"
        signals = await until(lambda: _received(worker, ann, 1))
        assert signals is not None and signals.received_by_source["peer"] == 1

        # Ann is Mo's only report: anonymous pieces counted by relation ("report: 3") would name her.
        publisher.publish([to_record(org.EmployeeChanged(
            metadata=new_metadata(producer="goals", subject_id=mgr, visibility=6), change=org.EmployeeChanged.CHANGE_CREATED,
            employee=org.Employee(id=mgr, name="Mo", team_id=f"team-{run}", active=True, version=1)))])
        publisher.publish(
            [to_record(anonymous_feedback(mgr, f"anon-{run}-{i}", giver=ann)) for i in range(3)]
            + [to_record(feedback_given(mgr, f"peer-{run}-{i}")) for i in range(3)]
        )
        signals = await until(lambda: _received(worker, mgr, 6))
        assert signals is not None and dict(signals.received_by_source) == {"anonymous": 3, "peer": 3}
        assert signals.given == 0

        def about_mgr(records: list) -> list:
            return [e for e in decoded(records) if e.insight.subject_id == mgr and e.insight.kind == pb.INSIGHT_KIND_SINGLE_SOURCE_FEEDBACK]

        single = about_mgr(await asyncio.to_thread(read_topic, kafka_bootstrap, "analytics.insight-detected.v1", until=lambda rs: bool(about_mgr(rs)), timeout=60))
        assert [e.insight.reason for e in single] == ["All 3 pieces of feedback with a named giver in the last 90 days came from peers."]
        assert dict(single[0].insight.params) == {"count": "3", "source": "peer", "variant": "named_only"}
        assert not {f"anon-{run}-{i}" for i in range(3)} & set(single[0].insight.evidence_event_ids)
        given = await worker.signals(ann)
        assert given is not None and given.given == 0, "an anonymous piece is never counted for its giver"
        assert worker.stop() == 0
    finally:
        worker.stop()


async def _received(worker: Worker, who: str, n: int) -> pb.Signals | None:
    signals = await worker.signals(who)
    return signals if signals is not None and sum(signals.received_by_source.values()) >= n else None


def one_on_one_held(other: str, run: str) -> cv.OneOnOneHeld:
    return cv.OneOnOneHeld(
        metadata=new_metadata(producer="paars-conversations", subject_id=other, visibility=event_pb2.VISIBILITY_PRIVATE),
        pair_id=f"p-{run}", meeting_id=f"m-{run}", kind=cv.PAIR_KIND_MANAGER_REPORT, lead_id=f"mgr-{run}", other_id=other,
    )


async def _held(worker: Worker, who: str, n: int) -> pb.Signals | None:
    signals = await worker.signals(who)
    return signals if signals is not None and signals.one_on_ones_held >= n else None


async def test_a_killed_worker_recovers_its_tables_from_changelogs_and_misses_no_event(kafka_bootstrap, publisher, tmp_path) -> None:
    run = uuid.uuid4().hex[:8]
    bea = f"bea-{run}"
    worker = Worker(kafka_bootstrap, f"analytics-test-{run}", str(tmp_path / "worker.log")).start()
    try:
        publisher.publish([to_record(feedback_given(bea, f"{run}-{i}")) for i in range(5)])
        assert await until(lambda: _received(worker, bea, 5)) is not None
        # More events of another input than the shared ring of event ids held, before the re-sends below (a relay
        # killed between publishing and marking sent re-sends once it is back, meanwhile other producers go on).
        publisher.publish([to_record(one_on_one_held(bea, f"{run}-{i}")) for i in range(40)])
        assert await until(lambda: _held(worker, bea, 40)) is not None
        # Past the commit interval: the restarted worker does not re-read these; their effect must come from the changelog.
        await asyncio.sleep(2.5)
        worker.kill()
        publisher.publish([to_record(feedback_given(bea, f"{run}-{i}")) for i in range(5, 8)])
        # Redelivered events (the same ids) must not count twice.
        publisher.publish([to_record(feedback_given(bea, f"{run}-{i}")) for i in range(3)])
        worker.start()
        signals = await until(lambda: _received(worker, bea, 8))
        assert signals is not None
        await asyncio.sleep(1.5)
        again = await worker.signals(bea)
        assert again is not None and again.received_by_source["peer"] == 8 and again.one_on_ones_held == 40
    finally:
        worker.stop()
