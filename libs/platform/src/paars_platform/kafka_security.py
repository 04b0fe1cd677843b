"""How every Kafka client reaches the broker: security protocol, SASL credentials and the CA (PAARS_KAFKA_*)."""
from __future__ import annotations

import os
import ssl
from dataclasses import dataclass, field
from typing import Any

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")


def _env(name: str, default: str = "") -> str:
    # Not config.env_str: config imports this module.
    value = os.environ.get(name)
    return default if value is None or value == "" else value


@dataclass(frozen=True)
class KafkaSecurity:
    """One description of the broker connection, turned into the options of each client library.

    PLAINTEXT is the default for the embedded development broker; production uses SASL_SSL with
    SCRAM-SHA-512 (a Strimzi KafkaUser per service) and the cluster CA.
    """

    protocol: str = "PLAINTEXT"
    sasl_mechanism: str = "SCRAM-SHA-512"
    username: str = ""
    password: str = field(default="", repr=False)
    # Empty: the system's trust store (a broker certificate from a public CA).
    ca_file: str = ""

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"PAARS_KAFKA_SECURITY_PROTOCOL must be one of {', '.join(PROTOCOLS)}, got {self.protocol!r}")
        if self.sasl and self.sasl_mechanism not in MECHANISMS:
            raise ValueError(f"PAARS_KAFKA_SASL_MECHANISM must be one of {', '.join(MECHANISMS)}, got {self.sasl_mechanism!r}")
        if self.ca_file and not self.tls:
            raise ValueError(f"PAARS_KAFKA_SSL_CA_FILE is set but PAARS_KAFKA_SECURITY_PROTOCOL={self.protocol} has no TLS")

    def validate(self) -> None:
        """Raises when a client could not authenticate. Checked when a client is built, not when settings are
        read: a process that never talks to Kafka (the migrate init container) needs no broker credentials."""
        if self.sasl and (not self.username or not self.password):
            raise ValueError(f"{self.protocol} needs PAARS_KAFKA_SASL_USERNAME and PAARS_KAFKA_SASL_PASSWORD (or _FILE)")

    @property
    def sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    @property
    def tls(self) -> bool:
        return self.protocol.endswith("SSL")

    @classmethod
    def from_env(cls) -> KafkaSecurity:
        password = _env("PAARS_KAFKA_SASL_PASSWORD")
        password_file = _env("PAARS_KAFKA_SASL_PASSWORD_FILE")
        if password and password_file:
            raise ValueError("set PAARS_KAFKA_SASL_PASSWORD or PAARS_KAFKA_SASL_PASSWORD_FILE, not both")
        if password_file:
            with open(password_file, encoding="utf-8") as f:
                password = f.read().strip()
        return cls(
            protocol=_env("PAARS_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").upper(),
            sasl_mechanism=_env("PAARS_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512").upper(),
            username=_env("PAARS_KAFKA_SASL_USERNAME"),
            password=password,
            ca_file=_env("PAARS_KAFKA_SSL_CA_FILE"),
        )

    def ssl_context(self) -> ssl.SSLContext | None:
        """Verifies the broker's certificate and host name against the CA; None without TLS."""
        if not self.tls:
            return None
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=self.ca_file or None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def kafka_python(self) -> dict[str, Any]:
        """Options for kafka-python's KafkaProducer, KafkaConsumer and KafkaAdminClient."""
        self.validate()
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.tls:
            options["ssl_context"] = self.ssl_context()
        if self.sasl:
            options.update(sasl_mechanism=self.sasl_mechanism, sasl_plain_username=self.username, sasl_plain_password=self.password)
        return options

    def aiokafka(self) -> dict[str, Any]:
        """Options for aiokafka's AIOKafkaConsumer and AIOKafkaProducer (the same names, by design of both)."""
        return self.kafka_python()
