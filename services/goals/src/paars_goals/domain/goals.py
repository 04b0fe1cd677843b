"""Goal rules: progress, expected progress, status, roll-up, milestones and who agrees with whom."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from paars.goals.v1 import goals_pb2 as pb

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
    """Co-creation: the other party is the owner's manager when the owner proposes, else the owner."""
    if proposer_id == owner_id:
        return owner_manager_id
    return owner_id


def next_to_agree(*, owner_id: str, counterpart_id: str, last_proposer: str) -> str:
    """Whoever did not make the latest proposal must agree to it."""
    return counterpart_id if last_proposer == owner_id else owner_id
