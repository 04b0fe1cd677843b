"""Settings from environment variables, with local defaults that make `make run` work as is."""
from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass, field

from paars_platform.kafka_security import KafkaSecurity
from paars_platform.signing import EventKeys

# Local ports of each service: gRPC, Prometheus metrics.
DEFAULT_PORTS: dict[str, tuple[int, int]] = {
    "goals": (50051, 9101),
    "feedback": (50052, 9102),
    "notifications": (50053, 9103),
    "analytics": (50054, 9104),
    "story": (50055, 9106),
    "conversations": (50056, 9107),
}

DEV_JWT_SECRET = "paars-local-development-secret-change-me"
# The client id development system tokens carry (`paars token --roles system`, tests, the demo).
DEV_SYSTEM_CLIENT = "paars-dev"
DEVELOPMENT = "development"
# The development key-encryption key of the person keys (crypto-shredding), derived from a published seed: accepted
# only with PAARS_ENVIRONMENT=development. `paars run` and the test stacks generate their own per stack.
DEV_KEY_ENCRYPTION_KEY = base64.b64encode(hashlib.sha256(b"paars-local-development-key-encryption-key").digest()).decode()


def env_str(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class Settings:
    """What every service process needs; service-specific settings extend it."""

    service: str
    grpc_host: str
    grpc_port: int
    metrics_port: int
    database_url: str
    kafka_bootstrap: str
    kafka_idempotence: bool
    jwt_algorithm: str
    jwt_secret: str
    jwt_public_key: str
    jwt_jwks_url: str
    jwt_issuer: str
    # Required `aud` claim; empty (development only) accepts any or none.
    jwt_audience: str
    jwt_leeway_seconds: int
    jwt_max_lifetime_seconds: int
    # Client ids (`azp` or `client_id` claim) whose tokens may carry the system role.
    system_clients: frozenset[str]
    environment: str
    log_level: str
    migrate_on_start: bool
    provision_topics: bool
    relay_poll_seconds: float
    consumer_fetch_wait_ms: int
    consumer_session_timeout_ms: int
    consumer_rebalance_timeout_ms: int
    default_deadline_seconds: float
    shutdown_grace_seconds: float
    anonymity_k: int
    kafka_security: KafkaSecurity
    event_keys: EventKeys
    # Seconds the identity provider's JWKS is trusted before it is fetched again (a retired key stops working).
    jwt_jwks_max_age_seconds: float = 300.0
    # Wraps the person keys at rest (goals only; base64 of 32 bytes). Empty outside development: goals refuses to start.
    key_encryption_key: str = field(default="", repr=False)
    # Former key-encryption keys, comma-separated (goals only): they unwrap the rows they wrapped until goals' re-wrap
    # moved them to key_encryption_key (docs/operations.md, "Rotating the key-encryption key").
    key_encryption_keys_retired: str = field(default="", repr=False)
    # Seconds between goals' re-wrap passes while rows are on a retired key-encryption key (and between counts after).
    key_rewrap_every_seconds: float = 60.0
    # PostgreSQL connections each process keeps, and how many more it may open for a burst (paars_platform.db.Database:
    # with none, a caller beyond the pool waits its turn for a kept connection instead of opening one).
    db_pool_size: int = 20
    db_max_overflow: int = 0
    # The fetch wait of a consumer that has had nothing for a second (paars_platform.inbox.FetchPace). Tansu holds
    # every fetch for its whole wait, so the 10 ms that keeps a busy consumer's hop short is 100 empty fetches a
    # second when idle: measured, the idle stack spent 0.8 of 2 cores on them, 0.47 in the broker alone.
    consumer_idle_fetch_wait_ms: int = 200
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def producer_name(self) -> str:
        return f"paars-{self.service}"

    @property
    def is_development(self) -> bool:
        return self.environment == DEVELOPMENT

    def unsafe_outside_development(self) -> list[str]:
        """Why these settings must not run outside development (empty: they may).

        The development secret is published in this repository, so anything it signs can be forged by
        anyone; the same goes for the development system client id.
        """
        if self.is_development:
            return []
        problems = []
        if self.jwt_secret == DEV_JWT_SECRET:
            problems.append("PAARS_JWT_SECRET is the published development secret")
        if self.jwt_algorithm == "HS256" and len(self.jwt_secret) < 32:
            problems.append("PAARS_JWT_SECRET must be set (at least 32 characters) for HS256")
        if not self.jwt_audience:
            problems.append("PAARS_JWT_AUDIENCE must be set")
        if self.key_encryption_key == DEV_KEY_ENCRYPTION_KEY:
            problems.append("PAARS_KEY_ENCRYPTION_KEY is the published development key")
        if DEV_SYSTEM_CLIENT in self.system_clients:
            problems.append(f"PAARS_SYSTEM_CLIENTS must not contain the development client {DEV_SYSTEM_CLIENT!r}")
        return problems

    def refuse_unsafe(self) -> None:
        """Raises when the settings are unsafe for PAARS_ENVIRONMENT (the process then does not start)."""
        problems = self.unsafe_outside_development()
        if problems:
            raise ValueError(f"refusing to start with PAARS_ENVIRONMENT={self.environment}: " + "; ".join(problems))

    @classmethod
    def from_env(cls, service: str) -> Settings:
        grpc_port, metrics_port = DEFAULT_PORTS.get(service, (0, 0))
        environment = env_str("PAARS_ENVIRONMENT", DEVELOPMENT)
        development = environment == DEVELOPMENT
        settings = cls(
            service=service,
            grpc_host=env_str("PAARS_GRPC_HOST", "127.0.0.1"),
            grpc_port=env_int("PAARS_GRPC_PORT", grpc_port),
            metrics_port=env_int("PAARS_METRICS_PORT", metrics_port),
            database_url=env_str(
                "PAARS_DATABASE_URL", f"sqlite+aiosqlite:///{env_str('PAARS_DATA_DIR', '.paars')}/{service}.db"
            ),
            kafka_bootstrap=env_str("PAARS_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
            kafka_idempotence=env_bool("PAARS_KAFKA_IDEMPOTENCE", True),
            jwt_algorithm=env_str("PAARS_JWT_ALGORITHM", "HS256"),
            # Defaulted only in development: elsewhere an HS256 deployment must bring its own.
            jwt_secret=env_str("PAARS_JWT_SECRET", DEV_JWT_SECRET if development else ""),
            jwt_public_key=env_str("PAARS_JWT_PUBLIC_KEY", ""),
            jwt_jwks_url=env_str("PAARS_JWT_JWKS_URL", ""),
            jwt_jwks_max_age_seconds=env_float("PAARS_JWT_JWKS_MAX_AGE_SECONDS", 300.0),
            jwt_issuer=env_str("PAARS_JWT_ISSUER", "paars"),
            jwt_audience=env_str("PAARS_JWT_AUDIENCE", ""),
            jwt_leeway_seconds=env_int("PAARS_JWT_LEEWAY_SECONDS", 30),
            jwt_max_lifetime_seconds=env_int("PAARS_JWT_MAX_LIFETIME_SECONDS", 86400),
            system_clients=frozenset(
                c.strip() for c in env_str("PAARS_SYSTEM_CLIENTS", DEV_SYSTEM_CLIENT if development else "").split(",") if c.strip()
            ),
            environment=environment,
            log_level=env_str("PAARS_LOG_LEVEL", "INFO"),
            migrate_on_start=env_bool("PAARS_MIGRATE_ON_START", True),
            provision_topics=env_bool("PAARS_PROVISION_TOPICS", True),
            relay_poll_seconds=env_float("PAARS_RELAY_POLL_SECONDS", 1.0),
            consumer_fetch_wait_ms=env_int("PAARS_CONSUMER_FETCH_WAIT_MS", 10),
            consumer_session_timeout_ms=env_int("PAARS_CONSUMER_SESSION_TIMEOUT_MS", 10000),
            consumer_rebalance_timeout_ms=env_int("PAARS_CONSUMER_REBALANCE_TIMEOUT_MS", 4000),
            default_deadline_seconds=env_float("PAARS_DEFAULT_DEADLINE_SECONDS", 10.0),
            shutdown_grace_seconds=env_float("PAARS_SHUTDOWN_GRACE_SECONDS", 15.0),
            anonymity_k=env_int("PAARS_ANONYMITY_K", 3),
            kafka_security=KafkaSecurity.from_env(),
            event_keys=EventKeys.from_env(service, development=development),
            key_encryption_key=env_str("PAARS_KEY_ENCRYPTION_KEY", DEV_KEY_ENCRYPTION_KEY if development else ""),
            key_encryption_keys_retired=env_str("PAARS_KEY_ENCRYPTION_KEYS_RETIRED", ""),
            key_rewrap_every_seconds=env_float("PAARS_KEY_REWRAP_EVERY_SECONDS", 60.0),
            db_pool_size=env_int("PAARS_DB_POOL_SIZE", 20),
            db_max_overflow=env_int("PAARS_DB_MAX_OVERFLOW", 0),
            consumer_idle_fetch_wait_ms=env_int("PAARS_CONSUMER_IDLE_FETCH_WAIT_MS", 200),
        )
        settings.refuse_unsafe()
        return settings
