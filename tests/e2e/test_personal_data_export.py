"""Issue 18 item 3 through the real stack (every service a process on PostgreSQL, the embedded broker): `paars export`
writes one zip with everything Paars holds about the caller, and nothing about anyone else; HR exports with a
stated reason, which the person then reads in their own export (item 6)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from typing import Any

import grpc
import pytest

from paars.common.v1 import event_pb2
from paars.conversations.v1 import conversations_pb2 as cpb
from paars.conversations.v1 import conversations_pb2_grpc
from paars.feedback.v1 import feedback_pb2 as fpb
from paars.feedback.v1 import feedback_pb2_grpc
from paars.goals.v1 import goals_pb2, goals_pb2_grpc
from paars.privacy.v1 import privacy_pb2, privacy_pb2_grpc
from tests.chaos.stack_under_test import RunningStack
from tests.helpers import auth

pytestmark = pytest.mark.e2e

ANON_TEXT = "Anonymous: the stand-up notes could be shorter and sent before ten."
CAS_TEXT = "Only about Cas: the release checklist was complete and on time."
ANN_PRIVATE = "Ann's own private note: ask about the training budget."
MGR_PRIVATE = "Mo's private note about Ann: check her workload before the review."


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


def _feedback(receiver: str, text: str, visibility: int) -> fpb.GiveFeedbackRequest:
    return fpb.GiveFeedbackRequest(
        receiver_id=receiver, kind=fpb.FEEDBACK_KIND_CONSTRUCTIVE, relation=fpb.RELATION_PEER, setting=fpb.FEEDBACK_SETTING_INFORMAL,
        text=text, visibility=visibility,
        examples=[fpb.Example(situation="the stand-up on Tuesday", behaviour="read every ticket aloud", impact="we ran ten minutes over")],
    )


@pytest.fixture(scope="module")
def seeded(running_stack: RunningStack) -> dict[str, str]:
    """Beside the stack's seed (ann's goal, mgr's feedback to ann): bob's anonymous feedback to ann, ann's to cas,
    feedback only about cas, and a 1:1 of mgr and ann where each writes a private note."""
    fb = feedback_pb2_grpc.FeedbackServiceStub(running_stack.channel("feedback"))
    anon = _retry(lambda: fb.GiveFeedback(_feedback("ann", ANON_TEXT, event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE), metadata=auth("bob"), timeout=10))
    _retry(lambda: fb.GiveFeedback(_feedback("cas", CAS_TEXT, event_pb2.VISIBILITY_RECEIVER_AND_MANAGER), metadata=auth("bob"), timeout=10))
    given = _retry(lambda: fb.GiveFeedback(_feedback("cas", "Ann to Cas: thanks for covering my shift.", event_pb2.VISIBILITY_RECEIVER_AND_MANAGER), metadata=auth("ann"), timeout=10))
    conv = conversations_pb2_grpc.ConversationsServiceStub(running_stack.channel("conversations"))
    pair = _retry(lambda: conv.SchedulePair(cpb.SchedulePairRequest(other_id="ann", kind=cpb.PAIR_KIND_MANAGER_REPORT, first_on="2030-01-07"), metadata=auth("mgr", "manager"), timeout=10))
    meeting = pair.next_meeting_id
    conv.AddNote(cpb.AddNoteRequest(meeting_id=meeting, text=MGR_PRIVATE, private=True), metadata=auth("mgr", "manager"), timeout=10)
    _retry(lambda: conv.AddNote(cpb.AddNoteRequest(meeting_id=meeting, text=ANN_PRIVATE, private=True), metadata=auth("ann"), timeout=10))
    # Analytics learns the directory from its own consumer: wait until it knows ann and hr1.
    analytics = privacy_pb2_grpc.PersonalDataStub(running_stack.channel("analytics"))
    for who in ("ann", "hr1"):
        _retry(lambda: analytics.ExportPersonData(privacy_pb2.ExportPersonDataRequest(), metadata=auth(who), timeout=10))  # noqa: B023
    return {"anonymous": anon.id, "given": given.id, "meeting": meeting}


def _cli_export(running_stack: RunningStack, tmp: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAARS_ENVIRONMENT": "development"}
    for name in running_stack.channels:
        env[f"PAARS_{name.upper()}_ADDR"] = f"127.0.0.1:{running_stack.stack.grpc_port(name)}"
    return subprocess.run([sys.executable, "-m", "paars_cli", "export", *args], capture_output=True, text=True, env=env, cwd=tmp, timeout=120)


def _read(path: Any) -> dict[str, Any]:
    with zipfile.ZipFile(path) as z:
        return {name: (json.loads(z.read(name)) if name.endswith(".json") else z.read(name).decode()) for name in z.namelist()}


def test_a_person_exports_everything_about_them_and_nothing_about_anyone_else(running_stack: RunningStack, seeded: dict[str, str], tmp_path: Any) -> None:
    done = _cli_export(running_stack, tmp_path, "--as", "ann", "--out", "ann.zip")
    assert done.returncode == 0, done.stderr + done.stdout
    archive = _read(tmp_path / "ann.zip")
    assert {"goals.json", "feedback.json", "conversations.json", "story.json", "notifications.json", "analytics.json",
            "topics.json", "audit.json", "summary.nl.md", "summary.en.md"} <= set(archive)
    for name in ("goals", "feedback", "conversations", "story", "notifications", "analytics"):
        assert "problem" not in archive[f"{name}.json"], archive[f"{name}.json"]
    analytics = archive["analytics.json"]["data"]
    assert [s["window_days"] for s in analytics["signals"]] == [30, 90] and analytics["signals"][0]["employee_id"] == "ann"
    assert any(t.endswith("-people-changelog") for t in analytics["changelog_topics"]), analytics["changelog_topics"]

    feedback = archive["feedback.json"]["data"]
    received = {f["id"]: f for f in feedback["feedback_received"]}
    assert running_stack.private["feedback"] in received  # mgr's feedback to ann (the stack's seed)
    assert received[seeded["anonymous"]]["text"] == ANON_TEXT and received[seeded["anonymous"]]["giver_id"] == ""
    assert [f["id"] for f in feedback["feedback_given"]] == [seeded["given"]]
    assert any(p["id"] == "ann" for p in feedback["directory"])

    goals = archive["goals.json"]["data"]
    assert running_stack.private["goal"] in {g["id"] for g in goals["goals"]}
    assert [e["id"] for e in goals["directory"]] == ["ann"]

    notes = archive["conversations.json"]["data"]["private_notes"]
    assert [n["text"] for n in notes] == [ANN_PRIVATE]
    assert seeded["meeting"] in {m["id"] for m in archive["conversations.json"]["data"]["meetings"]}

    # Events keyed by ann: the goal and the feedback she received, on their topics.
    assert "goals.goal-updated.v1" in archive["topics.json"] and "feedback.feedback-given.v1" in archive["topics.json"]

    whole = json.dumps(archive, ensure_ascii=False)
    for never in (CAS_TEXT, MGR_PRIVATE, "Bob Claes", "Cas Janssens"):
        assert never not in whole, never
    # The anonymous giver is named nowhere in the archive (bob appears in no row of ann's).
    assert '"bob"' not in whole
    assert "Wat Paars over ann bewaart" in archive["summary.nl.md"] and "What Paars holds about ann" in archive["summary.en.md"]


def test_hr_exports_with_a_reason_the_person_then_sees_and_no_one_else_may(running_stack: RunningStack, seeded: dict[str, str], tmp_path: Any) -> None:
    stub = privacy_pb2_grpc.PersonalDataStub(running_stack.channel("feedback"))
    with pytest.raises(grpc.RpcError) as refused:
        stub.ExportPersonData(privacy_pb2.ExportPersonDataRequest(person_id="ann", reason="curious"), metadata=auth("bob"), timeout=10)
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED  # type: ignore[attr-defined]

    no_reason = _cli_export(running_stack, tmp_path, "--as", "hr1", "--person", "ann", "--out", "none.zip")
    assert no_reason.returncode == 1 and "reason" in no_reason.stderr and not (tmp_path / "none.zip").exists()

    reason = "Ann asked HR for her data by e-mail on 1 December"
    done = _cli_export(running_stack, tmp_path, "--as", "hr1", "--person", "ann", "--reason", reason, "--out", "hr.zip")
    assert done.returncode == 0, done.stderr
    by_hr = _read(tmp_path / "hr.zip")
    assert [f["id"] for f in by_hr["feedback.json"]["data"]["feedback_given"]] == [seeded["given"]]
    # HR gets what ann gets: someone else's private note stays out of ann's export, whoever asks for it.
    assert MGR_PRIVATE not in json.dumps(by_hr, ensure_ascii=False)

    # HR reads ann's goal: a privileged read goals records (issue 18 item 6).
    goals_pb2_grpc.GoalServiceStub(running_stack.channel("goals")).GetGoal(
        goals_pb2.GetGoalRequest(goal_id=running_stack.private["goal"]), metadata=auth("hr1", "hr"), timeout=10,
    )
    mine = _cli_export(running_stack, tmp_path, "--as", "ann", "--out", "after.zip")
    assert mine.returncode == 0, mine.stderr
    audit = _read(tmp_path / "after.zip")["audit.json"]
    exports = [a for a in audit if a["action"] == "export" and a["actor_id"] == "hr1"]
    assert {a["service"] for a in exports} == {"goals", "feedback", "conversations", "story", "notifications"}
    assert all(a["reason"] == reason and a["subject_id"] == "ann" for a in exports)
    reads = [a for a in audit if a["action"] == "read" and a["service"] == "goals"]
    assert [(a["actor_id"], a["detail"]["path"], a["detail"]["goal_ids"]) for a in reads] == [("hr1", "GetGoal", [running_stack.private["goal"]])]
    listed = stub.ListPrivilegedActions(privacy_pb2.ListPrivilegedActionsRequest(), metadata=auth("ann"), timeout=10)
    assert [(a.action, a.actor_id, a.reason) for a in listed.actions] == [("export", "hr1", reason)]
