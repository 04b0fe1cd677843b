"""PAARS_KAFKA_* security settings become the right options of every Kafka client Paars builds."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import ssl
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from paars.common.v1 import event_pb2
from paars.goals.v1 import goals_pb2
from paars.org.v1 import org_pb2
from paars_cli import events as cli_events
from paars_platform import inbox as inbox_module
from paars_platform import kafka as kafka_module
from paars_platform.config import Settings
from paars_platform.events import new_metadata, to_record
from paars_platform.kafka_security import KafkaSecurity
from paars_platform.signing import SIGNATURE_HEADER, EventSigner

PRODUCTION = KafkaSecurity(protocol="SASL_SSL", username="paars-feedback", password="s3cret", ca_file="")
_ENV = ("PROTOCOL", "MECHANISM", "USERNAME", "PASSWORD", "PASSWORD_FILE", "CA_FILE")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("PAARS_KAFKA_SECURITY_PROTOCOL", "PAARS_KAFKA_SSL_CA_FILE", *(f"PAARS_KAFKA_SASL_{n}" for n in _ENV)):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_plaintext_is_the_default_for_the_embedded_broker(clean_env: pytest.MonkeyPatch) -> None:
    security = KafkaSecurity.from_env()
    assert security == KafkaSecurity()
    assert security.kafka_python() == {"security_protocol": "PLAINTEXT"}
    assert security.ssl_context() is None


def test_production_settings_give_scram_over_tls_verified_against_the_cluster_ca(clean_env: pytest.MonkeyPatch, tmp_path) -> None:
    password = tmp_path / "password"
    password.write_text("from-the-strimzi-secret\n")
    clean_env.setenv("PAARS_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    clean_env.setenv("PAARS_KAFKA_SASL_USERNAME", "paars-goals")
    clean_env.setenv("PAARS_KAFKA_SASL_PASSWORD_FILE", str(password))
    security = KafkaSecurity.from_env()
    options = security.kafka_python()
    assert {k: v for k, v in options.items() if k != "ssl_context"} == {
        "security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "paars-goals", "sasl_plain_password": "from-the-strimzi-secret",
    }
    context = options["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2


def test_the_ca_file_is_the_only_trust_anchor_it_names(clean_env: pytest.MonkeyPatch) -> None:
    certifi = pytest.importorskip("certifi")
    security = KafkaSecurity(protocol="SSL", ca_file=certifi.where())
    context = security.ssl_context()
    assert context is not None and context.cert_store_stats()["x509_ca"] > 0
    with pytest.raises(FileNotFoundError):
        KafkaSecurity(protocol="SSL", ca_file="/nonexistent/ca.crt").ssl_context()


@pytest.mark.parametrize(
    "values, message",
    [
        ({"protocol": "TLS"}, "must be one of"),
        ({"protocol": "SASL_SSL", "username": "u", "password": "p", "sasl_mechanism": "GSSAPI"}, "SASL_MECHANISM"),
        ({"protocol": "PLAINTEXT", "ca_file": "/ca.crt"}, "has no TLS"),
    ],
)
def test_inconsistent_settings_are_refused_at_start_up(values: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        KafkaSecurity(**values)


def test_a_client_without_sasl_credentials_is_refused_when_it_is_built() -> None:
    security = KafkaSecurity(protocol="SASL_SSL", username="paars-goals")
    with pytest.raises(ValueError, match="needs PAARS_KAFKA_SASL_USERNAME and PAARS_KAFKA_SASL_PASSWORD"):
        security.kafka_python()


def test_a_password_and_a_password_file_together_are_refused(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("PAARS_KAFKA_SASL_PASSWORD", "p")
    clean_env.setenv("PAARS_KAFKA_SASL_PASSWORD_FILE", "/run/p")
    with pytest.raises(ValueError, match="not both"):
        KafkaSecurity.from_env()


def test_the_password_never_shows_in_a_repr() -> None:
    assert "s3cret" not in repr(PRODUCTION)


@pytest.mark.parametrize("client", [KafkaProducer, KafkaConsumer, KafkaAdminClient])
def test_every_kafka_python_client_accepts_the_options(client: type) -> None:
    assert set(PRODUCTION.kafka_python()) <= set(client.DEFAULT_CONFIG)


@pytest.mark.parametrize("client", [AIOKafkaConsumer, AIOKafkaProducer])
def test_every_aiokafka_client_accepts_the_options(client: type) -> None:
    assert set(PRODUCTION.aiokafka()) <= set(inspect.signature(client.__init__).parameters)


class Captured:
    """Stands in for a client class and records the options it was built with."""

    def __init__(self) -> None:
        self.options: dict[str, Any] = {}
        self.topics: list[str] = []

    def __call__(self, *args: Any, **options: Any) -> Captured:
        self.options = options
        return self

    async def start(self) -> None:
        return None

    def subscribe(self, topics: list[str]) -> None:
        self.topics = list(topics)

    async def getmany(self, **_: Any) -> dict[Any, Any]:
        return {}

    async def stop(self) -> None:
        return None

    def __aiter__(self) -> Captured:
        return self

    async def __anext__(self) -> Any:
        raise StopAsyncIteration


def test_the_publisher_connects_with_the_security_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    captured = Captured()
    monkeypatch.setattr(kafka_module, "KafkaProducer", captured)
    kafka_module.Publisher("broker:9093", client_id="paars-goals", security=PRODUCTION)
    assert captured.options["security_protocol"] == "SASL_SSL"
    assert captured.options["sasl_plain_username"] == "paars-feedback"
    assert isinstance(captured.options["ssl_context"], ssl.SSLContext)


async def test_the_inbox_consumer_connects_with_the_security_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    captured = Captured()
    monkeypatch.setattr(inbox_module, "AIOKafkaConsumer", captured)
    settings = dataclasses.replace(Settings.from_env("feedback"), kafka_security=PRODUCTION)
    consumer = inbox_module.InboxConsumer(
        settings, None, None, None, group_id="paars-feedback-org", handlers={"goals.goal-updated.v1": None},  # type: ignore[arg-type]
    )
    await consumer.start()
    assert consumer._task is not None
    consumer._task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await consumer._task
    assert captured.options["security_protocol"] == "SASL_SSL"
    assert captured.options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert isinstance(captured.options["ssl_context"], ssl.SSLContext)
    assert captured.topics == ["goals.goal-updated.v1"]


def test_the_analytics_faust_app_gets_the_same_credentials() -> None:
    from paars_analytics.app import broker_credentials

    auth = credentials_to_aiokafka_auth(broker_credentials(PRODUCTION))
    assert {k: v for k, v in auth.items() if k != "ssl_context"} == {
        "security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "paars-feedback", "sasl_plain_password": "s3cret",
    }
    assert isinstance(auth["ssl_context"], ssl.SSLContext)
    assert credentials_to_aiokafka_auth(broker_credentials(KafkaSecurity())) == {"security_protocol": "PLAINTEXT"}


def test_the_publisher_signs_the_records_of_signed_topics_only(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[str, list[tuple[str, bytes]]]] = []

    class Producer(Captured):
        def send(self, topic: str, *, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> Any:
            sent.append((topic, headers))
            return self

        def flush(self, timeout: float) -> None:
            return None

        def get(self, timeout: float) -> None:
            return None

    monkeypatch.setattr(kafka_module, "KafkaProducer", Producer())
    publisher = kafka_module.Publisher("broker:9093", client_id="paars-goals", signer=EventSigner("goals", Ed25519PrivateKey.generate()))
    meta = new_metadata(producer="goals", subject_id="ann", visibility=event_pb2.VISIBILITY_INTERNAL)
    publisher.publish([
        to_record(org_pb2.EmployeeChanged(metadata=meta, employee=org_pb2.Employee(id="ann"))),
        to_record(goals_pb2.GoalUpdated(metadata=meta, goal=goals_pb2.Goal(id="g1", owner_id="ann"))),
    ])
    signed = {topic: any(k == SIGNATURE_HEADER for k, _ in headers) for topic, headers in sent}
    assert signed == {"org.employee-changed.v1": True, "goals.goal-updated.v1": False}


async def test_paars_events_tail_reads_with_the_security_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    captured = Captured()
    monkeypatch.setattr(cli_events, "AIOKafkaConsumer", captured)
    await cli_events._tail("org.employee-changed.v1", True, 0, "broker:9093", PRODUCTION.aiokafka())
    assert captured.options["security_protocol"] == "SASL_SSL"
    assert captured.options["sasl_plain_username"] == "paars-feedback" and captured.options["group_id"] is None
