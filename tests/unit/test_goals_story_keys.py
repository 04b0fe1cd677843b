"""A goal says which values and themes of the organisation story it serves (issue 16 item 5): only ones in goals'
catalogue of story.story-published.v1; the keys travel in the goal and its event."""
from __future__ import annotations

from typing import Any

import pytest

from paars_goals.service_layer import commands as c
from paars_platform.errors import InvalidArgument
from tests.unit.goals_fakes import FakeService
from tests.unit.test_goals_handlers import a_service, events, propose


async def test_a_goal_names_the_values_and_themes_it_serves_and_its_event_carries_them() -> None:
    service = await a_service()
    service.store.story_catalogue = {"value.openness", "theme.clients"}
    goal = await service.bus.handle(propose("ann", story_keys=("theme.clients", "value.openness", "theme.clients")))
    assert goal.story_keys == ("theme.clients", "value.openness")
    [event] = events(service)
    assert event.goal.story_keys == ("theme.clients", "value.openness")


async def test_a_key_the_published_story_does_not_have_is_refused_and_names_the_field() -> None:
    service = await a_service()
    service.store.story_catalogue = {"value.openness"}
    with pytest.raises(InvalidArgument) as refused:
        await service.bus.handle(propose("ann", story_keys=("value.courage",)))
    assert [v.field for v in refused.value.violations] == ["story_keys"]
    assert not events(service)


async def test_more_than_ten_keys_are_refused_before_anything_is_read() -> None:
    service = await a_service()
    with pytest.raises(InvalidArgument):
        await service.bus.handle(propose("ann", story_keys=tuple(f"value.v{i}" for i in range(11))))


def counter(service: FakeService, goal_id: str, version: int, caller: str = "mgr", **kw: Any) -> c.CounterProposeGoal:
    values: dict[str, Any] = {"title": "", "description": "", "weight": 0.0, "key_results": (), "due_date": "", **kw}
    return c.CounterProposeGoal(service.person(caller, "manager"), c.RequestKey(), goal_id=goal_id, expected_version=version, comment="Rather this", **values)


async def test_a_counter_proposal_replaces_clears_or_keeps_the_values_and_themes_and_its_event_says_so() -> None:
    service = await a_service()
    service.store.story_catalogue = {"value.openness", "theme.clients", "theme.growth"}
    goal = await service.bus.handle(propose("ann", story_keys=("value.openness",)))
    countered = await service.bus.handle(counter(service, goal.id, goal.version, story_keys=("theme.growth", "theme.clients", "theme.growth")))
    assert countered.story_keys == ("theme.growth", "theme.clients")
    event = events(service)[-1]
    assert event.goal.story_keys == ("theme.growth", "theme.clients")
    assert [(f.field, f.before, f.after) for f in event.field_changes] == [("story_keys", "value.openness", "theme.growth,theme.clients")]
    kept = await service.bus.handle(counter(service, goal.id, countered.version, caller="ann", title="Present twice"))
    assert kept.story_keys == ("theme.growth", "theme.clients"), "no story_keys given: they stay"
    assert "story_keys" not in [f.field for f in events(service)[-1].field_changes]
    cleared = await service.bus.handle(counter(service, goal.id, kept.version, story_keys=()))
    assert cleared.story_keys == () and service.store.goals[goal.id].story_keys == ()


async def test_a_counter_proposal_naming_a_key_the_story_does_not_have_is_refused_and_changes_nothing() -> None:
    service = await a_service()
    service.store.story_catalogue = {"value.openness"}
    goal = await service.bus.handle(propose("ann", story_keys=("value.openness",)))
    service.store.outbox.clear()
    with pytest.raises(InvalidArgument) as refused:
        await service.bus.handle(counter(service, goal.id, goal.version, story_keys=("value.courage",)))
    assert [v.field for v in refused.value.violations] == ["story_keys"]
    with pytest.raises(InvalidArgument):
        await service.bus.handle(counter(service, goal.id, goal.version, story_keys=tuple(f"value.v{i}" for i in range(11))))
    stored = service.store.goals[goal.id]
    assert (stored.story_keys, stored.version, stored.proposed_by) == (("value.openness",), goal.version, "ann")
    assert not events(service) and not service.store.comments
