"""The analytics worker (a real Faust process) against the real broker counts conversations' events: coaching sessions
into coaching_sessions, 1:1s held and skipped (and the skips in a row) into Signals and the sense-making card, a
record delivered twice once; the topics it reads are the registry's (conversations' topics routed to analytics)."""
from __future__ import annotations

import uuid

import grpc

from paars.analytics.v1 import analytics_pb2 as pb
from paars.analytics.v1 import analytics_pb2_grpc
from paars.common.v1 import event_pb2
from paars.conversations.v1 import conversations_pb2 as cv
from paars.org.v1 import org_pb2 as org
from paars_platform import registry
from paars_platform.events import new_metadata, to_record
from tests.helpers import auth
from tests.integration.test_analytics_stream import Worker, publisher, until  # noqa: F401 (publisher: the module's fixture)


def test_the_registry_routes_1on1s_and_coaching_sessions_to_analytics_and_not_concerns_or_circles() -> None:
    routed = set(registry.topics_consumed_by("analytics", domain="conversations"))
    assert routed == {"conversations.one-on-one-held.v1", "conversations.one-on-one-skipped.v1", "conversations.coaching-session-completed.v1"}


async def test_coaching_sessions_and_1on1s_reach_the_signals_and_the_sense_making_card_once(kafka_bootstrap, publisher, tmp_path) -> None:  # noqa: F811
    run = uuid.uuid4().hex[:8]
    ann, mgr = f"ann-{run}", f"mgr-{run}"
    worker = Worker(kafka_bootstrap, f"analytics-test-{run}", str(tmp_path / "worker.log")).start()
    try:
        publisher.publish([to_record(org.EmployeeChanged(
            metadata=new_metadata(producer="goals", subject_id=ann, visibility=6), change=org.EmployeeChanged.CHANGE_CREATED,
            employee=org.Employee(id=ann, name="Ann", manager_id=mgr, team_id=f"team-{run}", active=True, version=1)))])
        private = event_pb2.VISIBILITY_PRIVATE
        session = cv.CoachingSessionCompleted(
            metadata=new_metadata(producer="paars-conversations", subject_id=ann, visibility=private), session_id=f"s-{run}",
            request_id=f"r-{run}", coachee_id=ann, coach_id=mgr, held_on="2026-12-01",
        )
        held = cv.OneOnOneHeld(
            metadata=new_metadata(producer="paars-conversations", subject_id=ann, visibility=private), pair_id=f"p-{run}",
            meeting_id=f"m1-{run}", kind=cv.PAIR_KIND_MANAGER_REPORT, lead_id=mgr, other_id=ann, agenda_topics=2,
        )
        skipped = [
            cv.OneOnOneSkipped(
                metadata=new_metadata(producer="paars-conversations", subject_id=ann, visibility=private), pair_id=f"p-{run}",
                meeting_id=f"m{n}-{run}", kind=cv.PAIR_KIND_MANAGER_REPORT, lead_id=mgr, other_id=ann, consecutive_skips=n - 1,
            )
            for n in (2, 3)
        ]
        # The session's record twice (a relay that crashed after sending and before marking it sent).
        publisher.publish([to_record(session), to_record(held), to_record(session), *(to_record(s) for s in skipped)])

        async def counted() -> pb.Signals | None:
            signals = await worker.signals(ann)
            return signals if signals is not None and signals.one_on_ones_skipped >= 2 and signals.coaching_sessions >= 1 else None

        signals = await until(counted, timeout=90)
        assert signals is not None, "the conversations events never reached the signals"
        assert (signals.coaching_sessions, signals.one_on_ones_held, signals.one_on_ones_skipped, signals.one_on_one_skips_in_a_row) == (1, 1, 2, 2)
        assert signals.development_score > 0
        async with grpc.aio.insecure_channel(f"127.0.0.1:{worker.port}") as channel:
            card = await analytics_pb2_grpc.AnalyticsServiceStub(channel).GetSenseMaking(
                pb.GetSenseMakingRequest(employee_id=ann, window_days=30), metadata=auth(ann), timeout=5)
        assert (card.coaching_sessions, card.one_on_ones_held, card.one_on_ones_skipped) == (1, 1, 2)
        assert worker.stop() == 0
    finally:
        worker.stop()
