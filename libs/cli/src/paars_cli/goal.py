"""`paars goal ...`: propose, counter-propose, agree, check in, close, list and show the alignment tree."""
from __future__ import annotations

import uuid

import typer
from rich.tree import Tree

from paars.goals.v1 import goals_pb2 as pb
from paars.goals.v1 import goals_pb2_grpc
from paars_cli.client import AS_OPTION, ROLES_OPTION, call, console, me, metadata, print_json

app = typer.Typer(no_args_is_help=True, help="Co-created goals.")

KINDS = {"performance": pb.GOAL_KIND_PERFORMANCE, "development": pb.GOAL_KIND_DEVELOPMENT, "wellbeing": pb.GOAL_KIND_WELLBEING}
LEVELS = {"organisation": pb.GOAL_LEVEL_ORGANISATION, "team": pb.GOAL_LEVEL_TEAM, "individual": pb.GOAL_LEVEL_INDIVIDUAL}


def parse_key_result(text: str) -> pb.KeyResult:
    """'title:start:target[:unit]', e.g. 'talks given:0:4:talks'."""
    parts = text.split(":")
    if len(parts) not in (3, 4):
        raise typer.BadParameter(f"key result {text!r} must be title:start:target[:unit]")
    try:
        start, target = float(parts[1]), float(parts[2])
    except ValueError:
        raise typer.BadParameter(f"key result {text!r}: start and target must be numbers") from None
    return pb.KeyResult(title=parts[0], start_value=start, target_value=target, unit=parts[3] if len(parts) == 4 else "")


def stub(channel: object) -> goals_pb2_grpc.GoalServiceStub:
    return goals_pb2_grpc.GoalServiceStub(channel)


def summary(goal: pb.Goal) -> str:
    status = pb.GoalStatus.Name(goal.status).removeprefix("GOAL_STATUS_").lower()
    agreement = pb.AgreementState.Name(goal.agreement).removeprefix("AGREEMENT_STATE_").lower()
    waiting = f", waiting for {goal.awaiting_agreement_from}" if goal.awaiting_agreement_from else ""
    return (
        f"{goal.id}  {goal.title!r} ({pb.GoalKind.Name(goal.kind).removeprefix('GOAL_KIND_').lower()}, owner {goal.owner_id}) "
        f"{agreement}{waiting}, {status}, progress {goal.progress:.0%} of expected {goal.expected_progress:.0%}, v{goal.version}"
    )


@app.command()
def propose(
    title: str = typer.Argument(...),
    key_result: list[str] = typer.Option(..., "--kr", help="title:start:target[:unit]; repeatable."),
    due: str = typer.Option(..., help="Due date YYYY-MM-DD."),
    owner: str = typer.Option("", help="Owner (individual goals); defaults to you."),
    kind: str = typer.Option("performance", help="performance | development | wellbeing"),
    level: str = typer.Option("individual", help="organisation | team | individual"),
    team: str = typer.Option("", help="Team id (team goals)."),
    parent: str = typer.Option("", help="Parent goal id (cascading alignment)."),
    weight: float = typer.Option(1.0),
    start: str = typer.Option("", help="Start date YYYY-MM-DD (default today)."),
    description: str = typer.Option(""),
    person: str = AS_OPTION,
    roles: str = ROLES_OPTION,
) -> None:
    """Propose a goal; it counts once the other party agrees."""
    if kind not in KINDS or level not in LEVELS:
        raise typer.BadParameter(f"kind must be one of {list(KINDS)}, level one of {list(LEVELS)}")
    request = pb.ProposeGoalRequest(
        kind=KINDS[kind], level=LEVELS[level], title=title, description=description,
        owner_id=owner or (me(person) if level == "individual" else ""), team_id=team, parent_goal_id=parent, weight=weight,
        key_results=[parse_key_result(k) for k in key_result], start_date=start, due_date=due,
        idempotency_key=f"cli-{uuid.uuid4().hex}",
    )
    console.print(summary(call("goals", stub, lambda s: s.ProposeGoal(request, metadata=metadata(person, roles)))))


@app.command()
def agree(goal_id: str, comment: str = typer.Option(""), version: int = typer.Option(0, help="Expected version (0: any)."), person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Agree to the latest proposal of a goal (you must be the other party)."""
    request = pb.AgreeGoalRequest(goal_id=goal_id, comment=comment, expected_version=version, idempotency_key=f"cli-{uuid.uuid4().hex}")
    console.print(summary(call("goals", stub, lambda s: s.AgreeGoal(request, metadata=metadata(person, roles)))))


@app.command()
def counter(
    goal_id: str, comment: str = typer.Option(..., help="Why you propose a change."),
    title: str = typer.Option(""), due: str = typer.Option(""), weight: float = typer.Option(0.0),
    person: str = AS_OPTION, roles: str = ROLES_OPTION,
) -> None:
    """Counter-propose changes to a proposed goal."""
    request = pb.CounterProposeGoalRequest(goal_id=goal_id, comment=comment, title=title, due_date=due, weight=weight, idempotency_key=f"cli-{uuid.uuid4().hex}")
    console.print(summary(call("goals", stub, lambda s: s.CounterProposeGoal(request, metadata=metadata(person, roles)))))


@app.command()
def checkin(
    goal_id: str,
    update: list[str] = typer.Option([], "--set", help="key_result_id=value; repeatable."),
    note: str = typer.Option(""),
    confidence: int = typer.Option(3, min=1, max=5),
    person: str = AS_OPTION,
    roles: str = ROLES_OPTION,
) -> None:
    """Record progress on an agreed goal, with a note and your confidence (1-5)."""
    updates = []
    for item in update:
        kr, _, value = item.partition("=")
        try:
            updates.append(pb.KeyResultUpdate(key_result_id=kr, current_value=float(value)))
        except ValueError:
            raise typer.BadParameter(f"--set {item!r} must be key_result_id=number") from None
    request = pb.CheckInRequest(goal_id=goal_id, updates=updates, note=note, confidence=confidence, idempotency_key=f"cli-{uuid.uuid4().hex}")
    console.print(summary(call("goals", stub, lambda s: s.CheckIn(request, metadata=metadata(person, roles)))))


@app.command("list")
def list_(owner: str = typer.Option("", help="Whose goals (default: yours)."), all_: bool = typer.Option(False, "--all", help="Include proposed and closed goals."), person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """List a person's goals."""
    result = call("goals", stub, lambda s: s.ListGoals(pb.ListGoalsRequest(owner_id=owner, include_all=all_), metadata=metadata(person, roles)))
    for goal in result.goals:
        console.print(summary(goal))
        for kr in goal.key_results:
            console.print(f"    kr {kr.id}: {kr.title} {kr.current_value:g}/{kr.target_value:g} {kr.unit}")
    if not result.goals:
        console.print("no goals")


@app.command()
def show(goal_id: str, person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Show a goal with its comments and check-ins, as JSON."""
    print_json(call("goals", stub, lambda s: s.GetGoal(pb.GetGoalRequest(goal_id=goal_id), metadata=metadata(person, roles))))


@app.command()
def tree(goal_id: str, person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """The alignment tree below a goal, with progress rolled up by weight."""
    root = call("goals", stub, lambda s: s.GetAlignmentTree(pb.GetAlignmentTreeRequest(goal_id=goal_id), metadata=metadata(person, roles)))

    def add(node: pb.AlignmentNode, branch: Tree) -> None:
        for child in node.children:
            add(child, branch.add(summary(child.goal)))

    view = Tree(summary(root.goal))
    add(root, view)
    console.print(view)
