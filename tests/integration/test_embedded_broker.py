"""The embedded broker (Tansu) started on a port that is taken by the time it binds: it exits at once, and the broker
starts again on another port of its own choosing, instead of waiting out the timeout and failing the fixture."""
from __future__ import annotations

import socket

import pytest
from kafka import KafkaConsumer

from paars_platform import embedded_broker
from paars_platform.embedded_broker import BrokerExited, EmbeddedBroker, free_port


def _taken() -> socket.socket:
    """A port bound by this process and not listening: nothing accepts on it, and nobody else can bind it."""
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    return held


def test_a_broker_whose_port_was_taken_starts_again_on_another_one(monkeypatch: pytest.MonkeyPatch) -> None:
    held = _taken()
    ports = [held.getsockname()[1], free_port()]
    monkeypatch.setattr(embedded_broker, "free_port", lambda: ports.pop(0))
    try:
        with EmbeddedBroker() as broker:
            assert broker.port != held.getsockname()[1] and not ports, "the second port was used"
            # A Kafka client gets its metadata from it: the broker that runs is the one started.
            consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, api_version_auto_timeout_ms=20_000)
            try:
                assert isinstance(consumer.topics(), set)
            finally:
                consumer.close()
    finally:
        held.close()


def test_a_port_the_caller_chose_is_not_changed_when_taken() -> None:
    held = _taken()
    try:
        with pytest.raises(BrokerExited):
            EmbeddedBroker(port=held.getsockname()[1]).start()
    finally:
        held.close()
