"""The action plan through the message bus over fake repositories: steps with their source, progress, completion,
and a dialogue's plan that both of its people confirm, item by item, without a database or a broker."""
from __future__ import annotations

import datetime as dt

import pytest

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain.action_plan import ActionItemChanged, DialoguePlan
from paars_feedback.service_layer import commands as c
from paars_platform.auth import Identity
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from tests.unit.feedback_fakes import NOW, FakeService, Person

DUE = (NOW + dt.timedelta(days=30)).date().isoformat()


def a_service(dialogue_state: int = pb.Dialogue.STATE_READY, signed_by: tuple[str, ...] = ()) -> FakeService:
    """mgr -> ann, bob; boss over mgr; hr in the root team; a dialogue d1 of ann with mgr."""
    service = FakeService()
    service.store.teams.update({"t-root": None, "t-eng": "t-root"})
    service.store.people.update({
        "boss": Person(team_id="t-root"), "mgr": Person(manager_id="boss", team_id="t-eng"), "ann": Person(manager_id="mgr", team_id="t-eng"),
        "bob": Person(manager_id="mgr", team_id="t-eng"), "hr": Person(team_id="t-root"),
    })
    service.store.dialogue_plans["d1"] = DialoguePlan("d1", "ann", "mgr", dialogue_state, signed_by, 4)
    return service


def create(caller: Identity, *, employee: str = "ann", owner: str = "", title: str = "Pair on the release script", kind: int = pb.ACTION_KIND_BUILD_STRENGTH,
           due: str = DUE, dialogue: str = "", goal: str = "", key: str = "") -> c.CreateActionItem:
    return c.CreateActionItem(caller, c.RequestKey(key, key), employee, owner, title, kind, due, "", dialogue, goal)


def update(caller: Identity, item_id: str, *, progress: int = 0, state: int = pb.ActionItem.STATE_UNSPECIFIED, note: str = "") -> c.UpdateActionItem:
    return c.UpdateActionItem(caller, c.RequestKey(), item_id, progress, state, note)


def confirm(caller: Identity, item_id: str) -> c.ConfirmActionItem:
    return c.ConfirmActionItem(caller, c.RequestKey(), item_id)


async def test_a_person_plans_a_step_for_a_goal_and_its_event_leaves_with_it() -> None:
    service = a_service()
    planned = await service.bus.handle(create(service.person("ann"), goal="goal-1"))
    item = service.store.action_items[planned.item.id]
    assert (item.owner_id, item.source_goal_id, item.state, item.confirmed_by) == ("ann", "goal-1", pb.ActionItem.STATE_OPEN, ())
    assert planned.awaiting == ()
    assert [type(e) for e in service.store.outbox] == [ActionItemChanged] and service.store.outbox[0].actor_id == "ann"


async def test_the_manager_or_hr_plans_for_someone_and_a_colleague_does_not() -> None:
    service = a_service()
    await service.bus.handle(create(service.person("boss")))
    await service.bus.handle(create(service.person("hr", "hr")))
    with pytest.raises(PermissionDenied):
        await service.bus.handle(create(service.person("bob")))
    with pytest.raises(NotFound, match="owner_id"):
        await service.bus.handle(create(service.person("ann"), owner="nobody"))


async def test_bad_input_names_every_field_before_anything_is_read() -> None:
    service = a_service()
    with pytest.raises(InvalidArgument) as err:
        await service.bus.handle(create(service.person("ann"), title="", kind=0, due="soon"))
    assert {v.field for v in err.value.violations} >= {"title", "kind", "due_date"}
    assert service.store.commits == 0


async def test_progress_moves_a_step_on_and_done_closes_it_for_good() -> None:
    service = a_service()
    planned = await service.bus.handle(create(service.person("ann")))
    moved = await service.bus.handle(update(service.person("ann"), planned.item.id, progress=40, note="first draft"))
    assert (moved.item.state, moved.item.progress_percent, moved.item.progress_notes) == (pb.ActionItem.STATE_IN_PROGRESS, 40, ("first draft",))
    done = await service.bus.handle(update(service.person("mgr"), planned.item.id, state=pb.ActionItem.STATE_DONE))
    assert (done.item.state, done.item.progress_percent) == (pb.ActionItem.STATE_DONE, 100)
    with pytest.raises(FailedPrecondition, match="STATE_DONE"):
        await service.bus.handle(update(service.person("ann"), planned.item.id, progress=50))
    with pytest.raises(PermissionDenied):
        await service.bus.handle(update(service.person("bob"), planned.item.id, progress=10))
    assert [e.item.state for e in service.store.outbox if isinstance(e, ActionItemChanged)][-1] == pb.ActionItem.STATE_DONE


async def test_an_item_of_a_dialogue_waits_for_the_other_person_until_they_confirm_it() -> None:
    service = a_service()
    planned = await service.bus.handle(create(service.person("mgr"), dialogue="d1", owner="ann"))
    assert planned.item.confirmed_by == ("mgr",) and planned.awaiting == ("ann",)
    for outsider in (service.person("bob"), service.person("boss"), service.person("hr", "hr")):
        with pytest.raises(PermissionDenied):
            await service.bus.handle(confirm(outsider, planned.item.id))
    agreed = await service.bus.handle(confirm(service.person("ann"), planned.item.id))
    assert set(agreed.item.confirmed_by) == {"ann", "mgr"} and agreed.awaiting == ()
    events = len(service.store.outbox)
    again = await service.bus.handle(confirm(service.person("ann"), planned.item.id))
    assert again.awaiting == () and len(service.store.outbox) == events, "confirming twice changes nothing"


async def test_a_dialogue_plan_is_made_by_its_two_people_for_one_of_them_between_preparing_and_signing() -> None:
    service = a_service()
    with pytest.raises(PermissionDenied):
        await service.bus.handle(create(service.person("boss"), dialogue="d1"))
    with pytest.raises(InvalidArgument, match="owner_id"):
        await service.bus.handle(create(service.person("ann"), dialogue="d1", owner="bob"))
    with pytest.raises(InvalidArgument, match="source_dialogue_id"):
        await service.bus.handle(create(service.person("mgr"), employee="bob", dialogue="d1"))
    for state in (pb.Dialogue.STATE_PREPARING, pb.Dialogue.STATE_SIGNED):
        closed = a_service(state)
        with pytest.raises(FailedPrecondition):
            await closed.bus.handle(create(closed.person("ann"), dialogue="d1"))


async def test_a_new_item_clears_the_signatures_already_given() -> None:
    service = a_service(pb.Dialogue.STATE_HELD, signed_by=("ann",))
    await service.bus.handle(create(service.person("mgr"), dialogue="d1"))
    plan = service.store.dialogue_plans["d1"]
    assert plan.signed_by == () and plan.version == 5


async def test_only_an_item_of_a_dialogue_is_confirmed_and_not_after_signing() -> None:
    service = a_service()
    own = await service.bus.handle(create(service.person("ann")))
    with pytest.raises(FailedPrecondition, match="dialogue's action plan"):
        await service.bus.handle(confirm(service.person("ann"), own.item.id))
    planned = await service.bus.handle(create(service.person("mgr"), dialogue="d1"))
    service.store.dialogue_plans["d1"] = DialoguePlan("d1", "ann", "mgr", pb.Dialogue.STATE_SIGNED, ("ann", "mgr"), 9)
    with pytest.raises(FailedPrecondition, match="STATE_SIGNED"):
        await service.bus.handle(confirm(service.person("ann"), planned.item.id))


async def test_the_plan_is_read_by_the_person_and_their_managers_and_an_owner_sees_their_own_items() -> None:
    service = a_service()
    mine = await service.bus.handle(create(service.person("ann")))
    bobs = await service.bus.handle(create(service.person("ann"), owner="bob", title="Bob reviews the script"))
    agreed = await service.bus.handle(create(service.person("mgr"), dialogue="d1"))
    for reader in ("ann", "mgr", "boss"):
        listed = await service.bus.ask(c.ListActionItems(service.person(reader), "ann"))
        assert {p.item.id for p in listed} == {mine.item.id, bobs.item.id, agreed.item.id}
        assert next(p for p in listed if p.item.id == agreed.item.id).awaiting == ("ann",)
    listed = await service.bus.ask(c.ListActionItems(service.person("bob"), "ann"))
    assert [p.item.id for p in listed] == [bobs.item.id]
    with pytest.raises(PermissionDenied):
        await service.bus.ask(c.ListActionItems(service.person("hr"), "ann"))


async def test_a_retried_create_is_answered_as_the_first_time() -> None:
    service = a_service()
    first = await service.bus.handle(create(service.person("ann"), key="k1"))
    again = await service.bus.handle(create(service.person("ann"), key="k1"))
    assert again.item.id == first.item.id and len(service.store.action_items) == 1
