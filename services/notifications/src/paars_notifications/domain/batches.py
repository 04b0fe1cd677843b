"""A batch of consumed events, between their rules and their statements: the cause each prompt names, each
event's drafts and actions, and where a batch must be cut so that applying it at once decides what applying
its events one by one would (service_layer/prompting.py, PromptService.apply)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from paars_notifications.domain import rules
from paars_platform.db import utcnow
from paars_platform.topics import topic_for_message


@dataclass(frozen=True)
class Cause:
    event_id: str
    type: str
    topic: str
    occurred_at: dt.datetime
    visibility: int
    subject_id: str


def cause_of(event: Any) -> Cause:
    meta = event.metadata
    full_name = event.DESCRIPTOR.full_name
    occurred = meta.occurred_at.ToDatetime(tzinfo=dt.UTC) if meta.occurred_at.seconds or meta.occurred_at.nanos else utcnow()
    return Cause(meta.event_id, full_name, topic_for_message(full_name).name, occurred, meta.visibility, meta.subject_id)


@dataclass
class Applied:
    """One event of a batch with its rules applied (pure work, done when its handler runs), waiting for the
    batch's statements: the prompts it drafts and what it shows someone did."""

    event: Any
    cause: Cause
    drafts: list[rules.PromptDraft]
    matches: list[rules.ActionMatch]
    # FeedbackRequested: the open request to keep (its row), or None to forget it; absent for other events.
    request: tuple[str, dict[str, Any] | None] | None = None
    # The people the event waits for (involvement.awaited): not empty, the event is parked, not applied (no drafts,
    # no actions, no request).
    awaited: frozenset[str] = frozenset()


def acts_on(match: rules.ActionMatch, draft: rules.PromptDraft) -> bool:
    """Whether an action would close the prompt a draft becomes (an action in the same batch as its prompt)."""
    return (
        draft.recipient_id == match.recipient_id and draft.kind in match.kinds
        and (not match.about_id or draft.about_id == match.about_id) and (not match.ref_id or draft.ref_id == match.ref_id)
    )


# A prompt in one of these states was never shown and never will be, and no action closes it: dropped (the person acted
# before it was released), withdrawn (a prompt of a higher priority took its moment before it was released).
UNSHOWN_FINAL = ("dropped", "withdrawn")


def closes(match: rules.ActionMatch, row: Any, before: dt.datetime) -> bool:
    """The open-prompt query of one action, on a row already read (see SqlPromptRepository.budget_and_open)."""
    return (
        row.recipient_id == match.recipient_id and row.kind in match.kinds and not row.acted and row.state not in UNSHOWN_FINAL
        and row.created_at <= before and (not match.about_id or row.about_id == match.about_id)
        and (not match.ref_id or row.ref_id == match.ref_id)
    )


def runs(items: Sequence[Applied]) -> list[list[Applied]]:
    """A batch cut where an event acts on a prompt an earlier event of the same run drafts: each run's statements
    are made before the next run's reads, so that action sees (and closes) the prompt, as one by one."""
    out: list[list[Applied]] = [[]]
    # The run's drafts by recipient: an action only meets drafts for the person who acted.
    drafted: dict[str, list[rules.PromptDraft]] = {}
    for item in items:
        run = out[-1]
        if item.matches and any(acts_on(m, d) for m in item.matches for d in drafted.get(m.recipient_id, ())):
            out.append(run := [])
            drafted = {}
        run.append(item)
        for d in item.drafts:
            drafted.setdefault(d.recipient_id, []).append(d)
    return [run for run in out if run]


Drafted = TypeVar("Drafted")


def by_moment_priority(drafts: Sequence[tuple[Drafted, rules.PromptDraft]]) -> list[tuple[Drafted, rules.PromptDraft]]:
    """A run's drafts with those of one person about one moment in priority order, highest first, in the places the
    group held (every other draft stays where it was; of equal priorities the first stays first).

    One prompt per moment and person: within a run the first row stored takes the moment, and a prompt stored in the
    same run is already 'released' when the next one meets it, so policy.takes_moment would let it keep the moment.
    Applied this way the milestone's NORMAL prompt takes the moment before analytics' LOW insight about it, in
    whichever order the two events came in the batch, and the insight is then refused as any later draft for a
    moment held by a prompt not lower than it."""
    places: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, (_item, draft) in enumerate(drafts):
        if draft.moment_id:
            places[draft.moment_key].append(index)
    out = list(drafts)
    for group in places.values():
        if len(group) > 1:
            # sorted() is stable: equal priorities keep the order they came in.
            for place, index in zip(group, sorted(group, key=lambda i: -drafts[i][1].priority), strict=True):
                out[place] = drafts[index]
    return out


@dataclass(frozen=True)
class OpenQuery:
    """What a batch's actions may close: the union of its ActionMatches (see rules.actions_in)."""

    actors: frozenset[str]
    kinds: frozenset[int]
    abouts: frozenset[str]
    refs: frozenset[str]
    before: dt.datetime


@dataclass
class Writes:
    """A batch's writes after its reads, made at its end (SqlPromptRepository.write: the order below; on PostgreSQL
    the cursors, the release marks and the outbox rows in one statement)."""

    acted: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    # FeedbackRequested, in the order the events came: (request id, the open request's row or None to forget it).
    requests: list[tuple[str, dict[str, Any] | None]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    # The prompts released now, per recipient in the order their cursors go (taken, and written, with the writes).
    released: dict[str, list[str]] = field(default_factory=dict)
    released_at: dt.datetime | None = None
    events: list[Any] = field(default_factory=list)
