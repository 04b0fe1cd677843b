"""Compares the history of acknowledged operations with what every downstream saw: database (through the
API), topics (distinct event ids per write), dead-letter topics (every poison record), prompts (no repeats)."""
from __future__ import annotations

import asyncio
import collections
from dataclasses import dataclass, field
from typing import Any

import grpc

from paars.analytics.v1 import analytics_pb2 as apb
from paars.analytics.v1 import analytics_pb2_grpc
from paars.conversations.v1 import conversations_pb2 as cv
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as gp
from paars.notifications.v1 import notifications_pb2 as npb
from paars.notifications.v1 import notifications_pb2_grpc
from paars_platform.events import decode
from tests.chaos.harness import POISON_HEADER, read_whole_topic
from tests.chaos.workloads import (
    EMPLOYEES,
    RETRYABLE,
    ConversationsDriver,
    FeedbackDriver,
    GoalsDriver,
    History,
)
from tests.helpers import auth

PEOPLE = ["boss", "hr1", "mgr", *EMPLOYEES]


@dataclass
class Tally:
    ok: int = 0
    lost_in_database: list[str] = field(default_factory=list)
    lost_on_topic: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return len(self.lost_in_database) + len(self.lost_on_topic)

    def judge(self, name: str, stored: int, event_ids: set[str], stored_as: str = "stored") -> None:
        """One acknowledged write: exactly once in the database and under exactly one event id on its topic."""
        if stored == 0:
            self.lost_in_database.append(name)
        elif stored > 1:
            self.duplicated.append(f"{name} {stored_as} {stored} times")
        if not event_ids:
            self.lost_on_topic.append(name)
        elif len(event_ids) > 1:
            self.duplicated.append(f"{name} on the topic under {len(event_ids)} event ids")
        if stored == 1 and len(event_ids) == 1:
            self.ok += 1

    def judge_stored(self, name: str, stored: int, stored_as: str = "stored") -> None:
        """One acknowledged write that publishes no event: exactly once in the database."""
        if stored == 0:
            self.lost_in_database.append(name)
        elif stored > 1:
            self.duplicated.append(f"{name} {stored_as} {stored} times")
        else:
            self.ok += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "lost": self.lost, "duplicated": len(self.duplicated),
            "lost_in_database": self.lost_in_database[:20], "lost_on_topic": self.lost_on_topic[:20], "duplicates": self.duplicated[:20],
        }


def _header(record: Any, name: str) -> str:
    for key, value in record.headers or ():
        if key == name:
            return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
    return ""


def events_of(bootstrap: str, topic: str) -> list[Any]:
    out = []
    for record in read_whole_topic(bootstrap, topic):
        if _header(record, POISON_HEADER):
            continue
        out.append(decode(record.value, record.headers))
    return out


async def _ask(method: Any, request: Any, who: str, *roles: str) -> Any:
    for _ in range(50):
        try:
            return await method(request, metadata=auth(who, *roles), timeout=10)
        except grpc.aio.AioRpcError as err:
            if err.code() not in RETRYABLE:
                raise
            await asyncio.sleep(0.5)
    raise TimeoutError(f"{method} kept failing")


async def check_goals(driver: GoalsDriver, history: History, bootstrap: str) -> Tally:
    tally = Tally()
    acks = history.of("goals")
    owners = {a.entity: a.detail["owner"] for a in acks}
    details: dict[str, gp.GoalDetail] = {}
    for goal_id, owner in owners.items():
        try:
            details[goal_id] = await _ask(driver.goals.GetGoal, gp.GetGoalRequest(goal_id=goal_id), owner)
        except grpc.aio.AioRpcError as err:
            if err.code() != grpc.StatusCode.NOT_FOUND:
                raise
    titles: collections.Counter[tuple[str, str]] = collections.Counter()
    for owner in set(owners.values()):
        listed = await _ask(driver.goals.ListGoals, gp.ListGoalsRequest(owner_id=owner), owner)
        titles.update((owner, g.title) for g in listed.goals)
    events = await asyncio.to_thread(events_of, bootstrap, "goals.goal-updated.v1")
    ids: dict[tuple[str, int], set[str]] = collections.defaultdict(set)
    for e in events:
        if e.goal.id in owners:
            ids[(e.goal.id, e.goal.version)].add(e.metadata.event_id)
    for (owner, title), n in titles.items():
        if n > 1:
            tally.duplicated.append(f"goal {title!r} of {owner} stored {n} times")
    for ack in acks:
        name = f"{ack.op} {ack.key}"
        detail = details.get(ack.entity)
        stored = 0
        if detail is not None:
            if ack.op == "check_in":
                stored = sum(1 for c in detail.check_ins if c.updates and c.updates[0].current_value == ack.detail["value"])
            elif ack.op == "agree":
                stored = int(detail.goal.agreement in (gp.AGREEMENT_STATE_AGREED, gp.AGREEMENT_STATE_CLOSED))
            else:
                stored = 1
        tally.judge(name, stored, ids.get((ack.entity, ack.version), set()))
    return tally


async def _all_feedback(driver: FeedbackDriver, giver: str) -> list[fb.Feedback]:
    out: list[fb.Feedback] = []
    token = ""
    while True:
        page = await _ask(driver.feedback.ListFeedback, fb.ListFeedbackRequest(giver_id=giver, page_size=100, page_token=token), giver)
        out.extend(page.feedback)
        token = page.next_page_token
        if not token:
            return out


async def check_feedback(driver: FeedbackDriver, history: History, bootstrap: str) -> Tally:
    tally = Tally()
    acks = history.of("feedback")
    given = [a for a in acks if a.op == "give"]
    asked = [a for a in acks if a.op == "request"]
    stored_given: collections.Counter[str] = collections.Counter()
    texts: collections.Counter[tuple[str, str]] = collections.Counter()
    for giver in {a.detail["giver"] for a in given}:
        for f in await _all_feedback(driver, giver):
            stored_given[f.id] += 1
            texts[(giver, f.text)] += 1
    for (giver, text), n in texts.items():
        if n > 1 and "chaos-key" in text:
            tally.duplicated.append(f"feedback {text!r} by {giver} stored {n} times")
    stored_requests: collections.Counter[str] = collections.Counter()
    for requester in {a.detail["requester"] for a in asked}:
        listed = await _ask(driver.feedback.ListFeedbackRequests, fb.ListFeedbackRequestsRequest(requester_id=requester), requester)
        stored_requests.update(r.id for r in listed.requests)
    given_ids: dict[str, set[str]] = collections.defaultdict(set)
    for e in await asyncio.to_thread(events_of, bootstrap, "feedback.feedback-given.v1"):
        given_ids[e.feedback_id].add(e.metadata.event_id)
    requested_ids: dict[str, set[str]] = collections.defaultdict(set)
    for e in await asyncio.to_thread(events_of, bootstrap, "feedback.feedback-requested.v1"):
        if e.state == fb.FeedbackRequest.STATE_OPEN:
            requested_ids[e.request_id].add(e.metadata.event_id)
    for ack in acks:
        name = f"{ack.op} {ack.key}"
        stored = (stored_given if ack.op == "give" else stored_requests)[ack.entity]
        tally.judge(name, stored, (given_ids if ack.op == "give" else requested_ids).get(ack.entity, set()), "listed")
    return tally


def conversation_event_ids(events: list[Any], key: str, *, state: int | None = None) -> dict[str, set[str]]:
    """Event ids by the entity the event names (its `key` field), keeping only one state when given."""
    ids: dict[str, set[str]] = collections.defaultdict(set)
    for e in events:
        if state is None or e.state == state:
            ids[getattr(e, key)].add(e.metadata.event_id)
    return ids


def judge_conversations(
    acks: list[Any], meetings: dict[str, cv.Meeting], sessions: dict[str, list[cv.CoachingSession]], concerns: dict[str, list[cv.Concern]],
    events: dict[str, list[Any]],
) -> Tally:
    """The acknowledged conversations writes against what the service answers and what is on its topics: an agenda
    topic once on its meeting (no event), a completed 1:1 held or skipped as told with one OneOnOneHeld/Skipped,
    a coaching session once with one CoachingSessionCompleted, a concern once with one ConcernUpdated (raised)."""
    tally = Tally()
    completed = conversation_event_ids([*events["conversations.one-on-one-held.v1"], *events["conversations.one-on-one-skipped.v1"]], "meeting_id")
    recorded = conversation_event_ids(events["conversations.coaching-session-completed.v1"], "session_id")
    raised = conversation_event_ids(events["conversations.concern-updated.v1"], "concern_id", state=cv.CONCERN_STATE_RAISED)
    for person, listed in sessions.items():
        for notes, n in collections.Counter(x.notes for x in listed).items():
            if n > 1:
                tally.duplicated.append(f"coaching session {notes!r} of {person} stored {n} times")
    for person, listed in concerns.items():
        for text, n in collections.Counter(x.text for x in listed).items():
            if n > 1:
                tally.duplicated.append(f"concern {text!r} of {person} stored {n} times")
    for ack in acks:
        name = f"{ack.op} {ack.key}"
        person = ack.detail.get("person", "")
        if ack.op == "topic":
            meeting = meetings.get(ack.entity)
            tally.judge_stored(name, sum(1 for t in meeting.agenda if t.text == ack.detail["text"]) if meeting else 0)
        elif ack.op == "complete":
            meeting = meetings.get(ack.entity)
            want = cv.MEETING_STATE_HELD if ack.detail["held"] else cv.MEETING_STATE_SKIPPED
            tally.judge(name, int(meeting is not None and meeting.state == want), completed.get(ack.entity, set()))
        elif ack.op == "session":
            stored = sum(1 for x in sessions.get(person, []) if x.session_id == ack.entity)
            tally.judge(name, stored, recorded.get(ack.entity, set()), "listed")
        else:
            stored = sum(1 for x in concerns.get(person, []) if x.concern_id == ack.entity)
            tally.judge(name, stored, raised.get(ack.entity, set()), "listed")
    return tally


CONVERSATION_TOPICS = (
    "conversations.one-on-one-held.v1", "conversations.one-on-one-skipped.v1", "conversations.coaching-session-completed.v1",
    "conversations.concern-updated.v1",
)


async def check_conversations(driver: ConversationsDriver, history: History, bootstrap: str) -> Tally:
    acks = history.of("conversations")
    stub = driver.conversations
    meetings: dict[str, cv.Meeting] = {}
    for ack in acks:
        if ack.op in ("topic", "complete") and ack.entity not in meetings:
            try:
                meetings[ack.entity] = await _ask(stub.GetMeeting, cv.GetMeetingRequest(meeting_id=ack.entity), ack.detail["person"])
            except grpc.aio.AioRpcError as err:
                if err.code() != grpc.StatusCode.NOT_FOUND:
                    raise
    sessions: dict[str, list[cv.CoachingSession]] = {}
    for person, request_id in driver.coaching.items():
        sessions[person] = list((await _ask(stub.ListCoachingSessions, cv.ListCoachingSessionsRequest(request_id=request_id), person)).sessions)
    concerns: dict[str, list[cv.Concern]] = {}
    for person in {a.detail["person"] for a in acks if a.op == "concern"}:
        concerns[person] = list((await _ask(stub.ListConcerns, cv.ListConcernsRequest(), person)).concerns)
    events = {t: await asyncio.to_thread(events_of, bootstrap, t) for t in CONVERSATION_TOPICS}
    return judge_conversations(acks, meetings, sessions, concerns, events)


async def check_analytics(address: str, history: History) -> dict[str, Any]:
    """Every acknowledged feedback counted exactly once: given by its giver, received by its receiver; and every
    acknowledged coaching session and completed 1:1 once for its coachee or report (conversations)."""
    given = collections.Counter(a.detail["giver"] for a in history.of("feedback", "give"))
    received = collections.Counter(a.detail["receiver"] for a in history.of("feedback", "give"))
    coached = collections.Counter(a.detail["person"] for a in history.of("conversations", "session"))
    held = collections.Counter(a.detail["person"] for a in history.of("conversations", "complete") if a.detail["held"])
    skipped = collections.Counter(a.detail["person"] for a in history.of("conversations", "complete") if not a.detail["held"])
    ok, lost, duplicated, mismatches = 0, 0, 0, []
    async with grpc.aio.insecure_channel(address) as channel:
        stub = analytics_pb2_grpc.AnalyticsServiceStub(channel)
        for person in PEOPLE:
            signals = await _ask(stub.GetSignals, apb.GetSignalsRequest(employee_id=person, window_days=30), person)
            for what, expected, counted in (
                ("given", given[person], signals.given), ("received", received[person], sum(signals.received_by_source.values())),
                ("coaching sessions", coached[person], signals.coaching_sessions), ("1:1s held", held[person], signals.one_on_ones_held),
                ("1:1s skipped", skipped[person], signals.one_on_ones_skipped),
            ):
                ok += min(expected, counted)
                lost += max(0, expected - counted)
                duplicated += max(0, counted - expected)
                if expected != counted:
                    mismatches.append(f"{person} {what}: acknowledged {expected}, counted {counted}")
    return {"ok": ok, "lost": lost, "duplicated": duplicated, "mismatches": mismatches[:20]}


async def check_prompts(address: str) -> dict[str, Any]:
    """No prompt delivered twice for the same cause and recipient (each person reads their own)."""
    prompts = 0
    duplicates: list[str] = []
    async with grpc.aio.insecure_channel(address) as channel:
        stub = notifications_pb2_grpc.NotificationServiceStub(channel)
        for person in PEOPLE:
            answer = await _ask(stub.ListPrompts, npb.ListPromptsRequest(limit=1000), person)
            causes = collections.Counter((p.cause_event_id, p.kind) for p in answer.prompts if p.cause_event_id)
            prompts += len(answer.prompts)
            duplicates += [f"{person}: cause {cause} kind {kind} prompted {n} times" for (cause, kind), n in causes.items() if n > 1]
    return {"prompts": prompts, "duplicated": len(duplicates), "duplicates": duplicates[:20]}


def check_poison(bootstrap: str, poison: list[dict[str, str]], consumers: dict[str, list[str]]) -> dict[str, Any]:
    """Every poison record written to a topic is in the dead-letter topic of every service that consumes it."""
    expected = 0
    missing: list[str] = []
    found = 0
    for service, topics in consumers.items():
        if not topics:
            continue
        dead = read_whole_topic(bootstrap, f"{service}.dead-letter.v1")
        seen = {(_header(r, POISON_HEADER), _header(r, "dlq_source_topic")) for r in dead}
        for p in poison:
            if p["topic"] not in topics:
                continue
            expected += 1
            if (p["id"], p["topic"]) in seen:
                found += 1
            else:
                missing.append(f"{service}: {p['kind']} on {p['topic']}")
    return {"written": len(poison), "expected_dead_letters": expected, "dead_lettered": found, "missing": missing[:30], "lost": len(missing)}
