"""The story service's database schema (SQLAlchemy Core); migrations/ creates and evolves it."""
from __future__ import annotations

import sqlalchemy as sa

from paars_platform.db import UtcDateTime, platform_tables
from paars_platform.personal_data import privileged_actions_table

metadata = sa.MetaData()
platform = platform_tables(metadata)

# Every saved draft is a version (append-only); one of them at a time is the newest published one.
story_versions = sa.Table(
    "story_versions",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    # The passages as JSON (key, kind, title, text, behaviours): a version is read and written whole.
    sa.Column("passages", sa.JSON, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("published", sa.Boolean, nullable=False, index=True),
    sa.Column("published_at", UtcDateTime, nullable=True),
    sa.Column("published_by", sa.String(64), nullable=False),
    sa.Column("contributor_ids", sa.JSON, nullable=False),
    sa.Column("readability_override_reason", sa.Text, nullable=False),
)

proposals = sa.Table(
    "proposals",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("author_id", sa.String(64), nullable=False),
    sa.Column("passage", sa.JSON, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("endorser_ids", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("accepted_into_version", sa.Integer, nullable=False),
)

proposal_comments = sa.Table(
    "proposal_comments",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("proposal_id", sa.String(64), sa.ForeignKey("proposals.id"), nullable=False, index=True),
    sa.Column("author_id", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# The local projection of the org directory (org.* events): who is HR or a leader, and who is active.
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
    # Who may read an ambition shared with "my coach".
    sa.Column("coach_id", sa.String(64), nullable=True),
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

# A team's own telling of the story: every saved draft a version, per team (append-only).
team_stories = sa.Table(
    "team_stories",
    metadata,
    sa.Column("team_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("title", sa.JSON, nullable=False),
    sa.Column("text", sa.JSON, nullable=False),
    sa.Column("value_keys", sa.JSON, nullable=False),
    sa.Column("theme_keys", sa.JSON, nullable=False),
    sa.Column("story_version", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("published", sa.Boolean, nullable=False),
    sa.Column("published_at", UtcDateTime, nullable=True),
    sa.Column("published_by", sa.String(64), nullable=False),
    sa.Column("contributor_ids", sa.JSON, nullable=False),
    sa.Column("readability_override_reason", sa.Text, nullable=False),
)

# Who read which published version (once each): the reach counts, never shown per person.
story_reads = sa.Table(
    "story_reads",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("employee_id", sa.String(64), primary_key=True),
    sa.Column("read_at", UtcDateTime, nullable=False),
)

# The organisation's jargon list as HR keeps it through the API (on top of PAARS_STORY_JARGON_FILE).
jargon_terms = sa.Table(
    "jargon_terms",
    metadata,
    sa.Column("language", sa.String(2), primary_key=True),
    sa.Column("term", sa.String(100), primary_key=True),
    sa.Column("plain", sa.String(200), nullable=False),
)

# A person's own ambition; private unless they share it with their manager or coach.
ambitions = sa.Table(
    "ambitions",
    metadata,
    sa.Column("employee_id", sa.String(64), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("shared_with_manager", sa.Boolean, nullable=False),
    sa.Column("shared_with_coach", sa.Boolean, nullable=False),
    sa.Column("passage_keys", sa.JSON, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

# HR's exports (and, later, erasures and overrides) of a person's data: paars_platform/personal_data.py.
privileged_actions = privileged_actions_table(metadata)
