"""Who a caller is comes from each service's own directory data, not from the token: goals, feedback and
notifications in-process on real databases and a broker, the directory imported once through goals."""
from __future__ import annotations

import asyncio
import datetime as dt
import pathlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from paars.feedback.v1 import feedback_pb2 as fb
from paars.feedback.v1 import feedback_pb2_grpc
from paars.goals.v1 import goals_pb2 as gl
from paars.goals.v1 import goals_pb2_grpc
from paars.notifications.v1 import notifications_pb2 as nt
from paars.notifications.v1 import notifications_pb2_grpc
from paars.org.v1 import org_pb2, org_pb2_grpc
from paars_feedback.adapters import tables as feedback_tables
from paars_feedback.bootstrap import build as build_feedback
from paars_goals.bootstrap import build as build_goals
from paars_notifications.adapters import tables as notification_tables
from paars_notifications.bootstrap import build as build_notifications
from paars_platform.auth import mint_token
from paars_platform.config import DEV_JWT_SECRET
from paars_platform.runtime import ServiceRuntime
from tests.conftest import create_pg_database, drop_pg_database, make_settings
from tests.helpers import auth, demo_directory, system_auth

DUE = (dt.date.today() + dt.timedelta(days=14)).isoformat()


@dataclass
class Org:
    goals: goals_pb2_grpc.GoalServiceStub
    directory: org_pb2_grpc.OrgServiceStub
    feedback: feedback_pb2_grpc.FeedbackServiceStub
    notifications: notifications_pb2_grpc.NotificationServiceStub
    runtimes: dict[str, ServiceRuntime]

    async def projected(self, service: str, table: sa.Table, employee_id: str, active: bool) -> bool:
        """Waits (bounded) until the service's projection has the person in the given state."""
        db = self.runtimes[service].db
        assert db is not None
        for _ in range(300):
            async with db.read() as conn:
                row = (await conn.execute(sa.select(table.c.active).where(table.c.id == employee_id))).first()
            if row is not None and bool(row.active) == active:
                return True
            await asyncio.sleep(0.1)
        return False


@pytest.fixture
async def org(database_url: str, private_kafka_bootstrap: str, tmp_path: pathlib.Path) -> AsyncIterator[Org]:
    """The directory's owner and two services projecting it; on PostgreSQL both projections are on PostgreSQL."""
    second = await asyncio.to_thread(create_pg_database) if database_url.startswith("postgresql") else f"sqlite+aiosqlite:///{tmp_path}/notifications.db"
    kafka = private_kafka_bootstrap
    runtimes = {
        "goals": build_goals(make_settings("goals", database_url=f"sqlite+aiosqlite:///{tmp_path}/goals.db", kafka_bootstrap=kafka)),
        "feedback": build_feedback(make_settings(
            "feedback", database_url=database_url, kafka_bootstrap=kafka, extra={"org_consumer_group": f"org-{uuid.uuid4().hex[:8]}"},
            consumer_session_timeout_ms=2000, consumer_rebalance_timeout_ms=300,
        )),
        "notifications": build_notifications(make_settings("notifications", database_url=second, kafka_bootstrap=kafka)),
    }
    channels: dict[str, grpc.aio.Channel] = {}
    try:
        for name, runtime in runtimes.items():
            await runtime.start()
            channels[name] = grpc.aio.insecure_channel(f"127.0.0.1:{runtime.grpc_port}")
        found = Org(
            goals_pb2_grpc.GoalServiceStub(channels["goals"]), org_pb2_grpc.OrgServiceStub(channels["goals"]),
            feedback_pb2_grpc.FeedbackServiceStub(channels["feedback"]),
            notifications_pb2_grpc.NotificationServiceStub(channels["notifications"]), runtimes,
        )
        # The first import comes from a service client: nobody is a person of the (empty) directory yet.
        await found.directory.ImportDirectory(demo_directory(), metadata=system_auth())
        assert await found.projected("feedback", feedback_tables.people, "cas", active=True)
        assert await found.projected("notifications", notification_tables.people, "cas", active=True)
        yield found
    finally:
        for channel in channels.values():
            await channel.close()
        for runtime in reversed(runtimes.values()):
            await runtime.stop()
        if second.startswith("postgresql"):
            await asyncio.to_thread(drop_pg_database, second)


async def code_of(call: Any) -> grpc.StatusCode:
    try:
        await call
    except grpc.aio.AioRpcError as err:
        return err.code()
    return grpc.StatusCode.OK


async def test_an_employee_whose_token_claims_hr_reads_no_referral_note_360_comments_or_action_plan_of_another(org: Org) -> None:
    stub = org.feedback
    await stub.RaiseReferral(fb.RaiseReferralRequest(employee_id="bob", note="Vraagt om professionele ondersteuning"), metadata=auth("mgr"))
    cycle = fb.OpenReviewCycleRequest(
        cycle_name="360 najaar", subject_ids=["bob"], rater_groups=[fb.RATER_GROUP_SELF, fb.RATER_GROUP_MANAGER], due_date=DUE,
        questions=[fb.CompetencyQuestion(competency="samenwerken", question="Hoe werkt deze persoon samen?")],
    )
    review = (await stub.OpenReviewCycle(cycle, metadata=auth("mgr"))).reviews[0]
    await stub.SubmitReviewResponse(
        fb.SubmitReviewResponseRequest(review_id=review.id, ratings=[fb.Rating(competency="samenwerken", score=2)], comment="Alleen voor bob"),
        metadata=auth("mgr"),
    )
    await stub.CloseReviewCycle(fb.CloseReviewCycleRequest(review_id=review.id), metadata=auth("mgr"))
    ann_as_hr = auth("ann", "hr")
    reads = {
        "referral note": stub.ListReferrals(fb.ListReferralsRequest(employee_id="bob"), metadata=ann_as_hr),
        "360 comments": stub.GetReviewReport(fb.GetReviewReportRequest(review_id=review.id), metadata=ann_as_hr),
        "action plan": stub.ListActionItems(fb.ListActionItemsRequest(employee_id="bob"), metadata=ann_as_hr),
    }
    codes = {what: await code_of(call) for what, call in reads.items()}
    assert codes == dict.fromkeys(reads, grpc.StatusCode.PERMISSION_DENIED)
    # The HR person of the directory still reads the referral, with a token that lists no roles at all.
    listed = await stub.ListReferrals(fb.ListReferralsRequest(employee_id="bob"), metadata=auth("hr1"))
    assert len(listed.referrals) == 1


async def test_a_persons_token_claiming_the_system_role_lists_nobodys_private_feedback(org: Org) -> None:
    given = await org.feedback.GiveFeedback(
        fb.GiveFeedbackRequest(
            receiver_id="ann", kind=fb.FEEDBACK_KIND_CONSTRUCTIVE, relation=fb.RELATION_MANAGER, text="De overdracht kan beter.",
            examples=[fb.Example(situation="Overdracht dinsdag", behaviour="Geen notities", impact="Klant moest alles herhalen")],
        ),
        metadata=auth("mgr"),
    )
    for client in ("", "paars-web"):
        token = mint_token("bob", ["system"], secret=DEV_JWT_SECRET, client_id=client)
        call = org.feedback.ListFeedback(fb.ListFeedbackRequest(receiver_id="ann"), metadata=[("authorization", f"Bearer {token}")])
        assert await code_of(call) == grpc.StatusCode.PERMISSION_DENIED
    as_bob = await org.feedback.ListFeedback(fb.ListFeedbackRequest(receiver_id="ann"), metadata=auth("bob"))
    assert given.id not in [f.id for f in as_bob.feedback]


async def test_a_subject_that_is_not_in_the_directory_is_refused_by_every_service(org: Org) -> None:
    stranger = auth("zed")
    calls = {
        "goals": org.goals.ListGoals(gl.ListGoalsRequest(owner_id="zed"), metadata=stranger),
        "feedback": org.feedback.ListFeedback(fb.ListFeedbackRequest(giver_id="zed"), metadata=stranger),
        "notifications": org.notifications.GetPreferences(nt.GetPreferencesRequest(), metadata=stranger),
    }
    assert {name: await code_of(call) for name, call in calls.items()} == dict.fromkeys(calls, grpc.StatusCode.UNAUTHENTICATED)


async def test_a_deactivated_person_can_no_longer_give_feedback_create_a_webhook_or_request_feedback(org: Org) -> None:
    cas = auth("cas")
    # Known and active first, so the services remember cas as a caller before the change.
    await org.feedback.ListFeedback(fb.ListFeedbackRequest(giver_id="cas"), metadata=cas)
    await org.notifications.GetPreferences(nt.GetPreferencesRequest(), metadata=cas)
    await org.goals.ListGoals(gl.ListGoalsRequest(owner_id="cas"), metadata=cas)
    leaving = next(e for e in demo_directory().employees if e.id == "cas")
    leaving.active = False
    await org.directory.ImportDirectory(org_pb2.ImportDirectoryRequest(employees=[leaving]), metadata=auth("hr1", "hr"))
    assert await org.projected("feedback", feedback_tables.people, "cas", active=False)
    assert await org.projected("notifications", notification_tables.people, "cas", active=False)
    calls = {
        "give feedback": org.feedback.GiveFeedback(
            fb.GiveFeedbackRequest(receiver_id="ann", kind=fb.FEEDBACK_KIND_PRAISE, relation=fb.RELATION_PEER, text="Sterke demo vandaag."), metadata=cas,
        ),
        "request feedback": org.feedback.RequestFeedback(fb.RequestFeedbackRequest(recipient_id="ann", question="Hoe deed ik het?", due_date=DUE), metadata=cas),
        "create a webhook": org.notifications.CreateWebhook(nt.CreateWebhookRequest(url="https://hooks.example.com/cas"), metadata=cas),
        "list goals": org.goals.ListGoals(gl.ListGoalsRequest(owner_id="cas"), metadata=cas),
    }
    assert {what: await code_of(call) for what, call in calls.items()} == dict.fromkeys(calls, grpc.StatusCode.PERMISSION_DENIED)
    mine = await org.feedback.ListFeedback(fb.ListFeedbackRequest(receiver_id="ann"), metadata=auth("ann"))
    assert all(f.giver_id != "cas" for f in mine.feedback)


async def test_a_call_without_a_token_is_unauthenticated_before_its_request_is_looked_at(org: Org) -> None:
    port = org.runtimes["goals"].grpc_port
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        raw = channel.unary_unary("/paars.goals.v1.GoalService/ProposeGoal", request_serializer=lambda b: b, response_deserializer=gl.Goal.FromString)
        assert await code_of(raw(b"\xff\xff\xff")) == grpc.StatusCode.UNAUTHENTICATED
        assert await code_of(raw(b"\xff\xff\xff", metadata=auth("ann"))) == grpc.StatusCode.INVALID_ARGUMENT
    with_nul = gl.ProposeGoalRequest(title="a\x00b", owner_id="ann")
    assert await code_of(org.goals.ProposeGoal(with_nul)) == grpc.StatusCode.UNAUTHENTICATED


async def test_a_ten_kilobyte_id_is_not_found_or_invalid_not_a_broken_stream(org: Org) -> None:
    huge = "9" * 10_000
    calls = {
        "GetGoal": org.goals.GetGoal(gl.GetGoalRequest(goal_id=huge), metadata=auth("ann")),
        "GetEmployee": org.directory.GetEmployee(org_pb2.GetEmployeeRequest(employee_id=huge), metadata=auth("ann")),
        "GetFeedback": org.feedback.GetFeedback(fb.GetFeedbackRequest(feedback_id=huge), metadata=auth("ann")),
        "DeleteWebhook": org.notifications.DeleteWebhook(nt.DeleteWebhookRequest(id=huge), metadata=auth("ann")),
        "ListGoals": org.goals.ListGoals(gl.ListGoalsRequest(owner_id=huge), metadata=auth("ann")),
    }
    codes = {name: await code_of(call) for name, call in calls.items()}
    assert all(code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.OK) for code in codes.values()), codes
    # A stranger with a long subject is refused as one, and the refusal does not quote all of it. (Requests
    # carry at most 8 KB of metadata, so the token stays below that.)
    long_subject = "z" * 3_000
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await org.goals.ListGoals(gl.ListGoalsRequest(), metadata=auth(long_subject))
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED and len(err.value.details()) < 300
