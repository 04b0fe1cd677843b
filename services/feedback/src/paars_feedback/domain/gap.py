"""The gap report: self-assessment against others, per competency; a difference is information to discuss."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain.anonymity import SELF, Folded

# Below this, self and others see it alike.
NOTABLE_GAP = 0.5


@dataclass(frozen=True)
class Gap:
    competency: str
    self_score: float | None
    # Group name -> average, only the groups the folded report shows.
    others_by_group: dict[str, float]
    others_average: float | None
    gap: float | None
    conversation_starter: str


def conversation_starter(self_score: float | None, others: float | None) -> str:
    if self_score is None:
        return "No self-assessment yet: how would you rate yourself here, and why?"
    if others is None:
        return "Not enough answers from others yet to compare (anonymity comes first)."
    gap = self_score - others
    if gap >= NOTABLE_GAP:
        return "You rate yourself higher than others do: which moments might others have seen differently?"
    if gap <= -NOTABLE_GAP:
        return "Others see more in you than you do yourself: what might you be underrating?"
    return "You and others see this alike: what keeps it that way?"


def gap_report(competencies: Sequence[str], self_ratings: Mapping[str, float] | None, folded: Folded) -> list[Gap]:
    """Others are every group the folded report shows except self, weighted by the ratings behind each
    average; so anything anonymity hid stays out of the average too."""
    gaps = []
    for competency in competencies:
        by_group: dict[str, float] = {}
        total = 0.0
        count = 0
        for group in folded.groups:
            if group.group == SELF or competency not in group.averages:
                continue
            by_group[pb.RaterGroup.Name(group.group)] = group.averages[competency]
            total += group.averages[competency] * group.counts[competency]
            count += group.counts[competency]
        others = round(total / count, 4) if count else None
        mine = float(self_ratings[competency]) if self_ratings and competency in self_ratings else None
        gap = round(mine - others, 4) if mine is not None and others is not None else None
        gaps.append(Gap(competency, mine, by_group, others, gap, conversation_starter(mine, others)))
    return gaps
