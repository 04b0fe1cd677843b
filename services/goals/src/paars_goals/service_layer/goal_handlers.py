"""Goal use cases: propose, counter-propose, agree, comment, check in, close; reads with roll-ups.

Each handler takes a command (or query) and a unit of work and holds the rules of its use case only:
the SQL is in adapters/repository.py, the protobuf in entrypoints/ and adapters/protobuf.py, the
transaction, outbox and idempotency in the unit of work, and running them in service_layer/messagebus.py."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence

from paars.goals.v1 import goals_pb2 as pb
from paars_goals.domain import goals as rules
from paars_goals.domain.goals import AlignmentNode, CheckIn, Comment, FieldChange, Goal, GoalDetail, GoalUpdated, GoalView, TeamGoals
from paars_goals.domain.org import Caller, OrgView, oversees, privileged_basis
from paars_goals.service_layer import commands as c
from paars_goals.service_layer.unit_of_work import GoalRepository, PrivilegedAct, UnitOfWork
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from paars_platform.values import date_or_none, valid_id

# How deep roll-ups, alignment trees and propagation to ancestors go (a guard against cycles).
MAX_DEPTH = 20


class Access:
    """Who may do what to a goal, reading the directory once per use case and only when a rule needs it."""

    def __init__(self, uow: UnitOfWork, caller: Caller) -> None:
        self.uow = uow
        self.caller = caller
        self._org: OrgView | None = None

    async def org(self) -> OrgView:
        if self._org is None:
            self._org = await self.uow.directory.org()
        return self._org

    async def oversees(self, employee_id: str, *, action: str = "read", goal_id: str = "") -> bool:
        """The caller stands above the person: one of their managers, HR whose scope covers them, an admin. When
        that is HR's or an admin's privilege rather than a manager's work, the unit of work notes it."""
        allowed = self.caller.has("admin") or oversees(self.caller, employee_id, await self.org())
        if allowed:
            basis = privileged_basis(self.caller, employee_id, await self.org())
            if basis:
                self.uow.privileged.append(PrivilegedAct(action, employee_id, goal_id, basis))
        return allowed

    async def may_read(self, goal: Goal) -> bool:
        """Who reads a goal (GetGoal, and every list and roll-up built from goals): team and organisation
        goals anyone; an individual goal its two parties, the owner's managers up the chain, HR whose
        scope covers the owner, and admins."""
        if goal.level != pb.GOAL_LEVEL_INDIVIDUAL or goal.is_party(self.caller.employee_id) or self.caller.has("system"):
            return True
        return await self.oversees(goal.owner_id, goal_id=goal.id)

    async def may_edit(self, goal: Goal) -> bool:
        return goal.is_party(self.caller.employee_id) or await self.oversees(goal.owner_id, action="edit", goal_id=goal.id)


async def _goal(uow: UnitOfWork, goal_id: str, *, for_update: bool = False) -> Goal:
    if not goal_id:
        raise InvalidArgument("goal_id", "is required")
    goal = await uow.goals.get(goal_id, for_update=for_update)
    if goal is None:
        raise NotFound(f"goal {goal_id!r} not found")
    return goal


class Children:
    """Each goal's children as one use case sees them, read once and, for a list or a tree, a whole
    level of goals per statement. Only for reads: a use case that writes a goal reads afresh after."""

    def __init__(self, goals: GoalRepository) -> None:
        self.goals = goals
        self.known: dict[str, list[Goal]] = {}

    async def of(self, goal_id: str) -> list[Goal]:
        if goal_id not in self.known:
            self.known[goal_id] = await self.goals.children(goal_id)
        return self.known[goal_id]

    async def read_below(self, goals: Iterable[Goal]) -> None:
        """Reads the subtrees under these goals, level by level, as deep as roll-ups and trees go."""
        frontier = [g.id for g in goals if g.id not in self.known]
        for _ in range(MAX_DEPTH):
            if not frontier:
                return
            found = await self.goals.children_of(frontier)
            self.known.update(found)
            frontier = [child.id for children in found.values() for child in children if child.id not in self.known]


async def progress(tree: Children, goal: Goal, depth: int = 0, children: list[Goal] | None = None) -> float:
    """Own key results, or the weighted roll-up of agreed (and closed-achieved) children (given, or read)."""
    if depth >= MAX_DEPTH:
        children = []
    elif children is None:
        children = await tree.of(goal.id)
    parts = [(child.weight, await progress(tree, child, depth + 1)) for child in children if child.counts_in_rollup()]
    return rules.weighted_rollup(parts) if parts else goal.own_progress()


async def view(
    uow: UnitOfWork, goal: Goal, today: dt.date | None = None, children: list[Goal] | None = None, tree: Children | None = None,
) -> GoalView:
    shown = await progress(tree or Children(uow.goals), goal, children=children)
    return GoalView.of(goal, progress=shown, today=today or uow.clock().date())


def _updated(uow: UnitOfWork, goal: GoalView, actor: str, changes: Sequence[int], field_changes: Sequence[FieldChange], *, note: str = "", confidence: int = 0, milestone_percent: int = 0) -> None:
    uow.add_events(GoalUpdated(goal, actor, tuple(changes), tuple(field_changes), uow.clock(), note, confidence, milestone_percent))


async def _comment(uow: UnitOfWork, goal_id: str, author: str, text: str, counter_proposal: bool) -> Comment:
    comment = Comment(uuid.uuid4().hex, goal_id, author, text, counter_proposal, uow.clock())
    await uow.goals.add_comment(comment)
    return comment


# ---------- commands ----------


async def _parties(uow: UnitOfWork, cmd: c.ProposeGoal) -> tuple[str, str | None, str, bool]:
    """(owner, team, counterpart, agreed-at-once) for a new goal, enforcing who may propose it."""
    caller = cmd.caller
    me = caller.employee_id
    if cmd.level == pb.GOAL_LEVEL_ORGANISATION:
        # Organisation goals are the organisation's story, set by HR/leadership; people co-create
        # the team and individual goals that cascade from them.
        if not caller.has("hr", "admin", "leader"):
            raise PermissionDenied("only HR, admins or leaders set organisation goals")
        return me, None, me, True
    access = Access(uow, caller)
    if cmd.level == pb.GOAL_LEVEL_TEAM:
        team = await uow.directory.team(cmd.team_id)
        if team is None:
            raise NotFound(f"team_id: team {cmd.team_id!r} not found")
        if not team.manager_id:
            raise FailedPrecondition("team_id: the team has no manager to own its goals")
        owner = team.manager_id
        if me != owner and not await access.oversees(owner, action="edit"):
            raise PermissionDenied("only the team's manager, their managers or HR propose team goals")
    else:
        owner = cmd.owner_id
        if me != owner and not await access.oversees(owner, action="edit"):
            raise PermissionDenied("only the person, their managers or HR propose their goals")
    person = await uow.directory.employee(owner)
    if person is None:
        raise NotFound(f"owner_id: employee {owner!r} not found")
    if not person.active:
        raise FailedPrecondition("owner_id: the person is no longer active")
    counterpart = rules.counterpart_for(owner_id=owner, proposer_id=me, owner_manager_id=person.manager_id)
    if counterpart is None:
        raise FailedPrecondition("owner_id: the owner has no manager to agree with; ask HR to propose this goal with them")
    team_id = cmd.team_id if cmd.level == pb.GOAL_LEVEL_TEAM else person.team_id
    return owner, team_id, counterpart, False


async def _check_story_keys(uow: UnitOfWork, keys: tuple[str, ...]) -> None:
    """Every key names a value or theme of the published organisation story (goals' catalogue, from events)."""
    if keys:
        unknown = sorted(set(keys) - await uow.directory.story_keys(keys))
        if unknown:
            raise InvalidArgument("story_keys", f"not a value or theme of the published organisation story: {', '.join(unknown)}")


async def propose_goal(cmd: c.ProposeGoal, uow: UnitOfWork) -> GoalView:
    owner_id, team_id, counterpart, agreed = await _parties(uow, cmd)
    if cmd.parent_goal_id:
        (await _goal(uow, cmd.parent_goal_id)).check_can_parent(cmd.level)
    await _check_story_keys(uow, cmd.story_keys)
    now = uow.clock()
    due = date_or_none(cmd.due_date)
    start = date_or_none(cmd.start_date) if cmd.start_date else now.date()
    assert start and due  # checked by the command
    goal = Goal.propose(
        goal_id=uuid.uuid4().hex, kind=cmd.kind, level=cmd.level, title=cmd.title, description=cmd.description,
        owner_id=owner_id, team_id=team_id, parent_goal_id=cmd.parent_goal_id or None, weight=cmd.weight,
        key_results=rules.shape_key_results(cmd.key_results), start_date=start, due_date=due,
        proposer_id=cmd.caller.employee_id, counterpart_id=counterpart, agreed=agreed, at=now, story_keys=cmd.story_keys,
    )
    await uow.goals.add(goal)
    shown = await view(uow, goal, children=[])  # a new goal has no children yet
    changes = [pb.GoalUpdated.CHANGE_PROPOSED] + ([pb.GoalUpdated.CHANGE_AGREED] if agreed else [])
    _updated(uow, shown, cmd.caller.employee_id, changes, [FieldChange("agreement", "", pb.AgreementState.Name(goal.agreement))])
    return shown


async def counter_propose_goal(cmd: c.CounterProposeGoal, uow: UnitOfWork) -> GoalView:
    goal = await _goal(uow, cmd.goal_id, for_update=True)
    goal.check_version(cmd.expected_version)
    me = cmd.caller.employee_id
    if cmd.story_keys is not None:
        await _check_story_keys(uow, cmd.story_keys)
    changed = goal.counter_propose(
        me, title=cmd.title, description=cmd.description, weight=cmd.weight, key_results=cmd.key_results,
        due_date=date_or_none(cmd.due_date) if cmd.due_date else None, at=uow.clock(), story_keys=cmd.story_keys,
    )
    await _comment(uow, goal.id, me, cmd.comment, True)
    await uow.goals.save(goal)
    shown = await view(uow, goal)
    _updated(uow, shown, me, [pb.GoalUpdated.CHANGE_COUNTER_PROPOSED], changed)
    return shown


async def agree_goal(cmd: c.AgreeGoal, uow: UnitOfWork) -> GoalView:
    goal = await _goal(uow, cmd.goal_id, for_update=True)
    goal.check_version(cmd.expected_version)
    me = cmd.caller.employee_id
    changed = goal.agree(me, at=uow.clock())
    if cmd.comment:
        await _comment(uow, goal.id, me, cmd.comment, False)
    await uow.goals.save(goal)
    shown = await view(uow, goal)
    _updated(uow, shown, me, [pb.GoalUpdated.CHANGE_AGREED], changed)
    return shown


async def comment_on_goal(cmd: c.CommentOnGoal, uow: UnitOfWork) -> Comment:
    goal = await _goal(uow, cmd.goal_id)
    if not await Access(uow, cmd.caller).may_read(goal):
        raise PermissionDenied("you cannot see this goal")
    return await _comment(uow, goal.id, cmd.caller.employee_id, cmd.text, False)


async def check_in(cmd: c.CheckIn, uow: UnitOfWork) -> GoalView:
    goal = await _goal(uow, cmd.goal_id, for_update=True)
    goal.check_version(cmd.expected_version)
    me = cmd.caller.employee_id
    if not await Access(uow, cmd.caller).may_edit(goal):
        raise PermissionDenied("only the owner, their managers or HR check in on this goal")
    # A check-in moves this goal's own key results, never its children: read them once.
    children = await uow.goals.children(goal.id)
    before = await view(uow, goal, children=children)
    now = uow.clock()
    changed = goal.check_in(cmd.updates, confidence=cmd.confidence, at=now)
    await uow.goals.add_check_in(CheckIn(uuid.uuid4().hex, goal.id, me, cmd.note, cmd.confidence, cmd.updates, now))
    await uow.goals.save(goal)
    after = await view(uow, goal, children=children)
    changes = [pb.GoalUpdated.CHANGE_PROGRESS]
    changed.insert(0, FieldChange("progress", f"{before.progress:.4f}", f"{after.progress:.4f}"))
    if after.status != before.status:
        changes.append(pb.GoalUpdated.CHANGE_STATUS)
        changed.append(FieldChange("status", pb.GoalStatus.Name(before.status), pb.GoalStatus.Name(after.status)))
    _updated(
        uow, after, me, changes, changed, note=cmd.note, confidence=cmd.confidence,
        milestone_percent=rules.milestone_crossed(before.progress, after.progress),
    )
    await _propagate_to_ancestors(uow, goal, me)
    return after


async def _propagate_to_ancestors(uow: UnitOfWork, goal: Goal, actor: str) -> None:
    """A child's progress moves its parents' roll-up: their owners' subscribers hear of it too."""
    parent_id = goal.parent_goal_id
    depth = 0
    while parent_id and depth < MAX_DEPTH:
        parent = await _goal(uow, parent_id)
        if parent.agreement != pb.AGREEMENT_STATE_AGREED:
            return
        shown = await view(uow, parent)
        _updated(uow, shown, actor, [pb.GoalUpdated.CHANGE_PROGRESS], [FieldChange("progress", "", f"{shown.progress:.4f}")])
        parent_id = parent.parent_goal_id
        depth += 1


async def close_goal(cmd: c.CloseGoal, uow: UnitOfWork) -> GoalView:
    goal = await _goal(uow, cmd.goal_id, for_update=True)
    goal.check_version(cmd.expected_version)
    me = cmd.caller.employee_id
    if not await Access(uow, cmd.caller).may_edit(goal):
        raise PermissionDenied("only the owner, the other party, their managers or HR close this goal")
    changed = goal.close(achieved=cmd.achieved, at=uow.clock())
    if cmd.note:
        await _comment(uow, goal.id, me, cmd.note, False)
    await uow.goals.save(goal)
    shown = await view(uow, goal)
    _updated(uow, shown, me, [pb.GoalUpdated.CHANGE_CLOSED, pb.GoalUpdated.CHANGE_STATUS], changed, note=cmd.note)
    return shown


# ---------- queries ----------


async def get_goal(query: c.GetGoal, uow: UnitOfWork) -> GoalDetail:
    goal = await _goal(uow, query.goal_id)
    if not await Access(uow, query.caller).may_read(goal):
        raise PermissionDenied("you cannot see this goal")
    comments = await uow.goals.comments(goal.id)
    check_ins = await uow.goals.check_ins(goal.id)
    return GoalDetail(await view(uow, goal), tuple(comments), tuple(check_ins))


async def list_goals(query: c.ListGoals, uow: UnitOfWork) -> list[GoalView]:
    caller = query.caller
    owner = query.owner_id or caller.employee_id
    if not valid_id(owner):
        raise InvalidArgument("owner_id", "is not a valid id")
    if owner != caller.employee_id and not caller.has("system") and not await Access(uow, caller).oversees(owner):
        raise PermissionDenied("you can list your own goals and your reports' goals")
    goals = await uow.goals.owned_by(owner, include_all=query.include_all)
    tree = Children(uow.goals)
    await tree.read_below(goals)
    return [await view(uow, goal, tree=tree) for goal in goals]


async def list_team_goals(query: c.ListTeamGoals, uow: UnitOfWork) -> TeamGoals:
    if not valid_id(query.team_id):
        raise InvalidArgument("team_id", "is required")
    if await uow.directory.team(query.team_id) is None:
        raise NotFound(f"team {query.team_id!r} not found")
    found = await uow.goals.of_team(query.team_id)
    # Every figure comes from the goals the caller may read with GetGoal (the same rule), so
    # neither the list nor the roll-up, counts or statuses tell anything about the others.
    access = Access(uow, query.caller)
    await access.org()
    readable = [goal for goal in found if await access.may_read(goal)]
    today = uow.clock().date()
    tree = Children(uow.goals)
    await tree.read_below(readable)
    goals = [await view(uow, goal, today, tree=tree) for goal in readable]
    ids = {g.id for g in goals}
    # Only the tops of the team's alignment count, so a cascaded child is not counted twice.
    tops = [g for g in goals if g.parent_goal_id not in ids]
    by_status: dict[str, int] = {}
    for g in goals:
        name = pb.GoalStatus.Name(g.status)
        by_status[name] = by_status.get(name, 0) + 1
    return TeamGoals(
        goals=tuple(goals),
        rolled_up_progress=round(rules.weighted_rollup((g.weight, g.progress) for g in tops), 6),
        expected_progress=round(rules.weighted_rollup((g.weight, g.expected_progress) for g in tops), 6),
        goals_by_status=by_status,
    )


async def get_alignment_tree(query: c.GetAlignmentTree, uow: UnitOfWork) -> AlignmentNode:
    goal = await _goal(uow, query.goal_id)
    access = Access(uow, query.caller)
    if not await access.may_read(goal):
        raise PermissionDenied("you cannot see this goal")
    tree = Children(uow.goals)
    await tree.read_below([goal])
    return await _node(uow, access, tree, goal, 0)


async def _node(uow: UnitOfWork, access: Access, tree: Children, goal: Goal, depth: int) -> AlignmentNode:
    shown = await view(uow, goal, tree=tree)
    children: list[AlignmentNode] = []
    if depth < MAX_DEPTH:
        for child in await tree.of(goal.id):
            if await access.may_read(child):
                children.append(await _node(uow, access, tree, child, depth + 1))
    return AlignmentNode(shown, tuple(children))
