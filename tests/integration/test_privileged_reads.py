"""Issue 18 item 6 on SQLite and PostgreSQL, through each service's own bus over its migrated database: HR reading
and handling someone's concern (conversations) and a story published over the readability check (story) become
lines of the service's privileged_actions that the person lists with ListPrivilegedActions and finds in their
export; the person's own reads and a manager's ordinary 1:1 reads write no line."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa

from paars.privacy.v1 import privacy_pb2
from paars_conversations import bootstrap as conversations
from paars_conversations.adapters import person_data as conversations_data
from paars_conversations.adapters import tables as ct
from paars_conversations.domain import concerns as cn
from paars_conversations.domain import one_on_one as o
from paars_conversations.service_layer import commands as cc
from paars_platform.auth import Identity, current_identity
from paars_platform.db import Database, migrate
from paars_platform.personal_data import ExportPersonData, PersonalDataServicer, export_person_data, privileged_actions_about
from paars_story import bootstrap as story
from paars_story.adapters import person_data as story_data
from paars_story.domain.plain_language import PlainLanguagePolicy
from paars_story.service_layer import commands as sc
from tests.unit.test_story_handlers import DENSE, MISSION

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
ANN, MGR, HR = Identity("ann", frozenset({"employee"})), Identity("mgr", frozenset({"employee", "manager"})), Identity("hr1", frozenset({"employee", "hr"}))


def lines(actions: list[Any]) -> list[tuple[str, str, str, str, str]]:
    return [(a.action, a.actor_id, a.subject_id, a.reason, a.detail["path"]) for a in actions]


async def test_hr_on_someones_concern_is_in_their_audit_and_export_and_a_managers_1_1_read_is_not(database_url: str) -> None:
    await migrate(database_url, conversations.MIGRATIONS)
    db = Database(database_url)
    try:
        async with db.transaction() as conn:
            await conn.execute(ct.people.insert(), [
                {"id": pid, "name": pid.title(), "manager_id": manager, "team_id": "t1", "roles": roles, "active": True, "version": 1, "updated_at": NOW}
                for pid, manager, roles in (("ann", "mgr", ["employee"]), ("mgr", None, ["employee", "manager"]), ("hr1", None, ["employee", "hr"]))
            ])
        bus = conversations.message_bus(db, clock=lambda: NOW)
        store = conversations_data.store(db)
        pair = await bus.handle(cc.SchedulePair(MGR, other_id="ann", kind=o.PairKind.MANAGER_REPORT, cadence_days=14, first_on=NOW.date()))
        assert pair.next_meeting is not None
        await bus.handle(cc.ReadMeeting(MGR, meeting_id=pair.next_meeting.id))
        concern = await bus.handle(cc.RaiseConcern(ANN, kind=cn.Kind.THERAPIST_ROLE, text="My manager acts as my therapist"))
        await bus.ask(cc.ListConcerns(ANN, all=False))
        assert await privileged_actions_about(ANN, "", store) == []  # her manager's 1:1 read and her own read: no line

        await bus.ask(cc.ListConcerns(HR, all=True))
        await bus.handle(cc.AcknowledgeConcern(HR, concern_id=concern.id))

        seen = await privileged_actions_about(ANN, "", store)
        assert lines(seen) == [("edit", "hr1", "ann", "as hr", "AcknowledgeConcern"), ("read", "hr1", "ann", "as hr", "ListConcerns")]
        assert all(a.detail["what"] == "concern" and a.detail["ids"] == [concern.id] for a in seen)
        assert await privileged_actions_about(MGR, "", store) == []
        # Through the RPC as the person calls it, and in her export.
        token = current_identity.set(ANN)
        try:
            listed = await PersonalDataServicer(store).ListPrivilegedActions(privacy_pb2.ListPrivilegedActionsRequest(), None)  # type: ignore[arg-type]
        finally:
            current_identity.reset(token)
        assert [(a.service, a.action, a.actor_id, json.loads(a.detail)["what"]) for a in listed.actions] == [
            ("conversations", "edit", "hr1", "concern"), ("conversations", "read", "hr1", "concern"),
        ]
        exported = await export_person_data(ExportPersonData(ANN), store)
        assert [(a["action"], a["actor_id"]) for a in exported.data["privileged_actions"]] == [("edit", "hr1"), ("read", "hr1")]
        async with db.read() as conn:
            assert (await conn.execute(sa.select(sa.func.count()).select_from(ct.privileged_actions))).scalar_one() == 2
    finally:
        await db.dispose()


async def test_a_story_published_over_the_readability_check_is_an_override_the_publisher_lists(database_url: str) -> None:
    await migrate(database_url, story.MIGRATIONS)
    db = Database(database_url)
    try:
        bus = story.message_bus(db, PlainLanguagePolicy(), clock=lambda: NOW)
        store = story_data.store(db)
        first = await bus.handle(sc.SaveDraft(HR, base_version=0, passages=(MISSION,)))
        await bus.handle(sc.PublishDraft(HR, draft_version=first.version, readability_override_reason=""))
        assert await privileged_actions_about(HR, "", store) == []  # within the check: no override

        second = await bus.handle(sc.SaveDraft(HR, base_version=first.version, passages=(MISSION, DENSE)))
        await bus.handle(sc.PublishDraft(HR, draft_version=second.version, readability_override_reason="Legal wording, agreed with the works council."))

        [line] = await privileged_actions_about(HR, "", store)
        assert (line.action, line.actor_id, line.subject_id, line.reason) == ("override", "hr1", "hr1", "as hr")
        assert line.detail == {
            "path": "PublishDraft", "what": "story", "ids": [str(second.version)], "check": "readability",
            "override_reason": "Legal wording, agreed with the works council.", "version": second.version,
        }
    finally:
        await db.dispose()
