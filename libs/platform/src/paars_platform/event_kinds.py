"""The kinds of data of the events' personal fields (issue 18 items 4 and 5): per topic, whose key, for which period,
and which legal holds keep the keys. No database here: the keyring (every consumer's decode path, analytics' worker
included) reads these without paars_platform.retention's job and rules, which re-exports every name below.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass


def covers(hold_service: str, hold_kind: str, service: str, kind: str) -> bool:
    """Whether a legal hold on (hold_service, hold_kind) keeps the data of `kind` in `service`: an empty service is
    every service, an empty kind every kind. The one rule erasure, the keys' and the rows' retention apply."""
    return hold_service in ("", service) and hold_kind in ("", kind)


# ---------- the kinds of data of the events: whose keys, and for how long ----------


@dataclass(frozen=True)
class EventKind:
    """The kind of data a topic's personal fields are (a retention kind: PAARS_RETENTION_<KIND>_DAYS), whether its
    keys go by month, and the legal holds that keep them: a hold of (service, kind) in goals' legal_holds, as the
    service's personal-data KINDS name it ("" matching any, as a hold means it)."""

    kind: str
    # A key per calendar month of the event's time (destroyed once the month is past the period); else one key per
    # person for the kind, kept until erasure: the state a compacted topic carries (the directory).
    monthly: bool
    holds: tuple[tuple[str, str], ...]

    @property
    def setting(self) -> str:
        return f"PAARS_RETENTION_{self.kind.upper()}_DAYS"

    def held_by(self, service: str, kind: str) -> bool:
        """Whether a hold in force on (service, kind) keeps this kind's keys."""
        return any(covers(service, kind, s, k) for s, k in self.holds)


DIRECTORY = EventKind("directory", False, (("goals", "directory"),))
GOALS = EventKind("goals", True, (("goals", "goals"), ("goals", "goal_comments"), ("goals", "check_ins")))
FEEDBACK = EventKind("feedback", True, (("feedback", "feedback_received"), ("feedback", "feedback_given")))
REVIEW_ANSWERS = EventKind("review_answers", True, (("feedback", "reviews"), ("feedback", "review_raters"), ("feedback", "self_assessments")))
INSIGHTS = EventKind("insights", True, (("analytics", "insights"),))

# The one mapping from a topic with personal fields to its kind (tests/unit/test_key_retention.py: every such
# topic has one). Analytics' insights quote values already encrypted upstream (a goal's title under its owner's
# goals key), which stay under those keys; the insight's own fields take the insights kind.
EVENT_KINDS: dict[str, EventKind] = {
    "org.employee-changed.v1": DIRECTORY,
    "goals.goal-updated.v1": GOALS,
    "feedback.feedback-given.v1": FEEDBACK,
    "feedback.self-assessment-submitted.v1": REVIEW_ANSWERS,
    "feedback.review-updated.v1": REVIEW_ANSWERS,
    "analytics.insight-detected.v1": INSIGHTS,
}
KINDS_OF_EVENTS: tuple[EventKind, ...] = tuple(dict.fromkeys(EVENT_KINDS.values()))


def event_kind(topic: str) -> EventKind:
    """The kind of a topic's personal fields; a topic with personal fields missing here fails loudly."""
    try:
        return EVENT_KINDS[topic]
    except KeyError:
        raise KeyError(f"{topic} has personal fields but no kind of data: add it to paars_platform.event_kinds.EVENT_KINDS") from None


def period_of(kind: EventKind, at: dt.datetime) -> str:
    """The period of an event's key: "YYYY-MM" of its time in UTC for a monthly kind, "" for a kind kept whole."""
    if not kind.monthly:
        return ""
    at = at.astimezone(dt.UTC) if at.tzinfo else at
    return f"{at.year:04d}-{at.month:02d}"


def periods_past(days: int, now: dt.datetime) -> str:
    """The first period still (partly) inside a retention of `days` at `now`: every month before it ended before
    the cutoff (now - days), so its keys may go; a month the cutoff falls in keeps its key until it has ended."""
    cutoff = now - dt.timedelta(days=days)
    return period_of(EventKind("", True, ()), cutoff)


@dataclass(frozen=True)
class KeyCutoff:
    """The keys of `kind` whose period is before `before` are past its retention of `days` days."""

    kind: EventKind
    days: int
    before: str


def key_cutoffs(periods: Mapping[str, int], now: dt.datetime) -> list[KeyCutoff]:
    """Per kind of the events kept by month with a retention set, the periods whose keys go at `now`."""
    return [KeyCutoff(k, periods[k.kind], periods_past(periods[k.kind], now)) for k in KINDS_OF_EVENTS if k.monthly and periods.get(k.kind, 0) > 0]

