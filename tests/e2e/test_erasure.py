"""Issue 18 item 4 through the real stack (every service a process on PostgreSQL, the embedded broker): a person with
data in every service and a legal hold on one kind; HR erases them with `paars erase`; every service reports
erased, the held rows are kept with the reason, nothing else about the person is left in any service's database,
a second ErasePerson changes nothing, and the consumers keep working for everyone else.

The place to extend with the topic check (helper A's crypto-shredding): after the erasure below, read every topic
from the beginning and find nothing readable about EVE."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from paars.common.v1 import event_pb2
from paars.conversations.v1 import conversations_pb2 as cpb
from paars.conversations.v1 import conversations_pb2_grpc
from paars.feedback.v1 import feedback_pb2 as fpb
from paars.feedback.v1 import feedback_pb2_grpc
from paars.goals.v1 import goals_pb2, goals_pb2_grpc
from paars.notifications.v1 import notifications_pb2 as npb
from paars.notifications.v1 import notifications_pb2_grpc
from paars.org.v1 import org_pb2, org_pb2_grpc
from paars.privacy.v1 import privacy_pb2, privacy_pb2_grpc
from paars.story.v1 import story_pb2, story_pb2_grpc
from paars_conversations.adapters import person_data as conversations_data
from paars_feedback.adapters import person_data as feedback_data
from paars_goals.adapters import person_data as goals_data
from paars_notifications.adapters import person_data as notifications_data
from paars_platform.db import Database
from paars_platform.personal_data import PersonalDataStore
from paars_story.adapters import person_data as story_data
from tests.chaos.stack_under_test import RunningStack
from tests.helpers import auth, system_auth

pytestmark = pytest.mark.e2e

EVE = "eve"
EVE_NAME = "Eve Everaert"
# What eve wrote or was written about her, one text per service.
GOAL_TITLE = "Eve learns the invoicing flow end to end"
HELD_TEXT = "Eve's incident write-up left out the customer impact; lead with it next time."
GIVEN_TEXT = "From Eve to Cas: the release checklist saved the evening."
NOTE_TEXT = "Eve's own note: ask Mo about the conference budget."
AMBITION_TEXT = "Eve wants to lead the billing team within two years."
HOLD_REASON = "Eve's feedback is evidence in an open grievance (case 2030-17)"
ERASE_REASON = "Eve left on 30 November and asked to be forgotten (art. 17)"
WITH_DATABASE: dict[str, Any] = {
    "goals": goals_data, "feedback": feedback_data, "notifications": notifications_data, "story": story_data, "conversations": conversations_data,
}


def _retry(call: Callable[[], Any], timeout: float = 90.0) -> Any:
    """A call that waits for the directory to reach the service (UNAUTHENTICATED / NOT_FOUND until it has)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except grpc.RpcError as err:
            if err.code() not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNAUTHENTICATED) or time.monotonic() > deadline:  # type: ignore[attr-defined]
                raise
            time.sleep(0.3)


def _until(check: Callable[[], Any], what: str, timeout: float = 90.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def _feedback(receiver: str, text: str) -> fpb.GiveFeedbackRequest:
    return fpb.GiveFeedbackRequest(
        receiver_id=receiver, kind=fpb.FEEDBACK_KIND_CONSTRUCTIVE, relation=fpb.RELATION_PEER, setting=fpb.FEEDBACK_SETTING_INFORMAL,
        text=text, visibility=event_pb2.VISIBILITY_RECEIVER_AND_MANAGER,
        examples=[fpb.Example(situation="the Tuesday release", behaviour="went through the list", impact="nothing was missed")],
    )


def _seed_eve(stack: RunningStack) -> dict[str, str]:
    org_pb2_grpc.OrgServiceStub(stack.channel("goals")).ImportDirectory(org_pb2.ImportDirectoryRequest(employees=[
        org_pb2.Employee(id=EVE, name=EVE_NAME, email="eve@paars.example", manager_id="mgr", team_id="team-a", roles=[org_pb2.ROLE_EMPLOYEE], active=True),
    ]), metadata=system_auth(), timeout=30)
    goal = goals_pb2_grpc.GoalServiceStub(stack.channel("goals")).ProposeGoal(goals_pb2.ProposeGoalRequest(
        kind=1, level=3, title=GOAL_TITLE, owner_id=EVE, due_date="2030-01-01", key_results=[goals_pb2.KeyResult(title="k", start_value=0, target_value=1)],
    ), metadata=auth(EVE), timeout=10)
    fb = feedback_pb2_grpc.FeedbackServiceStub(stack.channel("feedback"))
    held = _retry(lambda: fb.GiveFeedback(_feedback(EVE, HELD_TEXT), metadata=auth("mgr", "manager"), timeout=10))
    given = _retry(lambda: fb.GiveFeedback(_feedback("cas", GIVEN_TEXT), metadata=auth(EVE), timeout=10))
    conv = conversations_pb2_grpc.ConversationsServiceStub(stack.channel("conversations"))
    pair = _retry(lambda: conv.SchedulePair(cpb.SchedulePairRequest(other_id=EVE, kind=cpb.PAIR_KIND_MANAGER_REPORT, first_on="2030-01-07"), metadata=auth("mgr", "manager"), timeout=10))
    _retry(lambda: conv.AddNote(cpb.AddNoteRequest(meeting_id=pair.next_meeting_id, text=NOTE_TEXT, private=True), metadata=auth(EVE), timeout=10))
    story = story_pb2_grpc.StoryServiceStub(stack.channel("story"))
    _retry(lambda: story.SaveAmbition(story_pb2.SaveAmbitionRequest(text=AMBITION_TEXT), metadata=auth(EVE), timeout=10))
    notifications = notifications_pb2_grpc.NotificationServiceStub(stack.channel("notifications"))
    _retry(lambda: notifications.SetPreferences(npb.SetPreferencesRequest(preferences=npb.Preferences(language="nl"), update_mask={"paths": ["language"]}), metadata=auth(EVE), timeout=10))
    analytics = privacy_pb2_grpc.PersonalDataStub(stack.channel("analytics"))
    _retry(lambda: analytics.ExportPersonData(privacy_pb2.ExportPersonDataRequest(), metadata=auth(EVE), timeout=10))
    return {"goal": goal.id, "held": held.id, "given": given.id, "meeting": pair.next_meeting_id}


def _cli(stack: RunningStack, cwd: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAARS_ENVIRONMENT": "development"}
    for name in stack.channels:
        env[f"PAARS_{name.upper()}_ADDR"] = f"127.0.0.1:{stack.stack.grpc_port(name)}"
    return subprocess.run([sys.executable, "-m", "paars_cli", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=180)


def _status(stack: RunningStack, service: str) -> privacy_pb2.ErasureStatus:
    stub = privacy_pb2_grpc.PersonalDataStub(stack.channel(service))
    answer: privacy_pb2.ErasureStatus = stub.GetErasureStatus(privacy_pb2.GetErasureStatusRequest(person_id=EVE), metadata=auth("hr1", "hr"), timeout=10)
    return answer


async def _database(url: str, store: PersonalDataStore, kinds: Any) -> tuple[dict[str, int], int, str]:
    """Rows of every kind still about eve, outbox rows keyed by her, and every row of every table as text."""
    db = Database(url)
    try:
        async with db.read() as conn:
            about = {k.name: int((await conn.execute(sa.select(sa.func.count()).select_from(k.table).where(k.rows_about(EVE)))).scalar_one()) for k in kinds if not k.directory_record}
            keyed = int((await conn.execute(sa.select(sa.func.count()).select_from(store.outbox).where(store.outbox.c.record_key == EVE.encode()))).scalar_one())
            dump = []
            for table in store.outbox.metadata.sorted_tables:
                if table is store.outbox:
                    continue  # payloads are bytes; the rows keyed by eve are counted above
                dump.extend(f"{table.name}: " + json.dumps(dict(r), default=str, ensure_ascii=False) for r in (await conn.execute(sa.select(table))).mappings())
    finally:
        await db.dispose()
    return about, keyed, "\n".join(dump)


def test_hr_erases_a_person_from_every_service_keeping_what_a_legal_hold_names(running_stack: RunningStack, tmp_path: Any) -> None:
    stack = running_stack
    seeded = _seed_eve(stack)
    privacy = privacy_pb2_grpc.PersonalDataStub(stack.channel("goals"))
    hold = privacy.PlaceLegalHold(privacy_pb2.PlaceLegalHoldRequest(person_id=EVE, service="feedback", kind="feedback_received", reason=HOLD_REASON),
                                  metadata=auth("hr1", "hr"), timeout=10)
    # Only HR, and a reason is named when missing.
    with pytest.raises(grpc.RpcError) as refused:
        privacy.ErasePerson(privacy_pb2.ErasePersonRequest(person_id=EVE, reason=ERASE_REASON), metadata=auth("mgr", "manager"), timeout=10)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED  # type: ignore[attr-defined]
    no_reason = _cli(stack, tmp_path, "erase", "--as", "hr1", "--roles", "hr", "--person", EVE)
    assert no_reason.returncode == 1 and "reason" in no_reason.stderr, no_reason.stderr
    # Erasure starts in goals; elsewhere it is refused as such.
    with pytest.raises(grpc.RpcError) as elsewhere:
        privacy_pb2_grpc.PersonalDataStub(stack.channel("feedback")).ErasePerson(
            privacy_pb2.ErasePersonRequest(person_id=EVE, reason=ERASE_REASON), metadata=auth("hr1", "hr"), timeout=10)
    assert elsewhere.value.code() == grpc.StatusCode.FAILED_PRECONDITION  # type: ignore[attr-defined]

    done = _cli(stack, tmp_path, "erase", "--as", "hr1", "--roles", "hr", "--person", EVE, "--reason", ERASE_REASON, "--wait", "90")
    assert done.returncode == 0, done.stderr + done.stdout
    for service in (*WITH_DATABASE, "analytics"):
        assert service in done.stdout
    statuses = {s: _until(lambda s=s: (st := _status(stack, s)).state == st.STATE_ERASED and st, f"{s} erased") for s in (*WITH_DATABASE, "analytics")}  # type: ignore[misc]
    assert [(k.kind, k.reason, k.rows) for k in statuses["feedback"].kept] == [("feedback_received", HOLD_REASON, 1)]
    assert statuses["goals"].erased["goals"] == 1 and statuses["conversations"].erased["private_notes"] == 1
    assert statuses["story"].erased["ambition"] == 1 and statuses["notifications"].erased["preferences"] == 1

    # Nothing about eve is left in any database but the held feedback, kept with the reason.
    for service, data in WITH_DATABASE.items():
        about, keyed, dump = asyncio.run(_database(stack.stack.database_urls[service], data.store(None), data.KINDS))
        held = {"feedback_received": 1} if service == "feedback" else {}
        assert {k: v for k, v in about.items() if v} == held, (service, about)
        assert keyed == (1 if service == "goals" else 0), (service, keyed)  # goals: the erased record itself
        for text in (EVE_NAME, "eve@paars.example", GOAL_TITLE, NOTE_TEXT, AMBITION_TEXT):
            assert text not in dump, (service, text, [line[:300] for line in dump.splitlines() if text in line])
        if service == "feedback":
            # Kept: what the hold names, with the reason; and the feedback eve gave cas, which is cas's (giver erased).
            assert HELD_TEXT in dump and HOLD_REASON in dump
            assert GIVEN_TEXT in dump and '"giver_id": "~erased"' in dump
        else:
            assert GIVEN_TEXT not in dump, service
    # cas keeps the feedback eve gave her, without eve's id.
    cas_feedback = feedback_pb2_grpc.FeedbackServiceStub(stack.channel("feedback")).GetFeedback(
        fpb.GetFeedbackRequest(feedback_id=seeded["given"]), metadata=auth("cas"), timeout=10)
    assert cas_feedback.giver_id != EVE

    # Erasing again changes nothing and answers the same.
    again = privacy.ErasePerson(privacy_pb2.ErasePersonRequest(person_id=EVE, reason=ERASE_REASON), metadata=auth("hr1", "hr"), timeout=10)
    assert again.erased_at == statuses["goals"].erased_at and dict(again.erased) == dict(statuses["goals"].erased)
    holds = privacy.ListLegalHolds(privacy_pb2.ListLegalHoldsRequest(person_id=EVE), metadata=auth("hr1", "hr"), timeout=10)
    assert [h.id for h in holds.holds] == [hold.id]

    # The consumers keep working for everyone else: new feedback for ann reaches her and her prompts.
    fb = feedback_pb2_grpc.FeedbackServiceStub(stack.channel("feedback"))
    # From her manager, not bob: the export test on this same stack checks that bob (her anonymous giver) is named
    # nowhere in ann's archive, prompts included.
    request = _feedback("ann", "After the erasure: thanks for the clear hand-over notes.")
    request.relation = fpb.RELATION_MANAGER
    after = fb.GiveFeedback(request, metadata=auth("mgr"), timeout=10)
    notifications = notifications_pb2_grpc.NotificationServiceStub(stack.channel("notifications"))
    _until(lambda: any(after.id in (p.ref_id, p.about_id) for p in notifications.ListPrompts(npb.ListPromptsRequest(), metadata=auth("ann"), timeout=10).prompts),
           "ann's prompt for the new feedback")
