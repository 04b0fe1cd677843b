"""Everything goals holds about one person (issue 18): their directory record and what provisioning sent about
them, the goals they own or agree on with someone, the comments and check-ins on those goals and the ones they
wrote. The export reads these; erasure (item 4) is to delete or anonymise the same rows."""
from __future__ import annotations

import sqlalchemy as sa

from paars_goals.adapters import tables as t
from paars_platform.db import Database
from paars_platform.personal_data import PersonalDataStore, PersonalKind
from paars_platform.retention import RetentionJob, RetentionRule, periods_from_env


def _their_goals(person: str) -> sa.Select[tuple[str]]:
    return sa.select(t.goals.c.id).where(sa.or_(t.goals.c.owner_id == person, t.goals.c.counterpart_id == person))


KINDS = (
    PersonalKind("directory", t.employees, ("id",)),
    PersonalKind("provisioning", t.scim_resources, ("id",), only=lambda person: t.scim_resources.c.kind == "User"),
    PersonalKind("goals", t.goals, ("owner_id", "counterpart_id", "proposed_by")),
    PersonalKind("goal_comments", t.comments, ("author_id",), through=lambda p: t.comments.c.goal_id.in_(_their_goals(p)), order_by=("created_at", "id")),
    PersonalKind("check_ins", t.check_ins, ("author_id",), through=lambda p: t.check_ins.c.goal_id.in_(_their_goals(p)), order_by=("created_at", "id")),
)


def store(db: Database) -> PersonalDataStore:
    return PersonalDataStore("goals", db, t.platform["outbox"], t.privileged_actions, KINDS)


# Retention (issue 18 item 5): the events this service sent, with their payloads, once published (PAARS_RETENTION_OUTBOX_DAYS).
RETENTION = (RetentionRule("outbox", t.platform["outbox"], "sent_at"),)


def retention(db: Database, periods: dict[str, int] | None = None) -> RetentionJob:
    return RetentionJob("goals", db, t.privileged_actions, RETENTION, periods if periods is not None else periods_from_env(RETENTION))
