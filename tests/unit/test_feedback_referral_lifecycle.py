"""A referral's lifecycle through the message bus over fake repositories: HR acknowledges it, then closes it;
every other step and every other person is refused, and the events say the state and nothing more."""
from __future__ import annotations

import pytest

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters.protobuf import decode_answer, encode_answer
from paars_feedback.domain.feedback import Referral, ReferralRaised, ReferralUpdated
from paars_feedback.service_layer import commands as c
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from tests.unit.feedback_fakes import NOW, FakeService, Person

RAISED, ACKNOWLEDGED, CLOSED = pb.Referral.STATE_RAISED, pb.Referral.STATE_ACKNOWLEDGED, pb.Referral.STATE_CLOSED


def a_service() -> FakeService:
    """mgr -> ann; hr in the root team covers everyone, hr2 in a team of their own covers nobody in t-eng; cas coaches ann."""
    service = FakeService()
    service.store.teams.update({"t-root": None, "t-eng": "t-root", "t-other": "t-root"})
    service.store.people.update({
        "mgr": Person(team_id="t-eng"), "ann": Person(manager_id="mgr", team_id="t-eng"), "cas": Person(),
        "hr": Person(team_id="t-root"), "hr2": Person(team_id="t-other"), "zoe": Person(team_id="t-eng"),
    })
    service.store.coaches["ann"] = ("cas", "ann", NOW)
    return service


async def raised(service: FakeService, note: str = "Lijkt overbelast") -> Referral:
    return await service.bus.handle(c.RaiseReferral(service.person("mgr"), c.RequestKey(), "ann", note))


async def test_a_raised_referral_is_acknowledged_then_closed_by_hr_and_each_step_is_an_event_without_content() -> None:
    service = a_service()
    referral = await raised(service)
    assert referral.state == RAISED and referral.handled_by == ""
    hr = service.person("hr", "hr")
    acknowledged = await service.bus.handle(c.AcknowledgeReferral(hr, c.RequestKey(), referral.id))
    assert (acknowledged.state, acknowledged.handled_by, acknowledged.updated_at, acknowledged.note) == (ACKNOWLEDGED, "hr", NOW, "")
    closed = await service.bus.handle(c.CloseReferral(hr, c.RequestKey(), referral.id))
    assert (closed.state, closed.handled_by) == (CLOSED, "hr")
    # Stored with its note; the answers only say where it stands.
    [kept] = service.store.referrals
    assert (kept.state, kept.note, kept.raised_by, kept.handled_by) == (CLOSED, "Lijkt overbelast", "mgr", "hr")
    assert [type(e) for e in service.store.outbox] == [ReferralRaised, ReferralUpdated, ReferralUpdated]
    assert [e.referral.state for e in service.store.outbox if isinstance(e, ReferralUpdated)] == [ACKNOWLEDGED, CLOSED]
    # The person reads the state where they read their referrals.
    [mine] = await service.bus.ask(c.ListReferrals(service.person("ann"), ""))
    assert (mine.state, mine.note) == (CLOSED, "Lijkt overbelast")


async def test_wrong_transitions_are_refused_and_change_nothing() -> None:
    service = a_service()
    referral = await raised(service)
    hr = service.person("hr", "hr")
    with pytest.raises(FailedPrecondition, match="acknowledged first"):
        await service.bus.handle(c.CloseReferral(hr, c.RequestKey(), referral.id))
    await service.bus.handle(c.AcknowledgeReferral(hr, c.RequestKey(), referral.id))
    with pytest.raises(FailedPrecondition, match="acknowledged already"):
        await service.bus.handle(c.AcknowledgeReferral(hr, c.RequestKey(), referral.id))
    await service.bus.handle(c.CloseReferral(hr, c.RequestKey(), referral.id))
    with pytest.raises(FailedPrecondition, match="closed already"):
        await service.bus.handle(c.CloseReferral(hr, c.RequestKey(), referral.id))
    with pytest.raises(FailedPrecondition, match="closed already"):
        await service.bus.handle(c.AcknowledgeReferral(hr, c.RequestKey(), referral.id))
    assert service.store.referrals[0].state == CLOSED and len(service.store.outbox) == 3


async def test_only_hr_for_the_person_moves_a_referral_on() -> None:
    service = a_service()
    referral = await raised(service)
    for caller in (service.person("ann"), service.person("mgr", "manager"), service.person("cas", "coach"), service.person("zoe"),
                   service.person("hr2", "hr"), service.person("mgr", "admin")):
        for command in (c.AcknowledgeReferral(caller, c.RequestKey(), referral.id), c.CloseReferral(caller, c.RequestKey(), referral.id)):
            with pytest.raises(PermissionDenied, match="only HR"):
                await service.bus.handle(command)
    # HR does not handle a referral about themselves either.
    about_hr = await service.bus.handle(c.RaiseReferral(service.person("hr", "hr"), c.RequestKey(), "hr", ""))
    with pytest.raises(PermissionDenied, match="only HR"):
        await service.bus.handle(c.AcknowledgeReferral(service.person("hr", "hr"), c.RequestKey(), about_hr.id))
    assert all(r.state == RAISED for r in service.store.referrals) and not any(isinstance(e, ReferralUpdated) for e in service.store.outbox)


async def test_an_unknown_or_missing_referral_is_named() -> None:
    service = a_service()
    with pytest.raises(NotFound, match="referral_id"):
        await service.bus.handle(c.AcknowledgeReferral(service.person("hr", "hr"), c.RequestKey(), "nope"))
    with pytest.raises(InvalidArgument, match="referral_id"):
        await service.bus.handle(c.CloseReferral(service.person("hr", "hr"), c.RequestKey(), ""))
    assert service.store.commits == 0


async def test_a_retried_acknowledgement_is_answered_as_the_first_and_writes_nothing_more() -> None:
    service = a_service()
    referral = await raised(service)
    hr = service.person("hr", "hr")
    first = await service.bus.handle(c.AcknowledgeReferral(hr, c.RequestKey("k1", "fp"), referral.id))
    again = await service.bus.handle(c.AcknowledgeReferral(hr, c.RequestKey("k1", "fp"), referral.id))
    assert again == first and len(service.store.outbox) == 2
    with pytest.raises(InvalidArgument, match="idempotency_key"):
        await service.bus.handle(c.CloseReferral(hr, c.RequestKey("k1", "other"), referral.id))


def test_a_kept_referral_answer_holds_no_note_and_an_answer_kept_before_the_lifecycle_still_decodes() -> None:
    handled = Referral("rf1", "ann", "mgr", "Lijkt overbelast", NOW, ACKNOWLEDGED, NOW, "hr")
    kept = decode_answer(Referral, encode_answer(handled))
    assert isinstance(kept, Referral)
    assert (kept.id, kept.employee_id, kept.note, kept.raised_by, kept.state, kept.updated_at, kept.handled_by) == ("rf1", "ann", "", "", ACKNOWLEDGED, NOW, "hr")
    old = decode_answer(Referral, pb.RaiseReferralResponse(referral_id="rf0").SerializeToString())
    assert isinstance(old, Referral) and (old.id, old.state) == ("rf0", RAISED)
