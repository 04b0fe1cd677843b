"""Everything goals holds about one person (issue 18): their directory record and what provisioning sent about
them, the goals they own or agree on with someone, the comments and check-ins on those goals and the ones they
wrote. The export reads these; erasure (item 4: adapters/erasure_repository.py, paars_platform.erasure) deletes or
anonymises the same rows."""
from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence

import sqlalchemy as sa

from paars_goals.adapters import tables as t
from paars_goals.adapters.key_retention import KeyRetention
from paars_goals.adapters.key_store import KeyStore
from paars_goals.service_layer.unit_of_work import PrivilegedAct
from paars_platform.db import Database
from paars_platform.personal_data import PersonalDataStore, PersonalKind, PrivilegedAction, PrivilegedActionRepository
from paars_platform.retention import KINDS_OF_EVENTS, RetentionJob, RetentionRule, periods_from_env


def _their_goals(person: str) -> sa.Select[tuple[str]]:
    return sa.select(t.goals.c.id).where(sa.or_(t.goals.c.owner_id == person, t.goals.c.counterpart_id == person))


KINDS = (
    # The erasure use case anonymises the record itself (domain/erasure.anonymised).
    PersonalKind("directory", t.employees, ("id",), directory_record=True),
    PersonalKind("provisioning", t.scim_resources, ("id",), only=lambda person: t.scim_resources.c.kind == "User"),
    # A goal is its owner's: erased with them (its comments and check-ins with it); where they were the other party
    # or proposed it, the owner keeps it without their id.
    PersonalKind("goals", t.goals, ("owner_id", "counterpart_id", "proposed_by"), keep_for_others=("counterpart_id", "proposed_by", "awaiting_from")),
    PersonalKind(
        "goal_comments", t.comments, ("author_id",), through=lambda p: t.comments.c.goal_id.in_(_their_goals(p)), order_by=("created_at", "id"),
        keep_for_others=("author_id",),
    ),
    PersonalKind(
        "check_ins", t.check_ins, ("author_id",), through=lambda p: t.check_ins.c.goal_id.in_(_their_goals(p)), order_by=("created_at", "id"),
        keep_for_others=("author_id",),
    ),
)


def recorder(db: Database, clock: Callable[[], dt.datetime]) -> Callable[[str, str, Sequence[PrivilegedAct]], Awaitable[None]]:
    """Writes what a use case did on HR's or an admin's privilege into privileged_actions: one line per person and
    action, naming the goals and the path (GetGoal, ListGoals, ProposeGoal, ...), in a transaction of its own."""

    async def record(actor: str, path: str, acts: Sequence[PrivilegedAct]) -> None:
        grouped: dict[tuple[str, str, str], list[str]] = {}
        for act in acts:
            grouped.setdefault((act.action, act.subject_id, act.basis), [])
            if act.goal_id and act.goal_id not in grouped[(act.action, act.subject_id, act.basis)]:
                grouped[(act.action, act.subject_id, act.basis)].append(act.goal_id)
        at = clock()
        async with db.transaction() as conn:
            audit = PrivilegedActionRepository(conn, t.privileged_actions)
            for (action, subject, basis), goal_ids in grouped.items():
                await audit.add(PrivilegedAction(action, actor, subject, f"as {basis}", at, {"path": path, "goal_ids": goal_ids}))

    return record


def store(db: Database) -> PersonalDataStore:
    return PersonalDataStore("goals", db, t.platform["outbox"], t.privileged_actions, KINDS)


# Retention (issue 18 item 5): the events this service sent, with their payloads, once published (PAARS_RETENTION_OUTBOX_DAYS),
# and, with the key store, the keys of every kind of the events' months past that kind's period (adapters/key_retention.py:
# PAARS_RETENTION_<KIND>_DAYS of paars_platform.retention.EVENT_KINDS, the same settings the services' rules read).
RETENTION = (RetentionRule("outbox", t.platform["outbox"], "sent_at"),)


def retention(db: Database, periods: dict[str, int] | None = None, *, keys: KeyStore | None = None) -> RetentionJob:
    if periods is None:
        periods = periods_from_env([*RETENTION, *KINDS_OF_EVENTS])
    steps = (KeyRetention(keys),) if keys is not None else ()
    return RetentionJob("goals", db, t.privileged_actions, RETENTION, periods, steps=steps)
