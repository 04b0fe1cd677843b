"""Alignment with the organisation story, as pure functions over plain records (no Faust, no I/O):

- per person, which values the feedback they received names (``feedback.feedback-given.v1`` value_key) and which
  values and themes their goals serve (``goals.goal-updated.v1`` story_keys);
- the catalogue of the story's values and themes (``story.story-published.v1``);
- per team (or the organisation) and per value or theme: how many people live it in feedback and how many have a
  goal serving it, k-anonymous (a count of fewer than k people is held back), and which parts of the story
  nobody's work touches.

A person's record: {"goals": {goal_id: [keys]}, "feedback": {feedback_id: value_key}}; a goal closed as dropped
serves nothing any more; the latest event of a goal or feedback item wins.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DROPPED = "dropped"


def empty_record() -> dict[str, Any]:
    return {"goals": {}, "feedback": {}}


def with_goal(record: dict[str, Any] | None, goal_id: str, story_keys: Iterable[str], *, dropped: bool = False) -> dict[str, Any]:
    """The record with this goal's keys (none when dropped); a new dict, the input untouched."""
    out = {"goals": dict((record or empty_record())["goals"]), "feedback": dict((record or empty_record())["feedback"])}
    keys = [] if dropped else sorted(set(story_keys))
    if keys:
        out["goals"][goal_id] = keys
    else:
        out["goals"].pop(goal_id, None)
    return out


def with_feedback(record: dict[str, Any] | None, feedback_id: str, value_key: str) -> dict[str, Any]:
    out = {"goals": dict((record or empty_record())["goals"]), "feedback": dict((record or empty_record())["feedback"])}
    if value_key:
        out["feedback"][feedback_id] = value_key
    return out


def catalogue_record(version: int, passages: Iterable[tuple[str, str, str, str]]) -> dict[str, Any]:
    """(key, kind "value"/"theme", title nl, title en) of a published story version."""
    return {"version": version, "parts": {key: {"kind": kind, "nl": nl, "en": en} for key, kind, nl, en in passages}}


def newer_catalogue(current: dict[str, Any] | None, candidate: dict[str, Any]) -> bool:
    """Compacted topics replay: an older version must not replace a newer one."""
    return current is None or int(candidate["version"]) >= int(current["version"])


@dataclass(frozen=True)
class Count:
    value: int
    hidden: bool = False

    @classmethod
    def of(cls, value: int, k: int) -> Count:
        return cls(0, True) if 0 < value < k else cls(value)


@dataclass(frozen=True)
class Part:
    key: str
    kind: str
    title_nl: str
    title_en: str
    # People whose received feedback names the value (values only).
    lived_in_feedback: Count
    # People with a goal that serves the value or theme.
    served_by_goals: Count

    @property
    def untouched(self) -> bool:
        """Nobody's feedback or goals touch it (a hidden count is someone's: touched)."""
        return not (self.lived_in_feedback.value or self.lived_in_feedback.hidden or self.served_by_goals.value or self.served_by_goals.hidden)


@dataclass(frozen=True)
class Alignment:
    story_version: int
    people: Count
    parts: tuple[Part, ...]

    @property
    def untouched(self) -> tuple[Part, ...]:
        return tuple(p for p in self.parts if p.untouched)


def alignment(records: Mapping[str, dict[str, Any] | None], members: Iterable[str], catalogue: dict[str, Any] | None, *, k: int) -> Alignment:
    """The alignment of these people with the published story; a group of fewer than k people shows nothing."""
    people = sorted(set(members))
    parts_of = (catalogue or {"parts": {}})["parts"]
    small = len(people) < k
    lived: dict[str, set[str]] = {key: set() for key in parts_of}
    served: dict[str, set[str]] = {key: set() for key in parts_of}
    for person in people:
        record = records.get(person) or empty_record()
        for value_key in record["feedback"].values():
            if value_key in lived:
                lived[value_key].add(person)
        for keys in record["goals"].values():
            for key in keys:
                if key in served:
                    served[key].add(person)

    def count(found: set[str]) -> Count:
        return Count(0, True) if small and found else Count.of(len(found), k)

    parts = tuple(
        Part(key, info["kind"], info["nl"], info["en"], count(lived[key]) if info["kind"] == "value" else Count(0), count(served[key]))
        for key, info in sorted(parts_of.items(), key=lambda kv: (kv[1]["kind"] != "value", kv[0]))
    )
    return Alignment(int((catalogue or {}).get("version", 0)), Count.of(len(people), k), parts)
