"""Everything conversations holds about one person (issue 18): their 1:1 pairs and the meetings in them (agenda,
shared notes, agreements), their own private notes only (another's private note about the same meeting never),
who opened their meetings, coaching they asked for or gave, concerns they raised, the circles they are in and the
cases they brought. The export reads these; erasure (item 4, paars_platform.erasure) deletes their 1:1s (the pair,
its meetings, and the private notes and reads on them: a 1:1 is with the person), notes, concerns, coaching they
asked for and cases they brought, and takes their id out of what is someone else's too (coaching they gave, the
circles they formed or were in)."""
from __future__ import annotations

import sqlalchemy as sa

from paars_conversations.adapters import tables as t
from paars_platform.db import Database
from paars_platform.erasure import ServiceErasure
from paars_platform.personal_data import PersonalDataStore, PersonalKind
from paars_platform.retention import HoldSource, RetentionJob, RetentionRule, periods_from_env


def _their_pairs(person: str) -> sa.Select[tuple[str]]:
    return sa.select(t.pairs.c.id).where(sa.or_(t.pairs.c.lead_id == person, t.pairs.c.other_id == person))


def _their_meetings(person: str) -> sa.Select[tuple[str]]:
    return sa.select(t.meetings.c.id).where(t.meetings.c.pair_id.in_(_their_pairs(person)))


def _their_requests(person: str) -> sa.Select[tuple[str]]:
    return sa.select(t.coaching_requests.c.id).where(
        sa.or_(t.coaching_requests.c.coachee_id == person, t.coaching_requests.c.coach_id == person)
    )


def _member(person: str) -> sa.ColumnElement[bool]:
    return sa.cast(t.circles.c.member_ids, sa.Text).like(f'%"{person}"%')



KINDS = (
    PersonalKind("directory", t.people, ("id",), directory_record=True),
    PersonalKind("pairs", t.pairs, ("lead_id", "other_id")),
    PersonalKind("meetings", t.meetings, (), through=lambda p: t.meetings.c.pair_id.in_(_their_pairs(p)), order_by=("scheduled_on", "id")),
    # Private notes: the author's own, never the other person's about the same meeting.
    PersonalKind("private_notes", t.private_notes, ("author_id",), order_by=("written_at", "id")),
    PersonalKind("meeting_reads", t.meeting_reads, ("reader_id",), through=lambda p: t.meeting_reads.c.meeting_id.in_(_their_meetings(p))),
    PersonalKind("coach_profile", t.coach_profiles, ("coach_id",)),
    PersonalKind("coaching_requests", t.coaching_requests, ("coachee_id", "coach_id"), keep_for_others=("coach_id",)),
    PersonalKind(
        "coaching_sessions", t.coaching_sessions, ("recorded_by",), through=lambda p: t.coaching_sessions.c.request_id.in_(_their_requests(p)),
        keep_for_others=("recorded_by",),
    ),
    PersonalKind("concerns", t.concerns, ("raised_by",)),
    PersonalKind("circles", t.circles, ("formed_by",), through=_member, keep_for_others=("formed_by",), id_lists=("member_ids",)),
    PersonalKind("circle_cases", t.circle_sessions, ("case_owner_id",)),
)


def store(db: Database) -> PersonalDataStore:
    return PersonalDataStore("conversations", db, t.platform["outbox"], t.privileged_actions, KINDS)


# Erasure (issue 18 item 4): what the directory consumer does on CHANGE_ERASED.
ERASURE = ServiceErasure("conversations", KINDS, t.platform["outbox"], t.privileged_actions)


# Retention (issue 18 item 5): private notes ("notes"), who opened a meeting ("read_audit"), a 1:1's shared notes
# ("shared_notes": the agenda, shared notes and agreements inside the meeting row, emptied while the meeting stays,
# so the pair's rhythm still counts it) and what coaching sessions and circle sessions recorded ("coaching_notes":
# the notes, and a circle's case; the session stays, that it was held).
def _kind(name: str) -> PersonalKind:
    return next(k for k in KINDS if k.name == name)


# A legal hold keeps a rule's rows by the kind of personal data they are (`holds`): a private note its author's
# "private_notes", a read its reader's or the 1:1's "meeting_reads", a meeting's shared notes the pair's "meetings",
# a coaching session's notes "coaching_sessions", a circle session's case its owner's "circle_cases".
RETENTION = (
    # The events this service sent, with their payloads, once published (unsent rows are never touched).
    RetentionRule("outbox", t.platform["outbox"], "sent_at"),
    RetentionRule("notes", t.private_notes, "written_at", holds=(_kind("private_notes"),)),
    RetentionRule("read_audit", t.meeting_reads, "read_at", holds=(_kind("meeting_reads"),)),
    RetentionRule(
        "shared_notes", t.meetings, "scheduled_on", clear=(("agenda", []), ("shared_notes", []), ("agreements", [])), holds=(_kind("meetings"),),
    ),
    RetentionRule("coaching_notes", t.coaching_sessions, "held_on", clear=(("notes", ""),), holds=(_kind("coaching_sessions"),)),
    RetentionRule("coaching_notes", t.circle_sessions, "held_on", clear=(("case_text", ""), ("notes", "")), holds=(_kind("circle_cases"),)),
    # The answers remembered for request keys (a retry comes within minutes): an answer to a private note holds that
    # note for its author, so an organisation that limits "notes" limits these as well (a day is plenty). No hold
    # reaches them: the note itself is what a hold keeps.
    RetentionRule("answers", t.platform["idempotency_keys"], "created_at"),
)


def retention(db: Database, periods: dict[str, int] | None = None, *, holds: HoldSource | None = None) -> RetentionJob:
    return RetentionJob(
        "conversations", db, t.privileged_actions, RETENTION, periods if periods is not None else periods_from_env(RETENTION), holds=holds,
    )
