"""Everything notifications holds about one person (issue 18): their directory projection and preferences, the
prompts they were sent, the open requests they take part in, their webhooks (the signing secret kept back) and
the deliveries made to them, and the events about them still waiting for the directory (parked). The export reads these; erasure (item 4, paars_platform.erasure) deletes them all (an
open request the person is only one party of goes too: feedback answers it, notifications only reminds)."""
from __future__ import annotations

from paars_notifications.adapters import tables as t
from paars_platform.db import Database
from paars_platform.erasure import ServiceErasure
from paars_platform.personal_data import PersonalDataStore, PersonalKind
from paars_platform.retention import HoldSource, RetentionJob, RetentionRule, periods_from_env

KINDS = (
    PersonalKind("directory", t.people, ("id",), directory_record=True),
    PersonalKind("preferences", t.preferences, ("employee_id",)),
    PersonalKind("prompts", t.prompts, ("recipient_id",), order_by=("created_at", "id")),
    PersonalKind("open_requests", t.open_requests, ("requester_id", "subject_id", "recipient_id")),
    PersonalKind("webhooks", t.webhooks, ("owner_id",), hidden=("secret",)),
    PersonalKind("deliveries", t.deliveries, ("owner_id",), order_by=("id",)),
    # An event that names the person and waits for someone's directory record: erasure deletes it (its payload is
    # data about them), so it is never applied.
    PersonalKind(
        "parked_events", t.parked_events, ("subject_id",), order_by=("id",),
        through=lambda person: t.lists_id(t.parked_events.c.people, person),
    ),
)


def store(db: Database) -> PersonalDataStore:
    return PersonalDataStore("notifications", db, t.platform["outbox"], t.privileged_actions, KINDS)


# Erasure (issue 18 item 4): what the directory consumer does on CHANGE_ERASED.
ERASURE = ServiceErasure(
    "notifications", KINDS, t.platform["outbox"], t.privileged_actions,
    # Prompts and deliveries to others name people ("your 1:1 with Eve is on ..."): the name goes, the prompt stays.
    mentions=((t.prompts, ("title", "body")), (t.deliveries, ("subject", "payload"))),
)


# Retention (issue 18 item 5): the events this service sent, with their payloads, once published ("outbox"); the
# prompts people were sent or that were dropped, from when they were made ("prompts": one still held for a digest or
# a quiet hour is never deleted); and deliveries (webhook, e-mail) from when they were queued ("deliveries": one still
# pending or being tried is never deleted).
# A legal hold on a person's "prompts" or "deliveries" keeps theirs.
RETENTION = (
    RetentionRule("outbox", t.platform["outbox"], "sent_at"),
    RetentionRule("prompts", t.prompts, "created_at", only=t.prompts.c.state != "held", holds=tuple(k for k in KINDS if k.name == "prompts")),
    RetentionRule("deliveries", t.deliveries, "created_at", only=t.deliveries.c.state != "pending", holds=tuple(k for k in KINDS if k.name == "deliveries")),
)


def retention(db: Database, periods: dict[str, int] | None = None, *, holds: HoldSource | None = None) -> RetentionJob:
    return RetentionJob(
        "notifications", db, t.privileged_actions, RETENTION, periods if periods is not None else periods_from_env(RETENTION), holds=holds,
    )
