"""The goals service's database schema (SQLAlchemy Core); migrations/ creates and evolves it."""
from __future__ import annotations

import sqlalchemy as sa

from paars_platform.db import UtcDateTime, platform_tables
from paars_platform.personal_data import privileged_actions_table

metadata = sa.MetaData()
platform = platform_tables(metadata)

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

employees = sa.Table(
    "employees",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("manager_id", sa.String(64), nullable=True, index=True),
    sa.Column("team_id", sa.String(64), nullable=True, index=True),
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("coach_id", sa.String(64), nullable=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # Set when the person was erased (issue 18 item 4): the row keeps only the id, so the id stays taken.
    sa.Column("erased_at", UtcDateTime, nullable=True),
)

goals = sa.Table(
    "goals",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.Integer, nullable=False),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("owner_id", sa.String(64), nullable=False, index=True),
    sa.Column("team_id", sa.String(64), nullable=True, index=True),
    sa.Column("parent_goal_id", sa.String(64), nullable=True, index=True),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Column("key_results", sa.JSON, nullable=False),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("agreement", sa.Integer, nullable=False),
    # Set when closed: GOAL_STATUS_DONE or GOAL_STATUS_DROPPED.
    sa.Column("closed_status", sa.Integer, nullable=True),
    sa.Column("proposed_by", sa.String(64), nullable=False),
    # The other party of the co-creation (the manager, or the proposer when it is not the owner).
    sa.Column("counterpart_id", sa.String(64), nullable=False),
    sa.Column("awaiting_from", sa.String(64), nullable=True),
    sa.Column("confidence", sa.Integer, nullable=False),
    sa.Column("last_check_in_at", UtcDateTime, nullable=True),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # The values and themes of the organisation story the goal serves (passage keys); NULL read as none.
    sa.Column("story_keys", sa.JSON, nullable=True),
)

# The catalogue of the organisation story's values and themes, from story.story-published.v1 (event-carried
# state, as the directory is for the other services): what a goal may say it serves.
story_catalogue = sa.Table(
    "story_catalogue",
    metadata,
    sa.Column("key", sa.String(68), primary_key=True),
    # "value" or "theme".
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("title_nl", sa.String(200), nullable=False),
    sa.Column("title_en", sa.String(200), nullable=False),
    sa.Column("story_version", sa.Integer, nullable=False),
)

comments = sa.Table(
    "goal_comments",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("goal_id", sa.String(64), sa.ForeignKey("goals.id"), nullable=False, index=True),
    sa.Column("author_id", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("counter_proposal", sa.Boolean, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

check_ins = sa.Table(
    "check_ins",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("goal_id", sa.String(64), sa.ForeignKey("goals.id"), nullable=False, index=True),
    sa.Column("author_id", sa.String(64), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("confidence", sa.Integer, nullable=False),
    sa.Column("updates", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# SCIM 2.0 resources (RFC 7643) as the enterprise's provisioning client last wrote them: a User's id is
# the employee id it maps onto; a Group grants the roles PAARS_SCIM_ROLE_GROUPS gives its display name.
scim_resources = sa.Table(
    "scim_resources",
    metadata,
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    # userName of a User, displayName of a Group (unique per kind, case-insensitively: stored lower-cased).
    sa.Column("name_key", sa.String(256), nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("kind", "name_key", name="uq_scim_resources_name"),
)

# HR's exports (and, later, erasures and overrides) of a person's data: paars_platform/personal_data.py.
privileged_actions = privileged_actions_table(metadata)

# Data keys (crypto-shredding of the personal fields of events, issue 18 items 4 and 5) per person, kind of data and
# period ("YYYY-MM" of the events' time; kind and period "": a person's one key from before kinds and periods, and the
# mark that a person was erased), wrapped with the key-encryption key from the settings; destroy (erasure: all of a
# person's keys; retention: a kind's periods past its retention) clears wrapped_key and keeps the row as "erased".
person_keys = sa.Table(
    "person_keys",
    metadata,
    sa.Column("key_id", sa.String(64), primary_key=True),
    sa.Column("person_id", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False, server_default=""),
    sa.Column("period", sa.String(16), nullable=False, server_default=""),
    sa.Column("wrapped_key", sa.LargeBinary, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("destroyed_at", UtcDateTime, nullable=True),
    # Which key-encryption key wrapped wrapped_key (KeyEncryptionKey.id; migration 0009). NULL: a row from before
    # key ids, stamped with the id of the key that opens it when goals starts (adapters/key_rewrap.py).
    sa.Column("kek_id", sa.String(16), nullable=True),
    sa.UniqueConstraint("person_id", "kind", "period", name="uq_person_keys_scope"),
    sa.Index("ix_person_keys_kind_period", "kind", "period"),
    sa.Index("ix_person_keys_kek_id", "kek_id"),
)

# Legal holds (issue 18 item 4): HR keeps a kind of a person's data from erasure, with the reason; erasure carries
# the holds in force to every service (org.employee-changed.v1, CHANGE_ERASED). A released hold stays, with who
# released it and why.
legal_holds = sa.Table(
    "legal_holds",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("person_id", sa.String(100), nullable=False, index=True),
    # The service whose data it keeps ("": every service) and the kind as that service's KINDS name it ("": all).
    sa.Column("service", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("placed_by", sa.String(100), nullable=False),
    sa.Column("placed_at", UtcDateTime, nullable=False),
    sa.Column("released_at", UtcDateTime, nullable=True),
    sa.Column("released_by", sa.String(100), nullable=False),
    sa.Column("release_reason", sa.Text, nullable=False),
)
