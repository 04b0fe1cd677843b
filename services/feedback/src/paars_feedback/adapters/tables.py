"""The feedback service's database schema (SQLAlchemy Core); migrations/ creates and evolves it."""
from __future__ import annotations

import sqlalchemy as sa

from paars_platform.db import BigId, UtcDateTime, platform_tables
from paars_platform.personal_data import privileged_actions_table

metadata = sa.MetaData()
platform = platform_tables(metadata)

# ---------- Projection of the org directory (org.employee-changed.v1, org.team-changed.v1) ----------

people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("manager_id", sa.String(64), nullable=True, index=True),
    sa.Column("team_id", sa.String(64), nullable=True),
    # Role names: employee, manager, hr, coach, admin, leader.
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    # The coach the directory names; the effective one is in coach_assignments.
    sa.Column("directory_coach_id", sa.String(64), nullable=True),
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

coach_assignments = sa.Table(
    "coach_assignments",
    metadata,
    sa.Column("employee_id", sa.String(64), primary_key=True),
    sa.Column("coach_id", sa.String(64), nullable=False, index=True),
    sa.Column("assigned_by", sa.String(64), nullable=False),
    sa.Column("assigned_at", UtcDateTime, nullable=False),
)

# What a person shared with their coach: kind is feedback, review, dialogue or action-plan.
coach_shares = sa.Table(
    "coach_shares",
    metadata,
    sa.Column("employee_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("item_id", sa.String(64), primary_key=True),
    sa.Column("shared_at", UtcDateTime, nullable=False),
)

# ---------- Projection of the organisation story's value catalogue (story.story-published.v1) ----------

# The values of the latest published story version: what feedback and praise may name.
story_values = sa.Table(
    "story_values",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("title_nl", sa.Text, nullable=False),
    sa.Column("title_en", sa.Text, nullable=False),
    # The published story version the catalogue was taken from (an older event replayed changes nothing).
    sa.Column("story_version", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# ---------- Feedback and requests ----------

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    # An employee id, or "external:<request id>" for a customer answering through a link.
    sa.Column("giver_id", sa.String(100), nullable=False, index=True),
    sa.Column("receiver_id", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.Integer, nullable=False),
    sa.Column("relation", sa.Integer, nullable=False),
    sa.Column("setting", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("examples", sa.JSON, nullable=False),
    sa.Column("visibility", sa.Integer, nullable=False),
    sa.Column("goal_ids", sa.JSON, nullable=False),
    sa.Column("tags", sa.JSON, nullable=False),
    sa.Column("moment_at", UtcDateTime, nullable=False),
    sa.Column("given_at", UtcDateTime, nullable=False),
    # The request it answered; never kept for an anonymous answer (it would name the giver).
    sa.Column("request_id", sa.String(64), nullable=True),
    sa.Column("acknowledged_at", UtcDateTime, nullable=True),
    sa.Column("acknowledgement_note", sa.Text, nullable=False),
    sa.Column("action_item_id", sa.String(64), nullable=True),
    # The organisation story's value it names (a value passage key of the published story), or "".
    sa.Column("value_key", sa.String(100), nullable=False, server_default=""),
    # Keyset pages of one person's feedback, newest first; a giver's recent items for the write limits.
    sa.Index("ix_feedback_receiver_page", "receiver_id", "given_at", "id"),
    sa.Index("ix_feedback_giver_recent", "giver_id", "given_at"),
)

feedback_requests = sa.Table(
    "feedback_requests",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("requester_id", sa.String(64), nullable=False, index=True),
    sa.Column("subject_id", sa.String(64), nullable=False, index=True),
    sa.Column("recipient_id", sa.String(64), nullable=True, index=True),
    sa.Column("external_email", sa.String(320), nullable=False),
    sa.Column("external_name", sa.String(200), nullable=False),
    # SHA-256 of the single-use link token (256 random bits); the token itself is never stored.
    sa.Column("token_hash", sa.String(64), nullable=True, unique=True),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    # Until when it can be answered (and its link works).
    sa.Column("expires_at", UtcDateTime, nullable=True),
    # The state everyone but the recipient sees (and events carry).
    sa.Column("state", sa.Integer, nullable=False),
    # Answered anonymously: only the recipient sees that; to everyone else it stays open, then expires,
    # exactly as if it had not been answered.
    sa.Column("answered_anonymously", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("relation", sa.Integer, nullable=False),
    sa.Column("decline_reason", sa.Text, nullable=False),
    sa.Column("answered_feedback_id", sa.String(64), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# ---------- 360 reviews ----------

reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("cycle_name", sa.String(200), nullable=False),
    sa.Column("subject_id", sa.String(64), nullable=False, index=True),
    sa.Column("opened_by", sa.String(64), nullable=False),
    # The subject's manager when the cycle opened: the MANAGER group.
    sa.Column("manager_id", sa.String(64), nullable=True),
    sa.Column("rater_groups", sa.JSON, nullable=False),
    sa.Column("questions", sa.JSON, nullable=False),
    sa.Column("anonymity_threshold", sa.Integer, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("state", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

review_raters = sa.Table(
    "review_raters",
    metadata,
    sa.Column("review_id", sa.String(64), sa.ForeignKey("reviews.id"), primary_key=True),
    sa.Column("rater_id", sa.String(64), primary_key=True),
    sa.Column("rater_group", sa.Integer, nullable=False),
    sa.Column("approved", sa.Boolean, nullable=False),
    sa.Column("nominated_by", sa.String(64), nullable=False),
)

review_invitations = sa.Table(
    "review_invitations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("review_id", sa.String(64), sa.ForeignKey("reviews.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("used_at", UtcDateTime, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=True),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
)

review_responses = sa.Table(
    "review_responses",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("review_id", sa.String(64), sa.ForeignKey("reviews.id"), nullable=False, index=True),
    sa.Column("rater_group", sa.Integer, nullable=False),
    # SHA-256 of review id + rater: enough to refuse a second answer, not enough to say who answered.
    sa.Column("rater_hash", sa.String(64), nullable=False),
    sa.Column("ratings", sa.JSON, nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("submitted_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("review_id", "rater_hash", name="uq_review_responses_rater"),
)

self_assessments = sa.Table(
    "self_assessments",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("employee_id", sa.String(64), nullable=False, index=True),
    sa.Column("review_id", sa.String(64), nullable=True, index=True),
    sa.Column("ratings", sa.JSON, nullable=False),
    sa.Column("reflection", sa.Text, nullable=False),
    sa.Column("submitted_at", UtcDateTime, nullable=False),
)

# ---------- The purple dialogue ----------

dialogues = sa.Table(
    "dialogues",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.Integer, nullable=False),
    sa.Column("employee_id", sa.String(64), nullable=False, index=True),
    sa.Column("manager_id", sa.String(64), nullable=False, index=True),
    sa.Column("scheduled_for", sa.String(40), nullable=False),
    sa.Column("state", sa.Integer, nullable=False),
    sa.Column("review_id", sa.String(64), nullable=True),
    sa.Column("goal_ids", sa.JSON, nullable=False),
    sa.Column("shared_notes", sa.Text, nullable=False),
    sa.Column("notes_recorded", sa.Boolean, nullable=False),
    sa.Column("signed_by", sa.JSON, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

dialogue_preparations = sa.Table(
    "dialogue_preparations",
    metadata,
    sa.Column("dialogue_id", sa.String(64), sa.ForeignKey("dialogues.id"), primary_key=True),
    sa.Column("author_id", sa.String(64), primary_key=True),
    sa.Column("reflection", sa.Text, nullable=False),
    sa.Column("agenda_items", sa.JSON, nullable=False),
    sa.Column("submitted_at", UtcDateTime, nullable=False),
)

# ---------- Action plans ----------

action_items = sa.Table(
    "action_items",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("employee_id", sa.String(64), nullable=False, index=True),
    sa.Column("owner_id", sa.String(64), nullable=False, index=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("kind", sa.Integer, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("state", sa.Integer, nullable=False),
    sa.Column("progress_percent", sa.Integer, nullable=False),
    sa.Column("source_feedback_id", sa.String(64), nullable=True),
    sa.Column("source_dialogue_id", sa.String(64), nullable=True, index=True),
    sa.Column("source_goal_id", sa.String(64), nullable=True),
    sa.Column("progress_notes", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # Who of a dialogue's two people agreed to the item (migration 0003).
    sa.Column("confirmed_by", sa.JSON, nullable=False, server_default=sa.text("'[]'")),
)

# ---------- Confidential referrals and the read audit ----------

referrals = sa.Table(
    "referrals",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("employee_id", sa.String(64), nullable=False, index=True),
    sa.Column("raised_by", sa.String(64), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # The lifecycle (migration 0006): pb.Referral.State, when it last changed (NULL: never), the HR person who did it.
    sa.Column("state", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("updated_at", UtcDateTime, nullable=True),
    sa.Column("handled_by", sa.String(64), nullable=False, server_default=sa.text("''")),
)

content_reads = sa.Table(
    "content_reads",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    # Whose feedback was read.
    sa.Column("subject_id", sa.String(64), nullable=False, index=True),
    sa.Column("reader_id", sa.String(100), nullable=False),
    # The policy's basis: author, manager, hr, coach, colleague, system, ...
    sa.Column("reader_role", sa.String(32), nullable=False),
    sa.Column("item_id", sa.String(64), nullable=False),
    # The read path: GetFeedback, ListFeedback, GetReviewReport, event, ...
    sa.Column("path", sa.String(64), nullable=False),
    sa.Column("read_at", UtcDateTime, nullable=False),
)

# HR's exports (and, later, erasures and overrides) of a person's data: paars_platform/personal_data.py.
privileged_actions = privileged_actions_table(metadata)
