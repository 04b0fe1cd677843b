"""Domain <-> protobuf for the NotificationService's answers (prompts, preferences, webhooks, dead letters)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.domain import payloads, policy
from paars_notifications.domain.preferences import StoredPreferences
from paars_notifications.domain.subscriptions import DeadLetter, Webhook
from paars_platform.events import timestamp
from paars_platform.links import moment_param


def fields(row: Any) -> Mapping[str, Any]:
    """A prompt row by column name, whether it is the dict about to be inserted or a row read back."""
    return row if isinstance(row, Mapping) else row._mapping


def prompt_view(row: Any) -> payloads.PromptView:
    r = fields(row)
    return payloads.PromptView(
        id=r["id"], recipient_id=r["recipient_id"], kind=r["kind"], priority=r["priority"], title=r["title"], body=r["body"],
        about_id=r["about_id"], cause_event_id=r["cause_event_id"], cause_type=r["cause_type"], cause_topic=r["cause_topic"],
        visibility=r["visibility"], created_at=r["created_at"].isoformat().replace("+00:00", "Z"), digest=bool(r["digest"]),
        ref_id=r["ref_id"], insight_kind=r.get("insight_kind") or 0, goal_id=r.get("goal_id") or "",
        moment_at=moment_param(r["cause_occurred_at"]),
    )


def prompt_proto(row: Any, *, cursor: int | None = None, read: bool | None = None, acted: bool | None = None) -> pb.Prompt:
    r = fields(row)
    return pb.Prompt(
        id=r["id"], recipient_id=r["recipient_id"], kind=r["kind"], priority=r["priority"], title=r["title"], body=r["body"],
        about_id=r["about_id"], ref_id=r["ref_id"], cause_event_id=r["cause_event_id"], cause_type=r["cause_type"],
        cause_occurred_at=timestamp(r["cause_occurred_at"]), created_at=timestamp(r["created_at"]),
        cursor=cursor if cursor is not None else (r["cursor"] or 0),
        read=bool(r["read"]) if read is None else read, digest=bool(r["digest"]),
        acted=bool(r["acted"]) if acted is None else acted, insight_kind=r.get("insight_kind") or 0, goal_id=r.get("goal_id") or "",
    )


def preferences_from_proto(p: pb.Preferences) -> StoredPreferences:
    return StoredPreferences(
        channels=tuple(p.channels), quiet_start=p.quiet_start, quiet_end=p.quiet_end, time_zone=p.time_zone,
        daily_digest=p.daily_digest, weekly_budget=p.weekly_budget, email=p.email, language=p.language,
    )


def preferences_to_proto(employee_id: str, prefs: policy.DeliveryPreferences) -> pb.Preferences:
    return pb.Preferences(
        employee_id=employee_id, channels=list(prefs.channels), quiet_start=prefs.quiet_start, quiet_end=prefs.quiet_end,  # type: ignore[arg-type]
        time_zone=prefs.time_zone, daily_digest=prefs.daily_digest, weekly_budget=prefs.weekly_budget, email=prefs.email,
        language=prefs.language,
    )


def webhook_to_proto(w: Webhook, *, with_secret: bool) -> pb.WebhookSubscription:
    return pb.WebhookSubscription(
        id=w.id, url=w.url, event_filter=list(w.event_filter), format=w.format,  # type: ignore[arg-type]
        secret=w.secret if with_secret else "", active=w.active, owner_id=w.owner_id, organisation_wide=w.organisation_wide,
    )


def dead_letter_to_proto(d: DeadLetter) -> pb.DeadLetter:
    return pb.DeadLetter(
        id=str(d.id), channel=d.channel, target=d.target, event_type=d.event_type, attempts=d.attempts,  # type: ignore[arg-type]
        last_error=d.last_error, failed_at=timestamp(d.failed_at) if d.failed_at else None, subscription_id=d.subscription_id,
    )
