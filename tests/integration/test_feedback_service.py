"""The feedback service in-process on a real database and broker, its directory projected from the goals service's events."""
from __future__ import annotations

import asyncio
import datetime as dt
import pathlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
import sqlalchemy as sa

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars.feedback.v1 import feedback_pb2_grpc
from paars.org.v1 import org_pb2_grpc
from paars.story.v1 import story_pb2
from paars_feedback.adapters import tables as t
from paars_feedback.bootstrap import build
from paars_goals.bootstrap import build as build_goals
from paars_platform.errors import field_violations
from paars_platform.events import header, new_metadata, timestamp, to_record
from paars_platform.kafka import Publisher
from paars_platform.runtime import ServiceRuntime
from tests.conftest import kafka_idempotence, make_settings
from tests.helpers import auth, decoded, demo_directory, plaintext, read_topic, system_auth

DEMO_PEOPLE = {"boss", "hr1", "mgr", "ann", "bob", "cas"}
DEMO_TEAMS = {"org", "team-a", "team-b"}
TODAY = dt.date.today()


@dataclass
class Feedback:
    stub: feedback_pb2_grpc.FeedbackServiceStub
    runtime: ServiceRuntime
    # The test's own broker (read its topics here): no other test's events are on it.
    bootstrap: str

    async def count(self, table: sa.Table) -> int:
        assert self.runtime.db is not None
        async with self.runtime.db.read() as conn:
            return int((await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar() or 0)


async def _projected(runtime: ServiceRuntime) -> bool:
    assert runtime.db is not None
    async with runtime.db.read() as conn:
        ids = {r.id for r in await conn.execute(sa.select(t.people.c.id))}
        teams = {r.id for r in await conn.execute(sa.select(t.teams.c.id))}
    # Teams too: HR's scope is a team subtree.
    return ids >= DEMO_PEOPLE and teams >= DEMO_TEAMS


@pytest.fixture
async def feedback(database_url: str, private_kafka_bootstrap: str, tmp_path: pathlib.Path) -> AsyncIterator[Feedback]:
    """Goals (owner of the directory) and feedback side by side; the directory reaches feedback as events.

    On a broker of its own: on the session's broker each new group first replayed every directory event
    the suite had published so far (set-up grew from 4 to 23 s over the run)."""
    kafka_bootstrap = private_kafka_bootstrap
    goals = build_goals(make_settings("goals", database_url=f"sqlite+aiosqlite:///{tmp_path}/goals.db", kafka_bootstrap=kafka_bootstrap))
    # A group of its own per test: a fresh group joins at once instead of waiting out the last test's member.
    group = f"paars-feedback-org-{uuid.uuid4().hex[:8]}"
    runtime = build(make_settings("feedback", database_url=database_url, kafka_bootstrap=kafka_bootstrap, extra={"org_consumer_group": group}, consumer_session_timeout_ms=2000, consumer_rebalance_timeout_ms=300))
    await goals.start()
    await runtime.start()
    goals_channel = grpc.aio.insecure_channel(f"127.0.0.1:{goals.grpc_port}")
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{runtime.grpc_port}")
    try:
        await org_pb2_grpc.OrgServiceStub(goals_channel).ImportDirectory(demo_directory(), metadata=system_auth())
        # Waiting for the projection to catch up (bounded), not asserting on speed.
        for _ in range(300):
            if await _projected(runtime):
                break
            await asyncio.sleep(0.1)
        assert await _projected(runtime), "the directory never reached the feedback projection"
        yield Feedback(feedback_pb2_grpc.FeedbackServiceStub(channel), runtime, kafka_bootstrap)
    finally:
        await channel.close()
        await goals_channel.close()
        await runtime.stop()
        await goals.stop()


def praise(receiver: str = "ann", **kw: object) -> pb.GiveFeedbackRequest:
    values: dict[str, object] = {
        "receiver_id": receiver, "kind": pb.FEEDBACK_KIND_PRAISE, "relation": pb.RELATION_PEER, "text": "Sterke demo vandaag, helder verhaal.",
        "visibility": event_pb2.VISIBILITY_PUBLIC, "tags": ["communicatie"],
    }
    values.update(kw)
    return pb.GiveFeedbackRequest(**values)  # type: ignore[arg-type]


def constructive(receiver: str = "ann", **kw: object) -> pb.GiveFeedbackRequest:
    values: dict[str, object] = {
        "receiver_id": receiver, "kind": pb.FEEDBACK_KIND_CONSTRUCTIVE, "relation": pb.RELATION_PEER, "text": "De overdracht kan beter.",
        "visibility": event_pb2.VISIBILITY_RECEIVER_AND_MANAGER,
        "examples": [pb.Example(situation="Overdracht dinsdag", behaviour="Geen notities doorgegeven", impact="Klant moest alles herhalen")],
    }
    values.update(kw)
    return pb.GiveFeedbackRequest(**values)  # type: ignore[arg-type]


async def rpc_error(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call  # type: ignore[misc]
    return err.value


async def test_feedback_given_is_published_with_cloudevents_headers_and_text_only_for_public_praise(feedback: Feedback) -> None:
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    public = await feedback.stub.GiveFeedback(praise(), metadata=auth("bob"))
    private = await feedback.stub.GiveFeedback(constructive(), metadata=auth("bob"))
    anonymous = await feedback.stub.GiveFeedback(constructive(visibility=event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE), metadata=auth("cas"))
    dated = await feedback.stub.GiveFeedback(praise(receiver="bob", moment_at=timestamp(moment)), metadata=auth("ann"))
    assert (dated.given_at.ToDatetime(tzinfo=dt.UTC) - dated.moment_at.ToDatetime(tzinfo=dt.UTC)) >= dt.timedelta(hours=3)
    ids = {public.id, private.id, anonymous.id, dated.id}

    def ours(records: list) -> list:
        return [r for r in records if any(e.feedback_id in ids for e in decoded([r]))]

    records = ours(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.feedback-given.v1", until=lambda rs: len(ours(rs)) >= 4))
    # Public praise's words travel encrypted with ann's key (crypto-shredding); a consumer reads them decrypted.
    assert not any(public.text.encode() in r.value for r in records)
    events = {e.feedback_id: (r, e) for r, e in zip(records, await plaintext(decoded(records)), strict=True)}
    record, event = events[public.id]
    assert record.key == b"ann"
    assert header(record.headers, "ce_type") == "paars.feedback.v1.FeedbackGiven"
    assert header(record.headers, "ce_source") == "/paars/feedback"
    assert event.text == public.text and event.giver_id == "bob"
    _, event = events[private.id]
    assert event.text == "" and event.giver_id == "bob" and event.has_example
    _, event = events[anonymous.id]
    assert event.text == "" and event.giver_id == "" and event.metadata.actor_id == ""
    assert event.visibility == event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE and event.kind == pb.FEEDBACK_KIND_CONSTRUCTIVE
    _, event = events[dated.id]
    assert event.moment_at == dated.moment_at


async def test_bad_requests_name_the_field_and_store_nothing(feedback: Feedback) -> None:
    stub = feedback.stub
    err = await rpc_error(stub.GiveFeedback(constructive(examples=[]), metadata=auth("bob")))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "examples" in {f for f, _ in field_violations(err)}
    err = await rpc_error(stub.GiveFeedback(constructive(examples=[pb.Example(situation="ergens")]), metadata=auth("bob")))
    assert {"examples[0].behaviour", "examples[0].impact"} <= {f for f, _ in field_violations(err)}
    err = await rpc_error(stub.RequestFeedback(pb.RequestFeedbackRequest(recipient_id="ann", question="Hoe deed ik het?", due_date=TODAY.isoformat()), metadata=auth("ann")))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "recipient_id" in {f for f, _ in field_violations(err)}
    review = (await stub.OpenReviewCycle(a_cycle(["ann"]), metadata=auth("hr1", "hr"))).reviews[0]
    err = await rpc_error(stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(review_id=review.id, ratings=[pb.Rating(competency="samenwerken", score=6)]), metadata=auth("mgr", "manager")))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert ("ratings[0].score", "must be between 1 and 5") in field_violations(err)
    err = await rpc_error(stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(review_id=review.id, ratings=[pb.Rating(competency="zwemmen", score=3)]), metadata=auth("mgr", "manager")))
    assert "ratings[0].competency" in {f for f, _ in field_violations(err)}
    dialogue = await stub.ScheduleDialogue(pb.ScheduleDialogueRequest(kind=pb.DIALOGUE_KIND_PERFORMANCE, employee_id="ann", scheduled_for=TODAY.isoformat()), metadata=auth("mgr", "manager"))
    for person in ("ann", "mgr"):
        dialogue = await stub.SubmitPreparation(pb.SubmitPreparationRequest(dialogue_id=dialogue.id, reflection=f"Voorbereiding van {person}"), metadata=auth(person))
    err = await rpc_error(stub.SignDialogue(pb.SignDialogueRequest(dialogue_id=dialogue.id), metadata=auth("bob")))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    err = await rpc_error(stub.SignDialogue(pb.SignDialogueRequest(dialogue_id=dialogue.id), metadata=auth("hr1", "hr")))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    after = await stub.GetDialogue(pb.GetDialogueRequest(dialogue_id=dialogue.id), metadata=auth("ann"))
    assert list(after.signed_by) == [] and after.version == dialogue.version
    assert await feedback.count(t.feedback) == 0
    assert await feedback.count(t.feedback_requests) == 0
    assert await feedback.count(t.review_responses) == 0
    err = await rpc_error(stub.GetFeedback(pb.GetFeedbackRequest(feedback_id="does-not-exist"), metadata=auth("ann")))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    err = await rpc_error(stub.GiveFeedback(praise(receiver="nobody-here"), metadata=auth("bob")))
    assert err.code() == grpc.StatusCode.NOT_FOUND


def a_cycle(subjects: list[str], groups: tuple[int, ...] = (pb.RATER_GROUP_SELF, pb.RATER_GROUP_MANAGER, pb.RATER_GROUP_PEERS), **kw: object) -> pb.OpenReviewCycleRequest:
    values: dict[str, object] = {
        "cycle_name": "360 najaar", "subject_ids": subjects, "rater_groups": list(groups),
        "questions": [pb.CompetencyQuestion(competency="samenwerken", question="Hoe werkt deze persoon samen?"), pb.CompetencyQuestion(competency="klantgericht", question="Hoe klantgericht?")],
        "due_date": (TODAY + dt.timedelta(days=14)).isoformat(),
    }
    values.update(kw)
    return pb.OpenReviewCycleRequest(**values)  # type: ignore[arg-type]


def ratings(a: int, b: int, comment: str = "") -> list[pb.Rating]:
    return [pb.Rating(competency="samenwerken", score=a, comment=comment), pb.Rating(competency="klantgericht", score=b)]


async def test_a_360_with_two_peer_responses_shows_no_peer_group_and_no_rater_identity_leaves(feedback: Feedback) -> None:
    stub = feedback.stub
    review = (await stub.OpenReviewCycle(a_cycle(["ann"]), metadata=auth("mgr", "manager"))).reviews[0]
    assert review.state == pb.Review.STATE_NOMINATING and review.anonymity_threshold == 3
    err = await rpc_error(stub.NominateRaters(pb.NominateRatersRequest(review_id=review.id, rater_ids=["bob"]), metadata=auth("mgr", "manager")))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    await stub.NominateRaters(pb.NominateRatersRequest(review_id=review.id, group=pb.RATER_GROUP_PEERS, rater_ids=["bob", "cas"]), metadata=auth("ann"))
    err = await rpc_error(stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(review_id=review.id, ratings=ratings(4, 4)), metadata=auth("bob")))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    err = await rpc_error(stub.ApproveRaters(pb.ApproveRatersRequest(review_id=review.id), metadata=auth("ann")))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    approved = await stub.ApproveRaters(pb.ApproveRatersRequest(review_id=review.id), metadata=auth("mgr", "manager"))
    assert approved.state == pb.Review.STATE_COLLECTING
    await stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(review_id=review.id, ratings=ratings(2, 5, "bob-zegt-dit"), comment="Peer opmerking bob"), metadata=auth("bob"))
    await stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(review_id=review.id, ratings=ratings(3, 4), comment="Peer opmerking cas"), metadata=auth("cas"))
    err = await rpc_error(stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(review_id=review.id, ratings=ratings(3, 4)), metadata=auth("cas")))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS
    await stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(review_id=review.id, ratings=ratings(4, 4), comment="Van je manager"), metadata=auth("mgr", "manager"))
    await stub.SubmitSelfAssessment(pb.SubmitSelfAssessmentRequest(review_id=review.id, ratings=ratings(5, 3), reflection="Ik werk graag samen."), metadata=auth("ann"))
    await stub.CloseReviewCycle(pb.CloseReviewCycleRequest(review_id=review.id), metadata=auth("mgr", "manager"))

    report = await stub.GetReviewReport(pb.GetReviewReportRequest(review_id=review.id), metadata=auth("ann"))
    groups = {g.group for g in report.groups}
    assert pb.RATER_GROUP_PEERS not in groups and pb.RATER_GROUP_OTHERS not in groups
    assert groups == {pb.RATER_GROUP_MANAGER}
    assert report.suppressed_groups == 1
    text = str(report)
    assert "bob" not in text and "cas" not in text and "Peer opmerking" not in text
    gap = await stub.GetGapReport(pb.GetGapReportRequest(employee_id="ann", review_id=review.id), metadata=auth("ann"))
    samenwerken = next(g for g in gap.gaps if g.competency == "samenwerken")
    assert samenwerken.self_score == 5 and samenwerken.others_average == 4 and samenwerken.gap == 1
    assert dict(samenwerken.others_by_group) == {"RATER_GROUP_MANAGER": 4.0}
    err = await rpc_error(stub.GetReviewReport(pb.GetReviewReportRequest(review_id=review.id), metadata=auth("bob")))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED

    def ours(records: list) -> list:
        return [r for r in records if any(e.review.id == review.id for e in decoded([r]))]

    records = ours(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.review-updated.v1", until=lambda rs: any(e.change == pb.ReviewUpdated.CHANGE_CLOSED for e in decoded(ours(rs)))))
    for record, event in zip(records, decoded(records), strict=True):
        assert record.key == b"ann"
        assert b"bob" not in record.value and b"cas" not in record.value and b"Peer" not in record.value
        assert pb.RATER_GROUP_PEERS not in {g.group for g in event.results}
        if event.change == pb.ReviewUpdated.CHANGE_RESPONSE_RECEIVED:
            assert event.metadata.actor_id == "" and not event.results
    closed = decoded(records)[-1]
    assert closed.change == pb.ReviewUpdated.CHANGE_CLOSED and closed.rater_manager_id == "mgr" and closed.manager_average == 4


async def test_three_peers_show_as_a_group_and_a_customer_answers_through_a_single_use_link(feedback: Feedback) -> None:
    stub = feedback.stub
    review = (await stub.OpenReviewCycle(a_cycle(["mgr"], (pb.RATER_GROUP_REPORTS, pb.RATER_GROUP_CUSTOMERS)), metadata=auth("boss", "manager"))).reviews[0]
    assert review.state == pb.Review.STATE_COLLECTING
    for report_id, score in (("ann", 4), ("bob", 5), ("cas", 3)):
        await stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(review_id=review.id, ratings=ratings(score, score), comment=f"opmerking {score}"), metadata=auth(report_id))
    invite = await stub.InviteExternalRater(pb.InviteExternalRaterRequest(review_id=review.id, name="Klant NV", email="inkoop@klant.example"), metadata=auth("mgr", "manager"))
    assert invite.external_token
    async with feedback.runtime.db.read() as conn:  # type: ignore[union-attr]
        stored = [r.token_hash for r in await conn.execute(sa.select(t.review_invitations.c.token_hash))]
    assert invite.external_token not in stored
    # No bearer token: the link token is the credential, and it works once.
    await stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(external_token=invite.external_token, ratings=ratings(2, 2)))
    err = await rpc_error(stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(external_token=invite.external_token, ratings=ratings(2, 2))))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and "already used" in (err.details() or "")
    err = await rpc_error(stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(review_id=review.id, ratings=ratings(2, 2))))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    open_report = await stub.GetReviewReport(pb.GetReviewReportRequest(review_id=review.id), metadata=auth("mgr", "manager"))
    assert not open_report.groups
    await stub.CloseReviewCycle(pb.CloseReviewCycleRequest(review_id=review.id), metadata=auth("boss", "manager"))
    report = await stub.GetReviewReport(pb.GetReviewReportRequest(review_id=review.id), metadata=auth("mgr", "manager"))
    groups = {g.group: g for g in report.groups}
    assert set(groups) == {pb.RATER_GROUP_REPORTS}
    assert groups[pb.RATER_GROUP_REPORTS].responses == 3 and groups[pb.RATER_GROUP_REPORTS].averages["samenwerken"] == 4
    assert report.suppressed_groups == 1


async def test_requests_reach_colleagues_and_customers_and_can_be_declined(feedback: Feedback) -> None:
    stub = feedback.stub
    due = (TODAY + dt.timedelta(days=7)).isoformat()
    asked = await stub.RequestFeedback(pb.RequestFeedbackRequest(recipient_id="bob", question="Hoe was mijn presentatie?", due_date=due, relation=pb.RELATION_PEER), metadata=auth("ann"))
    declined = await stub.RequestFeedback(pb.RequestFeedbackRequest(recipient_id="cas", question="En volgens jou?", due_date=due), metadata=auth("ann"))
    external = await stub.RequestFeedback(pb.RequestFeedbackRequest(external_email="jan@klant.example", external_name="Jan Klant", question="Hoe verliep de oplevering?", due_date=due), metadata=auth("ann"))
    assert external.external_token and not asked.external_token
    waiting = await stub.ListFeedbackRequests(pb.ListFeedbackRequestsRequest(recipient_id="bob"), metadata=auth("bob"))
    assert [r.id for r in waiting.requests] == [asked.request.id]
    answer = await stub.GiveFeedback(praise(receiver="", request_id=asked.request.id, visibility=event_pb2.VISIBILITY_PRIVATE), metadata=auth("bob"))
    assert answer.receiver_id == "ann" and answer.request_id == asked.request.id
    result = await stub.DeclineFeedbackRequest(pb.DeclineFeedbackRequestRequest(request_id=declined.request.id, reason="Ik was er niet bij."), metadata=auth("cas"))
    assert result.state == pb.FeedbackRequest.STATE_DECLINED
    from_customer = await stub.GiveFeedback(pb.GiveFeedbackRequest(external_token=external.external_token, kind=pb.FEEDBACK_KIND_SUGGESTION, text="Volgende keer een demo vooraf."))
    assert from_customer.relation == pb.RELATION_CUSTOMER and from_customer.receiver_id == "ann"
    err = await rpc_error(stub.GiveFeedback(pb.GiveFeedbackRequest(external_token=external.external_token, kind=pb.FEEDBACK_KIND_PRAISE, text="Nog eens")))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and "already used" in (err.details() or "")
    mine = await stub.ListFeedbackRequests(pb.ListFeedbackRequestsRequest(requester_id="ann"), metadata=auth("ann"))
    assert {r.id: r.state for r in mine.requests} == {
        asked.request.id: pb.FeedbackRequest.STATE_ANSWERED, declined.request.id: pb.FeedbackRequest.STATE_DECLINED,
        external.request.id: pb.FeedbackRequest.STATE_ANSWERED,
    }
    async with feedback.runtime.db.read() as conn:  # type: ignore[union-attr]
        stored = [str(r) for r in await conn.execute(sa.select(t.feedback_requests))]
        kept = [bytes(r.response) for r in await conn.execute(sa.select(t.platform["idempotency_keys"]))]
    assert not any(external.external_token in row for row in stored)
    assert not any(external.external_token.encode() in row for row in kept)

    def ours(records: list) -> list:
        return [r for r in records if any(e.request_id == declined.request.id for e in decoded([r]))]

    records = ours(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.feedback-requested.v1", until=lambda rs: len(ours(rs)) >= 2))
    assert [e.state for e in decoded(records)] == [pb.FeedbackRequest.STATE_OPEN, pb.FeedbackRequest.STATE_DECLINED]


async def test_acknowledged_feedback_becomes_an_action_item_and_the_giver_sees_it_landed(feedback: Feedback) -> None:
    stub = feedback.stub
    given = await stub.GiveFeedback(constructive(idempotency_key="fb-1"), metadata=auth("bob"))
    again = await stub.GiveFeedback(constructive(idempotency_key="fb-1"), metadata=auth("bob"))
    assert again.id == given.id and await feedback.count(t.feedback) == 1
    err = await rpc_error(stub.AcknowledgeFeedback(pb.AcknowledgeFeedbackRequest(feedback_id=given.id), metadata=auth("bob")))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    due = (TODAY + dt.timedelta(days=30)).isoformat()
    acked = await stub.AcknowledgeFeedback(
        pb.AcknowledgeFeedbackRequest(feedback_id=given.id, note="Dank je, terecht!", create_action_item=True, action_due_date=due), metadata=auth("ann")
    )
    assert acked.acknowledged and acked.action_item_id
    seen_by_giver = await stub.GetFeedback(pb.GetFeedbackRequest(feedback_id=given.id), metadata=auth("bob"))
    assert seen_by_giver.acknowledged and seen_by_giver.acknowledgement_note == "Dank je, terecht!" and seen_by_giver.HasField("acknowledged_at")
    plan = await stub.ListActionItems(pb.ListActionItemsRequest(employee_id="ann"), metadata=auth("ann"))
    item = plan.items[0]
    assert item.source_feedback_id == given.id and item.kind == pb.ACTION_KIND_ADJUST_WEAKNESS
    progressed = await stub.UpdateActionItem(pb.UpdateActionItemRequest(action_item_id=item.id, progress_percent=40, note="Checklist gemaakt"), metadata=auth("ann"))
    assert progressed.state == pb.ActionItem.STATE_IN_PROGRESS and list(progressed.progress_notes) == ["Checklist gemaakt"]
    err = await rpc_error(stub.ListActionItems(pb.ListActionItemsRequest(employee_id="ann"), metadata=auth("cas")))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED

    def acks(records: list) -> list:
        return [e for e in decoded(records) if e.feedback_id == given.id]

    events = acks(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.feedback-acknowledged.v1", until=lambda rs: bool(acks(rs))))
    assert events[0].giver_id == "bob" and events[0].action_item_id == item.id

    def items(records: list) -> list:
        return [e for e in decoded(records) if e.action_item_id == item.id]

    events = items(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.action-item-updated.v1", until=lambda rs: len(items(rs)) >= 2))
    assert [e.progress_percent for e in events] == [0, 40]


async def test_the_purple_dialogue_hides_preparations_until_both_are_in_and_both_sign(feedback: Feedback) -> None:
    stub = feedback.stub
    dialogue = await stub.ScheduleDialogue(
        pb.ScheduleDialogueRequest(kind=pb.DIALOGUE_KIND_EVALUATION, employee_id="ann", scheduled_for=(TODAY + dt.timedelta(days=3)).isoformat(), goal_ids=["goal-1"]),
        metadata=auth("ann"),
    )
    assert dialogue.manager_id == "mgr" and dialogue.state == pb.Dialogue.STATE_PREPARING
    mine = await stub.SubmitPreparation(pb.SubmitPreparationRequest(dialogue_id=dialogue.id, reflection="Mijn zelfreflectie", agenda_items=["groeipad"]), metadata=auth("ann"))
    assert list(mine.prepared_by) == ["ann"] and not mine.preparations
    seen_by_manager = await stub.GetDialogue(pb.GetDialogueRequest(dialogue_id=dialogue.id), metadata=auth("mgr", "manager"))
    assert not seen_by_manager.preparations and "Mijn zelfreflectie" not in str(seen_by_manager)
    err = await rpc_error(stub.SignDialogue(pb.SignDialogueRequest(dialogue_id=dialogue.id), metadata=auth("ann")))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    ready = await stub.SubmitPreparation(pb.SubmitPreparationRequest(dialogue_id=dialogue.id, reflection="Blik van de manager"), metadata=auth("mgr", "manager"))
    assert ready.state == pb.Dialogue.STATE_READY and {p.author_id for p in ready.preparations} == {"ann", "mgr"}
    err = await rpc_error(stub.RecordDialogueNotes(pb.RecordDialogueNotesRequest(dialogue_id=dialogue.id, expected_version=1, shared_notes="x"), metadata=auth("ann")))
    assert err.code() == grpc.StatusCode.ABORTED
    held = await stub.RecordDialogueNotes(pb.RecordDialogueNotesRequest(dialogue_id=dialogue.id, expected_version=ready.version, shared_notes="Samen afgesproken: mentor zoeken."), metadata=auth("mgr", "manager"))
    assert held.state == pb.Dialogue.STATE_HELD
    await stub.SignDialogue(pb.SignDialogueRequest(dialogue_id=dialogue.id), metadata=auth("ann"))
    signed = await stub.SignDialogue(pb.SignDialogueRequest(dialogue_id=dialogue.id), metadata=auth("mgr", "manager"))
    assert signed.state == pb.Dialogue.STATE_SIGNED and set(signed.signed_by) == {"ann", "mgr"}
    from_hr = await stub.GetDialogue(pb.GetDialogueRequest(dialogue_id=dialogue.id), metadata=auth("hr1", "hr"))
    assert from_hr.state == pb.Dialogue.STATE_SIGNED and not from_hr.preparations and not from_hr.shared_notes
    err = await rpc_error(stub.GetDialogue(pb.GetDialogueRequest(dialogue_id=dialogue.id), metadata=auth("bob")))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED

    def ours(records: list) -> list:
        return [e for e in decoded(records) if e.dialogue_id == dialogue.id]

    events = ours(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.dialogue-updated.v1", until=lambda rs: len(ours(rs)) >= 6))
    assert [list(e.waiting_for) for e in events[:3]] == [["ann", "mgr"], ["mgr"], []]
    assert events[-1].state == pb.Dialogue.STATE_SIGNED
    assert all("zelfreflectie" not in str(e) and "mentor" not in str(e) for e in events)


async def test_a_dialogue_pulls_in_the_closed_360_and_the_gap_report(feedback: Feedback) -> None:
    stub = feedback.stub
    review = (await stub.OpenReviewCycle(a_cycle(["ann"], (pb.RATER_GROUP_SELF, pb.RATER_GROUP_MANAGER)), metadata=auth("hr1", "hr"))).reviews[0]
    await stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(review_id=review.id, ratings=ratings(3, 4)), metadata=auth("ann"))
    await stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(review_id=review.id, ratings=ratings(4, 2)), metadata=auth("mgr", "manager"))
    await stub.CloseReviewCycle(pb.CloseReviewCycleRequest(review_id=review.id), metadata=auth("hr1", "hr"))
    dialogue = await stub.ScheduleDialogue(pb.ScheduleDialogueRequest(kind=pb.DIALOGUE_KIND_PERFORMANCE, employee_id="ann", scheduled_for=TODAY.isoformat(), review_id=review.id), metadata=auth("mgr", "manager"))
    seen = await stub.GetDialogue(pb.GetDialogueRequest(dialogue_id=dialogue.id), metadata=auth("ann"))
    assert {g.group for g in seen.review_report.groups} == {pb.RATER_GROUP_SELF, pb.RATER_GROUP_MANAGER}
    gaps = {g.competency: g for g in seen.gap_report.gaps}
    assert gaps["klantgericht"].gap == 2 and gaps["samenwerken"].gap == -1


async def test_referrals_are_for_hr_and_the_person_and_their_event_carries_no_content(feedback: Feedback) -> None:
    stub = feedback.stub
    raised = await stub.RaiseReferral(pb.RaiseReferralRequest(employee_id="ann", note="Vraagt om professionele ondersteuning"), metadata=auth("mgr", "manager"))
    for reader in (("mgr", "manager"), ("boss", "manager"), ("bob",), ("boss", "admin")):
        err = await rpc_error(stub.ListReferrals(pb.ListReferralsRequest(employee_id="ann"), metadata=auth(*reader)))
        assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    for reader in (("ann",), ("hr1", "hr")):
        listed = await stub.ListReferrals(pb.ListReferralsRequest(employee_id="ann"), metadata=auth(*reader))
        assert [r.id for r in listed.referrals] == [raised.referral_id]
    reads = await stub.ListReads(pb.ListReadsRequest(), metadata=auth("ann"))
    assert [(r.reader_id, r.reader_role, r.path) for r in reads.reads] == [("hr1", "hr", "ListReferrals")]

    def ours(records: list) -> list:
        return [r for r in records if any(e.referral_id == raised.referral_id for e in decoded([r]))]

    records = ours(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.referral-raised.v1", until=lambda rs: bool(ours(rs))))
    event = decoded(records)[0]
    assert records[0].key == b"ann" and event.metadata.visibility == event_pb2.VISIBILITY_HR_ONLY and event.metadata.actor_id == ""
    assert b"ondersteuning" not in records[0].value and b"mgr" not in records[0].value


async def _catalogue(runtime: ServiceRuntime) -> set[str]:
    assert runtime.db is not None
    async with runtime.db.read() as conn:
        return {r.key for r in await conn.execute(sa.select(t.story_values.c.key))}


async def test_praise_names_a_value_of_the_story_the_broker_carried_and_its_event_says_which(feedback: Feedback) -> None:
    """Issue 16 item 5: the catalogue reaches feedback as a real StoryPublished record on the broker (event-carried
    state transfer, through the registry's subscription), and GiveFeedback takes only its values."""
    story = story_pb2.StoryVersion(version=1, published=True, passages=[
        story_pb2.Passage(key="mission", kind=story_pb2.PASSAGE_KIND_MISSION, title=story_pb2.LocalizedText(nl="Missie", en="Mission")),
        story_pb2.Passage(key="value.openness", kind=story_pb2.PASSAGE_KIND_VALUE, title=story_pb2.LocalizedText(nl="Openheid", en="Openness")),
    ])
    event = story_pb2.StoryPublished(metadata=new_metadata(producer="story", subject_id="story", visibility=event_pb2.VISIBILITY_PUBLIC), story=story)
    publisher = Publisher(feedback.bootstrap, client_id="story-test", idempotence=kafka_idempotence())
    try:
        await asyncio.to_thread(publisher.publish, [to_record(event)])
    finally:
        publisher.close()
    # Waiting for the projection (bounded), not asserting on speed.
    for _ in range(300):
        if await _catalogue(feedback.runtime) == {"value.openness"}:
            break
        await asyncio.sleep(0.1)
    assert await _catalogue(feedback.runtime) == {"value.openness"}, "the story's values never reached the feedback projection"
    given = await feedback.stub.GiveFeedback(praise(value_key="value.openness"), metadata=auth("bob"))
    assert given.value_key == "value.openness"
    err = await rpc_error(feedback.stub.GiveFeedback(praise(value_key="mission"), metadata=auth("bob")))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and {f for f, _ in field_violations(err)} == {"value_key"}

    def ours(records: list) -> list:
        return [r for r in records if any(e.feedback_id == given.id for e in decoded([r]))]

    records = ours(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.feedback-given.v1", until=lambda rs: len(ours(rs)) >= 1))
    assert [e.value_key for e in decoded(records)] == ["value.openness"]
