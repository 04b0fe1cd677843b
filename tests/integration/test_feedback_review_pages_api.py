"""What the review, dialogue and action-plan pages ask the feedback service: the caller's reviews and dialogues,
and an action plan both people of a dialogue confirm before they sign (in-process, real database and broker)."""
from __future__ import annotations

import asyncio
import datetime as dt

import grpc

from paars.feedback.v1 import feedback_pb2 as pb
from tests.helpers import auth, decoded, read_topic
from tests.integration.test_feedback_service import TODAY, Feedback, a_cycle, feedback, ratings, rpc_error

__all__ = ["feedback"]  # the fixture, shared with the feedback service's own tests


async def test_each_person_lists_the_reviews_they_take_part_in_with_only_their_own_answer(feedback: Feedback) -> None:
    stub = feedback.stub
    review = (await stub.OpenReviewCycle(a_cycle(["ann"]), metadata=auth("mgr", "manager"))).reviews[0]
    await stub.NominateRaters(pb.NominateRatersRequest(review_id=review.id, group=pb.RATER_GROUP_PEERS, rater_ids=["bob", "cas"]), metadata=auth("ann"))

    def entry(answer: pb.ListReviewsResponse) -> pb.ReviewEntry:
        return next(e for e in answer.reviews if e.review.id == review.id)

    bob = entry(await stub.ListReviews(pb.ListReviewsRequest(), metadata=auth("bob")))
    assert list(bob.roles) == [pb.ReviewEntry.ROLE_RATER] and bob.my_group == pb.RATER_GROUP_PEERS and bob.awaiting_approval
    assert not bob.nominations, "a rater does not see who else rates"
    await stub.ApproveRaters(pb.ApproveRatersRequest(review_id=review.id), metadata=auth("mgr", "manager"))
    await stub.SubmitReviewResponse(pb.SubmitReviewResponseRequest(review_id=review.id, ratings=ratings(4, 4)), metadata=auth("bob"))
    bob = entry(await stub.ListReviews(pb.ListReviewsRequest(), metadata=auth("bob")))
    assert bob.answered and not bob.awaiting_approval
    cas = entry(await stub.ListReviews(pb.ListReviewsRequest(), metadata=auth("cas")))
    assert not cas.answered
    ann = entry(await stub.ListReviews(pb.ListReviewsRequest(), metadata=auth("ann")))
    assert set(ann.roles) == {pb.ReviewEntry.ROLE_SUBJECT, pb.ReviewEntry.ROLE_RATER} and ann.my_group == pb.RATER_GROUP_SELF
    assert {(n.rater_id, n.approved) for n in ann.nominations} == {("bob", True), ("cas", True)} and ann.responses_received == 1
    mgr = entry(await stub.ListReviews(pb.ListReviewsRequest(), metadata=auth("mgr", "manager")))
    assert set(mgr.roles) == {pb.ReviewEntry.ROLE_LEAD, pb.ReviewEntry.ROLE_RATER} and mgr.my_group == pb.RATER_GROUP_MANAGER
    # Up the manager chain and HR in scope lead it too, as GetReviewReport lets them read it.
    for leader in (auth("boss", "manager"), auth("hr1", "hr")):
        assert list(entry(await stub.ListReviews(pb.ListReviewsRequest(), metadata=leader)).roles) == [pb.ReviewEntry.ROLE_LEAD]


async def test_a_dialogue_plan_is_confirmed_by_both_before_they_sign_and_nobody_else_confirms(feedback: Feedback) -> None:
    stub = feedback.stub
    dialogue = await stub.ScheduleDialogue(
        pb.ScheduleDialogueRequest(kind=pb.DIALOGUE_KIND_PERFORMANCE, employee_id="ann", scheduled_for=(TODAY + dt.timedelta(days=2)).isoformat()),
        metadata=auth("mgr", "manager"),
    )
    listed = await stub.ListDialogues(pb.ListDialoguesRequest(), metadata=auth("ann"))
    assert [d.id for d in listed.dialogues] == [dialogue.id] and not (await stub.ListDialogues(pb.ListDialoguesRequest(), metadata=auth("bob"))).dialogues
    item = pb.CreateActionItemRequest(
        employee_id="ann", owner_id="ann", title="Elke week een klant bellen", kind=pb.ACTION_KIND_BUILD_STRENGTH,
        due_date=(TODAY + dt.timedelta(days=30)).isoformat(), source_dialogue_id=dialogue.id,
    )
    err = await rpc_error(stub.CreateActionItem(item, metadata=auth("ann")))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION, "the plan comes after both preparations"
    await stub.SubmitPreparation(pb.SubmitPreparationRequest(dialogue_id=dialogue.id, reflection="Mijn kant"), metadata=auth("ann"))
    await stub.SubmitPreparation(pb.SubmitPreparationRequest(dialogue_id=dialogue.id, reflection="Kant van de manager"), metadata=auth("mgr", "manager"))
    created = await stub.CreateActionItem(item, metadata=auth("mgr", "manager"))
    assert list(created.confirmed_by) == ["mgr"] and list(created.awaiting_confirmation_from) == ["ann"]
    err = await rpc_error(stub.CreateActionItem(pb.CreateActionItemRequest(**{**_fields(item), "owner_id": "bob"}), metadata=auth("ann")))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    err = await rpc_error(stub.SignDialogue(pb.SignDialogueRequest(dialogue_id=dialogue.id), metadata=auth("mgr", "manager")))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION and "confirm" in (err.details() or "")
    for outsider in (auth("bob"), auth("hr1", "hr"), auth("boss", "manager")):
        err = await rpc_error(stub.ConfirmActionItem(pb.ConfirmActionItemRequest(action_item_id=created.id), metadata=outsider))
        assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    confirmed = await stub.ConfirmActionItem(pb.ConfirmActionItemRequest(action_item_id=created.id), metadata=auth("ann"))
    assert set(confirmed.confirmed_by) == {"ann", "mgr"} and not confirmed.awaiting_confirmation_from
    await stub.SignDialogue(pb.SignDialogueRequest(dialogue_id=dialogue.id), metadata=auth("ann"))
    # A new item is not what Ann signed: her signature goes, and the new item waits for her.
    second = await stub.CreateActionItem(pb.CreateActionItemRequest(**{**_fields(item), "title": "Presentatie oefenen", "kind": pb.ACTION_KIND_ADJUST_WEAKNESS}), metadata=auth("mgr", "manager"))
    seen = await stub.GetDialogue(pb.GetDialogueRequest(dialogue_id=dialogue.id), metadata=auth("ann"))
    assert not seen.signed_by and [list(i.awaiting_confirmation_from) for i in seen.action_items] == [[], ["ann"]]
    await stub.ConfirmActionItem(pb.ConfirmActionItemRequest(action_item_id=second.id), metadata=auth("ann"))
    await stub.SignDialogue(pb.SignDialogueRequest(dialogue_id=dialogue.id), metadata=auth("ann"))
    err = await rpc_error(stub.SignDialogue(pb.SignDialogueRequest(dialogue_id=dialogue.id), metadata=auth("bob")))
    assert err.code() == grpc.StatusCode.PERMISSION_DENIED
    signed = await stub.SignDialogue(pb.SignDialogueRequest(dialogue_id=dialogue.id), metadata=auth("mgr", "manager"))
    assert signed.state == pb.Dialogue.STATE_SIGNED
    err = await rpc_error(stub.ConfirmActionItem(pb.ConfirmActionItemRequest(action_item_id=second.id), metadata=auth("mgr", "manager")))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION

    def ours(records: list) -> list:
        return [e for e in decoded(records) if e.action_item_id == created.id]

    events = ours(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.action-item-updated.v1", until=lambda rs: len(ours(rs)) >= 2))
    assert [e.metadata.actor_id for e in events[:2]] == ["mgr", "ann"]


def _fields(request: pb.CreateActionItemRequest) -> dict[str, object]:
    return {f.name: v for f, v in request.ListFields()}
