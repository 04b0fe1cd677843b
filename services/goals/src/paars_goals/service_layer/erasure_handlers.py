"""Erasure and legal holds (issue 18 item 4), handlers over a unit of work: HR erases a person in goals (the
directory's owner), which tells every service through org.employee-changed.v1 (CHANGE_ERASED, carrying the holds)."""
from __future__ import annotations

from paars.org.v1 import org_pb2
from paars_goals.domain import erasure as rules
from paars_goals.domain.erasure import LegalHold
from paars_goals.domain.org import EmployeeChanged, Held, team_path
from paars_goals.service_layer import commands as c
from paars_goals.service_layer.unit_of_work import UnitOfWork
from paars_platform.erasure import ErasureRecord
from paars_platform.errors import FailedPrecondition, NotFound, PermissionDenied


async def erase_person(cmd: c.ErasePerson, uow: UnitOfWork) -> ErasureRecord:
    earlier = await uow.erasure.erasure(cmd.person_id)
    if earlier is not None:
        return earlier
    employee = await uow.directory.employee(cmd.person_id)
    holds = [h for h in await uow.erasure.holds(cmd.person_id) if h.in_force]
    rules.check_erasable(cmd.person_id, employee, holds)
    assert employee is not None
    now = uow.clock()
    erased = rules.anonymised(employee, now)
    await uow.directory.save_employee(erased)
    # The rows and the outbox rows keyed by the person go before the event below is written to the outbox.
    record = await uow.erasure.erase(cmd.person_id, holds, cmd.caller.employee_id, cmd.reason.strip(), now)
    parents = (await uow.directory.org()).parents
    uow.add_events(EmployeeChanged(
        erased, org_pb2.EmployeeChanged.CHANGE_ERASED, cmd.caller.employee_id, tuple(team_path(erased.team_id, parents)),
        tuple(Held(h.service, h.kind, h.reason, h.id) for h in holds),
    ))
    return record


async def place_legal_hold(cmd: c.PlaceLegalHold, uow: UnitOfWork) -> LegalHold:
    if await uow.directory.employee(cmd.person_id) is None:
        raise NotFound(f"employee {cmd.person_id!r} not found")
    if await uow.erasure.erasure(cmd.person_id) is not None:
        raise FailedPrecondition(f"{cmd.person_id!r} was erased: what a hold would keep was kept or is gone")
    for hold in await uow.erasure.holds(cmd.person_id):
        if hold.same_scope(cmd.service, cmd.kind):
            return hold  # already held: placing it again changes nothing
    hold = rules.new_hold(cmd.person_id, cmd.service, cmd.kind, cmd.reason.strip(), cmd.caller.employee_id, uow.clock())
    await uow.erasure.add_hold(hold)
    return hold


async def release_legal_hold(cmd: c.ReleaseLegalHold, uow: UnitOfWork) -> LegalHold:
    hold = await uow.erasure.hold(cmd.hold_id)
    if hold is None:
        raise NotFound(f"legal hold {cmd.hold_id!r} not found")
    released = hold.released(cmd.caller.employee_id, cmd.reason.strip(), uow.clock())
    await uow.erasure.save_hold(released)
    return released


async def list_legal_holds(query: c.ListLegalHolds, uow: UnitOfWork) -> list[LegalHold]:
    # The services' retention jobs read them too (paars_platform.legal_holds), as the system identity.
    if not (query.caller.has("hr") or (query.caller.kind == "system" and query.caller.has("system"))):
        raise PermissionDenied("only HR and the services may read the legal holds")
    return await uow.erasure.holds(query.person_id)
