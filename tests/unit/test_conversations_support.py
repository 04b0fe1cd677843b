"""The catalogue of professional services HR keeps (issue 15 item 6), over the in-memory fakes: HR adds, edits and
retires entries; every employee reads the active ones; nobody else writes; nothing is recorded or published."""
from __future__ import annotations

import pytest

from paars_conversations.domain import support as su
from paars_conversations.service_layer import commands as c
from paars_platform.errors import InvalidArgument, NotFound, PermissionDenied
from tests.unit.conversations_fakes import bus, organisation, person

HR, ANN, MGR, ADM = person("hr1", "hr"), person("ann"), person("mgr", "manager"), person("adm", "admin")


def entry(caller=HR, **kw: object) -> c.SetProfessionalService:
    fields: dict[str, object] = {
        "service_id": "", "kind": su.Kind.CONFIDENTIAL_COUNSELLOR, "name": "Vertrouwenspersoon Sanne de Vries",
        "description": "Listens in confidence to anything about how you are treated at work.", "contact": "sanne@vertrouwen.example", "active": True,
    }
    fields.update(kw)
    return c.SetProfessionalService(caller, **fields)  # type: ignore[arg-type]


async def test_hr_adds_services_and_every_employee_reads_the_active_ones_by_kind() -> None:
    store = organisation()
    counsellor = await bus(store).handle(entry())
    eap = await bus(store).handle(entry(kind=su.Kind.EMPLOYEE_ASSISTANCE, name="EAP Helpt", contact="0800-1234"))
    for reader in (ANN, MGR, HR):
        assert [s.id for s in await bus(store).ask(c.ListProfessionalServices(reader))] == [eap.id, counsellor.id]
    assert store.outbox == [] and store.reads == []


async def test_hr_edits_and_retires_an_entry_and_only_hr_sees_the_retired_ones() -> None:
    store = organisation()
    doctor = await bus(store).handle(entry(kind=su.Kind.OCCUPATIONAL_PHYSICIAN, name="Bedrijfsarts", contact="arbo@example.nl"))
    retired = await bus(store).handle(entry(service_id=doctor.id, kind=su.Kind.OCCUPATIONAL_PHYSICIAN, name="Bedrijfsarts", contact="arbo@example.nl", active=False))
    assert (retired.id, retired.active, retired.updated_by) == (doctor.id, False, "hr1")
    assert await bus(store).ask(c.ListProfessionalServices(ANN)) == []
    assert await bus(store).ask(c.ListProfessionalServices(HR, include_retired=True)) == [retired]
    with pytest.raises(PermissionDenied):
        await bus(store).ask(c.ListProfessionalServices(ANN, include_retired=True))


@pytest.mark.parametrize("caller", [ANN, MGR, ADM])
async def test_only_hr_keeps_the_catalogue(caller) -> None:
    with pytest.raises(PermissionDenied):
        await bus(organisation()).handle(entry(caller))


async def test_a_bad_entry_names_its_fields_and_an_unknown_one_is_not_found() -> None:
    with pytest.raises(InvalidArgument) as err:
        await bus(organisation()).handle(entry(kind=None, name="", contact="", description="x" * (su.MAX_DESCRIPTION + 1)))
    assert {v.field for v in err.value.violations} == {"kind", "name", "contact", "description"}
    with pytest.raises(NotFound):
        await bus(organisation()).handle(entry(service_id="no-such-entry"))


async def test_an_entry_sent_twice_with_one_key_is_added_once() -> None:
    store = organisation()
    add = entry(request=c.RequestKey("k", "h"))
    assert await bus(store).handle(add) == await bus(store).handle(add)
    assert len(store.support) == 1
