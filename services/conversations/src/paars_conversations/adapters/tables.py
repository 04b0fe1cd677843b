"""The conversations service's database schema (SQLAlchemy Core); migrations/ creates and evolves it."""
from __future__ import annotations

import sqlalchemy as sa

from paars_platform.db import UtcDateTime, platform_tables
from paars_platform.personal_data import privileged_actions_table

metadata = sa.MetaData()
platform = platform_tables(metadata)

pairs = sa.Table(
    "pairs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("lead_id", sa.String(64), nullable=False, index=True),
    sa.Column("other_id", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("cadence_days", sa.Integer, nullable=False),
    sa.Column("consecutive_skips", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("lead_id", "other_id", "kind", name="uq_pairs_lead_other_kind"),
)

# A meeting is read and written whole: its agenda, shared notes and agreements as JSON. Private notes are not
# here: they have a table of their own, read only by author.
meetings = sa.Table(
    "meetings",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("pair_id", sa.String(64), sa.ForeignKey("pairs.id"), nullable=False, index=True),
    sa.Column("scheduled_on", sa.Date, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("hat", sa.String(16), nullable=False),
    sa.Column("held_at", UtcDateTime, nullable=True),
    sa.Column("agenda", sa.JSON, nullable=False),
    sa.Column("shared_notes", sa.JSON, nullable=False),
    sa.Column("agreements", sa.JSON, nullable=False),
)

private_notes = sa.Table(
    "private_notes",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("meeting_id", sa.String(64), sa.ForeignKey("meetings.id"), nullable=False),
    sa.Column("author_id", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("written_at", UtcDateTime, nullable=False),
    sa.Index("ix_private_notes_author_meeting", "author_id", "meeting_id"),
)

# The read audit: who opened a meeting and when (never what).
meeting_reads = sa.Table(
    "meeting_reads",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("meeting_id", sa.String(64), nullable=False, index=True),
    sa.Column("reader_id", sa.String(64), nullable=False),
    sa.Column("read_at", UtcDateTime, nullable=False),
)

coach_profiles = sa.Table(
    "coach_profiles",
    metadata,
    sa.Column("coach_id", sa.String(64), primary_key=True),
    sa.Column("bio", sa.Text, nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("active_coachees", sa.Integer, nullable=False),
)

coaching_requests = sa.Table(
    "coaching_requests",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("coachee_id", sa.String(64), nullable=False, index=True),
    sa.Column("coach_id", sa.String(64), nullable=False, index=True),
    sa.Column("relation", sa.String(24), nullable=False),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("goals", sa.JSON, nullable=False),
    sa.Column("requested_at", UtcDateTime, nullable=False),
)

coaching_sessions = sa.Table(
    "coaching_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("request_id", sa.String(64), sa.ForeignKey("coaching_requests.id"), nullable=False, index=True),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("recorded_by", sa.String(64), nullable=False),
)

concerns = sa.Table(
    "concerns",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("raised_by", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("resolution", sa.Text, nullable=False),
    sa.Column("handled_by", sa.String(64), nullable=False),
    sa.Column("raised_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

circles = sa.Table(
    "circles",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("member_ids", sa.JSON, nullable=False),
    sa.Column("formed_by", sa.String(64), nullable=False),
    sa.Column("formed_at", UtcDateTime, nullable=False),
    # The next session planned (what the members are prompted before); empty when none is.
    sa.Column("next_session_on", sa.Date, nullable=True),
)

circle_sessions = sa.Table(
    "circle_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("circle_id", sa.String(64), sa.ForeignKey("circles.id"), nullable=False, index=True),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("case_owner_id", sa.String(64), nullable=False),
    sa.Column("case_text", sa.Text, nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# The local projection of the org directory (org.* events): names, managers, teams, roles, who is active.
# The catalogue of professional services HR keeps: no one's data, read by everyone, written by HR.
professional_services = sa.Table(
    "professional_services",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("contact", sa.String(400), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
)

people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("manager_id", sa.String(64), nullable=True),
    sa.Column("team_id", sa.String(64), nullable=True, index=True),
    # Role names: employee, manager, hr, coach, admin, leader.
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("parent_team_id", sa.String(64), nullable=True),
    sa.Column("manager_id", sa.String(64), nullable=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# HR's exports (and, later, erasures and overrides) of a person's data: paars_platform/personal_data.py.
privileged_actions = privileged_actions_table(metadata)
