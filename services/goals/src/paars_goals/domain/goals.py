"""Goal rules: progress, expected progress, status, roll-up, milestones, who agrees with whom, and the Goal itself."""
from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from paars.goals.v1 import goals_pb2 as pb
from paars_platform.errors import FailedPrecondition, InvalidArgument, PermissionDenied, StaleVersion

ON_TRACK_TOLERANCE = 0.10
AT_RISK_TOLERANCE = 0.25
MILESTONES = (25, 50, 75, 100)


@dataclass(frozen=True)
class KeyResultValues:
    start: float
    target: float
    current: float


def key_result_progress(kr: KeyResultValues) -> float:
    """0..1 of the way from start to target; works for targets below the start (reduce X) too."""
    span = kr.target - kr.start
    if span == 0:
        return 1.0 if kr.current == kr.target else 0.0
    return min(1.0, max(0.0, (kr.current - kr.start) / span))


def own_progress(key_results: Sequence[KeyResultValues]) -> float:
    if not key_results:
        return 0.0
    return sum(key_result_progress(kr) for kr in key_results) / len(key_results)


def expected_progress(start: dt.date, due: dt.date, today: dt.date) -> float:
    """Where progress should be by today if the goal ran linearly from start to due date."""
    if today <= start:
        return 0.0
    if today >= due or due <= start:
        return 1.0
    return (today - start).days / (due - start).days


def status(progress: float, expected: float, agreement: int, closed_status: int | None) -> int:
    if closed_status:
        return closed_status
    if agreement != pb.AGREEMENT_STATE_AGREED:
        return pb.GOAL_STATUS_UNSPECIFIED
    if progress >= 1.0:
        return pb.GOAL_STATUS_DONE
    behind = expected - progress
    if behind <= ON_TRACK_TOLERANCE:
        return pb.GOAL_STATUS_ON_TRACK
    if behind <= AT_RISK_TOLERANCE:
        return pb.GOAL_STATUS_AT_RISK
    return pb.GOAL_STATUS_OFF_TRACK


def weighted_rollup(parts: Iterable[tuple[float, float]]) -> float:
    """Weighted mean of (weight, progress) pairs; 0 when there is no weight at all."""
    total = 0.0
    weights = 0.0
    for weight, progress in parts:
        total += weight * progress
        weights += weight
    return total / weights if weights > 0 else 0.0


def milestone_crossed(before: float, after: float) -> int:
    """The highest 25/50/75/100% mark crossed going from before to after (0 if none)."""
    crossed = [m for m in MILESTONES if before * 100 < m <= after * 100 + 1e-9]
    return crossed[-1] if crossed else 0


def counterpart_for(*, owner_id: str, proposer_id: str, owner_manager_id: str | None) -> str | None:
    """Co-creation is between two people: the owner and whoever proposed the goal for them, or, when
    the owners propose for themselves, their manager. None when the owner has nobody to agree with."""
    if proposer_id != owner_id:
        return proposer_id
    if owner_manager_id and owner_manager_id != owner_id:
        return owner_manager_id
    return None


def is_party(person_id: str, *, owner_id: str, counterpart_id: str) -> bool:
    """Only the two people of the pair shape a proposal (counter-propose) or agree to it."""
    return person_id in (owner_id, counterpart_id)


def next_to_agree(*, owner_id: str, counterpart_id: str, last_proposer: str) -> str:
    """Whoever of the pair did not make the latest proposal decides on it: a proposal by one party
    always hands the decision to the other, in either direction, however many rounds it takes."""
    if owner_id == counterpart_id or not is_party(last_proposer, owner_id=owner_id, counterpart_id=counterpart_id):
        raise ValueError(f"{last_proposer!r} is not the other party of {owner_id!r} and {counterpart_id!r}")
    return counterpart_id if last_proposer == owner_id else owner_id


def may_agree(person_id: str, *, owner_id: str, counterpart_id: str, last_proposer: str) -> bool:
    """Agreeing is for the party awaited, never for the one who made the latest proposal."""
    return is_party(person_id, owner_id=owner_id, counterpart_id=counterpart_id) and person_id == next_to_agree(
        owner_id=owner_id, counterpart_id=counterpart_id, last_proposer=last_proposer
    )


# ---------- the Goal and what happens to it ----------


@dataclass(frozen=True)
class FieldChange:
    """One field of a goal before and after a change, as people read it in an event."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class KeyResult:
    id: str
    title: str
    start: float
    target: float
    current: float
    unit: str

    @property
    def values(self) -> KeyResultValues:
        return KeyResultValues(self.start, self.target, self.current)


@dataclass(frozen=True)
class ProposedKeyResult:
    """A key result as a proposal states it; id empty for a new one."""

    id: str
    title: str
    start_value: float
    target_value: float
    unit: str
    # Checked as a number, never taken: progress starts at start_value and only check-ins move it.
    current_value: float = 0.0


def shape_key_results(proposed: Sequence[ProposedKeyResult], existing: Sequence[KeyResult] = ()) -> list[KeyResult]:
    """Key results as a goal keeps them. Progress starts at the start value and only check-ins move it,
    so an existing key result (same id) keeps its current value through a counter-proposal."""
    old = {k.id: k for k in existing}
    shaped = []
    for kr in proposed:
        kid = kr.id or uuid.uuid4().hex[:12]
        current = old[kid].current if kid in old else kr.start_value
        shaped.append(KeyResult(kid, kr.title.strip(), kr.start_value, kr.target_value, current, kr.unit))
    return shaped


@dataclass
class Goal:
    """A goal and its co-creation: proposed by one party, agreed by the other, checked in on, closed."""

    id: str
    kind: int
    level: int
    title: str
    description: str
    owner_id: str
    team_id: str | None
    parent_goal_id: str | None
    weight: float
    key_results: list[KeyResult]
    start_date: dt.date
    due_date: dt.date
    agreement: int
    closed_status: int | None
    proposed_by: str
    # The other party of the co-creation (the manager, or the proposer when it is not the owner).
    counterpart_id: str
    awaiting_from: str | None
    confidence: int
    last_check_in_at: dt.datetime | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    # The values and themes of the organisation story it serves (passage keys).
    story_keys: tuple[str, ...] = ()

    @classmethod
    def propose(
        cls, *, goal_id: str, kind: int, level: int, title: str, description: str, owner_id: str, team_id: str | None,
        parent_goal_id: str | None, weight: float, key_results: list[KeyResult], start_date: dt.date, due_date: dt.date,
        proposer_id: str, counterpart_id: str, agreed: bool, at: dt.datetime, story_keys: tuple[str, ...] = (),
    ) -> Goal:
        """A new goal: agreed at once (an organisation goal) or awaiting the other party."""
        return cls(
            id=goal_id, kind=kind, level=level, title=title.strip(), description=description, owner_id=owner_id,
            team_id=team_id, parent_goal_id=parent_goal_id, weight=weight or 1.0, key_results=key_results,
            start_date=start_date, due_date=due_date,
            agreement=pb.AGREEMENT_STATE_AGREED if agreed else pb.AGREEMENT_STATE_PROPOSED, closed_status=None,
            proposed_by=proposer_id, counterpart_id=counterpart_id,
            awaiting_from=None if agreed else next_to_agree(owner_id=owner_id, counterpart_id=counterpart_id, last_proposer=proposer_id),
            confidence=0, last_check_in_at=None, version=1, created_at=at, updated_at=at, story_keys=tuple(dict.fromkeys(story_keys)),
        )

    def check_version(self, expected: int) -> None:
        """Optimistic concurrency: a caller who names a version acts only on that version (0: any)."""
        if expected and expected != self.version:
            raise StaleVersion(f"goal {self.id} is at version {self.version}, not {expected}: reload and retry")

    def is_party(self, person_id: str) -> bool:
        return is_party(person_id, owner_id=self.owner_id, counterpart_id=self.counterpart_id)

    def counter_propose(
        self, person_id: str, *, title: str, description: str, weight: float, key_results: Sequence[ProposedKeyResult],
        due_date: dt.date | None, at: dt.datetime, story_keys: Sequence[str] | None = None,
    ) -> list[FieldChange]:
        """One party changes the proposal; the decision passes to the other. Empty values keep what is; story keys
        (values and themes of the story) change when given, an empty sequence clearing them."""
        if self.agreement != pb.AGREEMENT_STATE_PROPOSED:
            raise FailedPrecondition("goal_id: only a proposed goal can be counter-proposed")
        if not self.is_party(person_id):
            raise PermissionDenied("only the two parties of a goal shape it")
        changed: list[FieldChange] = []
        if title and title.strip() != self.title:
            changed.append(FieldChange("title", self.title, title.strip()))
            self.title = title.strip()
        if description and description != self.description:
            changed.append(FieldChange("description", self.description, description))
            self.description = description
        if weight and weight != self.weight:
            changed.append(FieldChange("weight", f"{self.weight:g}", f"{weight:g}"))
            self.weight = weight
        if key_results:
            shaped = shape_key_results(key_results, self.key_results)
            changed.append(FieldChange("key_results", str(len(self.key_results)), str(len(shaped))))
            self.key_results = shaped
        if due_date and due_date != self.due_date:
            if due_date <= self.start_date:
                raise InvalidArgument("due_date", "must be after start_date")
            changed.append(FieldChange("due_date", self.due_date.isoformat(), due_date.isoformat()))
            self.due_date = due_date
        if story_keys is not None and tuple(dict.fromkeys(story_keys)) != self.story_keys:
            keys = tuple(dict.fromkeys(story_keys))
            changed.append(FieldChange("story_keys", ",".join(self.story_keys), ",".join(keys)))
            self.story_keys = keys
        self.proposed_by = person_id
        self.awaiting_from = next_to_agree(owner_id=self.owner_id, counterpart_id=self.counterpart_id, last_proposer=person_id)
        self.updated_at = at
        return changed

    def agree(self, person_id: str, *, at: dt.datetime) -> list[FieldChange]:
        """The party awaited agrees to the latest proposal."""
        if self.agreement != pb.AGREEMENT_STATE_PROPOSED:
            raise FailedPrecondition(f"goal_id: the goal is {pb.AgreementState.Name(self.agreement)}, not proposed")
        if not may_agree(person_id, owner_id=self.owner_id, counterpart_id=self.counterpart_id, last_proposer=self.proposed_by):
            raise PermissionDenied("only the other party of the latest proposal can agree to it")
        self.agreement = pb.AGREEMENT_STATE_AGREED
        self.awaiting_from = None
        self.updated_at = at
        return [FieldChange("agreement", "AGREEMENT_STATE_PROPOSED", "AGREEMENT_STATE_AGREED")]

    def check_in(self, updates: Sequence[tuple[str, float]], *, confidence: int, at: dt.datetime) -> list[FieldChange]:
        """Moves key results to their current values (key result id, value); only agreed, open goals."""
        if self.agreement != pb.AGREEMENT_STATE_AGREED:
            raise FailedPrecondition("goal_id: check-ins are for agreed, open goals")
        by_id = {k.id: k for k in self.key_results}
        changed: list[FieldChange] = []
        for i, (key_result_id, value) in enumerate(updates):
            kr = by_id.get(key_result_id)
            if kr is None:
                raise InvalidArgument(f"updates[{i}].key_result_id", f"no key result {key_result_id!r} on this goal")
            if kr.current != value:
                changed.append(FieldChange(f"key_results.{kr.id}.current", f"{kr.current:g}", f"{value:g}"))
            by_id[key_result_id] = dataclasses.replace(kr, current=value)
        self.key_results = [by_id[k.id] for k in self.key_results]
        self.confidence = confidence
        self.last_check_in_at = at
        self.updated_at = at
        return changed

    def close(self, *, achieved: bool, at: dt.datetime) -> list[FieldChange]:
        """Done or dropped; a closed goal keeps its outcome."""
        if self.agreement == pb.AGREEMENT_STATE_CLOSED:
            raise FailedPrecondition("goal_id: the goal is already closed")
        before = pb.AgreementState.Name(self.agreement)
        self.closed_status = pb.GOAL_STATUS_DONE if achieved else pb.GOAL_STATUS_DROPPED
        self.agreement = pb.AGREEMENT_STATE_CLOSED
        self.awaiting_from = None
        self.updated_at = at
        return [FieldChange("agreement", before, "AGREEMENT_STATE_CLOSED"), FieldChange("status", "", pb.GoalStatus.Name(self.closed_status))]

    def check_can_parent(self, level: int) -> None:
        """Goals cascade organisation -> team -> individual (team goals also under team goals), from open goals."""
        if self.agreement == pb.AGREEMENT_STATE_CLOSED:
            raise FailedPrecondition("parent_goal_id: the parent goal is closed")
        if self.level > level or (self.level == level and level != pb.GOAL_LEVEL_TEAM):
            raise InvalidArgument("parent_goal_id", "goals cascade organisation -> team -> individual")

    def own_progress(self) -> float:
        return own_progress([k.values for k in self.key_results])

    def counts_in_rollup(self) -> bool:
        """A dropped child no longer moves its parent's progress."""
        return self.closed_status != pb.GOAL_STATUS_DROPPED


@dataclass(frozen=True)
class GoalView:
    """A goal as people see it: its state with progress, expected progress and status worked out."""

    id: str
    kind: int
    level: int
    title: str
    description: str
    owner_id: str
    team_id: str
    parent_goal_id: str
    weight: float
    key_results: tuple[KeyResult, ...]
    start_date: dt.date
    due_date: dt.date
    agreement: int
    status: int
    progress: float
    expected_progress: float
    proposed_by: str
    awaiting_agreement_from: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    confidence: int
    last_check_in_at: dt.datetime | None
    story_keys: tuple[str, ...] = ()

    @classmethod
    def of(cls, goal: Goal, *, progress: float, today: dt.date) -> GoalView:
        expected = expected_progress(goal.start_date, goal.due_date, today)
        return cls(
            id=goal.id, kind=goal.kind, level=goal.level, title=goal.title, description=goal.description,
            owner_id=goal.owner_id, team_id=goal.team_id or "", parent_goal_id=goal.parent_goal_id or "", weight=goal.weight,
            key_results=tuple(goal.key_results), start_date=goal.start_date, due_date=goal.due_date, agreement=goal.agreement,
            status=status(progress, expected, goal.agreement, goal.closed_status),
            progress=round(progress, 6), expected_progress=round(expected, 6), proposed_by=goal.proposed_by,
            awaiting_agreement_from=goal.awaiting_from or "", version=goal.version, created_at=goal.created_at,
            updated_at=goal.updated_at, confidence=goal.confidence, last_check_in_at=goal.last_check_in_at, story_keys=goal.story_keys,
        )


@dataclass(frozen=True)
class Comment:
    id: str
    goal_id: str
    author_id: str
    text: str
    counter_proposal: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class CheckIn:
    id: str
    goal_id: str
    author_id: str
    note: str
    confidence: int
    updates: tuple[tuple[str, float], ...]
    created_at: dt.datetime


@dataclass(frozen=True)
class GoalDetail:
    goal: GoalView
    comments: tuple[Comment, ...]
    check_ins: tuple[CheckIn, ...]


@dataclass(frozen=True)
class AlignmentNode:
    goal: GoalView
    children: tuple[AlignmentNode, ...] = ()


@dataclass(frozen=True)
class TeamGoals:
    """A team's agreed goals the caller may read, and what they add up to."""

    goals: tuple[GoalView, ...]
    rolled_up_progress: float
    expected_progress: float
    goals_by_status: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class GoalUpdated:
    """Something happened to a goal (past tense): the event the outbox carries to the other services."""

    goal: GoalView
    actor_id: str
    changes: tuple[int, ...]
    field_changes: tuple[FieldChange, ...]
    occurred_at: dt.datetime
    note: str = ""
    confidence: int = 0
    milestone_percent: int = 0
