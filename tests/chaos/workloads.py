"""Realistic traffic through the public gRPC API, with idempotency keys, recording every acknowledged operation."""
from __future__ import annotations

import abc
import asyncio
import collections
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc

from paars.conversations.v1 import conversations_pb2 as cv
from paars.conversations.v1 import conversations_pb2_grpc
from paars.feedback.v1 import feedback_pb2 as fb
from paars.feedback.v1 import feedback_pb2_grpc
from paars.goals.v1 import goals_pb2 as gp
from paars.goals.v1 import goals_pb2_grpc
from paars.org.v1 import org_pb2, org_pb2_grpc
from tests.helpers import auth

# A retry of the same idempotency key is safe for these: the first answer, if any, is returned.
RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}

REPORTS = {"mgr": ["ann", "bob", "cas", "dirk"], "boss": ["mgr", "eva", "fien"]}
EMPLOYEES = ["ann", "bob", "cas", "dirk", "eva", "fien"]


def directory() -> org_pb2.ImportDirectoryRequest:
    R = org_pb2
    people = [
        R.Employee(id="boss", name="Bea Baas", email="bea@paars.example", team_id="org", roles=[R.ROLE_MANAGER, R.ROLE_LEADER], active=True),
        R.Employee(id="hr1", name="Hanne HR", email="hanne@paars.example", manager_id="boss", team_id="org", roles=[R.ROLE_HR], active=True),
        R.Employee(id="mgr", name="Mo Manager", email="mo@paars.example", manager_id="boss", team_id="team-a", roles=[R.ROLE_MANAGER], active=True),
    ]
    for manager, reports in REPORTS.items():
        team = "team-a" if manager == "mgr" else "team-b"
        for person in reports:
            if person != "mgr":
                people.append(R.Employee(id=person, name=person.title(), email=f"{person}@paars.example", manager_id=manager, team_id=team, roles=[R.ROLE_EMPLOYEE], active=True))
    return R.ImportDirectoryRequest(
        teams=[
            R.Team(id="org", name="Paars NV"),
            R.Team(id="team-a", name="Team A", parent_team_id="org", manager_id="mgr"),
            R.Team(id="team-b", name="Team B", parent_team_id="org", manager_id="boss"),
        ],
        employees=people,
    )


def manager_of(person: str) -> str:
    return next(m for m, reports in REPORTS.items() if person in reports)


@dataclass
class Ack:
    """One acknowledged operation: what the client was told, and when."""

    service: str
    op: str
    key: str
    entity: str
    version: int = 0
    detail: dict[str, Any] = field(default_factory=dict)
    at: float = 0.0


@dataclass
class History:
    acks: list[Ack] = field(default_factory=list)
    attempts: collections.Counter[str] = field(default_factory=collections.Counter)
    retried_codes: collections.Counter[str] = field(default_factory=collections.Counter)
    rejected: list[str] = field(default_factory=list)

    def record(self, ack: Ack) -> Ack:
        ack.at = time.monotonic()
        self.acks.append(ack)
        return ack

    def of(self, service: str, op: str | None = None) -> list[Ack]:
        return [a for a in self.acks if a.service == service and (op is None or a.op == op)]


class Driver(abc.ABC):
    """Calls one service: every call retried with the same idempotency key until acknowledged or rejected."""

    service = ""
    topic = ""

    def __init__(self, address: str, history: History, run_id: str, rng: random.Random) -> None:
        self.address = address
        self.history = history
        self.run_id = run_id
        self.rng = rng
        self.channel = grpc.aio.insecure_channel(address)

    async def call(
        self, method: Callable[..., Awaitable[Any]], request: Any, who: str, *roles: str, op: str = "", also_retry: frozenset[grpc.StatusCode] = frozenset(), give_up_after: float = 600.0,
    ) -> Any:
        """The answer once acknowledged; None if the service rejected it (recorded: the workload is wrong)."""
        deadline = time.monotonic() + give_up_after
        while True:
            self.history.attempts[f"{self.service}.{op}"] += 1
            try:
                return await method(request, metadata=auth(who, *roles), timeout=5)
            except grpc.aio.AioRpcError as err:
                if (err.code() in RETRYABLE or err.code() in also_retry) and time.monotonic() < deadline:
                    self.history.retried_codes[f"{self.service}:{err.code().name}"] += 1
                    await asyncio.sleep(0.1 + self.rng.random() * 0.2)
                    continue
                self.history.rejected.append(f"{self.service}.{op} as {who}: {err.code().name} {err.details()}")
                return None

    async def setup(self) -> None:  # noqa: B027 (a hook: a driver that needs nothing before traffic keeps it)
        """Whatever the service needs before traffic (a directory, a warm-up write)."""

    @abc.abstractmethod
    async def probe(self) -> Ack | None:
        """One acknowledged write, used to time recovery."""

    @staticmethod
    @abc.abstractmethod
    def carries(event: Any, ack: Ack) -> bool:
        """Whether an event on the driver's topic is the one an acknowledged write published."""

    @abc.abstractmethod
    def workers(self, stop: asyncio.Event, pace: float) -> list[Awaitable[None]]:
        """The concurrent loops that drive the service's traffic until stop is set."""

    async def close(self) -> None:
        await self.channel.close()


class GoalsDriver(Driver):
    """Employees propose goals, their managers agree, then the owners check in again and again."""

    service = "goals"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.goals = goals_pb2_grpc.GoalServiceStub(self.channel)
        self.org = org_pb2_grpc.OrgServiceStub(self.channel)
        self.probe_goal: gp.Goal | None = None
        self.probe_count = 0

    async def setup(self) -> None:
        await self.call(self.org.ImportDirectory, directory(), "hris", "system", op="import")
        self.probe_goal = await self.propose_and_agree("hr1", "probe", 0)

    async def propose_and_agree(self, owner: str, tag: str, n: int) -> gp.Goal | None:
        key = f"{self.run_id}-{owner}-{tag}{n}"
        request = gp.ProposeGoalRequest(
            kind=gp.GOAL_KIND_DEVELOPMENT, level=gp.GOAL_LEVEL_INDIVIDUAL, owner_id=owner, title=f"Grow {n}",
            key_results=[gp.KeyResult(title="steps", start_value=0, target_value=1_000_000)], due_date="2030-01-01",
            idempotency_key=f"{key}-propose",
        )
        goal = await self.call(self.goals.ProposeGoal, request, owner, op="propose")
        if goal is None:
            return None
        self.history.record(Ack("goals", "propose", request.idempotency_key, goal.id, goal.version, {"owner": owner}))
        manager = manager_of(owner) if any(owner in r for r in REPORTS.values()) else "boss"
        agree = gp.AgreeGoalRequest(goal_id=goal.id, idempotency_key=f"{key}-agree")
        agreed = await self.call(self.goals.AgreeGoal, agree, manager, "manager", op="agree")
        if agreed is None:
            return None
        self.history.record(Ack("goals", "agree", agree.idempotency_key, agreed.id, agreed.version, {"owner": owner}))
        return agreed

    async def check_in(self, owner: str, goal: gp.Goal, value: int, *, op: str = "check_in") -> Ack | None:
        request = gp.CheckInRequest(
            goal_id=goal.id, updates=[gp.KeyResultUpdate(key_result_id=goal.key_results[0].id, current_value=value)],
            confidence=1 + value % 5, note=f"step {value}", idempotency_key=f"{self.run_id}-{goal.id}-{value}",
        )
        answer = await self.call(self.goals.CheckIn, request, owner, op=op)
        if answer is None:
            return None
        return self.history.record(Ack("goals", "check_in", request.idempotency_key, answer.id, answer.version, {"owner": owner, "value": value}))

    async def probe(self) -> Ack | None:
        """One acknowledged write (a check-in on a goal of the HR person); used to time recovery."""
        assert self.probe_goal is not None
        self.probe_count += 1
        return await self.check_in("hr1", self.probe_goal, self.probe_count, op="probe")

    topic = "goals.goal-updated.v1"

    @staticmethod
    def carries(event: Any, ack: Ack) -> bool:
        return bool(event.goal.id == ack.entity and event.goal.version == ack.version)

    async def worker(self, owner: str, stop: asyncio.Event, pace: float) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            goal = await self.propose_and_agree(owner, "g", n)
            if goal is None:
                return
            for value in range(1, 9):
                if stop.is_set():
                    return
                await self.check_in(owner, goal, value)
                await asyncio.sleep(pace * (0.5 + self.rng.random()))

    def workers(self, stop: asyncio.Event, pace: float) -> list[Awaitable[None]]:
        return [self.worker(owner, stop, pace) for owner in EMPLOYEES]


class FeedbackDriver(Driver):
    """Colleagues give each other feedback with an example, ask for feedback, and managers schedule dialogues."""

    service = "feedback"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.feedback = feedback_pb2_grpc.FeedbackServiceStub(self.channel)
        self.probe_count = 0

    async def setup(self) -> None:
        """Waits until the feedback service knows the directory (it learns it from org.employee-changed.v1)."""
        if await self._give("eva", "fien", "warm-up", also_retry=frozenset({grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNAUTHENTICATED}), give_up_after=90) is None:
            raise RuntimeError("feedback never accepted a first feedback (directory not consumed?)")

    async def _give(self, giver: str, receiver: str, key: str, *, op: str = "give", **retry: Any) -> Ack | None:
        request = fb.GiveFeedbackRequest(
            receiver_id=receiver, kind=fb.FEEDBACK_KIND_PRAISE,
            relation=fb.RELATION_PEER, setting=fb.FEEDBACK_SETTING_INFORMAL,
            text=f"Thanks for pairing on the incident review; it made the fix land a day earlier (chaos-key {key}).",
            examples=[fb.Example(situation="incident review", behaviour="paired with me for an hour", impact="fix shipped a day earlier")],
            idempotency_key=f"{self.run_id}-{giver}-{key}",
        )
        answer = await self.call(self.feedback.GiveFeedback, request, giver, op=op, **retry)
        if answer is None:
            return None
        return self.history.record(Ack("feedback", "give", request.idempotency_key, answer.id, 0, {"giver": giver, "receiver": receiver}))

    async def request(self, requester: str, recipient: str, key: str) -> None:
        request = fb.RequestFeedbackRequest(
            subject_id=requester, recipient_id=recipient, question="What should I keep doing in stand-ups?",
            relation=fb.RELATION_PEER, due_date="2030-01-01", idempotency_key=f"{self.run_id}-{requester}-{key}",
        )
        answer = await self.call(self.feedback.RequestFeedback, request, requester, op="request")
        if answer is not None:
            self.history.record(Ack("feedback", "request", request.idempotency_key, answer.request.id, 0, {"requester": requester, "recipient": recipient}))

    async def probe(self) -> Ack | None:
        self.probe_count += 1
        return await self._give("hr1", "boss", f"probe{self.probe_count}", op="probe")

    topic = "feedback.feedback-given.v1"

    @staticmethod
    def carries(event: Any, ack: Ack) -> bool:
        return bool(event.feedback_id == ack.entity)

    async def worker(self, giver: str, stop: asyncio.Event, pace: float) -> None:
        n = 0
        colleagues = [p for p in EMPLOYEES if p != giver]
        while not stop.is_set():
            n += 1
            receiver = self.rng.choice(colleagues)
            if n % 4 == 0:
                await self.request(giver, receiver, f"r{n}")
            else:
                await self._give(giver, receiver, f"f{n}")
            await asyncio.sleep(pace * (0.5 + self.rng.random()))

    def workers(self, stop: asyncio.Event, pace: float) -> list[Awaitable[None]]:
        return [self.worker(person, stop, pace) for person in EMPLOYEES]


class ConversationsDriver(Driver):
    """Each report and their manager hold 1:1s: the report adds agenda topics, the manager marks each 1:1 held or
    skipped (the next one follows on the cadence); the manager coaches the report and records sessions; now and
    then the report raises a boundary concern to HR. Every write with its own idempotency key."""

    service = "conversations"
    # The probe raises a concern: the one write HR-side that every run has.
    topic = "conversations.concern-updated.v1"
    # Until conversations has the directory from goals' org.* events, callers and colleagues are unknown to it.
    DIRECTORY_NOT_YET = frozenset({grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED})

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.conversations = conversations_pb2_grpc.ConversationsServiceStub(self.channel)
        self.probe_count = 0
        # The coaching request of each report (coach: their manager), for the checker.
        self.coaching: dict[str, str] = {}

    async def setup(self) -> None:
        """Waits until conversations knows the directory (from org.employee-changed.v1), with HR's first concern."""
        if await self.concern("hr1", "warm-up", also_retry=self.DIRECTORY_NOT_YET, give_up_after=90) is None:
            raise RuntimeError("conversations never accepted a first concern (directory not consumed?)")

    async def concern(self, person: str, tag: str, *, op: str = "concern", **retry: Any) -> Ack | None:
        request = cv.RaiseConcernRequest(
            kind=cv.CONCERN_KIND_CONTRADICTORY_EXPECTATIONS, text=f"Two leads ask opposite things of me (chaos-key {tag})",
            idempotency_key=f"{self.run_id}-{person}-{tag}",
        )
        answer = await self.call(self.conversations.RaiseConcern, request, person, op=op, **retry)
        if answer is None:
            return None
        return self.history.record(Ack("conversations", "concern", request.idempotency_key, answer.concern_id, 0, {"person": person}))

    async def probe(self) -> Ack | None:
        self.probe_count += 1
        return await self.concern("hr1", f"probe{self.probe_count}", op="probe")

    @staticmethod
    def carries(event: Any, ack: Ack) -> bool:
        return bool(getattr(event, "concern_id", "") == ack.entity)

    async def _pair(self, report: str) -> str | None:
        """The 1:1 of the report with their manager; its first meeting's id."""
        manager = manager_of(report)
        request = cv.SchedulePairRequest(
            other_id=report, kind=cv.PAIR_KIND_MANAGER_REPORT, cadence_days=7, first_on="2030-01-07", idempotency_key=f"{self.run_id}-{report}-pair",
        )
        pair = await self.call(self.conversations.SchedulePair, request, manager, "manager", op="pair", also_retry=self.DIRECTORY_NOT_YET, give_up_after=90)
        return None if pair is None else str(pair.next_meeting_id)

    async def _coaching(self, report: str) -> str | None:
        manager = manager_of(report)
        ask = cv.RequestCoachingRequest(
            coach_id=manager, relation=cv.COACH_RELATION_MANAGER, topic="Presenting to the board", idempotency_key=f"{self.run_id}-{report}-coaching",
        )
        asked = await self.call(self.conversations.RequestCoaching, ask, report, op="coaching")
        if asked is None:
            return None
        yes = cv.AnswerCoachingRequestRequest(request_id=asked.request_id, accept=True, idempotency_key=f"{self.run_id}-{report}-accept")
        if await self.call(self.conversations.AnswerCoachingRequest, yes, manager, "manager", op="accept") is None:
            return None
        self.coaching[report] = asked.request_id
        return str(asked.request_id)

    async def topic_for(self, report: str, meeting_id: str, n: int) -> Ack | None:
        text = f"What I learnt this week ({self.run_id} {report} t{n})"
        request = cv.AddAgendaTopicRequest(meeting_id=meeting_id, text=text, idempotency_key=f"{self.run_id}-{report}-t{n}")
        answer = await self.call(self.conversations.AddAgendaTopic, request, report, op="topic")
        if answer is None:
            return None
        return self.history.record(Ack("conversations", "topic", request.idempotency_key, meeting_id, 0, {"person": report, "text": text}))

    async def complete(self, report: str, meeting_id: str, n: int) -> Ack | None:
        manager = manager_of(report)
        request = cv.CompleteMeetingRequest(meeting_id=meeting_id, held=n % 3 != 0, idempotency_key=f"{self.run_id}-{report}-m{n}")
        answer = await self.call(self.conversations.CompleteMeeting, request, manager, "manager", op="complete")
        if answer is None:
            return None
        return self.history.record(Ack("conversations", "complete", request.idempotency_key, meeting_id, 0, {"person": report, "held": request.held}))

    async def session(self, report: str, request_id: str, n: int) -> Ack | None:
        manager = manager_of(report)
        request = cv.RecordCoachingSessionRequest(
            request_id=request_id, held_on="2030-01-08", notes=f"Practised the opening (chaos-key {report} s{n})", idempotency_key=f"{self.run_id}-{report}-s{n}",
        )
        answer = await self.call(self.conversations.RecordCoachingSession, request, manager, "manager", op="session")
        if answer is None:
            return None
        return self.history.record(Ack("conversations", "session", request.idempotency_key, answer.session_id, 0, {"person": report, "request_id": request_id}))

    async def _next_meeting(self, report: str, meeting_id: str) -> str | None:
        """The pair's next scheduled meeting after meeting_id completed (a read, retried like any call)."""
        pairs = await self.call(self.conversations.ListPairs, cv.ListPairsRequest(), report, op="list")
        if pairs is None:
            return None
        return next((p.next_meeting_id for p in pairs.pairs if p.lead_id == manager_of(report) and p.next_meeting_id != meeting_id), None)

    async def worker(self, report: str, stop: asyncio.Event, pace: float) -> None:
        meeting_id = await self._pair(report)
        request_id = await self._coaching(report)
        if meeting_id is None or request_id is None:
            return
        n = 0
        while not stop.is_set():
            n += 1
            for t in (1, 2):
                if await self.topic_for(report, meeting_id, n * 10 + t) is None:
                    return
                await asyncio.sleep(pace * (0.5 + self.rng.random()))
            if await self.complete(report, meeting_id, n) is None:
                return
            following = await self._next_meeting(report, meeting_id)
            if following is None:
                return
            meeting_id = following
            if await self.session(report, request_id, n) is None:
                return
            if n % 3 == 0 and await self.concern(report, f"c{n}") is None:
                return
            await asyncio.sleep(pace * (0.5 + self.rng.random()))

    def workers(self, stop: asyncio.Event, pace: float) -> list[Awaitable[None]]:
        return [self.worker(report, stop, pace) for report in EMPLOYEES]


DRIVERS: dict[str, type[Driver]] = {"goals": GoalsDriver, "feedback": FeedbackDriver, "conversations": ConversationsDriver}
