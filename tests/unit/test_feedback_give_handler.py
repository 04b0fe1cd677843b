"""Giving feedback through the message bus over fake repositories: the rules of the handler, what it writes,
and the events it leaves in the outbox, without a database or a broker."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain.feedback import Example, Feedback, FeedbackGiven, FeedbackRequestChanged
from paars_feedback.service_layer import commands as c
from paars_feedback.service_layer.common import token_hash
from paars_platform.auth import ANONYMOUS, Identity
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, ResourceExhausted, Unauthenticated
from tests.unit.feedback_fakes import NOW, FakeService, Person


def a_service() -> FakeService:
    """boss -> mgr -> ann, bob; cas no longer active."""
    service = FakeService()
    service.store.people.update({
        "boss": Person(), "mgr": Person(manager_id="boss"), "ann": Person(manager_id="mgr"), "bob": Person(manager_id="mgr"),
        "cas": Person(active=False, manager_id="mgr"),
    })
    return service


def give(caller: Identity, receiver: str = "bob", *, key: str = "", fingerprint: str = "f1", **kw: Any) -> c.GiveFeedback:
    values: dict[str, Any] = dict(
        receiver_id=receiver, kind=pb.FEEDBACK_KIND_PRAISE, relation=pb.RELATION_PEER, setting=0, text="  Clear hand-over. ",
        examples=(), visibility=0, goal_ids=(), tags=(" collaboration ",), moment=None, request_id="", external_token="",
    )
    values.update(kw)
    return c.GiveFeedback(caller, c.RequestKey(key, fingerprint if key else ""), **values)


def events(service: FakeService) -> list[type]:
    return [type(e) for e in service.store.outbox]


async def test_peer_praise_is_stored_with_its_event_in_one_commit() -> None:
    service = a_service()
    given = await service.bus.handle(give(service.person("ann")))
    assert service.store.feedback == {given.id: given}
    assert (given.giver_id, given.receiver_id, given.text, given.tags) == ("ann", "bob", "Clear hand-over.", ("collaboration",))
    assert given.visibility == event_pb2.VISIBILITY_RECEIVER_AND_MANAGER and given.setting == pb.FEEDBACK_SETTING_INFORMAL
    assert given.moment_at == given.given_at == NOW
    assert service.store.outbox == [FeedbackGiven(given, NOW)] and service.store.commits == 1
    assert service.observed == service.store.outbox
    assert service.store.reads == []


async def test_public_praise_records_the_subscribers_read_in_the_audit() -> None:
    service = a_service()
    given = await service.bus.handle(give(service.person("ann"), visibility=event_pb2.VISIBILITY_PUBLIC))
    [line] = service.store.reads
    assert (line.subject_id, line.item_id, line.basis, line.path) == ("bob", given.id, "system", "event")


async def test_a_manager_up_the_chain_may_give_as_manager() -> None:
    service = a_service()
    given = await service.bus.handle(give(service.person("boss", "manager"), "ann", relation=pb.RELATION_MANAGER))
    assert given.relation == pb.RELATION_MANAGER


async def test_a_peer_claiming_to_be_the_manager_is_refused_and_nothing_is_written() -> None:
    service = a_service()
    with pytest.raises(InvalidArgument, match="not one of the receiver's managers"):
        await service.bus.handle(give(service.person("bob"), "ann", relation=pb.RELATION_MANAGER))
    assert service.store.feedback == {} and service.store.outbox == [] and service.store.commits == 0


async def test_a_direct_report_claim_holds_only_towards_a_manager_of_the_giver() -> None:
    service = a_service()
    await service.bus.handle(give(service.person("ann"), "boss", relation=pb.RELATION_DIRECT_REPORT))
    with pytest.raises(InvalidArgument, match="not one of your managers"):
        await service.bus.handle(give(service.person("mgr"), "ann", relation=pb.RELATION_DIRECT_REPORT))


async def test_self_feedback_needs_the_self_relation_and_hr_the_hr_role() -> None:
    service = a_service()
    with pytest.raises(InvalidArgument, match="self exactly when"):
        await service.bus.handle(give(service.person("ann"), "ann"))
    with pytest.raises(InvalidArgument, match="only HR"):
        await service.bus.handle(give(service.person("ann"), relation=pb.RELATION_HR))
    await service.bus.handle(give(service.person("ann", "hr"), relation=pb.RELATION_HR))


async def test_an_unknown_receiver_is_not_found_and_an_inactive_one_is_refused() -> None:
    service = a_service()
    with pytest.raises(NotFound, match="receiver_id: employee 'zed' not found"):
        await service.bus.handle(give(service.person("ann"), "zed"))
    with pytest.raises(FailedPrecondition, match="no longer active"):
        await service.bus.handle(give(service.person("ann"), "cas"))


async def test_a_full_window_refuses_the_next_item_and_says_how_long_to_wait() -> None:
    service = a_service()
    for i in range(20):
        service.clock.now = NOW + dt.timedelta(seconds=i)
        await service.bus.handle(give(service.person("ann")))
    service.clock.now = NOW + dt.timedelta(seconds=30)
    with pytest.raises(ResourceExhausted, match=r"you gave 20 pieces of feedback within a minute.*try again in 30 s"):
        await service.bus.handle(give(service.person("ann")))
    service.clock.now = NOW + dt.timedelta(seconds=61)
    await service.bus.handle(give(service.person("ann")))
    assert len(service.store.feedback) == 21


async def test_answering_a_request_marks_it_answered_with_its_event_after_the_items() -> None:
    service = a_service()
    service.request("r1")
    given = await service.bus.handle(give(service.person("bob"), "", request_id="r1"))
    request = service.store.requests["r1"]
    assert (given.receiver_id, given.request_id) == ("ann", "r1")
    assert (request.state, request.answered_feedback_id, request.updated_at) == (pb.FeedbackRequest.STATE_ANSWERED, given.id, NOW)
    assert events(service) == [FeedbackGiven, FeedbackRequestChanged]
    changed = service.store.outbox[1]
    assert isinstance(changed, FeedbackRequestChanged) and changed.actor_id == "bob"


async def test_an_anonymous_answer_keeps_no_link_and_tells_nobody_but_the_recipient() -> None:
    service = a_service()
    service.request("r1")
    given = await service.bus.handle(give(service.person("bob"), "", request_id="r1", visibility=event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE))
    request = service.store.requests["r1"]
    assert given.request_id is None
    assert request.answered_anonymously and request.state == pb.FeedbackRequest.STATE_OPEN and request.answered_feedback_id is None
    assert events(service) == [FeedbackGiven]


async def test_a_request_sent_to_someone_else_or_already_answered_is_refused() -> None:
    service = a_service()
    service.request("r1", recipient="cas")
    service.request("r2", state=pb.FeedbackRequest.STATE_ANSWERED)
    with pytest.raises(PermissionDenied, match="sent to someone else"):
        await service.bus.handle(give(service.person("bob"), "", request_id="r1"))
    with pytest.raises(FailedPrecondition, match="the request is answered"):
        await service.bus.handle(give(service.person("bob"), "", request_id="r2"))
    with pytest.raises(NotFound):
        await service.bus.handle(give(service.person("bob"), "", request_id="r3"))
    with pytest.raises(InvalidArgument, match="about someone else"):
        service.request("r4")
        await service.bus.handle(give(service.person("bob"), "mgr", request_id="r4"))


async def test_an_external_giver_answers_through_the_link_as_a_customer() -> None:
    service = a_service()
    service.request("r1", recipient=None, token_hash=token_hash("secret-link"))
    given = await service.bus.handle(give(ANONYMOUS, "", relation=0, external_token="secret-link"))
    assert (given.giver_id, given.receiver_id, given.relation) == ("external:r1", "ann", pb.RELATION_CUSTOMER)
    changed = service.store.outbox[1]
    assert isinstance(changed, FeedbackRequestChanged) and changed.actor_id == ""
    with pytest.raises(FailedPrecondition, match="already used"):
        await service.bus.handle(give(ANONYMOUS, "", relation=0, external_token="secret-link"))
    with pytest.raises(PermissionDenied, match="this link is not valid"):
        await service.bus.handle(give(ANONYMOUS, "", relation=0, external_token="another"))


async def test_a_retry_with_the_same_key_is_answered_again_and_writes_nothing_twice() -> None:
    service = a_service()
    first = await service.bus.handle(give(service.person("ann"), key="k1"))
    again = await service.bus.handle(give(service.person("ann"), key="k1"))
    assert again == first and len(service.store.feedback) == 1 and len(service.store.outbox) == 1
    with pytest.raises(InvalidArgument, match="already used for a different request"):
        await service.bus.handle(give(service.person("ann"), key="k1", fingerprint="f2"))


async def test_a_retry_is_answered_again_even_when_the_link_is_used_or_the_window_full_by_now() -> None:
    service = a_service()
    service.request("r1", recipient=None, token_hash=token_hash("secret-link"))
    first = await service.bus.handle(give(ANONYMOUS, "", relation=0, external_token="secret-link", key="k1"))
    assert await service.bus.handle(give(ANONYMOUS, "", relation=0, external_token="secret-link", key="k1")) == first
    with pytest.raises(InvalidArgument, match="already used for a different request"):
        await service.bus.handle(give(ANONYMOUS, "", relation=0, external_token="secret-link", key="k1", fingerprint="f2"))
    answers = [await service.bus.handle(give(service.person("ann"), key=f"k{i}")) for i in range(20)]
    assert await service.bus.handle(give(service.person("ann"), key="k3")) == answers[3]
    with pytest.raises(ResourceExhausted):
        await service.bus.handle(give(service.person("ann"), key="k20"))
    assert len(service.store.feedback) == 21 and service.store.commits == 21


async def test_who_asks_is_checked_before_what_they_ask() -> None:
    service = a_service()
    with pytest.raises(Unauthenticated):
        await service.bus.handle(give(ANONYMOUS, "", kind=0))


async def test_every_wrong_field_is_named_before_anything_is_read() -> None:
    service = a_service()
    command = give(
        service.person("ann"), "bob", kind=pb.FEEDBACK_KIND_CONSTRUCTIVE, visibility=event_pb2.VISIBILITY_PUBLIC,
        text="\u200b", tags=("",), moment=c.Moment(int((NOW + dt.timedelta(hours=1)).timestamp()), 0),
    )
    with pytest.raises(InvalidArgument) as caught:
        await service.bus.handle(command)
    fields = {v.field for v in caught.value.violations}
    assert fields == {"examples", "visibility", "text", "tags[0]", "moment_at"}
    assert service.store.commits == 0


async def test_an_example_is_kept_trimmed() -> None:
    service = a_service()
    example = Example(" Friday demo ", " 20 minutes over ", " no questions ")
    given = await service.bus.handle(give(service.person("mgr", "manager"), "ann", kind=pb.FEEDBACK_KIND_CONSTRUCTIVE, relation=pb.RELATION_MANAGER, examples=(example,)))
    assert given.examples == (Example("Friday demo", "20 minutes over", "no questions"),)
    assert isinstance(given, Feedback) and dataclasses.replace(given) == service.store.feedback[given.id]
