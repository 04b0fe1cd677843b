"""Trust in the feedback service (issue 11): random expiring revocable link tokens, per-giver write limits,
keyset pages, coach shares that do not pass to a new coach, one HR scope, and malformed input answered as such."""
from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac

import grpc
import sqlalchemy as sa
from google.protobuf.timestamp_pb2 import Timestamp

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars.org.v1 import org_pb2
from paars_feedback.adapters import directory
from paars_feedback.adapters import tables as t
from paars_feedback.service_layer import links
from paars_platform.config import DEV_JWT_SECRET
from paars_platform.errors import field_violations, retry_delay
from paars_platform.events import timestamp
from tests.helpers import auth, decoded, read_topic
from tests.integration.test_feedback_privacy_matrix import add_people
from tests.integration.test_feedback_service import TODAY, Feedback, a_cycle, constructive, feedback, praise, ratings, rpc_error  # noqa: F401  (fixture)

DUE = (TODAY + dt.timedelta(days=7)).isoformat()


async def ask_customer(feedback: Feedback, **kw: object) -> pb.RequestFeedbackResponse:  # noqa: F811
    values: dict[str, object] = {"external_email": "jan@klant.example", "external_name": "Jan Klant", "question": "Hoe verliep de oplevering?", "due_date": DUE}
    values.update(kw)
    return await feedback.stub.RequestFeedback(pb.RequestFeedbackRequest(**values), metadata=auth("ann"))  # type: ignore[arg-type]


def customer_answer(token: str) -> pb.GiveFeedbackRequest:
    return pb.GiveFeedbackRequest(external_token=token, kind=pb.FEEDBACK_KIND_SUGGESTION, text="Volgende keer een demo vooraf.")


async def test_a_link_token_is_random_and_the_one_derived_from_the_request_id_is_refused(feedback: Feedback) -> None:  # noqa: F811
    asked = await ask_customer(feedback)
    # The forgery of the issue: what anyone who knows the published development secret and the request id computes.
    mac = hmac.new(f"links:{DEV_JWT_SECRET}".encode(), f"feedback-request:{asked.request.id}".encode(), hashlib.sha256).digest()
    forged = base64.urlsafe_b64encode(mac).decode().rstrip("=")
    assert asked.external_token != forged and len(base64.urlsafe_b64decode(asked.external_token + "=")) >= 16
    err = await rpc_error(feedback.stub.GiveFeedback(customer_answer(forged)))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    async with feedback.runtime.db.read() as conn:  # type: ignore[union-attr]
        stored = (await conn.execute(sa.select(t.feedback_requests.c.token_hash).where(t.feedback_requests.c.id == asked.request.id))).scalar()
    assert stored == hashlib.sha256(asked.external_token.encode()).hexdigest()
    # The real customer's link was not used up by the attempt.
    given = await feedback.stub.GiveFeedback(customer_answer(asked.external_token))
    assert given.receiver_id == "ann" and given.relation == pb.RELATION_CUSTOMER


async def test_a_link_lives_until_its_due_date_and_never_longer_than_the_configured_maximum(feedback: Feedback) -> None:  # noqa: F811
    soon = await ask_customer(feedback)
    assert soon.request.expires_at.ToDatetime(tzinfo=dt.UTC) == dt.datetime.combine(TODAY + dt.timedelta(days=8), dt.time(), dt.UTC)
    late = await ask_customer(feedback, due_date=(TODAY + dt.timedelta(days=90)).isoformat())
    made = late.request.created_at.ToDatetime(tzinfo=dt.UTC)
    assert late.request.expires_at.ToDatetime(tzinfo=dt.UTC) == made + dt.timedelta(days=30)


async def test_a_used_declined_withdrawn_or_expired_link_says_which(feedback: Feedback) -> None:  # noqa: F811
    stub = feedback.stub
    used, declined, revoked, expired = [await ask_customer(feedback) for _ in range(4)]
    link = await stub.GetLink(pb.GetLinkRequest(external_token=used.external_token))
    assert (link.kind, link.state, link.subject_name, link.question) == (pb.Link.KIND_FEEDBACK_REQUEST, pb.LINK_STATE_OPEN, "Ann Peeters", "Hoe verliep de oplevering?")
    await stub.GiveFeedback(customer_answer(used.external_token))
    # No bearer token: the customer declines through the link.
    await stub.DeclineFeedbackRequest(pb.DeclineFeedbackRequestRequest(external_token=declined.external_token, reason="Geen tijd"))
    err = await rpc_error(stub.RevokeLink(pb.RevokeLinkRequest(request_id=revoked.request.id), metadata=auth("bob")))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    assert (await stub.RevokeLink(pb.RevokeLinkRequest(request_id=revoked.request.id), metadata=auth("ann"))).state == pb.LINK_STATE_REVOKED
    # Time passes for the last one (its expiry moved into the past) and the sweep runs.
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    async with feedback.runtime.db.transaction() as conn:  # type: ignore[union-attr]
        await conn.execute(t.feedback_requests.update().where(t.feedback_requests.c.id == expired.request.id).values(expires_at=past))
    async with feedback.runtime.db.transaction() as conn:  # type: ignore[union-attr]
        assert await links.expire_due(conn, dt.datetime.now(dt.UTC)) >= 1
    answers = {}
    for name, asked, state in (
        ("already used", used, pb.LINK_STATE_USED), ("declined", declined, pb.LINK_STATE_DECLINED),
        ("withdrew", revoked, pb.LINK_STATE_REVOKED), ("expired on", expired, pb.LINK_STATE_EXPIRED),
    ):
        assert (await stub.GetLink(pb.GetLinkRequest(external_token=asked.external_token))).state == state
        err = await rpc_error(stub.GiveFeedback(customer_answer(asked.external_token)))
        assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and name in (err.details() or ""), err.details()
        answers[name] = err.details()
    assert len(set(answers.values())) == 4
    err = await rpc_error(stub.GetLink(pb.GetLinkRequest(external_token="not-a-link-anyone-was-given")))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    states = {r.id: r.state for r in (await stub.ListFeedbackRequests(pb.ListFeedbackRequestsRequest(requester_id="ann"), metadata=auth("ann"))).requests}
    assert states[expired.request.id] == pb.FeedbackRequest.STATE_EXPIRED and states[revoked.request.id] == pb.FeedbackRequest.STATE_REVOKED

    def ours(records: list) -> list:
        return [e for e in decoded(records) if e.request_id == expired.request.id]

    events = ours(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.feedback-requested.v1", until=lambda rs: len(ours(rs)) >= 2))
    assert [e.state for e in events] == [pb.FeedbackRequest.STATE_OPEN, pb.FeedbackRequest.STATE_EXPIRED]
    assert events[1].metadata.actor_id == ""


async def test_an_internal_request_past_its_due_date_is_expired_on_read(feedback: Feedback) -> None:  # noqa: F811
    stub = feedback.stub
    asked = await stub.RequestFeedback(pb.RequestFeedbackRequest(recipient_id="bob", question="Hoe was mijn demo?", due_date=TODAY.isoformat()), metadata=auth("ann"))
    async with feedback.runtime.db.transaction() as conn:  # type: ignore[union-attr]
        await conn.execute(t.feedback_requests.update().where(t.feedback_requests.c.id == asked.request.id).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    waiting = await stub.ListFeedbackRequests(pb.ListFeedbackRequestsRequest(recipient_id="bob"), metadata=auth("bob"))
    assert [r.state for r in waiting.requests if r.id == asked.request.id] == [pb.FeedbackRequest.STATE_EXPIRED]
    # The list reads without a write transaction, and marks what it showed as overdue (with its event) after.
    async with feedback.runtime.db.read() as conn:  # type: ignore[union-attr]
        stored = (await conn.execute(sa.select(t.feedback_requests.c.state).where(t.feedback_requests.c.id == asked.request.id))).scalar()
    assert stored == pb.FeedbackRequest.STATE_EXPIRED
    err = await rpc_error(stub.GiveFeedback(praise(receiver="", request_id=asked.request.id, visibility=event_pb2.VISIBILITY_PRIVATE), metadata=auth("bob")))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and "expired" in (err.details() or "")


async def test_a_retried_request_gets_a_fresh_link_and_the_first_one_stops_working(feedback: Feedback) -> None:  # noqa: F811
    first = await ask_customer(feedback, idempotency_key="ask-jan")
    again = await ask_customer(feedback, idempotency_key="ask-jan")
    assert again.request.id == first.request.id and again.external_token and again.external_token != first.external_token
    err = await rpc_error(feedback.stub.GiveFeedback(customer_answer(first.external_token)))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    await feedback.stub.GiveFeedback(customer_answer(again.external_token))


async def test_a_withdrawn_360_invitation_no_longer_opens_the_review(feedback: Feedback) -> None:  # noqa: F811
    stub = feedback.stub
    review = (await stub.OpenReviewCycle(a_cycle(["ann"], (pb.RATER_GROUP_CUSTOMERS,)), metadata=auth("mgr", "manager"))).reviews[0]
    invite = await stub.InviteExternalRater(pb.InviteExternalRaterRequest(review_id=review.id, name="Klant NV", email="inkoop@klant.example"), metadata=auth("mgr", "manager"))
    assert invite.expires_at.ToDatetime(tzinfo=dt.UTC) == dt.datetime.combine(TODAY + dt.timedelta(days=15), dt.time(), dt.UTC)
    link = await stub.GetLink(pb.GetLinkRequest(external_token=invite.external_token))
    assert link.kind == pb.Link.KIND_REVIEW_INVITATION and [q.competency for q in link.questions] == ["samenwerken", "klantgericht"]
    await stub.RevokeLink(pb.RevokeLinkRequest(invitation_id=invite.invitation_id), metadata=auth("mgr", "manager"))
    err = await rpc_error(stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(external_token=invite.external_token, ratings=ratings(2, 2))))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and "withdrew" in (err.details() or "")


async def test_a_giver_over_the_write_limit_is_told_when_to_retry_and_nothing_is_stored(feedback: Feedback) -> None:  # noqa: F811
    for _ in range(20):
        await feedback.stub.GiveFeedback(constructive(visibility=event_pb2.VISIBILITY_PRIVATE), metadata=auth("bob"))
    err = await rpc_error(feedback.stub.GiveFeedback(constructive(visibility=event_pb2.VISIBILITY_PRIVATE), metadata=auth("bob")))
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    delay = retry_delay(err)
    assert delay is not None and 0 < delay <= 60
    assert await feedback.count(t.feedback) == 20
    # The limit is per giver: someone else is not held back.
    await feedback.stub.GiveFeedback(constructive(visibility=event_pb2.VISIBILITY_PRIVATE), metadata=auth("cas"))


async def test_feedback_pages_follow_a_keyset_cursor_newest_first_without_gaps_or_repeats(feedback: Feedback) -> None:  # noqa: F811
    given = [await feedback.stub.GiveFeedback(praise(text=f"Goed gedaan {i}"), metadata=auth("bob")) for i in range(5)]
    seen: list[str] = []
    token = ""
    for _ in range(5):
        page = await feedback.stub.ListFeedback(pb.ListFeedbackRequest(receiver_id="ann", page_size=2, page_token=token), metadata=auth("ann"))
        seen += [f.id for f in page.feedback]
        token = page.next_page_token
        if not token:
            break
    assert seen == [g.id for g in sorted(given, key=lambda g: (g.given_at.ToDatetime(), g.id), reverse=True)]
    err = await rpc_error(feedback.stub.ListFeedback(pb.ListFeedbackRequest(receiver_id="ann", page_token="bm90LWEtY3Vyc29y"), metadata=auth("ann")))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in {f for f, _ in field_violations(err)}


async def test_a_new_coach_from_the_directory_does_not_inherit_what_was_shared_with_the_old_one(feedback: Feedback) -> None:  # noqa: F811
    stub = feedback.stub
    item = await stub.GiveFeedback(constructive(visibility=event_pb2.VISIBILITY_PRIVATE), metadata=auth("bob"))

    async def coach_change(coach: str, version: int) -> None:
        employee = org_pb2.Employee(id="ann", name="Ann Peeters", email="ann@paars.example", manager_id="mgr", team_id="team-a", roles=[org_pb2.ROLE_EMPLOYEE], active=True, coach_id=coach, version=version)
        async with feedback.runtime.db.transaction() as conn:  # type: ignore[union-attr]
            await directory.apply_employee_changed(conn, org_pb2.EmployeeChanged(employee=employee))

    await coach_change("cas", 100)
    await stub.ShareWithCoach(pb.ShareWithCoachRequest(feedback_id=item.id), metadata=auth("ann"))
    assert (await stub.GetFeedback(pb.GetFeedbackRequest(feedback_id=item.id), metadata=auth("cas"))).text
    await coach_change("boss", 101)
    err = await rpc_error(stub.GetFeedback(pb.GetFeedbackRequest(feedback_id=item.id), metadata=auth("boss")))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    assert await feedback.count(t.coach_shares) == 0


async def test_hr_reads_referrals_and_action_plans_only_within_their_own_teams_subtree(feedback: Feedback) -> None:  # noqa: F811
    stub = feedback.stub
    await add_people(feedback, ("hr2", "boss", "team-b", org_pb2.ROLE_HR))
    await stub.RaiseReferral(pb.RaiseReferralRequest(employee_id="ann", note="Vraagt om ondersteuning"), metadata=auth("mgr", "manager"))
    await stub.CreateActionItem(pb.CreateActionItemRequest(employee_id="ann", title="Mentor zoeken", kind=pb.ACTION_KIND_DEVELOPMENT_STEP, due_date=DUE), metadata=auth("ann"))
    # hr1 sits in the root team and covers everyone; hr2 sits in team-b, and Ann is in team-a.
    assert len((await stub.ListReferrals(pb.ListReferralsRequest(employee_id="ann"), metadata=auth("hr1", "hr"))).referrals) == 1
    assert len((await stub.ListActionItems(pb.ListActionItemsRequest(employee_id="ann"), metadata=auth("hr1", "hr"))).items) == 1
    for call in (
        stub.ListReferrals(pb.ListReferralsRequest(employee_id="ann"), metadata=auth("hr2", "hr")),
        stub.ListActionItems(pb.ListActionItemsRequest(employee_id="ann"), metadata=auth("hr2", "hr")),
        stub.ListReads(pb.ListReadsRequest(employee_id="ann"), metadata=auth("hr2", "hr")),
        stub.OpenReviewCycle(a_cycle(["ann"]), metadata=auth("hr2", "hr")),
    ):
        assert (await rpc_error(call)).code() == grpc.StatusCode.PERMISSION_DENIED


async def test_an_out_of_range_moment_is_invalid_argument_naming_moment_at_and_no_token_comes_first(feedback: Feedback) -> None:  # noqa: F811
    for moment in (Timestamp(seconds=2**40), Timestamp(seconds=0, nanos=-1)):
        err = await rpc_error(feedback.stub.GiveFeedback(praise(moment_at=moment), metadata=auth("bob")))
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "moment_at" in {f for f, _ in field_violations(err)}
        err = await rpc_error(feedback.stub.GiveFeedback(praise(moment_at=moment)))
        assert err.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_text_made_only_of_invisible_characters_is_refused_naming_the_field(feedback: Feedback) -> None:  # noqa: F811
    blank = "\u200b\u200c\u200d\u2060\ufeff\u3164"
    err = await rpc_error(feedback.stub.GiveFeedback(praise(text=blank), metadata=auth("bob")))
    assert ("text", "has no visible characters") in field_violations(err)
    err = await rpc_error(feedback.stub.GiveFeedback(constructive(examples=[pb.Example(situation="Demo", behaviour=blank, impact="Klant haakte af")]), metadata=auth("bob")))
    assert "examples[0].behaviour" in {f for f, _ in field_violations(err)}
    err = await rpc_error(feedback.stub.RequestFeedback(pb.RequestFeedbackRequest(recipient_id="bob", question=blank, due_date=DUE), metadata=auth("ann")))
    assert "question" in {f for f, _ in field_violations(err)}
    assert await feedback.count(t.feedback) == 0
    # Ordinary text with a zero-width joiner inside (an emoji sequence) is fine.
    await feedback.stub.GiveFeedback(praise(text="Top! \U0001f469\u200d\U0001f4bb"), metadata=auth("bob"))


async def test_the_summary_counted_in_the_database_adds_up_kinds_relations_examples_and_delays(feedback: Feedback) -> None:  # noqa: F811
    now = dt.datetime.now(dt.UTC)
    await feedback.stub.GiveFeedback(praise(moment_at=timestamp(now - dt.timedelta(hours=3))), metadata=auth("bob"))
    await feedback.stub.GiveFeedback(constructive(moment_at=timestamp(now - dt.timedelta(hours=1))), metadata=auth("bob"))
    await feedback.stub.GiveFeedback(constructive(visibility=event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE), metadata=auth("cas"))
    summary = await feedback.stub.GetFeedbackSummary(pb.GetFeedbackSummaryRequest(employee_id="ann"), metadata=auth("ann"))
    assert (summary.total, dict(summary.by_kind), dict(summary.by_relation), summary.anonymous, summary.with_example) == (
        3, {"praise": 1, "constructive": 2}, {"peer": 2}, 1, 2,
    )
    assert abs(summary.average_delay_hours - 4 / 3) < 0.01
    # The anonymous item's author counts it too; of Bob's two items Cas, a colleague, counts only the public praise.
    colleague = await feedback.stub.GetFeedbackSummary(pb.GetFeedbackSummaryRequest(employee_id="ann"), metadata=auth("cas"))
    assert (colleague.total, colleague.anonymous, round(colleague.average_delay_hours, 1)) == (2, 1, 1.5)
