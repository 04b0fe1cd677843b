"""360 results with k-anonymity: groups below k fold into OTHERS, which itself shows only at k or more."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from paars.feedback.v1 import feedback_pb2 as pb

SELF = pb.RATER_GROUP_SELF
MANAGER = pb.RATER_GROUP_MANAGER
PEERS = pb.RATER_GROUP_PEERS
REPORTS = pb.RATER_GROUP_REPORTS
CUSTOMERS = pb.RATER_GROUP_CUSTOMERS
OTHERS = pb.RATER_GROUP_OTHERS

# Groups whose raters are anonymous: their identities never leave, their answers only at k or more.
ANONYMOUS_GROUPS = frozenset({PEERS, REPORTS, CUSTOMERS})
# Groups a cycle may ask for (OTHERS is where folding puts answers, never asked for).
ASKABLE_GROUPS = frozenset({SELF, MANAGER, PEERS, REPORTS, CUSTOMERS})
ORDER = (SELF, MANAGER, PEERS, REPORTS, CUSTOMERS, OTHERS)


@dataclass(frozen=True)
class Answer:
    """One rater's response: the group it counts for, scores per competency, comments."""

    group: int
    ratings: Mapping[str, int]
    comments: Sequence[str] = ()


@dataclass(frozen=True)
class GroupResult:
    group: pb.RaterGroup
    responses: int
    averages: dict[str, float]
    # How many ratings each average is made of.
    counts: dict[str, int]
    comments: tuple[str, ...]


@dataclass(frozen=True)
class Folded:
    groups: tuple[GroupResult, ...]
    # Anonymous groups with answers that were below k (folded into OTHERS, never shown apart).
    suppressed_groups: int = 0

    def group(self, group: int) -> GroupResult | None:
        return next((g for g in self.groups if g.group == group), None)


def _aggregate(group: pb.RaterGroup, answers: Sequence[Answer], k: int) -> GroupResult:
    scores: dict[str, list[int]] = {}
    comments: list[str] = []
    for answer in answers:
        for competency, score in answer.ratings.items():
            scores.setdefault(competency, []).append(score)
        comments.extend(c.strip() for c in answer.comments if c.strip())
    if group in ANONYMOUS_GROUPS or group == OTHERS:
        # A competency only a few raters of an anonymous group scored would expose their scores.
        scores = {c: s for c, s in scores.items() if len(s) >= k}
    return GroupResult(
        group=group,
        responses=len(answers),
        averages={c: round(sum(s) / len(s), 4) for c, s in sorted(scores.items())},
        counts={c: len(s) for c, s in sorted(scores.items())},
        # Sorted, so the order says nothing about who answered when.
        comments=tuple(sorted(comments)),
    )


def fold(answers: Iterable[Answer], k: int, *, include_anonymous: bool = True) -> Folded:
    """Per-group results. Named groups (self, manager) always show. An anonymous group shows at k or
    more answers; smaller ones fold together into OTHERS, shown only when OTHERS reaches k (a single
    folded group is always below k, so OTHERS never stands in for one group). Without
    include_anonymous (a cycle still collecting) anonymous answers stay inside the service entirely."""
    if k < 1:
        raise ValueError("k must be at least 1")
    by_group: dict[int, list[Answer]] = {}
    for answer in answers:
        by_group.setdefault(answer.group, []).append(answer)
    shown: list[GroupResult] = []
    folded: list[Answer] = []
    suppressed = 0
    for group in ORDER:
        members = by_group.get(group, [])
        if not members:
            continue
        if group not in ANONYMOUS_GROUPS:
            shown.append(_aggregate(group, members, k))
        elif not include_anonymous:
            continue
        elif len(members) >= k:
            shown.append(_aggregate(group, members, k))
        else:
            suppressed += 1
            folded.extend(members)
    if folded and len(folded) >= k:
        shown.append(_aggregate(OTHERS, folded, k))
    return Folded(tuple(shown), suppressed)


def without_comments(folded: Folded) -> Folded:
    """Aggregates only (counts and averages): what may leave in events."""
    return Folded(
        tuple(GroupResult(g.group, g.responses, dict(g.averages), dict(g.counts), ()) for g in folded.groups),
        folded.suppressed_groups,
    )


def valid_score(score: int) -> bool:
    return 1 <= score <= 5
