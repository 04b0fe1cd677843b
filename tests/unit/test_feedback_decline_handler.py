"""Declining a feedback request through the message bus over fake repositories: who may (the person asked, or
an external recipient through the link), what is written and the event, without a database or a broker."""
from __future__ import annotations

import pytest

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain.feedback import FeedbackRequestChanged
from paars_feedback.service_layer import commands as c
from paars_feedback.service_layer.common import token_hash
from paars_platform.auth import ANONYMOUS, Identity
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from tests.unit.feedback_fakes import NOW
from tests.unit.test_feedback_give_handler import a_service


def decline(caller: Identity, request_id: str = "r1", *, token: str = "", key: str = "", reason: str = " Too busy this month ") -> c.DeclineFeedbackRequest:
    return c.DeclineFeedbackRequest(caller, c.RequestKey(key, "f1" if key else ""), request_id=request_id, reason=reason, external_token=token)


async def test_the_person_asked_declines_with_a_reason_and_the_event_names_them() -> None:
    service = a_service()
    service.request("r1")
    answer = await service.bus.handle(decline(service.person("bob")))
    stored = service.store.requests["r1"]
    assert answer == stored and (stored.state, stored.decline_reason, stored.updated_at) == (pb.FeedbackRequest.STATE_DECLINED, "Too busy this month", NOW)
    [event] = service.store.outbox
    assert isinstance(event, FeedbackRequestChanged) and event.actor_id == "bob" and event.request.state == pb.FeedbackRequest.STATE_DECLINED


async def test_only_the_person_asked_declines_an_open_request() -> None:
    service = a_service()
    service.request("r1")
    with pytest.raises(PermissionDenied, match="only the person asked"):
        await service.bus.handle(decline(service.person("ann")))
    with pytest.raises(NotFound, match="feedback request 'r9' not found"):
        await service.bus.handle(decline(service.person("bob"), "r9"))
    await service.bus.handle(decline(service.person("bob")))
    with pytest.raises(FailedPrecondition, match="the request is declined"):
        await service.bus.handle(decline(service.person("bob")))
    assert len(service.store.outbox) == 1


async def test_an_external_recipient_declines_through_the_link_and_is_not_named() -> None:
    service = a_service()
    service.request("r1", recipient=None, token_hash=token_hash("secret-link"))
    await service.bus.handle(decline(ANONYMOUS, "", token="secret-link"))
    [event] = service.store.outbox
    assert isinstance(event, FeedbackRequestChanged) and event.actor_id == ""
    with pytest.raises(FailedPrecondition, match="this link was declined"):
        await service.bus.handle(decline(ANONYMOUS, "", token="secret-link"))
    with pytest.raises(InvalidArgument, match="does not match the link"):
        service.request("r2", recipient=None, token_hash=token_hash("other-link"))
        await service.bus.handle(decline(ANONYMOUS, "r1", token="other-link"))
    with pytest.raises(PermissionDenied, match="not valid"):
        await service.bus.handle(decline(ANONYMOUS, "", token="nope"))


async def test_a_retried_decline_is_answered_again() -> None:
    service = a_service()
    service.request("r1")
    first = await service.bus.handle(decline(service.person("bob"), key="k1"))
    assert await service.bus.handle(decline(service.person("bob"), key="k1")) == first
    assert len(service.store.outbox) == 1


async def test_a_caller_without_credentials_is_refused_before_the_request_is_checked() -> None:
    service = a_service()
    with pytest.raises(Unauthenticated):
        await service.bus.handle(decline(ANONYMOUS, ""))
    with pytest.raises(InvalidArgument) as caught:
        await service.bus.handle(decline(service.person("bob"), "", reason="x" * 1001))
    assert {v.field for v in caught.value.violations} == {"request_id", "reason"}
