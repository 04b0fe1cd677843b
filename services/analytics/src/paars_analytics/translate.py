"""From decoded Paars events (protobuf) to plain person updates and directory records the signal rules read."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from paars.common.v1 import event_pb2
from paars.conversations.v1 import conversations_pb2 as conv
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as goals
from paars.notifications.v1 import notifications_pb2 as notif
from paars.org.v1 import org_pb2 as org
from paars.story.v1 import story_pb2
from paars_analytics.signals.state import ANONYMOUS, PersonUpdate
from paars_platform import registry
from paars_platform.values import enum_names

RELATIONS = {
    fb.RELATION_SELF: "self", fb.RELATION_MANAGER: "manager", fb.RELATION_PEER: "peer",
    fb.RELATION_DIRECT_REPORT: "report", fb.RELATION_HR: "hr", fb.RELATION_OTHER_LEADER: "leader",
    fb.RELATION_CUSTOMER: "customer",
}
FEEDBACK_KINDS = {fb.FEEDBACK_KIND_PRAISE: "praise", fb.FEEDBACK_KIND_CONSTRUCTIVE: "constructive", fb.FEEDBACK_KIND_SUGGESTION: "suggestion"}
GOAL_KINDS = {goals.GOAL_KIND_PERFORMANCE: "performance", goals.GOAL_KIND_DEVELOPMENT: "development", goals.GOAL_KIND_WELLBEING: "wellbeing"}


def seconds(ts: Timestamp) -> float:
    return ts.seconds + ts.nanos / 1e9


def _date_seconds(value: str) -> float:
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC).timestamp() if value else 0.0
    except ValueError:
        return 0.0


_GOAL_STATUS = enum_names(goals.GoalStatus, "GOAL_STATUS_")
_ACTION_STATE = enum_names(fb.ActionItem.State, "STATE_")
_DIALOGUE_STATE = enum_names(fb.Dialogue.State, "STATE_")
_PROMPT_KIND = enum_names(notif.PromptKind, "PROMPT_KIND_")
_ROLE = enum_names(org.Role, "ROLE_")


def _goal_updated(e: goals.GoalUpdated, eid: str, at: float) -> list[PersonUpdate]:
    g = e.goal
    if g.level not in (goals.GOAL_LEVEL_INDIVIDUAL, goals.GOAL_LEVEL_UNSPECIFIED):
        return []
    key = g.owner_id or e.metadata.subject_id
    kind = GOAL_KINDS.get(g.kind, "performance")
    status = _GOAL_STATUS.get(g.status, "unspecified")
    snapshot = {
        "id": g.id, "kind": kind, "title": g.title, "progress": g.progress, "expected": g.expected_progress,
        "status": status, "agreed": g.agreement in (goals.AGREEMENT_STATE_AGREED, goals.AGREEMENT_STATE_CLOSED),
        "closed": g.agreement == goals.AGREEMENT_STATE_CLOSED or status in ("done", "dropped"),
        "check": seconds(g.last_check_in_at), "since": seconds(g.created_at) or at,
        "start": _date_seconds(g.start_date), "due": _date_seconds(g.due_date), "version": g.version,
    }
    facts: list[dict[str, Any]] = []
    changes = set(e.changes)
    if changes & {goals.GoalUpdated.CHANGE_PROGRESS, goals.GoalUpdated.CHANGE_AGREED}:
        facts.append({"k": "prog", "g": g.id, "gk": kind, "p": g.progress, "x": g.expected_progress})
    if goals.GoalUpdated.CHANGE_STATUS in changes:
        facts.append({"k": "stat", "g": g.id, "s": status})
    if e.milestone_percent > 0:
        facts.append({"k": "mile", "g": g.id, "pct": e.milestone_percent, "title": g.title})
    if goals.GoalUpdated.CHANGE_CLOSED in changes and status == "done":
        facts.append({"k": "gdone", "g": g.id})
    return [PersonUpdate(key, eid, at, facts, goal=snapshot)]


def is_anonymous(e: fb.FeedbackGiven) -> bool:
    """Anonymous-in-aggregate feedback, whichever of the two visibility fields says so."""
    return event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE in (e.visibility, e.metadata.visibility)


def _feedback_given(e: fb.FeedbackGiven, eid: str, at: float) -> list[PersonUpdate]:
    moment = seconds(e.moment_at)
    delay = (at - moment) / 3600.0 if moment else -1.0
    anonymous = is_anonymous(e)
    # An anonymous piece keeps no trace of who gave it, whatever the event carries: no relation (a
    # manager with one report would know the giver from "report: 1"), and no "given" for the giver.
    fact = {
        "k": "recv", "f": e.feedback_id, "src": ANONYMOUS if anonymous else RELATIONS.get(e.relation, "unspecified"), "ex": e.has_example,
        "fk": FEEDBACK_KINDS.get(e.kind, "praise"), "d": max(0.0, delay) if moment else -1.0,
        "formal": e.setting == fb.FEEDBACK_SETTING_FORMAL,
    }
    updates = [PersonUpdate(e.receiver_id or e.metadata.subject_id, eid, at, [fact])]
    if e.giver_id and not anonymous:
        # The giver lives on another partition: the agent routes this one through a topic keyed by giver.
        updates.append(PersonUpdate(e.giver_id, f"{eid}:given", at, [{"k": "given", "f": e.feedback_id}]))
    return updates


def _acknowledged(e: fb.FeedbackAcknowledged, eid: str, at: float) -> list[PersonUpdate]:
    fact = {"k": "ack", "f": e.feedback_id, "a": e.action_item_created, "fk": FEEDBACK_KINDS.get(e.kind, "praise")}
    return [PersonUpdate(e.receiver_id or e.metadata.subject_id, eid, at, [fact])]


def _action_item(e: fb.ActionItemUpdated, eid: str, at: float) -> list[PersonUpdate]:
    fact = {"k": "act", "a": e.action_item_id, "s": _ACTION_STATE.get(e.state, "unspecified"), "sf": e.source_feedback_id, "ak": int(e.kind)}
    return [PersonUpdate(e.employee_id or e.metadata.subject_id, eid, at, [fact])]


def _dialogue(e: fb.DialogueUpdated, eid: str, at: float) -> list[PersonUpdate]:
    fact = {"k": "dlg", "d": e.dialogue_id, "s": _DIALOGUE_STATE.get(e.state, "unspecified"), "m": e.manager_id}
    return [PersonUpdate(e.employee_id or e.metadata.subject_id, eid, at, [fact])]


def _self_assessment(e: fb.SelfAssessmentSubmitted, eid: str, at: float) -> list[PersonUpdate]:
    ratings = {r.competency: float(r.score) for r in e.ratings if r.competency}
    return [PersonUpdate(e.employee_id or e.metadata.subject_id, eid, at, [], self_ratings=ratings)]


def _review(e: fb.ReviewUpdated, eid: str, at: float) -> list[PersonUpdate]:
    subject = e.review.subject_id or e.metadata.subject_id
    facts: list[dict[str, Any]] = []
    others: dict[str, float] = {}
    if e.change == fb.ReviewUpdated.CHANGE_OPENED:
        facts.append({"k": "rev", "rv": e.review.id})
    sums: dict[str, tuple[float, int]] = {}
    for group in e.results:
        if group.group == fb.RATER_GROUP_SELF:
            continue
        weight = max(1, group.responses)
        for competency, average in group.averages.items():
            total, n = sums.get(competency, (0.0, 0))
            sums[competency] = (total + average * weight, n + weight)
    others = {c: total / n for c, (total, n) in sums.items() if n}
    overall = sum(others.values()) / len(others) if others else 0.0
    if overall > 0 or (e.rater_manager_id and e.manager_average > 0):
        facts.append({"k": "rate", "rv": e.review.id, "r": overall, "m": e.rater_manager_id, "ma": e.manager_average})
    return [PersonUpdate(subject, eid, at, facts, others_ratings=others or None)]


def _requested(e: fb.FeedbackRequested, eid: str, at: float) -> list[PersonUpdate]:
    return [PersonUpdate(e.subject_id or e.metadata.subject_id, eid, at, [{"k": "sought", "rq": e.request_id}])]


def _prompt_sent(e: notif.PromptSent, eid: str, at: float) -> list[PersonUpdate]:
    return [PersonUpdate(e.recipient_id or e.metadata.subject_id, eid, at, [{"k": "psent", "pk": _PROMPT_KIND.get(e.kind, "")}])]


def _prompt_acted(e: notif.PromptActed, eid: str, at: float) -> list[PersonUpdate]:
    return [PersonUpdate(e.recipient_id or e.metadata.subject_id, eid, at, [{"k": "pacted", "pk": _PROMPT_KIND.get(e.kind, "")}])]


def _coaching_session(e: conv.CoachingSessionCompleted, eid: str, at: float) -> list[PersonUpdate]:
    # The coachee's development: a session took place (the event has no notes, and none are kept).
    return [PersonUpdate(e.coachee_id or e.metadata.subject_id, eid, at, [{"k": "coach", "r": e.request_id}])]


def _one_on_one_held(e: conv.OneOnOneHeld, eid: str, at: float) -> list[PersonUpdate]:
    # Keyed by the other person (the report in a manager-report 1:1): their 1:1s, on their partition.
    return [PersonUpdate(e.other_id or e.metadata.subject_id, eid, at, [{"k": "1on1", "s": "held", "p": e.pair_id}])]


def _one_on_one_skipped(e: conv.OneOnOneSkipped, eid: str, at: float) -> list[PersonUpdate]:
    fact = {"k": "1on1", "s": "skipped", "p": e.pair_id, "n": max(1, e.consecutive_skips)}
    return [PersonUpdate(e.other_id or e.metadata.subject_id, eid, at, [fact])]


def _nothing(e: Message, eid: str, at: float) -> list[PersonUpdate]:
    # A confidential referral: analytics must not even count it.
    return []


# What each person-keyed event means for people's state; the directory events become records (DIRECTORY_RECORDS).
Translator = Callable[[Any, str, float], list[PersonUpdate]]
PERSON_UPDATES: dict[type[Message], Translator] = {
    goals.GoalUpdated: _goal_updated,
    fb.FeedbackGiven: _feedback_given,
    fb.FeedbackRequested: _requested,
    fb.FeedbackAcknowledged: _acknowledged,
    fb.SelfAssessmentSubmitted: _self_assessment,
    fb.ReviewUpdated: _review,
    fb.DialogueUpdated: _dialogue,
    fb.ActionItemUpdated: _action_item,
    fb.ReferralRaised: _nothing,
    notif.PromptSent: _prompt_sent,
    notif.PromptActed: _prompt_acted,
    conv.CoachingSessionCompleted: _coaching_session,
    conv.OneOnOneHeld: _one_on_one_held,
    conv.OneOnOneSkipped: _one_on_one_skipped,
}
TRANSLATORS: dict[str, Translator] = registry.by_topic(PERSON_UPDATES)


def person_updates(topic: str, event: Message) -> list[PersonUpdate]:
    """What an event means for the people it is about (event time = metadata.occurred_at)."""
    meta = event.metadata  # type: ignore[attr-defined]
    return TRANSLATORS[topic](event, meta.event_id, seconds(meta.occurred_at))


def employee_record(e: org.EmployeeChanged) -> dict[str, Any]:
    emp = e.employee
    return {
        "id": emp.id, "name": emp.name, "manager_id": emp.manager_id, "team_id": emp.team_id,
        "roles": [_ROLE.get(r, "") for r in emp.roles], "active": emp.active and e.change != org.EmployeeChanged.CHANGE_DEACTIVATED,
        "coach_id": emp.coach_id, "team_path": list(e.team_path), "version": emp.version,
        "at": seconds(e.metadata.occurred_at),
        # Erased (issue 18 item 4): org/erasure.py drops the person's state; the record stays, emptied.
        **({"erased": True} if e.change == org.EmployeeChanged.CHANGE_ERASED else {}),
    }


def team_record(e: org.TeamChanged) -> dict[str, Any]:
    t = e.team
    return {"id": t.id, "name": t.name, "parent_team_id": t.parent_team_id, "manager_id": t.manager_id, "version": t.version,
            "at": seconds(e.metadata.occurred_at)}


# The organisation story's catalogue (story/agents.py keeps it; the alignment comes from the events above).
STORY_RECORDS: tuple[type[Message], ...] = (story_pb2.StoryPublished,)
DIRECTORY_RECORDS: dict[type[Message], Callable[[Any], dict[str, Any]]] = {
    org.EmployeeChanged: employee_record,
    org.TeamChanged: team_record,
}
# Analytics handles exactly the events the registry routes to it (paars_platform.topics' consumers).
registry.check_consumer("analytics", [*PERSON_UPDATES, *DIRECTORY_RECORDS, *STORY_RECORDS])
