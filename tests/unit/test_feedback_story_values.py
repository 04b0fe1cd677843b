"""Feedback and praise that name a value of the organisation story (issue 16 item 5): the value must be one of the
published catalogue that feedback projects from story.story-published.v1, and FeedbackGiven carries it."""
from __future__ import annotations

import pytest

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.adapters.protobuf import feedback_to_proto, given_event
from paars_feedback.domain.feedback import FeedbackGiven
from paars_feedback.domain.privacy import FeedbackView
from paars_feedback.service_layer import commands as c
from paars_platform.errors import InvalidArgument
from tests.unit.feedback_fakes import FakeService, Person
from tests.unit.test_feedback_give_handler import give


def a_service() -> FakeService:
    service = FakeService()
    service.store.people.update({"ann": Person(), "bob": Person()})
    service.store.values.update({"value.openness", "value.craft"})
    return service


async def test_praise_names_a_published_value_and_its_event_carries_it() -> None:
    service = a_service()
    given = await service.bus.handle(give(service.person("ann"), value_key="value.openness"))
    assert given.value_key == "value.openness" and service.store.feedback[given.id].value_key == "value.openness"
    [event] = service.store.outbox
    assert isinstance(event, FeedbackGiven) and given_event(event.feedback, event.at).value_key == "value.openness"
    assert feedback_to_proto(given, FeedbackView("author", True, True, True, True)).value_key == "value.openness"


async def test_a_value_the_published_story_does_not_have_is_refused_naming_the_field() -> None:
    service = a_service()
    with pytest.raises(InvalidArgument) as caught:
        await service.bus.handle(give(service.person("ann"), value_key="value.speed"))
    assert {v.field for v in caught.value.violations} == {"value_key"}
    assert service.store.feedback == {} and service.store.outbox == []


async def test_a_value_key_longer_than_any_key_is_refused_before_anything_is_read() -> None:
    service = a_service()
    with pytest.raises(InvalidArgument) as caught:
        await service.bus.handle(give(service.person("ann"), value_key="value." + "x" * c.MAX_VALUE_KEY))
    assert {v.field for v in caught.value.violations} == {"value_key"}


async def test_feedback_without_a_value_names_none() -> None:
    service = a_service()
    given = await service.bus.handle(give(service.person("ann"), kind=pb.FEEDBACK_KIND_PRAISE))
    assert given.value_key == "" and given_event(given, given.given_at).value_key == ""
