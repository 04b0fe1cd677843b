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
