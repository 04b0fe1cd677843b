"""The outbox's producer recovers after the network path to the broker was cut (kafka-python 2.3 alone does not)."""
from __future__ import annotations

import pathlib
import threading
import time

import pytest
from kafka.errors import KafkaError

from paars_platform.embedded_broker import EmbeddedBroker, free_port
from paars_platform.events import Record
from paars_platform.kafka import Publisher, provision_topics
from tests.chaos.proxy import TcpProxy
from tests.helpers import read_topic

pytestmark = pytest.mark.e2e
TOPIC = "goals.goal-updated.v1"


def test_a_publisher_sends_again_after_a_cut_that_failed_a_batch(tmp_path: pathlib.Path) -> None:
    proxy_port = free_port()
    with EmbeddedBroker(log_path=str(tmp_path / "broker.log"), advertised_port=proxy_port) as broker:
        proxy = TcpProxy(broker.host, broker.port, listen_port=proxy_port).start()
        try:
            provision_topics(proxy.address)
            publisher = Publisher(proxy.address, client_id="recovery-test", idempotence=False)
            publisher.publish([Record(TOPIC, b"ann", b"before", [], "e0")])
            proxy.cut()
            failed: list[Exception] = []

            def during_cut() -> None:
                try:
                    publisher.publish([Record(TOPIC, b"ann", b"during", [], "e1")], timeout=3)
                except KafkaError as exc:
                    failed.append(exc)

            sender = threading.Thread(target=during_cut)
            sender.start()
            # Long enough for the producer to exhaust its retries on the broken connection.
            time.sleep(2.5)
            proxy.restore()
            sender.join()
            publisher.publish([Record(TOPIC, b"ann", b"after", [], "e2")], timeout=10)
            publisher.close()
            values = [r.value for r in read_topic(proxy.address, TOPIC, until=lambda rs: any(r.value == b"after" for r in rs), timeout=20)]
        finally:
            proxy.stop()
    assert failed, "the send during the cut should have failed (and be retried by the relay)"
    assert b"after" in values and b"before" in values
