"""Seeking feedback through the message bus over fake repositories: requests, their link tokens, listing them,
expiry, and what a link opens or revoking it does; without a database or a broker."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain.feedback import FeedbackRequestChanged
from paars_feedback.service_layer import commands as c
from paars_feedback.service_layer.common import token_hash
from paars_platform.auth import ANONYMOUS, Identity
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from tests.unit.feedback_fakes import NOW, FakeService, Person

R = pb.FeedbackRequest


def a_service() -> FakeService:
    """boss -> mgr -> ann, bob (team t-eng under t-root); hr in t-root; cas no longer active."""
    service = FakeService()
    service.store.teams.update({"t-root": None, "t-eng": "t-root"})
    service.store.people.update({
        "boss": Person(team_id="t-root", name="Boss"), "mgr": Person(manager_id="boss", team_id="t-eng"),
        "ann": Person(manager_id="mgr", team_id="t-eng", name="Ann"), "bob": Person(manager_id="mgr", team_id="t-eng"),
        "cas": Person(active=False, manager_id="mgr"), "hr": Person(team_id="t-root"),
    })
    return service


def ask(caller: Identity, recipient: str = "bob", *, key: str = "", **kw: Any) -> c.RequestFeedback:
    values: dict[str, Any] = dict(
        subject_id="", recipient_id=recipient, external_email="", external_name="", question=" How did my demo land? ",
        due_date=(NOW + dt.timedelta(days=3)).date().isoformat(), relation=pb.RELATION_PEER,
    )
    values.update(kw)
    return c.RequestFeedback(caller, c.RequestKey(key, "fp" if key else ""), **values)


def customer(caller: Identity, **kw: Any) -> c.RequestFeedback:
    values: dict[str, Any] = dict(external_email="Chris@Example.org", external_name="Chris", relation=pb.RELATION_UNSPECIFIED)
    values.update(kw)
    return ask(caller, "", **values)


async def test_a_request_to_a_colleague_is_stored_open_until_the_end_of_its_due_date_with_its_event() -> None:
    service = a_service()
    made = await service.bus.handle(ask(service.person("ann")))
    stored = service.store.requests[made.request.id]
    assert (stored.requester_id, stored.subject_id, stored.recipient_id, stored.question) == ("ann", "ann", "bob", "How did my demo land?")
    assert stored.state == R.STATE_OPEN and stored.token_hash is None and made.token == ""
    assert stored.expires_at == dt.datetime.combine(NOW.date() + dt.timedelta(days=4), dt.time(), dt.UTC)
    [event] = service.store.outbox
    assert isinstance(event, FeedbackRequestChanged) and (event.actor_id, event.request.state) == ("ann", R.STATE_OPEN)


async def test_an_external_request_gets_a_link_token_that_is_stored_only_as_its_hash() -> None:
    service = a_service()
    made = await service.bus.handle(customer(service.person("ann")))
    stored = service.store.requests[made.request.id]
    assert made.token and stored.token_hash == token_hash(made.token) and made.token not in repr(service.store.requests)
    assert (stored.external_email, stored.relation, stored.recipient_id) == ("chris@example.org", pb.RELATION_CUSTOMER, None)
    assert stored.expires_at is not None and stored.expires_at <= NOW + dt.timedelta(days=30)


async def test_a_retried_external_request_is_answered_again_without_the_token_and_a_reissue_replaces_it() -> None:
    service = a_service()
    ann = service.person("ann")
    first = await service.bus.handle(customer(ann, key="k1"))
    again = await service.bus.handle(customer(ann, key="k1"))
    assert again.request.id == first.request.id and again.token == "" and len(service.store.requests) == 1
    fresh = await service.bus.handle(c.ReissueRequestLink(ann, c.RequestKey(), first.request.id))
    assert fresh.token and fresh.token != first.token
    assert service.store.requests[first.request.id].token_hash == token_hash(fresh.token)
    with pytest.raises(NotFound):
        await service.bus.handle(c.ReissueRequestLink(service.person("bob"), c.RequestKey(), first.request.id))


async def test_a_request_no_longer_open_gets_no_new_token() -> None:
    service = a_service()
    service.request("r1", recipient=None, token_hash="ab" * 32, state=R.STATE_REVOKED)
    again = await service.bus.handle(c.ReissueRequestLink(service.person("ann"), c.RequestKey(), "r1"))
    assert again.token == "" and service.store.requests["r1"].token_hash == "ab" * 32


async def test_the_request_checks_name_every_wrong_field() -> None:
    service = a_service()
    with pytest.raises(InvalidArgument) as caught:
        await service.bus.handle(ask(service.person("ann"), "ann", question="", due_date="2020-01-01", relation=99))
    text = str(caught.value)
    assert all(field in text for field in ("recipient_id", "question", "due_date", "relation"))
    with pytest.raises(InvalidArgument, match="external_email"):
        await service.bus.handle(customer(service.person("ann"), external_email="not-an-address"))
    assert service.store.commits == 0


async def test_managers_and_hr_seek_feedback_about_their_people_and_nobody_else_does() -> None:
    service = a_service()
    by_boss = await service.bus.handle(ask(service.person("boss"), "bob", subject_id="ann"))
    by_hr = await service.bus.handle(ask(service.person("hr", "hr"), "bob", subject_id="ann"))
    assert by_boss.request.subject_id == by_hr.request.subject_id == "ann"
    with pytest.raises(PermissionDenied, match="subject_id"):
        await service.bus.handle(ask(service.person("bob"), "mgr", subject_id="ann"))
    with pytest.raises(NotFound, match="subject_id"):
        await service.bus.handle(ask(service.person("boss"), "bob", subject_id="zed"))


async def test_a_recipient_must_exist_and_be_active() -> None:
    service = a_service()
    with pytest.raises(NotFound, match="recipient_id"):
        await service.bus.handle(ask(service.person("ann"), "zed"))
    with pytest.raises(FailedPrecondition, match="no longer active"):
        await service.bus.handle(ask(service.person("ann"), "cas"))


async def test_lists_show_an_overdue_request_as_expired_and_then_mark_it_with_its_event() -> None:
    service = a_service()
    service.request("r1", expires_at=NOW - dt.timedelta(hours=1))
    service.request("r2")
    listed = await service.bus.ask(c.ListFeedbackRequests(service.person("ann"), "", ""))
    assert {r.id: r.public_state(listed.at) for r in listed.requests} == {"r1": R.STATE_EXPIRED, "r2": R.STATE_OPEN}
    assert service.store.requests["r1"].state == R.STATE_EXPIRED and service.store.requests["r2"].state == R.STATE_OPEN
    [event] = service.store.outbox
    assert isinstance(event, FeedbackRequestChanged) and (event.request.id, event.actor_id, event.at) == ("r1", "", NOW - dt.timedelta(hours=1))
    await service.bus.ask(c.ListFeedbackRequests(service.person("ann"), "", ""))
    assert len(service.store.outbox) == 1


async def test_a_list_that_shows_nothing_overdue_writes_nothing() -> None:
    service = a_service()
    service.request("r1")
    listed = await service.bus.ask(c.ListFeedbackRequests(service.person("bob"), "bob", ""))
    assert [r.id for r in listed.requests] == ["r1"] and service.store.commits == 0


async def test_someone_elses_requests_are_listed_to_hr_in_scope_only() -> None:
    service = a_service()
    service.request("r1")
    with pytest.raises(PermissionDenied, match="recipient_id"):
        await service.bus.ask(c.ListFeedbackRequests(service.person("ann"), "bob", ""))
    listed = await service.bus.ask(c.ListFeedbackRequests(service.person("hr", "hr"), "bob", ""))
    assert [r.id for r in listed.requests] == ["r1"]


async def test_the_sweep_expires_every_overdue_request_once() -> None:
    service = a_service()
    service.request("r1", expires_at=NOW - dt.timedelta(days=1))
    service.request("r2", expires_at=NOW - dt.timedelta(hours=1))
    service.request("r3")
    sweep = c.ExpireOverdueRequests(c.SERVICE_CALLER, c.RequestKey())
    assert await service.bus.handle(sweep) == 2 and await service.bus.handle(sweep) == 0
    assert [e.request.id for e in service.store.outbox if isinstance(e, FeedbackRequestChanged)] == ["r1", "r2"]
    assert service.store.requests["r3"].state == R.STATE_OPEN


async def test_a_link_shows_what_it_opens_and_whether_it_is_still_open() -> None:
    service = a_service()
    service.request("r1", recipient=None, token_hash=token_hash("tok-1"))
    service.invitation("i1", token_hash=token_hash("tok-2"), opened_by="mgr")
    link = await service.bus.ask(c.GetLink(ANONYMOUS, "tok-1"))
    assert (link.kind, link.state, link.subject_name, link.requester_name) == (pb.Link.KIND_FEEDBACK_REQUEST, pb.LINK_STATE_OPEN, "Ann", "Ann")
    invitation = await service.bus.ask(c.GetLink(ANONYMOUS, "tok-2"))
    assert (invitation.kind, invitation.state, invitation.requester_name) == (pb.Link.KIND_REVIEW_INVITATION, pb.LINK_STATE_OPEN, "mgr")
    assert invitation.questions == (("collaboration", "How does Ann work with others?"),)
    service.clock.now = NOW + dt.timedelta(days=8)
    assert (await service.bus.ask(c.GetLink(ANONYMOUS, "tok-1"))).state == pb.LINK_STATE_EXPIRED
    with pytest.raises(NotFound, match="external_token"):
        await service.bus.ask(c.GetLink(ANONYMOUS, "nothing"))
    with pytest.raises(InvalidArgument, match="external_token"):
        await service.bus.ask(c.GetLink(ANONYMOUS, ""))


def revoke(caller: Identity, request_id: str = "", invitation_id: str = "", key: str = "") -> c.RevokeLink:
    return c.RevokeLink(caller, c.RequestKey(key, "fp" if key else ""), request_id, invitation_id)


async def test_the_requester_revokes_an_open_request_with_its_event_and_not_twice() -> None:
    service = a_service()
    service.request("r1")
    assert (await service.bus.handle(revoke(service.person("ann"), "r1"))).state == pb.LINK_STATE_REVOKED
    assert service.store.requests["r1"].state == R.STATE_REVOKED
    [event] = service.store.outbox
    assert isinstance(event, FeedbackRequestChanged) and (event.request.state, event.actor_id) == (R.STATE_REVOKED, "ann")
    with pytest.raises(FailedPrecondition, match="the request is revoked"):
        await service.bus.handle(revoke(service.person("ann"), "r1"))


async def test_a_retried_revoke_is_answered_as_the_first_time() -> None:
    service = a_service()
    service.request("r1")
    await service.bus.handle(revoke(service.person("ann"), "r1", key="k1"))
    assert (await service.bus.handle(revoke(service.person("ann"), "r1", key="k1"))).state == pb.LINK_STATE_REVOKED
    assert len(service.store.outbox) == 1


async def test_only_the_requester_or_hr_revokes_a_request() -> None:
    service = a_service()
    service.request("r1")
    with pytest.raises(PermissionDenied, match="withdraws it"):
        await service.bus.handle(revoke(service.person("bob"), "r1"))
    await service.bus.handle(revoke(service.person("hr", "hr"), "r1"))
    with pytest.raises(NotFound, match="request_id"):
        await service.bus.handle(revoke(service.person("ann"), "r9"))
    with pytest.raises(InvalidArgument, match="request_id"):
        await service.bus.handle(revoke(service.person("ann"), "r1", "i1"))


async def test_an_invitation_is_revoked_by_the_person_their_managers_or_hr_while_open() -> None:
    service = a_service()
    for i in ("i1", "i2", "i3"):
        service.invitation(i)
    with pytest.raises(PermissionDenied, match="invitation_id"):
        await service.bus.handle(revoke(service.person("bob"), invitation_id="i1"))
    for who, invitation in (("ann", "i1"), ("boss", "i2")):
        await service.bus.handle(revoke(service.person(who), invitation_id=invitation))
        assert service.store.invitations[invitation].revoked_at == NOW
    service.store.invitations["i3"].used_at = NOW
    with pytest.raises(FailedPrecondition, match="the invitation is used"):
        await service.bus.handle(revoke(service.person("hr", "hr"), invitation_id="i3"))
    assert service.store.outbox == []
