"""Retention (issue 18 item 5) on SQLite and PostgreSQL, on databases migrated as the services migrate them: the job
deletes feedback, 360 answers and self-assessments, dialogue preparations, referrals, the read audit and private
notes past the period the organisation set, keeps what is younger and every kind without a period, counts it in
Prometheus and records each run that deleted something in the service's audit of privileged actions. A legal hold
in force keeps a held person's rows of the kinds it covers, while an unheld person's go, with the count and the
holds' reasons in the audit line and paars_retention_rows_held; a job that cannot read the holds deletes none of
the kinds a hold could keep and still deletes the rest."""
from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from paars_conversations.adapters import person_data as conversations_data
from paars_conversations.adapters import tables as ct
from paars_conversations.bootstrap import MIGRATIONS as CONVERSATIONS_MIGRATIONS
from paars_feedback.adapters import person_data as feedback_data
from paars_feedback.adapters import tables as ft
from paars_feedback.bootstrap import MIGRATIONS as FEEDBACK_MIGRATIONS
from paars_goals.adapters import person_data as goals_data
from paars_goals.adapters import tables as gt
from paars_goals.bootstrap import MIGRATIONS as GOALS_MIGRATIONS
from paars_notifications.adapters import person_data as notifications_data
from paars_notifications.adapters import tables as nt
from paars_notifications.bootstrap import MIGRATIONS as NOTIFICATIONS_MIGRATIONS
from paars_platform.db import Database, UtcDateTime, migrate
from paars_platform.retention import HoldInForce, periods_from_env
from paars_story.adapters import person_data as story_data
from paars_story.adapters import tables as st
from paars_story.bootstrap import MIGRATIONS as STORY_MIGRATIONS

NOW = dt.datetime(2030, 6, 1, 12, 0, tzinfo=dt.UTC)
OLD = NOW - dt.timedelta(days=400)
RECENT = NOW - dt.timedelta(days=10)
_ids = itertools.count(1)


def row(table: sa.Table, at: dt.datetime, **given: Any) -> dict[str, Any]:
    """A row with every required column filled (ids unique), `at` in every time column, `given` on top."""
    values: dict[str, Any] = {}
    for column in table.c:
        if column.name in given or column.nullable or column.server_default is not None or column.autoincrement is True:
            continue
        kind = dt.datetime if isinstance(column.type, UtcDateTime) else list if isinstance(column.type, sa.JSON) else column.type.python_type
        if kind is str:
            values[column.name] = f"{column.name}-{next(_ids)}"
        elif kind is bool:
            values[column.name] = False
        elif kind is int:
            values[column.name] = 0
        elif kind is float:
            values[column.name] = 0.0
        elif kind is dt.datetime:
            values[column.name] = at
        elif kind is dt.date:
            values[column.name] = at.date()
        elif kind is bytes:
            values[column.name] = b""
        else:
            values[column.name] = [] if kind is list else {}
    return {**values, **given}


async def none_held() -> list[HoldInForce]:
    """goals' answer when no legal hold is in force."""
    return []


def deleted_metric(service: str, kind: str) -> float:
    return REGISTRY.get_sample_value("paars_retention_deleted_total", {"service": service, "kind": kind}) or 0.0


async def count(db: Database, table: sa.Table) -> int:
    async with db.read() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())


async def audit_lines(db: Database, table: sa.Table) -> list[dict[str, Any]]:
    async with db.read() as conn:
        return [dict(r) for r in (await conn.execute(sa.select(table).order_by(table.c.id))).mappings().all()]


@pytest.fixture
async def feedback_db(database_url: str) -> AsyncIterator[Database]:
    await migrate(database_url, FEEDBACK_MIGRATIONS)
    db = Database(database_url)
    try:
        async with db.transaction() as conn:
            await conn.execute(ft.reviews.insert(), [row(ft.reviews, OLD, id="review-1")])
            await conn.execute(ft.dialogues.insert(), [row(ft.dialogues, OLD, id="dialogue-1")])
            for at in (OLD, RECENT):
                await conn.execute(ft.feedback.insert(), [row(ft.feedback, at, receiver_id="ann", giver_id="bob")])
                await conn.execute(ft.review_responses.insert(), [row(ft.review_responses, at, review_id="review-1")])
                await conn.execute(ft.dialogue_preparations.insert(), [row(ft.dialogue_preparations, at, dialogue_id="dialogue-1")])
                await conn.execute(ft.referrals.insert(), [row(ft.referrals, at, employee_id="ann")])
                await conn.execute(ft.content_reads.insert(), [row(ft.content_reads, at, subject_id="ann")])
                await conn.execute(ft.self_assessments.insert(), [row(ft.self_assessments, at, employee_id="ann")])
        yield db
    finally:
        await db.dispose()


async def test_feedback_deletes_each_kind_past_its_period_and_records_the_run(feedback_db: Database) -> None:
    periods = {"feedback": 365, "review_answers": 365, "dialogue_preparations": 365, "referrals": 365, "read_audit": 0}
    before = deleted_metric("feedback", "feedback")
    job = feedback_data.retention(feedback_db, periods, holds=none_held)
    job.clock = lambda: NOW

    run = await job.run_once()

    # review_answers: a 360 answer and a self-assessment (the kind of their events).
    assert run.deleted == {"feedback": 1, "review_answers": 2, "dialogue_preparations": 1, "referrals": 1}
    for table in (ft.feedback, ft.review_responses, ft.self_assessments, ft.dialogue_preparations, ft.referrals):
        assert await count(feedback_db, table) == 1, table.name  # the recent one stays
    # No period for the read audit: kept whole.
    assert await count(feedback_db, ft.content_reads) == 2
    assert deleted_metric("feedback", "feedback") == before + 1
    lines = await audit_lines(feedback_db, ft.privileged_actions)
    assert [(a["action"], a["actor_id"], a["subject_id"], a["detail"]["kind"], a["detail"]["table"], a["detail"]["deleted"]) for a in lines] == [
        ("retention", "system:retention", "", kind, table, 1) for kind, table in (
            ("feedback", "feedback"), ("review_answers", "review_responses"), ("review_answers", "self_assessments"),
            ("dialogue_preparations", "dialogue_preparations"), ("referrals", "referrals"),
        )
    ]
    assert {a["detail"]["kept_by_legal_holds"] for a in lines} == {0}

    again = await job.run_once()
    assert again.deleted == {"feedback": 0, "review_answers": 0, "dialogue_preparations": 0, "referrals": 0}
    assert len(await audit_lines(feedback_db, ft.privileged_actions)) == 5  # a run that deleted nothing adds no line


async def test_conversations_deletes_private_notes_and_meeting_reads_past_their_period(database_url: str) -> None:
    await migrate(database_url, CONVERSATIONS_MIGRATIONS)
    db = Database(database_url)
    try:
        async with db.transaction() as conn:
            await conn.execute(ct.pairs.insert(), [row(ct.pairs, OLD, id="pair-1", lead_id="mgr", other_id="ann")])
            await conn.execute(ct.meetings.insert(), [row(ct.meetings, OLD, id="meeting-1", pair_id="pair-1")])
            for at in (OLD, RECENT):
                await conn.execute(ct.private_notes.insert(), [row(ct.private_notes, at, meeting_id="meeting-1", author_id="mgr")])
                await conn.execute(ct.meeting_reads.insert(), [row(ct.meeting_reads, at, meeting_id="meeting-1", reader_id="hr1")])
        job = conversations_data.retention(db, {"notes": 30, "read_audit": 90}, holds=none_held)
        job.clock = lambda: NOW

        run = await job.run_once()

        assert run.deleted == {"notes": 1, "read_audit": 1}
        assert await count(db, ct.private_notes) == 1 and await count(db, ct.meeting_reads) == 1
        assert await count(db, ct.meetings) == 1  # the meeting (its shared notes and agreements) is not a kind of retention
        assert [a["detail"]["kind"] for a in await audit_lines(db, ct.privileged_actions)] == ["notes", "read_audit"]
    finally:
        await db.dispose()


def test_the_organisation_sets_the_periods_in_the_environment() -> None:
    periods = periods_from_env(feedback_data.RETENTION, {"PAARS_RETENTION_FEEDBACK_DAYS": "1095", "PAARS_RETENTION_READ_AUDIT_DAYS": "365"})
    assert periods == {"outbox": 0, "feedback": 1095, "review_answers": 0, "dialogue_preparations": 0, "referrals": 0, "read_audit": 365}


OUTBOX_SERVICES = {
    "goals": (GOALS_MIGRATIONS, gt, goals_data), "notifications": (NOTIFICATIONS_MIGRATIONS, nt, notifications_data),
    "story": (STORY_MIGRATIONS, st, story_data),
}


@pytest.mark.parametrize("service", sorted(OUTBOX_SERVICES))
async def test_a_service_deletes_the_events_it_sent_long_ago_and_never_an_unsent_one(database_url: str, service: str) -> None:
    migrations, tables, data = OUTBOX_SERVICES[service]
    await migrate(database_url, migrations)
    db = Database(database_url)
    outbox = tables.platform["outbox"]
    try:
        async with db.transaction() as conn:
            for event_id, created, sent in (("sent-long-ago", OLD, OLD), ("sent-lately", RECENT, RECENT), ("never-sent", OLD, None)):
                await conn.execute(outbox.insert(), [row(outbox, created, event_id=event_id, record_key=b"ann", payload=b"x", headers=[], sent_at=sent)])
        job = data.retention(db, {"outbox": 90})
        job.clock = lambda: NOW

        assert (await job.run_once()).deleted == {"outbox": 1}

        async with db.read() as conn:
            left = sorted((await conn.execute(sa.select(outbox.c.event_id))).scalars().all())
        assert left == ["never-sent", "sent-lately"]
        assert [a["detail"]["kind"] for a in await audit_lines(db, tables.privileged_actions)] == ["outbox"]
    finally:
        await db.dispose()


async def test_conversations_empties_shared_notes_and_coaching_notes_past_their_period_and_keeps_the_meetings(database_url: str) -> None:
    await migrate(database_url, CONVERSATIONS_MIGRATIONS)
    db = Database(database_url)
    topic = [{"id": "t1", "author_id": "ann", "text": "my raise", "link_kind": "NONE", "link_id": "", "added_at": OLD.isoformat()}]
    note = [{"id": "n1", "author_id": "mgr", "text": "we agreed", "written_at": OLD.isoformat()}]
    try:
        async with db.transaction() as conn:
            await conn.execute(ct.pairs.insert(), [row(ct.pairs, OLD, id="pair-1", lead_id="mgr", other_id="ann")])
            await conn.execute(ct.coaching_requests.insert(), [row(ct.coaching_requests, OLD, id="request-1", coachee_id="ann", coach_id="koen")])
            await conn.execute(ct.circles.insert(), [row(ct.circles, OLD, id="circle-1")])
            for name, at in (("old", OLD), ("recent", RECENT)):
                await conn.execute(ct.meetings.insert(), [row(
                    ct.meetings, at, id=f"meeting-{name}", pair_id="pair-1", agenda=topic, shared_notes=note, agreements=[],
                )])
                await conn.execute(ct.coaching_sessions.insert(), [row(ct.coaching_sessions, at, id=f"session-{name}", request_id="request-1", notes="felt stuck")])
                await conn.execute(ct.circle_sessions.insert(), [row(
                    ct.circle_sessions, at, id=f"circle-session-{name}", circle_id="circle-1", case_text="my case", notes="ideas",
                )])
        job = conversations_data.retention(db, {"shared_notes": 180, "coaching_notes": 180}, holds=none_held)
        job.clock = lambda: NOW
        before = deleted_metric("conversations", "coaching_notes")

        run = await job.run_once()

        assert run.deleted == {"shared_notes": 1, "coaching_notes": 2}
        async with db.read() as conn:
            meetings = {r.id: r for r in (await conn.execute(sa.select(ct.meetings))).all()}
            sessions = {r.id: r.notes for r in (await conn.execute(sa.select(ct.coaching_sessions))).all()}
            circle = {r.id: (r.case_text, r.notes) for r in (await conn.execute(sa.select(ct.circle_sessions))).all()}
        # The rows stay (a meeting held, a session held), only what was written in them goes.
        assert (meetings["meeting-old"].agenda, meetings["meeting-old"].shared_notes, meetings["meeting-old"].agreements) == ([], [], [])
        assert (meetings["meeting-recent"].agenda, meetings["meeting-recent"].shared_notes) == (topic, note)
        assert sessions == {"session-old": "", "session-recent": "felt stuck"}
        assert circle == {"circle-session-old": ("", ""), "circle-session-recent": ("my case", "ideas")}
        assert deleted_metric("conversations", "coaching_notes") == before + 2
        lines = await audit_lines(db, ct.privileged_actions)
        assert [(a["actor_id"], a["detail"]["kind"], a["detail"]["table"], a["detail"]["emptied"], a["detail"]["deleted"]) for a in lines] == [
            ("system:retention", "shared_notes", "meetings", ["agenda", "shared_notes", "agreements"], 1),
            ("system:retention", "coaching_notes", "coaching_sessions", ["notes"], 1),
            ("system:retention", "coaching_notes", "circle_sessions", ["case_text", "notes"], 1),
        ]

        # What is already empty is not emptied again: a second run counts nothing and adds no line.
        assert (await job.run_once()).deleted == {"shared_notes": 0, "coaching_notes": 0}
        assert len(await audit_lines(db, ct.privileged_actions)) == 3
    finally:
        await db.dispose()


async def test_notifications_deletes_prompts_and_deliveries_past_their_period_but_never_a_held_prompt_or_a_pending_delivery(database_url: str) -> None:
    await migrate(database_url, NOTIFICATIONS_MIGRATIONS)
    db = Database(database_url)
    try:
        async with db.transaction() as conn:
            for name, at, state in (("released-old", OLD, "released"), ("dropped-old", OLD, "dropped"), ("held-old", OLD, "held"), ("released-recent", RECENT, "released")):
                await conn.execute(nt.prompts.insert(), [row(nt.prompts, at, id=name, recipient_id="ann", state=state, cursor=None, moment_id=None)])
            for name, at, state in (("sent-old", OLD, "sent"), ("cancelled-old", OLD, "cancelled"), ("pending-old", OLD, "pending"), ("sent-recent", RECENT, "sent")):
                await conn.execute(nt.deliveries.insert(), [row(nt.deliveries, at, delivery_key=name, owner_id="ann", state=state)])
        job = notifications_data.retention(db, {"prompts": 90, "deliveries": 30}, holds=none_held)
        job.clock = lambda: NOW
        before = deleted_metric("notifications", "prompts")

        assert (await job.run_once()).deleted == {"prompts": 2, "deliveries": 2}

        async with db.read() as conn:
            prompts = sorted((await conn.execute(sa.select(nt.prompts.c.id))).scalars().all())
            deliveries = sorted((await conn.execute(sa.select(nt.deliveries.c.delivery_key))).scalars().all())
        assert prompts == ["held-old", "released-recent"]
        assert deliveries == ["pending-old", "sent-recent"]
        assert deleted_metric("notifications", "prompts") == before + 2
        assert [(a["detail"]["kind"], a["detail"]["deleted"]) for a in await audit_lines(db, nt.privileged_actions)] == [("prompts", 2), ("deliveries", 2)]
    finally:
        await db.dispose()


def test_notes_prompts_and_deliveries_are_set_in_the_environment_like_every_kind() -> None:
    environ = {"PAARS_RETENTION_SHARED_NOTES_DAYS": "730", "PAARS_RETENTION_COACHING_NOTES_DAYS": "365", "PAARS_RETENTION_PROMPTS_DAYS": "180"}
    assert periods_from_env(conversations_data.RETENTION, environ) == {
        "outbox": 0, "notes": 0, "read_audit": 0, "shared_notes": 730, "coaching_notes": 365, "answers": 0,
    }
    assert periods_from_env(notifications_data.RETENTION, {**environ, "PAARS_RETENTION_DELIVERIES_DAYS": "30"}) == {
        "outbox": 0, "prompts": 180, "deliveries": 30,
    }


# ---------- legal holds keep a held person's rows ----------

HOLDS = [
    HoldInForce("ann", "feedback", "feedback_received", "ann's dismissal is disputed in court", "hold-1"),
    HoldInForce("ann", "feedback", "reviews", "the signed review is evidence", "hold-2"),
    HoldInForce("ann", "", "referrals", "the referral is part of the case", "hold-3"),
    # Another service's kind of the same name: keeps nothing here.
    HoldInForce("bob", "conversations", "read_audit", "a different matter", "hold-4"),
]


def rows_held_metric(service: str, kind: str) -> float | None:
    return REGISTRY.get_sample_value("paars_retention_rows_held", {"service": service, "kind": kind})


async def ids(db: Database, column: sa.Column[Any]) -> list[Any]:
    async with db.read() as conn:
        return sorted((await conn.execute(sa.select(column))).scalars().all())


async def test_feedback_keeps_a_held_persons_old_rows_of_the_held_kinds_and_deletes_an_unheld_persons(database_url: str) -> None:
    await migrate(database_url, FEEDBACK_MIGRATIONS)
    db = Database(database_url)
    try:
        async with db.transaction() as conn:
            await conn.execute(ft.reviews.insert(), [row(ft.reviews, OLD, id=f"review-{p}", subject_id=p, manager_id="mgr") for p in ("ann", "bob")])
            await conn.execute(ft.feedback.insert(), [
                row(ft.feedback, OLD, id="to-ann", receiver_id="ann", giver_id="carl"),
                row(ft.feedback, OLD, id="to-bob", receiver_id="bob", giver_id="dan"),
                # Given by ann: feedback_given, which no hold names.
                row(ft.feedback, OLD, id="from-ann", receiver_id="eve", giver_id="ann"),
                row(ft.feedback, RECENT, id="to-bob-recent", receiver_id="bob", giver_id="dan"),
            ])
            await conn.execute(ft.review_responses.insert(), [
                row(ft.review_responses, OLD, id=f"answer-{p}", review_id=f"review-{p}") for p in ("ann", "bob")
            ])
            await conn.execute(ft.self_assessments.insert(), [
                row(ft.self_assessments, OLD, id="self-ann-review", employee_id="ann", review_id="review-ann"),
                # Not part of a review (review_id NULL): "self_assessments", which no hold names.
                row(ft.self_assessments, OLD, id="self-ann-alone", employee_id="ann", review_id=None),
                row(ft.self_assessments, OLD, id="self-bob-review", employee_id="bob", review_id="review-bob"),
            ])
            await conn.execute(ft.referrals.insert(), [row(ft.referrals, OLD, id=f"referral-{p}", employee_id=p, raised_by="mgr") for p in ("ann", "bob")])
            await conn.execute(ft.content_reads.insert(), [row(ft.content_reads, OLD, subject_id=p) for p in ("ann", "bob")])

        async def holds() -> list[HoldInForce]:
            return HOLDS

        periods = {"feedback": 365, "review_answers": 365, "referrals": 365, "read_audit": 365}
        job = feedback_data.retention(db, periods, holds=holds)
        job.clock = lambda: NOW

        run = await job.run_once()

        assert run.deleted == {"feedback": 2, "review_answers": 3, "referrals": 1, "read_audit": 2}
        assert run.kept == {"feedback": 1, "review_answers": 2, "referrals": 1, "read_audit": 0}
        assert await ids(db, ft.feedback.c.id) == ["to-ann", "to-bob-recent"]
        assert await ids(db, ft.review_responses.c.id) == ["answer-ann"]
        assert await ids(db, ft.self_assessments.c.id) == ["self-ann-review"]
        assert await ids(db, ft.referrals.c.id) == ["referral-ann"]
        assert await count(db, ft.content_reads) == 0
        assert (rows_held_metric("feedback", "feedback"), rows_held_metric("feedback", "review_answers")) == (1, 2)
        lines = {(a["detail"]["kind"], a["detail"]["table"]): a["detail"] for a in await audit_lines(db, ft.privileged_actions)}
        assert {k: (d["deleted"], d["kept_by_legal_holds"]) for k, d in lines.items()} == {
            ("feedback", "feedback"): (2, 1), ("review_answers", "review_responses"): (1, 1), ("review_answers", "self_assessments"): (2, 1),
            ("referrals", "referrals"): (1, 1), ("read_audit", "content_reads"): (2, 0),
        }
        # The reason is recorded with what it kept.
        assert lines[("feedback", "feedback")]["legal_holds"] == [
            {"hold_id": "hold-1", "person_id": "ann", "service": "feedback", "kind": "feedback_received", "reason": "ann's dismissal is disputed in court"},
        ]
        assert [h["hold_id"] for h in lines[("review_answers", "self_assessments")]["legal_holds"]] == ["hold-2"]
        assert [h["hold_id"] for h in lines[("referrals", "referrals")]["legal_holds"]] == ["hold-3"]
        assert "legal_holds" not in lines[("read_audit", "content_reads")]

        # Once the holds are released, the next run deletes what they kept.
        job.holds = none_held
        again = await job.run_once()
        assert again.deleted == {"feedback": 1, "review_answers": 2, "referrals": 1, "read_audit": 0}
        assert rows_held_metric("feedback", "feedback") == 0
    finally:
        await db.dispose()


async def test_feedback_deletes_nothing_a_hold_could_keep_when_the_holds_cannot_be_read_and_still_the_outbox(database_url: str) -> None:
    await migrate(database_url, FEEDBACK_MIGRATIONS)
    db = Database(database_url)
    outbox = ft.platform["outbox"]
    try:
        async with db.transaction() as conn:
            await conn.execute(ft.feedback.insert(), [row(ft.feedback, OLD, receiver_id="bob", giver_id="dan")])
            await conn.execute(outbox.insert(), [row(outbox, OLD, event_id="sent-long-ago", record_key=b"bob", payload=b"x", headers=[], sent_at=OLD)])

        async def unreachable() -> list[HoldInForce]:
            raise ConnectionError("goals is not answering")

        runs = REGISTRY.get_sample_value("paars_retention_runs_total", {"service": "feedback", "outcome": "holds_unavailable"}) or 0.0
        job = feedback_data.retention(db, {"feedback": 365, "outbox": 90}, holds=unreachable)
        job.clock = lambda: NOW

        run = await job.run_once()

        assert run.skipped == ("feedback",) and run.deleted == {"outbox": 1}
        assert await count(db, ft.feedback) == 1 and await count(db, outbox) == 0
        assert REGISTRY.get_sample_value("paars_retention_runs_total", {"service": "feedback", "outcome": "holds_unavailable"}) == runs + 1
        assert [a["detail"]["kind"] for a in await audit_lines(db, ft.privileged_actions)] == ["outbox"]
    finally:
        await db.dispose()


async def test_conversations_keeps_a_held_persons_notes_and_shared_notes_and_empties_an_unheld_pairs(database_url: str) -> None:
    await migrate(database_url, CONVERSATIONS_MIGRATIONS)
    db = Database(database_url)
    note = [{"id": "n1", "author_id": "mgr", "text": "we agreed", "written_at": OLD.isoformat()}]
    try:
        async with db.transaction() as conn:
            await conn.execute(ct.pairs.insert(), [row(ct.pairs, OLD, id=f"pair-{p}", lead_id="mgr", other_id=p) for p in ("ann", "bob")])
            await conn.execute(ct.meetings.insert(), [
                row(ct.meetings, OLD, id=f"meeting-{p}", pair_id=f"pair-{p}", agenda=[], shared_notes=note, agreements=[]) for p in ("ann", "bob")
            ])
            await conn.execute(ct.private_notes.insert(), [
                row(ct.private_notes, OLD, id="note-by-ann", meeting_id="meeting-ann", author_id="ann"),
                row(ct.private_notes, OLD, id="note-by-mgr", meeting_id="meeting-ann", author_id="mgr"),
            ])

        async def holds() -> list[HoldInForce]:
            return [
                HoldInForce("ann", "conversations", "meetings", "what was agreed in the 1:1s is disputed", "hold-m"),
                HoldInForce("ann", "conversations", "private_notes", "her own notes are evidence", "hold-n"),
            ]

        job = conversations_data.retention(db, {"notes": 30, "shared_notes": 180}, holds=holds)
        job.clock = lambda: NOW

        run = await job.run_once()

        assert run.deleted == {"notes": 1, "shared_notes": 1} and run.kept == {"notes": 1, "shared_notes": 1}
        assert await ids(db, ct.private_notes.c.id) == ["note-by-ann"]
        async with db.read() as conn:
            shared = {r.id: r.shared_notes for r in (await conn.execute(sa.select(ct.meetings))).all()}
        assert shared == {"meeting-ann": note, "meeting-bob": []}
        assert rows_held_metric("conversations", "shared_notes") == 1
        lines = {a["detail"]["kind"]: a["detail"] for a in await audit_lines(db, ct.privileged_actions)}
        assert (lines["shared_notes"]["kept_by_legal_holds"], [h["hold_id"] for h in lines["shared_notes"]["legal_holds"]]) == (1, ["hold-m"])
        assert (lines["notes"]["kept_by_legal_holds"], [h["hold_id"] for h in lines["notes"]["legal_holds"]]) == (1, ["hold-n"])

        # Kept rows are counted at every run (the gauge says what is still held); the audit gets a line again only
        # when a run deletes something or what the holds keep changes.
        again = await job.run_once()
        assert again.deleted == {"notes": 0, "shared_notes": 0} and again.kept == {"notes": 1, "shared_notes": 1}
        assert len(await audit_lines(db, ct.privileged_actions)) == 2
    finally:
        await db.dispose()
