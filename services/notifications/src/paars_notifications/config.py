"""Notifications settings from PAARS_NOTIFICATIONS_* / PAARS_SMTP_* variables, with local defaults."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from paars_notifications.domain.policy import DEFAULT_DIGEST_AT, parse_hhmm
from paars_platform.config import env_bool, env_float, env_int, env_str


def env_list(name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in env_str(name, "").split(",") if part.strip())


@dataclass(frozen=True)
class NotificationsConfig:
    # How often held prompts (quiet hours, digests) and due-date reminders are looked at.
    scheduler_seconds: float = 5.0
    digest_at: dt.time = DEFAULT_DIGEST_AT
    # A prompt that prepares for a moment (add to a 1:1's agenda, bring a case to a circle) goes out this many days
    # before it, at the digest hour in the person's time zone; at once when the moment is sooner.
    lead_days: int = 2
    # An event naming someone the directory does not know yet waits at most this long for their record (then it is
    # applied with what the directory knows).
    directory_wait_seconds: float = 300.0
    # A live stream also re-reads the database this often, for prompts released by another replica.
    stream_poll_seconds: float = 2.0
    webhook_timeout_seconds: float = 5.0
    delivery_max_attempts: int = 8
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 600.0
    breaker_threshold: int = 5
    breaker_reset_seconds: float = 30.0
    delivery_concurrency: int = 8
    # Operator exceptions to the webhook target rules: host names (exact) and networks (CIDR) that may be
    # called though they are not public, e.g. an in-cluster chat bridge. Empty: public addresses only.
    webhook_allow_hosts: tuple[str, ...] = ()
    # Live Subscribe streams one person may hold open on one replica; a newer one closes the oldest.
    max_streams_per_person: int = 5
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "Paars <paars@localhost>"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    # The web app's public address: e-mails and webhooks link to the page where the person acts.
    web_base_url: str = ""

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)

    @classmethod
    def from_env(cls) -> NotificationsConfig:
        return cls(
            scheduler_seconds=env_float("PAARS_NOTIFICATIONS_SCHEDULER_SECONDS", 5.0),
            digest_at=parse_hhmm(env_str("PAARS_NOTIFICATIONS_DIGEST_AT", "09:00")) or DEFAULT_DIGEST_AT,
            lead_days=max(0, env_int("PAARS_NOTIFICATIONS_LEAD_DAYS", 2)),
            directory_wait_seconds=max(0.0, env_float("PAARS_NOTIFICATIONS_DIRECTORY_WAIT_SECONDS", 300.0)),
            stream_poll_seconds=env_float("PAARS_NOTIFICATIONS_STREAM_POLL_SECONDS", 2.0),
            webhook_timeout_seconds=env_float("PAARS_NOTIFICATIONS_WEBHOOK_TIMEOUT_SECONDS", 5.0),
            delivery_max_attempts=env_int("PAARS_NOTIFICATIONS_DELIVERY_MAX_ATTEMPTS", 8),
            backoff_base_seconds=env_float("PAARS_NOTIFICATIONS_BACKOFF_BASE_SECONDS", 1.0),
            backoff_cap_seconds=env_float("PAARS_NOTIFICATIONS_BACKOFF_CAP_SECONDS", 600.0),
            breaker_threshold=env_int("PAARS_NOTIFICATIONS_BREAKER_THRESHOLD", 5),
            breaker_reset_seconds=env_float("PAARS_NOTIFICATIONS_BREAKER_RESET_SECONDS", 30.0),
            delivery_concurrency=env_int("PAARS_NOTIFICATIONS_DELIVERY_CONCURRENCY", 8),
            webhook_allow_hosts=env_list("PAARS_WEBHOOK_ALLOW_HOSTS"),
            max_streams_per_person=env_int("PAARS_NOTIFICATIONS_MAX_STREAMS_PER_PERSON", 5),
            smtp_host=env_str("PAARS_SMTP_HOST", ""),
            smtp_port=env_int("PAARS_SMTP_PORT", 25),
            smtp_from=env_str("PAARS_SMTP_FROM", "Paars <paars@localhost>"),
            smtp_user=env_str("PAARS_SMTP_USER", ""),
            smtp_password=env_str("PAARS_SMTP_PASSWORD", ""),
            smtp_starttls=env_bool("PAARS_SMTP_STARTTLS", False),
            web_base_url=env_str("PAARS_WEB_BASE_URL", ""),
        )
