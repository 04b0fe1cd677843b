"""The story's alignment as analytics computes it (pure functions, plain records): values lived in feedback,
values and themes goals serve, what nobody's work touches, k-anonymous; and who may ask for which team."""
from __future__ import annotations

import pytest

from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as gl
from paars.story.v1 import story_pb2 as spb
from paars_analytics.story import alignment as a
from paars_analytics.story.agents import CATALOGUE_KEY, catalogue_of, record_after
from paars_analytics.story.queries import StoryQueries, story_alignment_proto
from paars_platform.auth import Identity
from paars_platform.errors import PermissionDenied

CATALOGUE = a.catalogue_record(4, [
    ("value.openness", "value", "Open", "Open"), ("value.care", "value", "Zorg", "Care"), ("theme.clients", "theme", "Klant", "Clients"),
])
TEAM = ["ann", "bob", "cas", "dirk"]


def records() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for person in ("ann", "bob", "cas"):
        out[person] = a.with_feedback(a.with_goal(None, f"g-{person}", ["theme.clients"]), f"f-{person}", "value.openness")
    out["dirk"] = a.with_goal(None, "g-dirk", ["value.care"])
    return out


def test_values_lived_and_themes_served_are_counted_per_person_and_what_nobody_touches_is_named() -> None:
    found = a.alignment(records(), TEAM, CATALOGUE, k=3)
    parts = {p.key: p for p in found.parts}
    assert found.story_version == 4 and found.people == a.Count(4)
    assert parts["value.openness"].lived_in_feedback == a.Count(3) and parts["theme.clients"].served_by_goals == a.Count(3)
    assert parts["value.care"].served_by_goals == a.Count(0, True), "one person's goal is held back, not shown"
    assert not parts["value.care"].untouched, "held back is still touched"
    assert [p.key for p in a.alignment({}, TEAM, CATALOGUE, k=3).untouched] == ["value.care", "value.openness", "theme.clients"]


def test_a_group_smaller_than_k_shows_no_count_at_all() -> None:
    found = a.alignment(records(), ["ann", "bob"], CATALOGUE, k=3)
    assert found.people.hidden and all(p.lived_in_feedback.hidden or p.lived_in_feedback.value == 0 for p in found.parts)
    assert {p.key: p.served_by_goals.hidden for p in found.parts}["theme.clients"]


def test_a_dropped_goal_serves_nothing_and_the_latest_event_of_a_goal_wins() -> None:
    record = a.with_goal(None, "g1", ["theme.clients"])
    assert a.with_goal(record, "g1", ["value.care"])["goals"] == {"g1": ["value.care"]}
    assert a.with_goal(record, "g1", ["theme.clients"], dropped=True)["goals"] == {}
    assert record["goals"] == {"g1": ["theme.clients"]}, "the input is left as it was"


def test_events_become_records_and_the_catalogue_keeps_values_and_themes_of_the_newest_version() -> None:
    goal = gl.GoalUpdated(goal=gl.Goal(id="g1", owner_id="ann", story_keys=["theme.clients"]))
    assert record_after(None, goal) == {"goals": {"g1": ["theme.clients"]}, "feedback": {}}
    assert record_after(None, gl.GoalUpdated(goal=gl.Goal(id="g2", owner_id="ann"))) is None
    given = fb.FeedbackGiven(feedback_id="f1", receiver_id="ann", value_key="value.openness")
    assert record_after(None, given) == {"goals": {}, "feedback": {"f1": "value.openness"}}
    assert record_after(None, fb.FeedbackGiven(feedback_id="f2", receiver_id="ann")) is None
    story = spb.StoryPublished(story=spb.StoryVersion(version=5, passages=[
        spb.Passage(key="mission", kind=spb.PASSAGE_KIND_MISSION), spb.Passage(key="value.care", kind=spb.PASSAGE_KIND_VALUE, title=spb.LocalizedText(nl="Zorg", en="Care")),
    ]))
    catalogue = catalogue_of(story)
    assert catalogue == {"version": 5, "parts": {"value.care": {"kind": "value", "nl": "Zorg", "en": "Care"}}}
    assert a.newer_catalogue(CATALOGUE, catalogue) and not a.newer_catalogue(catalogue, CATALOGUE)


def test_a_team_is_read_by_its_manager_and_members_and_the_organisation_by_hr_and_leaders_only() -> None:
    employees = {p: {"id": p, "team_id": "team-a", "manager_id": "mgr", "active": True} for p in TEAM}
    employees["mgr"] = {"id": "mgr", "team_id": "org", "manager_id": "", "active": True}
    employees["eve"] = {"id": "eve", "team_id": "team-b", "manager_id": "", "active": True}
    teams = {"org": {"id": "org", "parent_team_id": "", "manager_id": ""}, "team-a": {"id": "team-a", "parent_team_id": "org", "manager_id": "mgr"},
             "team-b": {"id": "team-b", "parent_team_id": "org", "manager_id": ""}}
    queries = StoryQueries(records(), {CATALOGUE_KEY: CATALOGUE}, employees, teams, k=3)
    answer = story_alignment_proto(queries.alignment(Identity("mgr", frozenset({"manager"})), "team-a"))
    assert answer.k == 3 and answer.people.value == 4
    assert {p.key: p.lived_in_feedback.value for p in answer.parts}["value.openness"] == 3
    with pytest.raises(PermissionDenied):
        queries.alignment(Identity("eve", frozenset({"employee"})), "team-a")
    with pytest.raises(PermissionDenied):
        queries.alignment(Identity("mgr", frozenset({"manager"})), "")
    assert queries.alignment(Identity("hr", frozenset({"hr"})), "")[2].people.value == 6
