"""The event registry: every Paars event's type name, protobuf class, topic, producer and consumers, and the one
way a consumer subscribes, so that a handler and the registry cannot drift apart.

An event is one entry in ``paars_platform.topics.TOPICS`` (its topic, ``message_type``, ``owner`` and
``consumers``); this module resolves the message class from the generated contracts and checks, when a
consumer subscribes, that it handles exactly the events the registry routes to it. How to add an event:
docs/events.md.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from google.protobuf.message import Message

from paars_platform.events import message_class
from paars_platform.topics import CONSUMER_GROUPS, TOPICS, Topic

H = TypeVar("H")


@dataclass(frozen=True)
class EventType:
    """One event: the full protobuf name (CloudEvents ce_type), its class, and the topic that carries it."""

    name: str
    message: type[Message]
    topic: Topic

    @property
    def producer(self) -> str:
        return self.topic.owner

    @property
    def consumers(self) -> tuple[str, ...]:
        return self.topic.consumers

    @property
    def domain(self) -> str:
        """The topic's first part (``feedback`` in ``feedback.feedback-given.v1``)."""
        return self.topic.name.split(".", 1)[0]

    def consumer_groups(self) -> tuple[str, ...]:
        """The Kafka consumer groups that read the event (the production ACLs allow each only its own)."""
        return tuple(group for service in self.consumers for group in CONSUMER_GROUPS[service])


class RegistryMismatch(Exception):
    """A consumer's handlers and the registry disagree: an event handled but not routed to it, or the reverse."""


EVENTS: tuple[EventType, ...] = tuple(
    EventType(t.message_type, message_class(t.message_type), t) for t in TOPICS if t.message_type
)
BY_NAME: dict[str, EventType] = {e.name: e for e in EVENTS}
BY_MESSAGE: dict[type[Message], EventType] = {e.message: e for e in EVENTS}
BY_TOPIC: dict[str, EventType] = {e.topic.name: e for e in EVENTS}


def event_type(message: type[Message]) -> EventType:
    """The registry entry of a message class; a message that is not an event fails loudly."""
    try:
        return BY_MESSAGE[message]
    except KeyError:
        raise RegistryMismatch(f"{message.DESCRIPTOR.full_name} is not a registered event: add its topic to TOPICS") from None


def topic_of(message: type[Message]) -> str:
    return event_type(message).topic.name


def consumed_by(service: str, *, domain: str | None = None) -> tuple[EventType, ...]:
    """The events the registry routes to a service (optionally only one domain's), in TOPICS order."""
    return tuple(e for e in EVENTS if service in e.consumers and (domain is None or e.domain == domain))


def topics_consumed_by(service: str, *, domain: str | None = None) -> tuple[str, ...]:
    return tuple(e.topic.name for e in consumed_by(service, domain=domain))


def check_consumer(service: str, handled: Iterable[type[Message]]) -> None:
    """Raises RegistryMismatch unless the service handles exactly the events the registry routes to it."""
    mine = {e.message for e in consumed_by(service)}
    given = set(handled)
    problems = [f"handles {m.DESCRIPTOR.full_name}, which the registry does not route to {service}" for m in given - mine]
    problems += [f"has no handler for {m.DESCRIPTOR.full_name}, which the registry routes to it" for m in mine - given]
    if problems:
        raise RegistryMismatch(f"{service}: " + "; ".join(sorted(problems)))


def by_topic(handlers: Mapping[type[Message], H]) -> dict[str, H]:
    """The same handlers keyed by the topic of their event (what a Kafka consumer dispatches on)."""
    return {topic_of(message): handler for message, handler in handlers.items()}


def subscribe(service: str, handlers: Mapping[type[Message], H]) -> dict[str, H]:
    """A consumer's dispatch table, topic -> handler, checked against the registry (see check_consumer)."""
    check_consumer(service, handlers)
    return by_topic(handlers)
