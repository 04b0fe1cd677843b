"""The event registry drives every consumer: a handled event the registry lacks, or the reverse, fails here."""
from __future__ import annotations

import pytest

from paars.analytics.v1 import analytics_pb2 as an
from paars.feedback.v1 import feedback_pb2 as fb
from paars.org.v1 import org_pb2
from paars_analytics import app as analytics_app
from paars_analytics import translate
from paars_feedback import bootstrap as feedback_bootstrap
from paars_notifications.config import NotificationsConfig
from paars_notifications.domain import involvement
from paars_notifications.service_layer.prompting import CONSUMED_TOPICS, PromptService
from paars_platform import registry
from paars_platform.config import Settings
from paars_platform.topics import CONSUMER_GROUPS, TOPICS


def test_every_event_topic_is_one_registered_event_whose_class_carries_its_type_name() -> None:
    assert len(registry.EVENTS) == sum(1 for t in TOPICS if t.message_type)
    for event in registry.EVENTS:
        assert event.message.DESCRIPTOR.full_name == event.name == event.topic.message_type
        assert registry.BY_MESSAGE[event.message] is event
        assert registry.topic_of(event.message) == event.topic.name


def test_every_consumer_of_an_event_has_a_consumer_group_and_never_consumes_its_own_events() -> None:
    for event in registry.EVENTS:
        assert event.producer in CONSUMER_GROUPS, event.name
        for service in event.consumers:
            assert CONSUMER_GROUPS[service], (event.name, service)
            assert service != event.producer, event.name
        assert len(event.consumer_groups()) == len(event.consumers)


def test_the_feedback_directory_consumer_subscribes_to_what_the_registry_routes_to_feedback() -> None:
    runtime = feedback_bootstrap.build(Settings.from_env("feedback"))
    (spec,) = runtime.consumers
    # The directory, and (issue 16) the organisation story's value catalogue that feedback may name.
    assert set(spec.handlers) == set(registry.topics_consumed_by("feedback")) == {"org.employee-changed.v1", "org.team-changed.v1", "story.story-published.v1"}


def test_the_notifications_consumer_subscribes_to_what_the_registry_routes_to_notifications() -> None:
    handlers = PromptService(NotificationsConfig(), fanout=None).handlers()  # type: ignore[arg-type]
    assert tuple(handlers) == CONSUMED_TOPICS == registry.topics_consumed_by("notifications")
    assert set(involvement.NAMED) == {e.message for e in registry.consumed_by("notifications")}


def test_analytics_translates_and_subscribes_to_what_the_registry_routes_to_analytics() -> None:
    subscribed = {
        *analytics_app.GOAL_TOPICS, *analytics_app.ORG_TOPICS, *analytics_app.FEEDBACK_TOPICS, *analytics_app.NOTIFICATION_TOPICS,
        *analytics_app.STORY_TOPICS, *analytics_app.CONVERSATION_TOPICS,
    }
    assert subscribed == set(registry.topics_consumed_by("analytics"))
    handled = {*translate.PERSON_UPDATES, *translate.DIRECTORY_RECORDS, *translate.STORY_RECORDS}
    assert handled == {e.message for e in registry.consumed_by("analytics")}
    assert set(translate.TRANSLATORS) == {registry.topic_of(m) for m in translate.PERSON_UPDATES}


def test_a_handler_for_an_event_the_registry_does_not_route_to_the_consumer_fails() -> None:
    handlers = {org_pb2.EmployeeChanged: "project", org_pb2.TeamChanged: "project", an.InsightDetected: "prompt"}
    with pytest.raises(registry.RegistryMismatch, match=r"handles paars\.analytics\.v1\.InsightDetected"):
        registry.subscribe("feedback", handlers)


def test_an_event_the_registry_routes_to_a_consumer_without_a_handler_fails() -> None:
    with pytest.raises(registry.RegistryMismatch, match=r"no handler for paars\.org\.v1\.TeamChanged"):
        registry.subscribe("feedback", {org_pb2.EmployeeChanged: "project"})


def test_a_message_that_is_not_an_event_has_no_topic() -> None:
    with pytest.raises(registry.RegistryMismatch, match="not a registered event"):
        registry.topic_of(fb.GiveFeedbackRequest)


def test_subscribing_with_the_registry_s_own_list_gives_one_handler_per_topic_in_registry_order() -> None:
    handlers = {e.message: e.name for e in registry.consumed_by("analytics")}
    table = registry.subscribe("analytics", handlers)
    assert list(table) == list(registry.topics_consumed_by("analytics"))
    assert all(registry.BY_TOPIC[topic].name == name for topic, name in table.items())
