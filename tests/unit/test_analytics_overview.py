"""The manager's and HR's reads (signals/overview.py and their queries): the sense-making card, the calibration
aid and the pitfall monitor, on crafted histories; each read only where signals/directory.py allows it."""
from __future__ import annotations

import pytest

from paars.goals.v1 import goals_pb2 as goals
from paars_analytics.api.queries import Directory, Queries
from paars_analytics.signals import overview
from paars_analytics.signals.directory import members_of
from paars_analytics.signals.state import PersonState, PersonUpdate, apply_update, new_state
from paars_analytics.story import alignment as story
from paars_analytics.story.agents import CATALOGUE_KEY
from paars_analytics.story.queries import StoryQueries
from paars_platform.auth import Identity
from paars_platform.errors import InvalidArgument, PermissionDenied
from tests.unit.test_analytics_signals import NOW, TEAMS, TH, _employees, _team, days_ago, feedback, goal_event, history


def rated(by: dict[str, list[float]]) -> dict[str, PersonState]:
    """People, each rated in a review by one manager: {manager: [average given in each review]}."""
    people: dict[str, PersonState] = {}
    for manager, averages in by.items():
        for i, average in enumerate(averages):
            state = new_state()
            fact = {"k": "rate", "rv": f"rv-{manager}-{i}", "r": average, "m": manager, "ma": average}
            apply_update(state, PersonUpdate(f"{manager}-r{i}", f"e-{manager}-{i}", days_ago(5), [fact]), NOW)
            people[f"{manager}-r{i}"] = state
    return people


def test_a_persons_card_counts_what_happened_in_the_window() -> None:
    state = history(
        feedback("f1", "ann", 3, example=True), feedback("f2", "ann", 4, example=False), feedback("f3", "ann", 50),
        goal_event("g1", "ann", 2, progress=0.5, changes=[goals.GoalUpdated.CHANGE_PROGRESS], milestone=50),
        goal_event("g2", "ann", 2, progress=0.1, changes=[goals.GoalUpdated.CHANGE_AGREED], gid="g2", kind=goals.GOAL_KIND_WELLBEING),
    )
    card = overview.person_card(state, NOW, 30)
    assert (card["feedback_received"], card["received_with_example"], card["milestones"]) == (2, 1, 1)
    assert (card["performance_goals"], card["development_goals"], card["wellbeing_goals"]) == (1, 0, 1)
    assert card["feedback_sources"] == 1 and not card["suppressed"]
    assert overview.person_card(state, NOW, 90)["feedback_received"] == 3
    assert overview.person_card(None, NOW)["feedback_received"] == 0


@pytest.mark.parametrize("k", [3, 5])
def test_a_teams_card_says_nothing_about_fewer_than_k_people(k: int) -> None:
    small = overview.team_card("team-a", _team(k - 1), NOW, k)
    assert small["suppressed"] and "feedback_received" not in small and "milestones" not in small
    full = overview.team_card("team-a", _team(k), NOW, k)
    assert not full["suppressed"] and full["feedback_received"] == 2 * k and full["performance_goals"] == k


def test_the_calibration_aid_compares_each_manager_with_the_median_of_the_managers() -> None:
    people = rated({"mgr": [4.8, 4.9, 4.7], "boss": [3.0, 3.2, 3.1], "lea": [3.3, 3.0, 3.4], "few": [1.0]})
    ratings = overview.ratings_by_manager(people, NOW)
    aid = overview.calibration(ratings, TH, visible=["mgr", "few", "lea", "boss"])
    assert aid["enough"] and aid["managers"] == 3 and aid["median"] == pytest.approx(3.2333, abs=1e-3)
    rows = {r["manager_id"]: r for r in aid["rows"]}
    assert rows["mgr"]["drift"] == pytest.approx(4.8 - 3.2333, abs=1e-3)
    # One rating is no basis for a comparison: shown, without an average.
    assert rows["few"]["suppressed"] and "average" not in rows["few"] and rows["few"]["ratings"] == 1
    only_mine = overview.calibration(ratings, TH, visible=["mgr"])
    assert [r["manager_id"] for r in only_mine["rows"]] == ["mgr"] and only_mine["median"] == aid["median"]


def test_without_three_managers_with_enough_ratings_there_is_no_median_to_drift_from() -> None:
    aid = overview.calibration(overview.ratings_by_manager(rated({"mgr": [4.8, 4.9, 4.7], "boss": [3.0, 3.2, 3.1]}), NOW), TH, ["mgr", "boss"])
    assert not aid["enough"] and aid["median"] == 0.0 and all("drift" not in r for r in aid["rows"])


def test_old_ratings_leave_the_calibration_window() -> None:
    state = new_state()
    apply_update(state, PersonUpdate("p", "e", days_ago(100), [{"k": "rate", "rv": "rv", "r": 4.0, "m": "mgr", "ma": 4.0}]), days_ago(100))
    assert overview.ratings_by_manager({"p": state}, NOW) == {}


def test_a_teams_pitfalls_are_found_by_the_insight_rules_and_suppressed_below_k() -> None:
    report = overview.pitfall_report("team-a", _team(3, example=False), NOW, TH, 3)
    assert report["recency_bunching"] and report["feedback_without_examples"] and report["performance_only_portfolios"]
    assert report["example_share"] == 0.0 and report["performance_only_share"] == 1.0 and report["recency_share"] == 1.0
    # Each goal is at 30 % where about 41 % was expected, without a check-in for 30 days; two pieces each are too
    # few to call a single source.
    assert report["stalled_goal_people"] == 3 and report["single_source_people"] == 0
    spread = overview.pitfall_report("team-a", _team(3, before_review=False), NOW, TH, 3)
    assert not spread["recency_bunching"] and "recency_share" not in spread
    small = overview.pitfall_report("team-a", _team(2, example=False), NOW, TH, 3)
    assert small["suppressed"] and set(small) == {"team_id", "people", "suppressed"}


def queries(people: dict[str, PersonState] | None = None) -> Queries:
    return Queries(people or dict(_team(3, example=False)), _employees(), TEAMS, {}, k=3, clock=lambda: NOW, thresholds=TH)


def test_the_pitfall_monitor_is_for_those_who_look_after_a_team_not_its_members() -> None:
    q = queries()
    assert [r["team_id"] for r in q.pitfalls(Identity("root-hr", frozenset({"hr"})), "")] == ["org", "people", "product"]
    assert [r["team_id"] for r in q.pitfalls(Identity("hanne", frozenset({"hr"})), "")] == ["people"]
    assert [r["team_id"] for r in q.pitfalls(Identity("jan", frozenset({"manager"})), "")] == ["product"]
    assert q.pitfalls(Identity("p0", frozenset({"employee"})), "") == []
    with pytest.raises(PermissionDenied):
        q.pitfalls(Identity("p0", frozenset({"employee"})), "product")
    [product] = q.pitfalls(Identity("jan", frozenset({"manager"})), "product")
    assert product["people"] == 4 and product["feedback_without_examples"]


def test_a_card_is_read_by_whoever_may_read_the_signals_and_a_teams_by_whoever_may_read_its_roll_up() -> None:
    q = queries()
    assert q.sense_making(Identity("jan", frozenset({"manager"})), "p0", "", 30)["feedback_received"] == 2
    assert q.sense_making(Identity("p0", frozenset({"employee"})), "", "", 30)["employee_id"] == "p0"
    for reader, subject in (("p1", "p0"), ("hanne", "p0"), ("koen", "p0")):
        with pytest.raises(PermissionDenied):
            q.sense_making(Identity(reader, frozenset()), subject, "", 30)
    team = q.sense_making(Identity("jan", frozenset({"manager"})), "", "product", 30)
    assert not team["suppressed"] and team["people"] == 4 and team["feedback_received"] == 6
    with pytest.raises(PermissionDenied):
        q.sense_making(Identity("hanne", frozenset({"hr"})), "", "product", 30)


def test_the_calibration_rows_are_those_the_caller_may_read_about() -> None:
    people = rated({"jan": [4.8, 4.9, 4.7], "boss": [3.0, 3.2, 3.1], "lea": [3.3, 3.0, 3.4]})
    q = queries(people)
    mine = q.calibration(Identity("jan", frozenset({"manager"})))
    assert [r["manager_id"] for r in mine["rows"]] == ["jan"] and mine["enough"]
    assert q.calibration(Identity("p0", frozenset({"employee"})))["rows"] == []
    # HR in the root team reads every manager it knows of in its scope (boss and lea are not in the directory).
    assert [r["manager_id"] for r in q.calibration(Identity("root-hr", frozenset({"hr"})))["rows"]] == ["jan"]
    assert len(q.calibration(Identity("admin", frozenset({"admin"})))["rows"]) == 3


def test_the_team_overview_answers_each_part_by_its_own_rule_and_leaves_out_what_the_caller_may_not_read() -> None:
    q = queries()
    jan = Identity("jan", frozenset({"manager"}))
    found = q.team_overview(jan, ["product", "people", "product"], ["p0", "p1", "hanne", "nobody"], 30)
    assert [r["team_id"] for r in found["rollups"]] == ["product"] and [c["team_id"] for c in found["team_cards"]] == ["product"]
    assert found["team_cards"][0] == q.sense_making(jan, "", "product", 30)
    assert found["rollups"][0] == q.rollup(jan, "product", 30)
    assert [c["employee_id"] for c in found["person_cards"]] == ["p0", "p1"]
    assert found["calibration"] == q.calibration(jan)
    peer = q.team_overview(Identity("p1", frozenset({"employee"})), ["product"], ["p0"], 30)
    # A member reads their team's roll-up and card (as GetTeamRollup allows), never a colleague's card.
    assert [r["team_id"] for r in peer["rollups"]] == ["product"] and peer["person_cards"] == []
    with pytest.raises(InvalidArgument):
        q.team_overview(jan, [f"t{i}" for i in range(51)], [], 30)


def test_the_team_overview_carries_each_readable_teams_story_alignment_by_get_story_alignments_rule() -> None:
    catalogue = story.catalogue_record(2, [("value.openness", "value", "Openheid", "Openness"), ("theme.clients", "theme", "Klanten", "Clients")])
    records = {p: story.with_feedback(None, f"f-{p}", "value.openness") for p in ("p0", "p1", "p2")}
    records["jan"] = story.with_goal(None, "g-jan", ["theme.clients"])
    alignment = StoryQueries(records, {CATALOGUE_KEY: catalogue}, _employees(), TEAMS, k=3)
    q = Queries(dict(_team(3, example=False)), _employees(), TEAMS, {}, k=3, clock=lambda: NOW, thresholds=TH, story=alignment)
    jan = Identity("jan", frozenset({"manager"}))
    found = q.team_overview(jan, ["product", "people"], [], 30)
    # Only the team jan may read, and exactly what GetStoryAlignment answers him for it.
    assert found["story_alignments"] == [alignment.alignment(jan, "product")]
    [(team_id, k, product)] = found["story_alignments"]
    parts = {p.key: p for p in product.parts}
    assert team_id == "product" and k == 3 and product.people.value == 4
    assert parts["value.openness"].lived_in_feedback.value == 3
    # One person's goal serves the theme: fewer than k, held back, but not "untouched".
    assert parts["theme.clients"].served_by_goals.hidden and not parts["theme.clients"].untouched
    assert queries().team_overview(jan, ["product"], [], 30)["story_alignments"] == []


def test_the_managers_ratings_are_gathered_once_a_minute_not_once_a_page() -> None:
    people = rated({"jan": [4.8, 4.9, 4.7], "boss": [3.0, 3.2, 3.1], "lea": [3.3, 3.0, 3.4]})
    q = queries(people)
    before = q.calibration(Identity("admin", frozenset({"admin"})))
    people.update(rated({"new": [2.0, 2.0, 2.0]}))
    assert q.calibration(Identity("admin", frozenset({"admin"}))) == before
    assert queries(people).calibration(Identity("admin", frozenset({"admin"})))["managers"] == 4


def test_the_directory_is_decoded_once_per_version_with_each_teams_members_worked_out_in_the_same_pass() -> None:
    employees = _employees()
    employees["gone"] = {"id": "gone", "team_id": "product", "roles": ["employee"], "active": False, "manager_id": "jan"}
    snapshot = Directory.of(employees, TEAMS)
    assert {t: snapshot.members_of(t) for t in TEAMS} == {t: members_of(t, employees, TEAMS) for t in TEAMS}
    assert snapshot.members_of("nowhere") == []

    class Counted(dict):
        reads = 0

        def items(self):  # type: ignore[override]
            Counted.reads += 1
            return super().items()

    version = [1]
    table = Counted(_employees())
    q = Queries(dict(_team(3, example=False)), table, TEAMS, {}, k=3, clock=lambda: NOW, thresholds=TH, directory_version=lambda: version[0])
    jan = Identity("jan", frozenset({"manager"}))
    first = q.team_overview(jan, ["product"], ["p0"], 30)
    q.team_overview(jan, ["product"], ["p0"], 30)
    assert Counted.reads == 1, "one decode of the directory for two overviews (each reads it three times)"
    # A directory write moves the version: the next call reads the change (p0 moves to the people team).
    table["p0"] = {**table["p0"], "team_id": "people", "manager_id": "hanne"}
    version[0] += 1
    moved = q.team_overview(jan, ["product"], ["p0"], 30)
    assert Counted.reads == 2 and moved["person_cards"] == [] and first["person_cards"] != []
    assert moved["rollups"][0]["people"] == first["rollups"][0]["people"] - 1


def test_the_open_insights_are_read_from_one_decoded_copy_per_change_of_the_insights_table() -> None:
    def insight(subject: str, actor: str, at: float) -> dict:
        return {"id": f"i-{subject}", "kind": "feedback_drought", "subject_id": subject, "team_id": "product", "actors": [actor, subject],
                "detected_at": at, "open": True}

    class Counted(dict):
        reads = 0

        def items(self):  # type: ignore[override]
            Counted.reads += 1
            return super().items()

    table = Counted({"p0": {"open": {"feedback_drought": insight("p0", "jan", 1.0)}, "history": []}})
    version = [1]
    q = Queries(dict(_team(3, example=False)), _employees(), TEAMS, table, k=3, clock=lambda: NOW, thresholds=TH, insights_version=lambda: version[0])
    jan = Identity("jan", frozenset({"manager"}))
    assert [i["id"] for i in q.team_overview(jan, ["product"], [], 30)["insights"]] == ["i-p0"]
    assert [i["id"] for i in q.team_overview(jan, ["product"], [], 30)["insights"]] == ["i-p0"] and Counted.reads == 1
    # An insight opened (a write to the table moves the count): the next page has it, newest first.
    table["p1"] = {"open": {"feedback_drought": insight("p1", "jan", 2.0)}, "history": []}
    version[0] += 1
    assert [i["id"] for i in q.team_overview(jan, ["product"], [], 30)["insights"]] == ["i-p1", "i-p0"] and Counted.reads == 2
    # The rule is the same as without the copy: the insights where jan is to act, and nobody else's.
    assert q.team_overview(Identity("p2", frozenset({"employee"})), [], [], 30)["insights"] == []


def test_a_teams_figures_are_recomputed_only_when_one_of_its_members_changes_and_at_most_a_bounded_number_are_kept(monkeypatch) -> None:
    from paars_analytics.api import queries as api_queries
    from paars_analytics.people import Changes

    class People(dict):
        """The people store as the query API sees it: states by person and their Changes."""

        changes = Changes()
        reads = 0

        def get(self, key, default=None):  # type: ignore[no-untyped-def]
            People.reads += 1
            return super().get(key, default)

    people = People(_team(3, example=False))
    q = Queries(people, _employees(), TEAMS, {}, k=3, clock=lambda: NOW, thresholds=TH, directory_version=lambda: 1)
    jan = Identity("jan", frozenset({"manager"}))
    with_cards = q.team_overview(jan, ["product"], ["p0", "p1"], 30)
    read = People.reads
    assert q.team_overview(jan, ["product"], ["p0", "p1"], 30) == with_cards and People.reads == read, "nothing re-read for the same people"
    assert with_cards["person_cards"] == [q.sense_making(jan, p, "", 30) for p in ("p0", "p1")]
    first = q.team_overview(jan, ["product"], [], 30)
    read = People.reads
    # Someone outside the team changes: still kept. A member changes: recomputed, with the change in it.
    people.changes.bump("hanne")
    q.team_overview(jan, ["product"], [], 30)
    assert People.reads == read
    people["p0"] = new_state()
    people.changes.bump("p0")
    again = q.team_overview(jan, ["product"], [], 30)
    assert People.reads > read and again["team_cards"][0] != first["team_cards"][0]
    # A new generation (a rebalance, a new story catalogue) recomputes every team.
    read = People.reads
    people.changes.reset()
    q.team_overview(jan, ["product"], [], 30)
    assert People.reads > read
    monkeypatch.setattr(api_queries, "TEAM_CACHE", 1)
    q.team_overview(jan, ["product"], [], 90)
    assert list(q._kept_figures) == [("team", "product", 90)], "the least recently used figures are dropped past the bound"
    # The rule is not cached: a reader who may not read the team gets nothing, kept figures or not.
    assert q.team_overview(Identity("hanne", frozenset({"hr"})), ["product"], [], 90)["rollups"] == []


def test_changes_stamp_moves_when_any_of_the_people_changes() -> None:
    from paars_analytics.people import Changes

    changes = Changes()
    before = changes.of(["a", "b"])
    changes.bump("c")
    assert changes.of(["a", "b"]) == before
    changes.bump("b")
    assert changes.of(["a", "b"]) != before and changes.of([]) == (0, 0)
    changes.reset()
    assert changes.of(["a", "b"])[0] == 1
