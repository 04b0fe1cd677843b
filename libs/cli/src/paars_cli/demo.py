"""The demo driver of `make run`: keeps the demo organisation active through the public gRPC API."""
from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc

from paars.goals.v1 import goals_pb2 as pb
from paars.goals.v1 import goals_pb2_grpc
from paars.org.v1 import org_pb2_grpc
from paars.privacy.v1 import privacy_pb2, privacy_pb2_grpc
from paars_cli import demo_org
from paars_cli.client import address, metadata

log = logging.getLogger("paars.demo")

Action = Callable[["DemoWorld", random.Random], Awaitable[str | None]]


@dataclass
class DemoWorld:
    """What a demo action may use: the people, their managers and roles, channels and tokens."""

    people: list[str]
    managers: dict[str, str]
    roles: dict[str, set[str]]
    names: dict[str, str]
    channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    def channel(self, service: str) -> grpc.aio.Channel:
        if service not in self.channels:
            self.channels[service] = grpc.aio.insecure_channel(address(service))
        return self.channels[service]

    def auth(self, person: str) -> list[tuple[str, str]]:
        return metadata(person, sorted(self.roles.get(person, {"employee"})))

    def reports(self, manager: str) -> list[str]:
        return [p for p, m in self.managers.items() if m == manager]

    async def close(self) -> None:
        for channel in self.channels.values():
            await channel.close()


def build_world() -> DemoWorld:
    return DemoWorld(
        people=[p[0] for p in demo_org.PEOPLE],
        managers={p[0]: p[2] for p in demo_org.PEOPLE if p[2]},
        roles={p[0]: set(demo_org.roles_of(p[0])) for p in demo_org.PEOPLE},
        names=demo_org.names(),
    )


async def load_directory(world: DemoWorld) -> None:
    stub = org_pb2_grpc.OrgServiceStub(world.channel("goals"))
    # The HRIS fills the directory; until then nobody is a person Paars knows (a system client's call).
    await stub.ImportDirectory(demo_org.directory(), metadata=metadata("hris", ["system"]), timeout=30)


# The services the demo acts on; each authenticates a caller against its own projection of the directory.
DIRECTORY_SERVICES = ("goals", "feedback", "notifications", "analytics", "story", "conversations")
KNOWN_POLL_SECONDS = 0.25


async def until_everyone_is_known(world: DemoWorld, services: Sequence[str], *, timeout: float = 60.0) -> list[str]:
    """Waits until each service knows every demo person, so that no demo action is refused as from a stranger: the
    directory reaches the other services as events (org.employee-changed.v1), a moment after goals imported it. A
    person counts as known to a service once it answers their own ListPrivilegedActions (every service has the
    PersonalData API) with anything but UNAUTHENTICATED or UNAVAILABLE. Returns the services that still did not
    know someone at the timeout (the demo then starts all the same, and reports what they refuse)."""
    waiting = {service: set(world.people) for service in services}
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for service, people in waiting.items():
            stub = privacy_pb2_grpc.PersonalDataStub(world.channel(service))
            for person in sorted(people):
                try:
                    await stub.ListPrivilegedActions(
                        privacy_pb2.ListPrivilegedActionsRequest(person_id=person), metadata=world.auth(person), timeout=5,
                    )
                except grpc.aio.AioRpcError as err:
                    if err.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                        continue
                people.discard(person)
        waiting = {service: people for service, people in waiting.items() if people}
        if not waiting or asyncio.get_running_loop().time() >= deadline:
            return sorted(waiting)
        await asyncio.sleep(KNOWN_POLL_SECONDS)


GOAL_IDEAS = [
    (pb.GOAL_KIND_PERFORMANCE, "Halve the time to answer a customer", "hours to first answer", 8, 4, "h"),
    (pb.GOAL_KIND_PERFORMANCE, "Ship the self-service onboarding", "onboarding steps live", 0, 5, "steps"),
    (pb.GOAL_KIND_DEVELOPMENT, "Grow as a facilitator of retrospectives", "retros facilitated", 0, 6, "retros"),
    (pb.GOAL_KIND_DEVELOPMENT, "Learn to give feedback with concrete examples", "feedback with an example", 0, 10, "items"),
    (pb.GOAL_KIND_WELLBEING, "Keep evenings free of e-mail", "evenings offline per month", 10, 20, "evenings"),
    (pb.GOAL_KIND_WELLBEING, "Walk during one-to-ones", "walking one-to-ones", 0, 8, "walks"),
]


async def _team_goal(world: DemoWorld) -> str:
    """The team goal individual goals cascade from (created once)."""
    if "team_goal" in world.state:
        return str(world.state["team_goal"])
    stub = goals_pb2_grpc.GoalServiceStub(world.channel("goals"))
    today = dt.date.today()
    org_goal = await stub.ProposeGoal(
        pb.ProposeGoalRequest(
            kind=pb.GOAL_KIND_PERFORMANCE, level=pb.GOAL_LEVEL_ORGANISATION, title="Klanten voelen zich gehoord",
            key_results=[pb.KeyResult(title="customer effort score", start_value=0, target_value=100, unit="%")],
            start_date=today.isoformat(), due_date=(today + dt.timedelta(days=180)).isoformat(), idempotency_key="demo-org-goal",
        ),
        metadata=world.auth("els"),
    )
    team = await stub.ProposeGoal(
        pb.ProposeGoalRequest(
            kind=pb.GOAL_KIND_PERFORMANCE, level=pb.GOAL_LEVEL_TEAM, team_id="product", parent_goal_id=org_goal.id,
            title="Every release makes a customer's day easier",
            key_results=[pb.KeyResult(title="customer-visible improvements", start_value=0, target_value=12)],
            start_date=today.isoformat(), due_date=(today + dt.timedelta(days=90)).isoformat(), idempotency_key="demo-team-goal",
        ),
        metadata=world.auth("jan"),
    )
    if team.agreement == pb.AGREEMENT_STATE_PROPOSED:
        team = await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=team.id), metadata=world.auth("els"))
    world.state["team_goal"] = team.id
    return team.id


async def propose_goal(world: DemoWorld, rng: random.Random) -> str | None:
    stub = goals_pb2_grpc.GoalServiceStub(world.channel("goals"))
    person = rng.choice([p for p in world.people if p in world.managers])
    kind, title, kr, start, target, unit = rng.choice(GOAL_IDEAS)
    parent = await _team_goal(world) if world.managers.get(person) == "jan" and kind == pb.GOAL_KIND_PERFORMANCE else ""
    today = dt.date.today()
    proposer = person if rng.random() < 0.6 else world.managers[person]
    goal = await stub.ProposeGoal(
        pb.ProposeGoalRequest(
            kind=kind, level=pb.GOAL_LEVEL_INDIVIDUAL, owner_id=person, title=title, parent_goal_id=parent,
            key_results=[pb.KeyResult(title=kr, start_value=start, target_value=target, unit=unit)],
            start_date=(today - dt.timedelta(days=rng.randint(0, 60))).isoformat(),
            due_date=(today + dt.timedelta(days=rng.randint(20, 120))).isoformat(), weight=rng.choice([1, 1, 2, 3]),
        ),
        metadata=world.auth(proposer),
    )
    world.state.setdefault("proposed", []).append(goal.id)
    return f"{world.names[proposer]} proposed '{title}' for {world.names[person]}"


async def respond_to_proposal(world: DemoWorld, rng: random.Random) -> str | None:
    pending = world.state.get("proposed", [])
    if not pending:
        return None
    goal_id = pending.pop(0)
    stub = goals_pb2_grpc.GoalServiceStub(world.channel("goals"))
    goal = (await stub.GetGoal(pb.GetGoalRequest(goal_id=goal_id), metadata=world.auth("hanne"))).goal
    who = goal.awaiting_agreement_from
    if not who:
        return None
    if rng.random() < 0.25 and goal.version < 3:
        kr = goal.key_results[0]
        smaller = kr.start_value + (kr.target_value - kr.start_value) * 0.75
        await stub.CounterProposeGoal(
            pb.CounterProposeGoalRequest(
                goal_id=goal.id, expected_version=goal.version, comment="Haalbaar maken: iets minder ambitieus, dan houden we het duurzaam.",
                key_results=[pb.KeyResult(id=kr.id, title=kr.title, start_value=kr.start_value, target_value=smaller, unit=kr.unit)],
            ),
            metadata=world.auth(who),
        )
        pending.append(goal.id)
        return f"{world.names[who]} counter-proposed a smaller target for '{goal.title}'"
    await stub.AgreeGoal(pb.AgreeGoalRequest(goal_id=goal.id, expected_version=goal.version, comment="Akkoord, samen gedragen."), metadata=world.auth(who))
    world.state.setdefault("agreed", []).append(goal.id)
    return f"{world.names[who]} agreed to '{goal.title}' ({world.names[goal.owner_id]})"


async def check_in(world: DemoWorld, rng: random.Random) -> str | None:
    agreed = world.state.get("agreed", [])
    if not agreed:
        return None
    goal_id = rng.choice(agreed)
    stub = goals_pb2_grpc.GoalServiceStub(world.channel("goals"))
    goal = (await stub.GetGoal(pb.GetGoalRequest(goal_id=goal_id), metadata=world.auth("hanne"))).goal
    if goal.agreement != pb.AGREEMENT_STATE_AGREED:
        agreed.remove(goal_id)
        return None
    kr = goal.key_results[0]
    step = (kr.target_value - kr.start_value) * rng.choice([0.1, 0.2, 0.25, 0.3])
    value = kr.current_value + step if abs(kr.current_value + step - kr.start_value) <= abs(kr.target_value - kr.start_value) else kr.target_value
    notes = ["Goede week, klant bedankte ons expliciet.", "Trager dan gehoopt, blokkade bij de release.", "Samen met Koen een plan van aanpak gemaakt.", "Een stap vooruit."]
    updated = await stub.CheckIn(
        pb.CheckInRequest(goal_id=goal.id, expected_version=goal.version, updates=[pb.KeyResultUpdate(key_result_id=kr.id, current_value=value)], note=rng.choice(notes), confidence=rng.randint(2, 5)),
        metadata=world.auth(goal.owner_id),
    )
    if updated.progress >= 1.0:
        agreed.remove(goal_id)
    return f"{world.names[goal.owner_id]} checked in on '{goal.title}': {updated.progress:.0%} (expected {updated.expected_progress:.0%})"


GOAL_ACTIONS: list[Action] = [propose_goal, propose_goal, respond_to_proposal, respond_to_proposal, check_in, check_in, check_in]


def all_actions() -> list[Action]:
    """Goals actions plus those other services' demo modules offer (when installed)."""
    actions = list(GOAL_ACTIONS)
    for module in ("paars_cli.demo_feedback", "paars_cli.demo_story", "paars_cli.demo_conversations"):
        try:
            actions += list(importlib.import_module(module).ACTIONS)
        except ImportError:
            continue
    return actions


async def drive(world: DemoWorld, report: Callable[[str], None], stop: asyncio.Event, *, interval: float = 1.0, seed: int | None = None) -> None:
    """Runs a random action every interval until stopped; an action that fails is reported, not fatal."""
    rng = random.Random(seed)
    actions = all_actions()
    for _ in range(3):
        report(await propose_goal(world, rng) or "")
    while not stop.is_set():
        action = rng.choice(actions)
        try:
            line = await action(world, rng)
            if line:
                report(line)
        except grpc.aio.AioRpcError as err:
            report(f"[{action.__name__}] {err.code().name}: {err.details()}")
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass
