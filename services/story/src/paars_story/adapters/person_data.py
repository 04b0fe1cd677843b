"""Everything story holds about one person (issue 18): their directory projection, their ambition (theirs alone
unless shared), the proposals and comments they wrote or endorsed, the versions they wrote or published (the
organisation's and their team's) and which published versions they read. The export reads these; erasure
(item 4, paars_platform.erasure) deletes their ambition and reads, and keeps what is the organisation's (proposals,
comments, story versions) without their id."""
from __future__ import annotations

import sqlalchemy as sa

from paars_platform.db import Database
from paars_platform.erasure import ServiceErasure
from paars_platform.personal_data import PersonalDataStore, PersonalKind
from paars_platform.retention import RetentionJob, RetentionRule, periods_from_env
from paars_story.adapters import tables as t


def _json_list_has(column: sa.Column[object], person: str) -> sa.ColumnElement[bool]:
    """A JSON list of ids that holds the person (a LIKE on the serialised list: ids are quoted, so no id matches inside another)."""
    return sa.cast(column, sa.Text).like(f'%"{person}"%')


KINDS = (
    PersonalKind("directory", t.people, ("id",), directory_record=True),
    PersonalKind("ambition", t.ambitions, ("employee_id",)),
    PersonalKind(
        "proposals", t.proposals, ("author_id",), through=lambda p: _json_list_has(t.proposals.c.endorser_ids, p), order_by=("created_at", "id"),
        keep_for_others=("author_id",), id_lists=("endorser_ids",),
    ),
    PersonalKind("proposal_comments", t.proposal_comments, ("author_id",), order_by=("created_at", "id"), keep_for_others=("author_id",)),
    PersonalKind("story_versions", t.story_versions, ("updated_by", "published_by"), keep_for_others=("updated_by", "published_by")),
    PersonalKind(
        "team_story_versions", t.team_stories, ("updated_by", "published_by"), through=lambda p: _json_list_has(t.team_stories.c.contributor_ids, p),
        keep_for_others=("updated_by", "published_by"), id_lists=("contributor_ids",),
    ),
    PersonalKind("story_reads", t.story_reads, ("employee_id",)),
)


def store(db: Database) -> PersonalDataStore:
    return PersonalDataStore("story", db, t.platform["outbox"], t.privileged_actions, KINDS)


# Erasure (issue 18 item 4): what the directory consumer does on CHANGE_ERASED.
ERASURE = ServiceErasure("story", KINDS, t.platform["outbox"], t.privileged_actions)


# Retention (issue 18 item 5): the events this service sent, with their payloads, once published (PAARS_RETENTION_OUTBOX_DAYS).
RETENTION = (RetentionRule("outbox", t.platform["outbox"], "sent_at"),)


def retention(db: Database, periods: dict[str, int] | None = None) -> RetentionJob:
    return RetentionJob("story", db, t.privileged_actions, RETENTION, periods if periods is not None else periods_from_env(RETENTION))
