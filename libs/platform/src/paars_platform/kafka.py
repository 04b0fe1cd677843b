"""Kafka plumbing: the producer behind the outbox relay and dead letters, and idempotent topic provisioning."""
from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Sequence

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.errors import IncompatibleBrokerVersion, TopicAlreadyExistsError

from paars_platform.events import Headers, Record
from paars_platform.kafka_security import KafkaSecurity
from paars_platform.signing import EventSigner, signed_owner
from paars_platform.topics import TOPICS, Topic

log = logging.getLogger("paars.kafka")


class Publisher:
    """A synchronous producer (kafka-python) with acks=all; call publish() from a worker thread.

    With idempotence on (Apache Kafka), retries cannot reorder or duplicate within a session.
    With it off (brokers without InitProducerId support, such as the embedded one), at most one
    request is in flight per connection, so retries keep per-partition order; consumers are
    idempotent on event id either way.

    With a signer, publish() signs the records of signed topics, the only ones consumers verify: the
    others (goals' progress events, feedback) stay off the signature's cost. Dead letters sent with
    send_raw() keep the original record's headers, signature included.
    """

    def __init__(
        self, bootstrap: str, *, client_id: str, idempotence: bool = True, linger_ms: int = 0,
        security: KafkaSecurity | None = None, signer: EventSigner | None = None,
    ) -> None:
        self.signer = signer
        self._config = dict(
            **(security or KafkaSecurity()).kafka_python(),
            bootstrap_servers=bootstrap,
            client_id=client_id,
            acks="all",
            enable_idempotence=idempotence,
            max_in_flight_requests_per_connection=5 if idempotence else 1,
            retries=2**31 - 1 if idempotence else 10,
            linger_ms=linger_ms,
            # Short enough that a send stuck on a cut connection fails (and the relay retries on a
            # fresh producer) within seconds; a failed send is repeated, never lost.
            request_timeout_ms=5000,
            delivery_timeout_ms=10000,
            max_block_ms=15000,
            # Payloads are compact protobuf; a cap protects the broker from runaway messages.
            max_request_size=1024 * 1024,
        )
        self._lock = threading.Lock()
        self._producer: KafkaProducer | None = KafkaProducer(**self._config)

    @property
    def producer(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(**self._config)
            return self._producer

    def _discard(self, failed: KafkaProducer) -> None:
        """Drops a producer after a failed send; the next call builds a fresh one.

        kafka-python 2.3 can leave a partition muted for good after a batch fails on a broken
        connection (every later send to it expires), so a producer that failed once is not reused.
        """
        with self._lock:
            if self._producer is failed:
                self._producer = None
        sender = getattr(failed, "_sender", None)
        if sender is not None:
            sender.force_close()
            sender.join(5)
        try:
            failed.close(timeout=0)
        except Exception:  # it is being thrown away
            log.debug("closing a failed producer failed", exc_info=True)
            # A batch that was in flight when the link broke is never completed, so close() (and
            # __del__, at garbage collection) would wait on it; its sender thread has already stopped.
            with contextlib.suppress(Exception):
                failed._sender._client.close()
            failed._closed = True

    def publish(self, records: Sequence[Record], timeout: float = 30.0) -> None:
        """Sends all records and waits for every acknowledgement; raises on the first failure."""
        if self.signer is not None:
            records = [self.signer.sign(r) if signed_owner(r.topic) else r for r in records]
        producer = self.producer
        try:
            futures = [producer.send(r.topic, key=r.key, value=r.value, headers=list(r.headers)) for r in records]
            producer.flush(timeout=timeout)
            for future in futures:
                future.get(timeout=timeout)
        except Exception:
            self._discard(producer)
            raise

    def send_raw(self, topic: str, key: bytes | None, value: bytes | None, headers: Headers, timeout: float = 30.0) -> None:
        producer = self.producer
        try:
            producer.send(topic, key=key, value=value, headers=list(headers)).get(timeout=timeout)
        except Exception:
            self._discard(producer)
            raise

    def close(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(timeout=5)


def provision_topics(
    bootstrap: str,
    topics: Sequence[Topic] = TOPICS,
    *,
    replication_factor: int = 1,
    min_insync_replicas: int | None = None,
    timeout_s: float = 30.0,
    security: KafkaSecurity | None = None,
) -> dict[str, str]:
    """Creates missing topics, adds missing partitions and aligns configs; running it twice changes nothing.

    Returns what happened per topic: created, partitions-added, config-updated or unchanged.
    """
    auth = (security or KafkaSecurity()).kafka_python()
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="paars-provisioner", request_timeout_ms=10000, **auth)
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    outcome: dict[str, str] = {}
    try:
        for t in topics:
            config = t.config(min_insync_replicas=min_insync_replicas)
            try:
                admin.create_topics(
                    [NewTopic(t.name, t.partitions, replication_factor, topic_configs=config)], timeout_ms=10000
                )
                outcome[t.name] = "created"
                continue
            except TopicAlreadyExistsError:
                outcome[t.name] = "unchanged"
            existing_partitions = _partition_count(bootstrap, t.name, auth)
            if existing_partitions and existing_partitions < t.partitions:
                try:
                    admin.create_partitions({t.name: NewPartitions(total_count=t.partitions)})
                    outcome[t.name] = "partitions-added"
                except IncompatibleBrokerVersion:
                    # The embedded broker cannot grow topics; say so rather than fail start-up.
                    log.warning("broker cannot add partitions", extra={"topic": t.name, "have": existing_partitions, "want": t.partitions})
                    outcome[t.name] = "partitions-not-supported"
            current = _topic_config(admin, t.name)
            if any(current.get(k) != v for k, v in config.items()):
                try:
                    admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, t.name, configs=config)])
                    outcome[t.name] = "config-updated" if outcome[t.name] == "unchanged" else outcome[t.name]
                except IncompatibleBrokerVersion:
                    log.warning("broker cannot alter topic configs", extra={"topic": t.name})
                    outcome[t.name] = "config-not-supported"
    finally:
        admin.close()
    return outcome


def _partition_count(bootstrap: str, topic: str, auth: dict[str, object]) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="paars-provisioner", **auth)
    try:
        parts = consumer.partitions_for_topic(topic)
        return len(parts or ())
    finally:
        consumer.close()


def _topic_config(admin: KafkaAdminClient, topic: str) -> dict[str, str]:
    responses = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    config: dict[str, str] = {}
    for response in responses:
        for resource in response.resources:
            entries = resource[4]
            for entry in entries:
                config[entry[0]] = entry[1]
    return config
