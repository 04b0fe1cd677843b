"""A goal says which values and themes of the organisation story it serves (issue 16 item 5): only ones in goals'
catalogue of story.story-published.v1; the keys travel in the goal and its event."""
from __future__ import annotations

import pytest

from paars_platform.errors import InvalidArgument
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
