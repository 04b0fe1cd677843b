"""Erasure and legal holds in goals (issue 18 item 4) through the message bus over fake repositories."""
from __future__ import annotations

import pytest

from paars.org.v1 import org_pb2 as R
from paars_goals.domain.org import EmployeeChanged
from paars_goals.service_layer import commands as c
from paars_platform.auth import Identity
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from tests.unit.goals_fakes import FakeService
from tests.unit.test_goals_directory_handlers import HRIS, ORG, PEOPLE, import_

HR = Identity("hr1", frozenset({"hr"}))
REASON = "ann asked to be forgotten (art. 17)"


def erase(person: str = "ann", reason: str = REASON, caller: Identity = HR, key: str = "") -> c.ErasePerson:
    return c.ErasePerson(caller, c.RequestKey(key, f"fp-{person}-{reason}"), person_id=person, reason=reason)


def hold(kind: str, service: str = "feedback", person: str = "ann") -> c.PlaceLegalHold:
    return c.PlaceLegalHold(HR, c.RequestKey(), person_id=person, service=service, kind=kind, reason="signed review under dispute")


async def _service() -> FakeService:
    service = FakeService()
    await service.bus.handle(import_(HRIS, *PEOPLE, teams=ORG))
    service.store.outbox.clear()
    service.forgotten.clear()
    return service


async def test_hr_erases_a_person_the_record_keeps_only_its_id_and_place_and_every_service_is_told_with_the_holds() -> None:
    service = await _service()
    placed = await service.bus.handle(hold("reviews"))
    record = await service.bus.handle(erase())
    ann = service.store.employees["ann"]
    assert (ann.name, ann.email, ann.roles, ann.active, ann.coach_id) == ("", "", (), False, None)
    assert (ann.manager_id, ann.team_id, ann.version) == ("mgr", "team-a", 2)
    [event] = service.store.outbox
    assert isinstance(event, EmployeeChanged) and event.change == R.EmployeeChanged.CHANGE_ERASED and event.actor_id == "hr1"
    assert [(h.service, h.kind, h.reason, h.hold_id) for h in event.held] == [("feedback", "reviews", "signed review under dispute", placed.id)]
    assert event.team_path == ("team-a", "org")
    assert record.person_id == "ann" and record.at is not None
    assert ("erase", "hr1", "ann", REASON) in service.store.audit
    assert service.forgotten == ["ann"]


async def test_erasing_an_erased_person_answers_the_first_erasure_and_tells_nobody_again() -> None:
    service = await _service()
    first = await service.bus.handle(erase())
    second = await service.bus.handle(erase(reason="asked again by the person"))
    assert second == first
    assert len(service.store.outbox) == 1 and [a for a in service.store.audit if a[0] == "erase"] == [("erase", "hr1", "ann", REASON)]


async def test_a_retry_with_the_same_key_gets_the_same_answer() -> None:
    service = await _service()
    first = await service.bus.handle(erase(key="k1"))
    assert await service.bus.handle(erase(key="k1")) == first


async def test_only_hr_erases_and_a_missing_or_short_reason_is_named() -> None:
    service = await _service()
    for caller in (Identity("mgr", frozenset({"manager"})), Identity("boss", frozenset({"admin"})), Identity("hris", frozenset({"system", "hr"}), "system")):
        with pytest.raises(PermissionDenied):
            await service.bus.handle(erase(caller=caller))
    with pytest.raises(InvalidArgument) as missing:
        await service.bus.handle(erase(reason=""))
    assert [v.field for v in missing.value.violations] == ["reason"]
    with pytest.raises(InvalidArgument) as short:
        await service.bus.handle(erase(reason="because"))
    assert [v.field for v in short.value.violations] == ["reason"]
    with pytest.raises(InvalidArgument) as themselves:
        await service.bus.handle(erase(person="hr1"))
    assert [v.field for v in themselves.value.violations] == ["person_id"]
    with pytest.raises(NotFound):
        await service.bus.handle(erase(person="nobody"))
    assert service.store.outbox == [] and service.store.employees["ann"].name == "Ann"


async def test_a_hold_on_everything_about_the_person_stops_the_erasure_until_it_is_released() -> None:
    service = await _service()
    whole = await service.bus.handle(hold("", service=""))
    with pytest.raises(FailedPrecondition):
        await service.bus.handle(erase())
    assert service.store.employees["ann"].name == "Ann"
    released = await service.bus.handle(c.ReleaseLegalHold(HR, c.RequestKey(), hold_id=whole.id, reason="the dispute was settled"))
    assert released.released_by == "hr1" and not released.in_force
    await service.bus.handle(erase())
    [event] = service.store.outbox
    assert isinstance(event, EmployeeChanged) and event.held == ()
    with pytest.raises(FailedPrecondition):
        await service.bus.handle(c.ReleaseLegalHold(HR, c.RequestKey(), hold_id=whole.id, reason="the dispute was settled"))


async def test_placing_the_same_hold_twice_keeps_one_and_hr_lists_them_with_the_audit_lines() -> None:
    service = await _service()
    first = await service.bus.handle(hold("reviews"))
    assert await service.bus.handle(hold("reviews")) == first
    other = await service.bus.handle(hold("goals", service="goals"))
    holds = await service.bus.ask(c.ListLegalHolds(HR, "ann"))
    assert {h.id for h in holds} == {first.id, other.id}
    assert [a[0] for a in service.store.audit] == ["legal_hold", "legal_hold"]
    with pytest.raises(PermissionDenied):
        await service.bus.ask(c.ListLegalHolds(Identity("ann", frozenset({"employee"})), "ann"))
    with pytest.raises(NotFound):
        await service.bus.handle(hold("reviews", person="nobody"))
    await service.bus.handle(erase())
    with pytest.raises(FailedPrecondition):
        await service.bus.handle(hold("dialogues"))


async def test_a_hold_on_goals_keeps_the_persons_goals_and_says_why() -> None:
    service = await _service()
    await service.bus.handle(hold("goals", service="goals"))
    record = await service.bus.handle(erase())
    assert [(k.kind, k.reason) for k in record.kept] == [("goals", "signed review under dispute")]
    assert "goals" not in record.erased
