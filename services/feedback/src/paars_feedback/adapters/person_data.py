"""Everything feedback holds about one person (issue 18): the kinds of data, which rows are about them, and what of
a row is kept from them. The export reads these; erasure (item 4, paars_platform.erasure) deletes the rows about
the person alone and takes their id out of the rows that are someone else's too (`keep_for_others`: feedback they
gave stays with its receiver, a dialogue or review they led as manager stays with the employee).

Kept from the person: who gave them anonymous feedback (the giver and the request it answered), which of the
requests they sent was answered anonymously by whom, who raised a confidential referral about them, the raw 360
answers of others (only the report shows them, k-anonymous), link tokens' hashes."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from paars_feedback.adapters import tables as t
from paars_feedback.domain import privacy
from paars_platform.db import Database
from paars_platform.erasure import ServiceErasure
from paars_platform.personal_data import PersonalDataStore, PersonalKind
from paars_platform.retention import HoldSource, RetentionJob, RetentionRule, periods_from_env


def _received(row: dict[str, Any], person: str) -> dict[str, Any]:
    if row["visibility"] == privacy.ANONYMOUS and row["giver_id"] != person:
        return {**row, "giver_id": "", "request_id": None}
    return row


def _request(row: dict[str, Any], person: str) -> dict[str, Any]:
    # Whether and how a recipient answered anonymously is the recipient's to know.
    if row["recipient_id"] != person and row["answered_anonymously"]:
        return {**row, "answered_feedback_id": None, "answered_anonymously": False}
    return row


def _referral(row: dict[str, Any], person: str) -> dict[str, Any]:
    return row if row["raised_by"] == person else {**row, "raised_by": ""}


KINDS = (
    PersonalKind("directory", t.people, ("id",), directory_record=True),
    PersonalKind("feedback_received", t.feedback, ("receiver_id",), redact=_received, order_by=("given_at", "id")),
    PersonalKind("feedback_given", t.feedback, ("giver_id",), order_by=("given_at", "id"), keep_for_others=("giver_id",)),
    PersonalKind(
        "feedback_requests", t.feedback_requests, ("requester_id", "subject_id", "recipient_id"), redact=_request, hidden=("token_hash",),
        keep_for_others=("requester_id", "recipient_id"),
    ),
    PersonalKind("reviews", t.reviews, ("subject_id", "manager_id"), keep_for_others=("manager_id",)),
    PersonalKind("review_raters", t.review_raters, ("rater_id",)),
    PersonalKind("self_assessments", t.self_assessments, ("employee_id",)),
    PersonalKind("dialogues", t.dialogues, ("employee_id", "manager_id"), keep_for_others=("manager_id",)),
    PersonalKind("dialogue_preparations", t.dialogue_preparations, ("author_id",)),
    PersonalKind("action_items", t.action_items, ("employee_id", "owner_id"), keep_for_others=("owner_id",)),
    PersonalKind("coach_assignments", t.coach_assignments, ("employee_id", "coach_id")),
    PersonalKind("coach_shares", t.coach_shares, ("employee_id",)),
    PersonalKind("referrals", t.referrals, ("employee_id", "raised_by"), redact=_referral, keep_for_others=("raised_by",)),
    # The read audit: who read this person's feedback, on what basis, by which path (issue 18 item 6).
    PersonalKind("read_audit", t.content_reads, ("subject_id",), order_by=("read_at", "id")),
)


def store(db: Database) -> PersonalDataStore:
    return PersonalDataStore("feedback", db, t.platform["outbox"], t.privileged_actions, KINDS)


# Erasure (issue 18 item 4): what the directory consumer does on CHANGE_ERASED.
ERASURE = ServiceErasure("feedback", KINDS, t.platform["outbox"], t.privileged_actions)


def _kind(name: str) -> PersonalKind:
    return next(k for k in KINDS if k.name == name)


def _reviews_of(person: str) -> sa.Select[tuple[str]]:
    return sa.select(t.reviews.c.id).where(_kind("reviews").rows_about(person))


# Retention (issue 18 item 5): what the organisation may give a period (PAARS_RETENTION_<KIND>_DAYS), the moment
# each row's period runs from, and the kinds of personal data a legal hold keeps the rows under (`holds`).
RETENTION = (
    # The events this service sent, with their payloads, once published (unsent rows are never touched).
    RetentionRule("outbox", t.platform["outbox"], "sent_at"),
    RetentionRule("feedback", t.feedback, "given_at", holds=(_kind("feedback_received"), _kind("feedback_given"))),
    # 360 answers are the reviewed person's review's (the rater is only a hash): a hold on the person's "reviews".
    RetentionRule("review_answers", t.review_responses, "submitted_at", holds=(
        PersonalKind("reviews", t.review_responses, (), through=lambda p: t.review_responses.c.review_id.in_(_reviews_of(p))),
    )),
    # Self-assessments travel as review answers (feedback.self-assessment-submitted.v1 is of the review_answers kind,
    # under the same keys), so one period for both: the author's "self_assessments", or the review's they answer.
    RetentionRule("review_answers", t.self_assessments, "submitted_at", holds=(
        _kind("self_assessments"),
        PersonalKind("reviews", t.self_assessments, (), through=lambda p: t.self_assessments.c.review_id.in_(_reviews_of(p))),
    )),
    RetentionRule("dialogue_preparations", t.dialogue_preparations, "submitted_at", holds=(
        _kind("dialogue_preparations"),
        PersonalKind("dialogues", t.dialogue_preparations, (), through=lambda p: t.dialogue_preparations.c.dialogue_id.in_(
            sa.select(t.dialogues.c.id).where(_kind("dialogues").rows_about(p)),
        )),
    )),
    RetentionRule("referrals", t.referrals, "created_at", holds=(_kind("referrals"),)),
    RetentionRule("read_audit", t.content_reads, "read_at", holds=(_kind("read_audit"),)),
)


def retention(db: Database, periods: dict[str, int] | None = None, *, holds: HoldSource | None = None) -> RetentionJob:
    return RetentionJob(
        "feedback", db, t.privileged_actions, RETENTION, periods if periods is not None else periods_from_env(RETENTION), holds=holds,
    )
