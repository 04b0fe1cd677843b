"""Coaches and referrals through the message bus over fake repositories: choosing a coach, sharing with them,
raising a confidential referral and who reads it, without a database or a broker."""
from __future__ import annotations

import datetime as dt

import pytest

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain.feedback import Feedback, ReferralRaised
from paars_feedback.service_layer import commands as c
from paars_platform.auth import Identity
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from tests.unit.feedback_fakes import NOW, FakeService, Person


def a_service() -> FakeService:
    """mgr -> ann, bob; hr in the root team; cas and dan outside."""
    service = FakeService()
    service.store.teams.update({"t-root": None, "t-eng": "t-root"})
    service.store.people.update({
        "mgr": Person(team_id="t-eng"), "ann": Person(manager_id="mgr", team_id="t-eng"), "bob": Person(manager_id="mgr", team_id="t-eng"),
        "cas": Person(), "dan": Person(), "hr": Person(team_id="t-root"),
    })
    return service


def assign(caller: Identity, employee: str = "ann", coach: str = "cas") -> c.AssignCoach:
    return c.AssignCoach(caller, c.RequestKey(), employee, coach)


def share(caller: Identity, *, feedback: str = "", review: str = "", dialogue: str = "", plan: bool = False, revoke: bool = False) -> c.ShareWithCoach:
    return c.ShareWithCoach(caller, c.RequestKey(), feedback, review, dialogue, plan, revoke)


def an_item(service: FakeService, item_id: str, receiver: str = "ann", visibility: int = event_pb2.VISIBILITY_PRIVATE) -> None:
    service.store.feedback[item_id] = Feedback(
        id=item_id, giver_id="bob", receiver_id=receiver, kind=pb.FEEDBACK_KIND_PRAISE, relation=pb.RELATION_PEER, setting=1, text="t",
        examples=(), visibility=visibility, goal_ids=(), tags=(), moment_at=NOW, given_at=NOW,
    )


async def test_a_person_chooses_their_coach_and_a_new_coach_starts_from_nothing_shared() -> None:
    service = a_service()
    service.store.shares[("ann", "feedback", "f1")] = NOW
    await service.bus.handle(assign(service.person("ann")))
    assert service.store.coaches["ann"] == ("cas", "ann", NOW) and service.store.shares == {}


async def test_hr_in_scope_or_an_admin_assigns_a_coach_and_nobody_else() -> None:
    service = a_service()
    await service.bus.handle(assign(service.person("hr", "hr"), coach="dan"))
    await service.bus.handle(assign(service.person("dan", "admin"), "bob", "cas"))
    assert service.store.coaches["ann"][:2] == ("dan", "hr") and service.store.coaches["bob"][:2] == ("cas", "dan")
    with pytest.raises(PermissionDenied, match="chooses their coach"):
        await service.bus.handle(assign(service.person("mgr")))


async def test_coach_assignment_checks_both_people() -> None:
    service = a_service()
    with pytest.raises(InvalidArgument, match="nobody coaches themselves"):
        await service.bus.handle(assign(service.person("ann"), coach="ann"))
    with pytest.raises(NotFound, match="coach_id"):
        await service.bus.handle(assign(service.person("ann"), coach="zed"))
    assert service.store.commits == 0


async def test_a_person_shares_their_own_items_and_plan_and_takes_them_back() -> None:
    service = a_service()
    an_item(service, "f1")
    service.store.owners[("review", "rv1")] = "ann"
    shared = await service.bus.handle(share(service.person("ann"), feedback="f1", review="rv1", plan=True))
    assert shared.shared == ("action-plan:ann", "feedback:f1", "review:rv1")
    back = await service.bus.handle(share(service.person("ann"), review="rv1", revoke=True))
    assert back.shared == ("action-plan:ann", "feedback:f1")


async def test_nobody_shares_what_is_not_about_them_nor_anonymous_feedback() -> None:
    service = a_service()
    an_item(service, "f1")
    an_item(service, "f2", visibility=event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE)
    with pytest.raises(PermissionDenied, match="feedback_id"):
        await service.bus.handle(share(service.person("bob"), feedback="f1"))
    with pytest.raises(FailedPrecondition, match="only shown in aggregate"):
        await service.bus.handle(share(service.person("ann"), feedback="f2"))
    with pytest.raises(NotFound, match="dialogue_id"):
        await service.bus.handle(share(service.person("ann"), dialogue="d9"))
    with pytest.raises(InvalidArgument, match="name something to share"):
        await service.bus.handle(share(service.person("ann")))
    assert service.store.shares == {}


async def test_a_referral_is_stored_with_an_event_that_names_nobody_and_says_nothing() -> None:
    service = a_service()
    referral = await service.bus.handle(c.RaiseReferral(service.person("mgr"), c.RequestKey(), "ann", " Seems overloaded "))
    assert (referral.employee_id, referral.raised_by, referral.note, referral.created_at) == ("ann", "mgr", "Seems overloaded", NOW)
    assert service.store.referrals == [referral] and service.store.outbox == [ReferralRaised(referral)]


async def test_the_person_their_managers_their_coach_or_hr_raise_a_referral() -> None:
    service = a_service()
    service.store.coaches["ann"] = ("cas", "ann", NOW)
    for who in ("ann", "cas", service.person("hr", "hr")):
        caller = who if isinstance(who, Identity) else service.person(who)
        await service.bus.handle(c.RaiseReferral(caller, c.RequestKey(), "ann", ""))
    with pytest.raises(PermissionDenied, match="raise a referral"):
        await service.bus.handle(c.RaiseReferral(service.person("bob"), c.RequestKey(), "ann", ""))
    with pytest.raises(NotFound, match="employee_id"):
        await service.bus.handle(c.RaiseReferral(service.person("mgr"), c.RequestKey(), "zed", ""))
    assert len(service.store.referrals) == 3


async def test_a_retried_referral_is_answered_with_the_first_one() -> None:
    service = a_service()
    first = await service.bus.handle(c.RaiseReferral(service.person("mgr"), c.RequestKey("k1", "fp"), "ann", ""))
    again = await service.bus.handle(c.RaiseReferral(service.person("mgr"), c.RequestKey("k1", "fp"), "ann", ""))
    assert again.id == first.id and len(service.store.referrals) == 1 and len(service.store.outbox) == 1


async def test_referrals_are_read_by_hr_and_the_person_and_hr_reading_is_audited() -> None:
    service = a_service()
    service.clock.now = NOW - dt.timedelta(days=1)
    first = await service.bus.handle(c.RaiseReferral(service.person("mgr"), c.RequestKey(), "ann", "one"))
    service.clock.now = NOW
    second = await service.bus.handle(c.RaiseReferral(service.person("mgr"), c.RequestKey(), "ann", "two"))
    assert await service.bus.ask(c.ListReferrals(service.person("ann"), "")) == [first, second]
    assert service.store.reads == []
    assert await service.bus.ask(c.ListReferrals(service.person("hr", "hr"), "ann")) == [first, second]
    assert [(r.item_id, r.reader_id, r.basis, r.path) for r in service.store.reads] == [(first.id, "hr", "hr", "ListReferrals"), (second.id, "hr", "hr", "ListReferrals")]
    with pytest.raises(PermissionDenied, match="HR and the person only"):
        await service.bus.ask(c.ListReferrals(service.person("mgr"), "ann"))
