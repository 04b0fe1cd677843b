"""The notifications database schema (SQLAlchemy Core); migrations/ creates and evolves it."""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from paars_platform.db import BigId, UtcDateTime, platform_tables
from paars_platform.personal_data import privileged_actions_table

metadata = sa.MetaData()
platform = platform_tables(metadata)

# Org projection, rebuilt from org.employee-changed.v1 (event-carried state transfer).
people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("manager_id", sa.String(64), nullable=True),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("hr", sa.Boolean, nullable=False),
    # Role names (employee, manager, hr, coach, admin, leader): what a caller may do here.
    sa.Column("roles", sa.JSON, nullable=False, server_default="[]"),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)

preferences = sa.Table(
    "preferences",
    metadata,
    sa.Column("employee_id", sa.String(64), primary_key=True),
    sa.Column("channels", sa.JSON, nullable=False),
    sa.Column("quiet_start", sa.String(5), nullable=False),
    sa.Column("quiet_end", sa.String(5), nullable=False),
    # Empty: the time zone from the org projection.
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("daily_digest", sa.Boolean, nullable=False),
    sa.Column("weekly_budget", sa.Integer, nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # "nl" / "en"; empty: the organisation's default (PAARS_DEFAULT_LANGUAGE).
    sa.Column("language", sa.String(8), nullable=False, server_default=""),
)

# The last in-app cursor handed out per recipient: cursors are assigned when a prompt is released,
# so a prompt held for quiet hours or the digest never lands behind one a client already saw.
recipient_cursors = sa.Table(
    "recipient_cursors",
    metadata,
    sa.Column("recipient_id", sa.String(64), primary_key=True),
    sa.Column("last_cursor", sa.BigInteger, nullable=False),
)

prompts = sa.Table(
    "prompts",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("recipient_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.Integer, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("about_id", sa.String(64), nullable=False),
    sa.Column("ref_id", sa.String(64), nullable=False),
    sa.Column("cause_event_id", sa.String(80), nullable=False),
    sa.Column("cause_type", sa.String(200), nullable=False),
    sa.Column("cause_topic", sa.String(200), nullable=False),
    sa.Column("cause_occurred_at", UtcDateTime, nullable=False),
    sa.Column("visibility", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # held (quiet hours or digest), released (cursor assigned, delivered), dropped (acted on before release), withdrawn
    # (its moment taken by a prompt of a higher priority before release; its moment_id is cleared, see PromptService).
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("release_at", UtcDateTime, nullable=False),
    sa.Column("released_at", UtcDateTime, nullable=True),
    sa.Column("cursor", sa.BigInteger, nullable=True),
    sa.Column("digest", sa.Boolean, nullable=False),
    # Counted against the weekly fatigue budget.
    sa.Column("budgeted", sa.Boolean, nullable=False),
    sa.Column("read", sa.Boolean, nullable=False),
    sa.Column("acted", sa.Boolean, nullable=False),
    sa.Column("acted_at", UtcDateTime, nullable=True),
    sa.Column("action_event_id", sa.String(80), nullable=True),
    # The moment the prompt is about (a goal milestone's or a finished action item's event), when it is
    # about one: a person gets one prompt per moment, whichever rule (goals, analytics) gets there first, unless that one
    # is still held back and the later one has a higher priority (policy.takes_moment: the held one is withdrawn).
    sa.Column("moment_id", sa.String(80), nullable=True),
    # An INSIGHT prompt's insight kind (paars.analytics.v1.InsightKind; 0 for every other prompt), and the goal of the
    # milestone an insight about a moment for feedback is about: its link opens the give-feedback form with the person,
    # the moment and that goal filled in (paars_platform.links.action_path), as the milestone's own prompt does.
    sa.Column("insight_kind", sa.Integer, nullable=False, server_default="0"),
    sa.Column("goal_id", sa.String(64), nullable=False, server_default=""),
    sa.UniqueConstraint("cause_event_id", "recipient_id", "kind", name="uq_prompts_cause_recipient_kind"),
    sa.UniqueConstraint("recipient_id", "cursor", name="uq_prompts_recipient_cursor"),
    sa.Index("ix_prompts_held", "state", "release_at"),
    sa.Index("ix_prompts_recipient_created", "recipient_id", "created_at"),
    sa.Index("uq_prompts_recipient_moment", "recipient_id", "moment_id", unique=True),
)

# Open feedback requests addressed to employees, for the due-date reminder.
open_requests = sa.Table(
    "open_requests",
    metadata,
    sa.Column("request_id", sa.String(64), primary_key=True),
    sa.Column("requester_id", sa.String(64), nullable=False),
    sa.Column("subject_id", sa.String(64), nullable=False),
    sa.Column("recipient_id", sa.String(64), nullable=False),
    sa.Column("due_date", sa.String(10), nullable=False),
    sa.Column("visibility", sa.Integer, nullable=False),
    sa.Column("cause_occurred_at", UtcDateTime, nullable=False),
    sa.Column("reminded", sa.Boolean, nullable=False),
)

webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("owner_id", sa.String(64), nullable=False, index=True),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("event_filter", sa.JSON, nullable=False),
    sa.Column("format", sa.Integer, nullable=False),
    sa.Column("secret", sa.String(100), nullable=False),
    sa.Column("organisation_wide", sa.Boolean, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# Outgoing webhook calls and e-mails: written in the transaction that released the prompt, so a
# restart loses nothing accepted; `delivered` rows are never sent again; `dead` rows are the dead letters.
deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("delivery_key", sa.String(200), nullable=False, unique=True),
    sa.Column("channel", sa.Integer, nullable=False),
    sa.Column("subscription_id", sa.String(32), nullable=True),
    sa.Column("owner_id", sa.String(64), nullable=False),
    sa.Column("target", sa.String(2000), nullable=False),
    sa.Column("event_type", sa.String(200), nullable=False),
    # The prompt kind, for the per-kind delivery counters (0 for digests and acted events).
    sa.Column("kind", sa.Integer, nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    # pending, delivered, dead
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("lease_until", UtcDateTime, nullable=True),
    sa.Column("last_error", sa.String(500), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Index("ix_deliveries_due", "state", "next_attempt_at"),
)

# Events waiting for the directory (service_layer/prompting.py, "parked events"): an event that names someone the org
# projection does not know yet (its record comes on another topic, which Kafka does not order with this one) is kept
# here, claimed in the inbox as usual, until the record comes or PAARS_NOTIFICATIONS_DIRECTORY_WAIT_SECONDS passed.
parked_events = sa.Table(
    "parked_events",
    metadata,
    # The order the events came in, which is the order they are applied in.
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(80), nullable=False, unique=True),
    sa.Column("topic", sa.String(200), nullable=False),
    # The message's full name and its serialized bytes: the event, decoded again when it is applied.
    sa.Column("event_type", sa.String(200), nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.Column("subject_id", sa.String(64), nullable=False),
    # Everyone the event names (JSON list of ids: the export and erasure find a person's events by it) and, of them,
    # the people it waits for.
    sa.Column("people", sa.JSON, nullable=False),
    sa.Column("awaited", sa.JSON, nullable=False),
    sa.Column("parked_at", UtcDateTime, nullable=False),
)

# HR's exports (and, later, erasures and overrides) of a person's data: paars_platform/personal_data.py.
privileged_actions = privileged_actions_table(metadata)


def lists_id(column: sa.Column[Any], person_id: str) -> sa.ColumnElement[bool]:
    """Whether a JSON list of ids (parked_events.people, .awaited) holds this id: its text holds the id in quotes,
    '"id"', which matches that id alone (autoescape: an id's % or _ is literal). One form for every dialect."""
    return sa.cast(column, sa.Text).contains(json.dumps(person_id), autoescape=True)
