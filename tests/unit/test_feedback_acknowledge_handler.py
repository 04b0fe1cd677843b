"""Acknowledging feedback through the message bus over fake repositories: who may, what is written (the
acknowledgement, an action item made of it) and the events, without a database or a broker."""
from __future__ import annotations

import datetime as dt

import pytest

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain.feedback import ActionItemCreated, FeedbackAcknowledged
from paars_feedback.service_layer import commands as c
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from tests.unit.feedback_fakes import NOW, FakeService
from tests.unit.test_feedback_give_handler import a_service, give


def acknowledge(service: FakeService, feedback_id: str, caller: str = "bob", *, key: str = "", **kw: object) -> c.AcknowledgeFeedback:
    values: dict[str, object] = dict(note=" Thanks! ", create_action_item=False, action_title="", action_due_date="", action_kind=0)
    values.update(kw)
    return c.AcknowledgeFeedback(service.person(caller), c.RequestKey(key, "f1" if key else ""), feedback_id=feedback_id, **values)  # type: ignore[arg-type]


async def given(service: FakeService, **kw: object) -> str:
    item = await service.bus.handle(give(service.person("ann"), **kw))
    service.store.outbox.clear()
    return item.id


async def test_the_receiver_acknowledges_with_a_note_and_the_event_follows() -> None:
    service = a_service()
    item_id = await given(service)
    service.clock.now = NOW + dt.timedelta(hours=1)
    answer = await service.bus.handle(acknowledge(service, item_id))
    stored = service.store.feedback[item_id]
    assert answer == stored and (stored.acknowledged_at, stored.acknowledgement_note, stored.action_item_id) == (service.clock.now, "Thanks!", None)
    assert service.store.outbox == [FeedbackAcknowledged(stored, service.clock.now)] and service.store.action_items == {}


async def test_an_action_item_is_made_of_the_feedback_with_its_default_kind_and_title() -> None:
    service = a_service()
    item_id = await given(service, kind=pb.FEEDBACK_KIND_SUGGESTION)
    answer = await service.bus.handle(acknowledge(service, item_id, create_action_item=True, action_due_date="2026-04-01"))
    [item] = service.store.action_items.values()
    assert answer.action_item_id == item.id
    assert (item.employee_id, item.owner_id, item.kind, item.title, item.source_feedback_id, item.due_date) == (
        "bob", "bob", pb.ACTION_KIND_DEVELOPMENT_STEP, "Aan de slag met: Clear hand-over.", item_id, dt.date(2026, 4, 1),
    )
    assert [type(e) for e in service.store.outbox] == [ActionItemCreated, FeedbackAcknowledged]


async def test_only_the_receiver_acknowledges_only_once_and_never_an_anonymous_item() -> None:
    service = a_service()
    item_id = await given(service)
    anonymous_id = await given(service, visibility=event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE)
    with pytest.raises(PermissionDenied, match="only the receiver"):
        await service.bus.handle(acknowledge(service, item_id, "ann"))
    with pytest.raises(FailedPrecondition, match="only shown in aggregate"):
        await service.bus.handle(acknowledge(service, anonymous_id))
    with pytest.raises(NotFound):
        await service.bus.handle(acknowledge(service, "nope"))
    await service.bus.handle(acknowledge(service, item_id))
    with pytest.raises(FailedPrecondition, match="already acknowledged"):
        await service.bus.handle(acknowledge(service, item_id))
    assert len(service.store.outbox) == 1


async def test_a_retried_acknowledgement_is_answered_again_though_the_item_is_acknowledged_by_now() -> None:
    service = a_service()
    item_id = await given(service)
    first = await service.bus.handle(acknowledge(service, item_id, key="k1"))
    assert await service.bus.handle(acknowledge(service, item_id, key="k1")) == first
    assert len(service.store.outbox) == 1


async def test_an_action_item_needs_a_due_date_and_a_known_kind() -> None:
    service = a_service()
    with pytest.raises(InvalidArgument) as caught:
        await service.bus.handle(acknowledge(service, "x" * 3, create_action_item=True, action_kind=99, note="n" * 2001))
    assert {v.field for v in caught.value.violations} == {"action_due_date", "action_kind", "note"}
