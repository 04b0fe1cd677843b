"""Analytics signal and insight rules on crafted histories: each insight fires, its near miss does not."""
from __future__ import annotations

import copy
import datetime as dt

import pytest

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as goals
from paars_analytics.config import Thresholds
from paars_analytics.insights.detection import full_round
from paars_analytics.signals import directory
from paars_analytics.signals import insights as rules
from paars_analytics.signals.person import compute_signals
from paars_analytics.signals.rollups import team_rollup
from paars_analytics.signals.state import DAY, PersonState, PersonUpdate, apply_update, new_state
from paars_analytics.translate import person_updates
from paars_platform.events import new_metadata, timestamp

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC).timestamp()
TH = Thresholds()


def days_ago(n: float) -> float:
    return NOW - n * DAY


def at(n: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(days_ago(n), dt.UTC)


def meta(subject: str, when: float, eid: str) -> object:
    return new_metadata(producer="test", subject_id=subject, visibility=1, occurred_at=at(when), event_id=eid)


def feedback(eid: str, receiver: str, when: float, *, relation: int = fb.RELATION_PEER, kind: int = fb.FEEDBACK_KIND_PRAISE,
             example: bool = True, giver: str = "") -> tuple[str, object]:
    return "feedback.feedback-given.v1", fb.FeedbackGiven(
        metadata=meta(receiver, when, eid), feedback_id=f"f-{eid}", receiver_id=receiver, giver_id=giver, kind=kind,
        relation=relation, has_example=example, moment_at=timestamp(at(when + 1)),
    )


def goal_event(eid: str, owner: str, when: float, *, progress: float, changes: list[int], kind: int = goals.GOAL_KIND_PERFORMANCE,
               status: int = goals.GOAL_STATUS_ON_TRACK, version: int = 1, milestone: int = 0, gid: str = "g1",
               checked: float | None = None, created: float = 60, start: str = "2026-01-01", due: str = "2026-12-31") -> tuple[str, object]:
    goal = goals.Goal(
        id=gid, kind=kind, level=goals.GOAL_LEVEL_INDIVIDUAL, title="Ship the thing", owner_id=owner, progress=progress,
        expected_progress=0.4, status=status, agreement=goals.AGREEMENT_STATE_AGREED, version=version,
        created_at=timestamp(at(created)), start_date=start, due_date=due,
    )
    if checked is not None:
        goal.last_check_in_at.CopyFrom(timestamp(at(checked)))
    return "goals.goal-updated.v1", goals.GoalUpdated(metadata=meta(owner, when, eid), changes=changes, goal=goal, milestone_percent=milestone)


def history(*events: tuple[str, object], person: str = "ann") -> PersonState:
    state = new_state()
    for topic, event in events:
        for update in person_updates(topic, event):
            if update.key == person:
                apply_update(state, update, NOW)
    return state


def kinds(state: PersonState, person: str = "ann", **kw: object) -> set[str]:
    return {c.kind for c in rules.detect_person(person, state, NOW, TH, person={"manager_id": "mgr", "team_id": "team-a"}, **kw)}


def test_a_goal_behind_schedule_without_a_check_in_for_two_weeks_is_stalled() -> None:
    state = history(goal_event("e1", "ann", 20, progress=0.1, changes=[goals.GoalUpdated.CHANGE_PROGRESS], checked=20))
    found = [c for c in rules.detect_person("ann", state, NOW, TH, person={"manager_id": "mgr"}) if c.kind == "GOAL_STALLED"]
    assert found and found[0].actors == ("ann", "mgr") and found[0].evidence == ("e1",)
    assert "no check-in for 20 days" in found[0].reason


def test_an_insight_carries_the_values_of_its_reason_so_a_reader_can_say_it_in_its_own_language() -> None:
    state = history(goal_event("e1", "ann", 20, progress=0.1, changes=[goals.GoalUpdated.CHANGE_PROGRESS], checked=20))
    [stalled] = [c for c in rules.detect_person("ann", state, NOW, TH, person={"manager_id": "mgr"}) if c.kind == "GOAL_STALLED"]
    assert stalled.params["days"] == "20" and stalled.params["progress"] == "10" and stalled.params["goal"] in stalled.reason
    assert f"{stalled.params['expected']}% was expected" in stalled.reason
    peers = [feedback(f"e{i}", "ann", i + 1) for i in range(3)]
    [single] = [c for c in rules.detect_person("ann", history(*peers), NOW, TH, person={"manager_id": "mgr"}) if c.kind == "SINGLE_SOURCE_FEEDBACK"]
    assert dict(single.params) == {"count": "3", "source": "peer", "variant": "all"}


def test_a_goal_behind_schedule_but_checked_in_recently_is_not_stalled() -> None:
    state = history(goal_event("e1", "ann", 5, progress=0.1, changes=[goals.GoalUpdated.CHANGE_PROGRESS], checked=5))
    assert "GOAL_STALLED" not in kinds(state)


def test_a_goal_on_schedule_without_check_ins_is_not_stalled() -> None:
    state = history(goal_event("e1", "ann", 40, progress=0.45, changes=[goals.GoalUpdated.CHANGE_PROGRESS], checked=40))
    assert "GOAL_STALLED" not in kinds(state)


def _falling(extra: tuple = ()) -> PersonState:
    return history(
        goal_event("e1", "ann", 45, progress=0.4, changes=[goals.GoalUpdated.CHANGE_PROGRESS], start="2026-01-01", due="2026-12-31"),
        goal_event("e2", "ann", 10, progress=0.1, changes=[goals.GoalUpdated.CHANGE_PROGRESS, goals.GoalUpdated.CHANGE_STATUS],
                   status=goals.GOAL_STATUS_OFF_TRACK, version=2, checked=10),
        *extra,
    )


def test_falling_performance_without_development_suggests_coaching() -> None:
    assert "PERFORMANCE_WITHOUT_DEVELOPMENT" in kinds(_falling())


def test_falling_performance_with_a_development_step_done_is_not_flagged() -> None:
    action = ("feedback.action-item-updated.v1", fb.ActionItemUpdated(
        metadata=meta("ann", 3, "a1"), action_item_id="ai1", employee_id="ann", state=fb.ActionItem.STATE_DONE))
    assert "PERFORMANCE_WITHOUT_DEVELOPMENT" not in kinds(_falling((action,)))


def _gap(self_score: int, others: float) -> PersonState:
    assessment = ("feedback.self-assessment-submitted.v1", fb.SelfAssessmentSubmitted(
        metadata=meta("ann", 5, "s1"), employee_id="ann", ratings=[fb.Rating(competency="listening", score=self_score)]))
    review = ("feedback.review-updated.v1", fb.ReviewUpdated(
        metadata=meta("ann", 4, "r1"), review=fb.Review(id="rv1", subject_id="ann"), change=fb.ReviewUpdated.CHANGE_CLOSED,
        results=[fb.GroupResult(group=fb.RATER_GROUP_PEERS, responses=3, averages={"listening": others})]))
    return history(assessment, review)


def test_a_self_assessment_far_above_others_view_suggests_a_purple_dialogue() -> None:
    found = [c for c in rules.detect_person("ann", _gap(5, 3.5), NOW, TH) if c.kind == "SELF_OTHERS_GAP"]
    assert found and "listening" in found[0].reason and set(found[0].evidence) == {"s1", "r1"}


def test_a_small_self_others_gap_is_not_an_insight() -> None:
    assert "SELF_OTHERS_GAP" not in kinds(_gap(4, 3.5))


def test_no_feedback_for_thirty_days_is_a_drought_found_without_a_new_event() -> None:
    state = history(feedback("e1", "ann", 45))
    assert "FEEDBACK_DROUGHT" in kinds(state)
    assert "FEEDBACK_DROUGHT" not in kinds(history(feedback("e1", "ann", 45), feedback("e2", "ann", 29)))


def test_feedback_from_a_single_source_suggests_seeking_other_views() -> None:
    peers = [feedback(f"e{i}", "ann", i + 1) for i in range(3)]
    assert "SINGLE_SOURCE_FEEDBACK" in kinds(history(*peers))
    mixed = [*peers[:2], feedback("e9", "ann", 2, relation=fb.RELATION_MANAGER)]
    assert "SINGLE_SOURCE_FEEDBACK" not in kinds(history(*mixed))
    assert "SINGLE_SOURCE_FEEDBACK" not in kinds(history(*peers[:2]))


def test_constructive_feedback_without_action_after_two_weeks_suggests_an_action_plan() -> None:
    constructive = feedback("e1", "ann", 20, kind=fb.FEEDBACK_KIND_CONSTRUCTIVE)
    assert "CONSTRUCTIVE_WITHOUT_ACTION" in kinds(history(constructive))
    acted = ("feedback.feedback-acknowledged.v1", fb.FeedbackAcknowledged(
        metadata=meta("ann", 18, "k1"), feedback_id="f-e1", receiver_id="ann", action_item_created=True))
    assert "CONSTRUCTIVE_WITHOUT_ACTION" not in kinds(history(constructive, acted))
    assert "CONSTRUCTIVE_WITHOUT_ACTION" not in kinds(history(feedback("e1", "ann", 10, kind=fb.FEEDBACK_KIND_CONSTRUCTIVE)))


def test_a_milestone_prompts_the_people_around_to_give_feedback_now() -> None:
    state = history(goal_event("e1", "ann", 0.5, progress=0.5, changes=[goals.GoalUpdated.CHANGE_PROGRESS], milestone=50, checked=0.5))
    found = [c for c in rules.detect_person("ann", state, NOW, TH, person={"manager_id": "mgr", "name": "Ann Peeters"}, teammates=["ann", "bob", "cas"])
             if c.kind == "MOMENT_FOR_FEEDBACK"]
    assert found and found[0].actors == ("mgr", "bob", "cas") and "50%" in found[0].reason
    assert found[0].reason.startswith("Ann Peeters just reached"), "people read a name, not an id"
    old = history(goal_event("e1", "ann", 5, progress=0.5, changes=[goals.GoalUpdated.CHANGE_PROGRESS], milestone=50, checked=5))
    assert "MOMENT_FOR_FEEDBACK" not in kinds(old)


def test_a_milestone_moment_names_its_goal_so_a_reader_opens_the_give_feedback_form_with_it() -> None:
    def moment(*events: tuple[str, object]) -> rules.Candidate:
        [found] = [c for c in rules.detect_person("ann", history(*events), NOW, TH, person={"manager_id": "mgr"}, teammates=["ann"])
                   if c.kind == "MOMENT_FOR_FEEDBACK"]
        return found

    reached = goal_event("e1", "ann", 0.5, progress=0.5, changes=[goals.GoalUpdated.CHANGE_PROGRESS], milestone=50, gid="g-7")
    assert moment(reached).params == {"goal": "Ship the thing", "percent": "50", "variant": "milestone", "goal_id": "g-7"}
    # The goal changed again since its milestone: the person's one goal of that title is the one.
    later = goal_event("e2", "ann", 0.4, progress=0.55, changes=[goals.GoalUpdated.CHANGE_PROGRESS], version=2, gid="g-7")
    assert moment(reached, later).params["goal_id"] == "g-7"
    # Two goals of that title and neither came with the milestone: no goal rather than a guess.
    other = goal_event("e3", "ann", 0.3, progress=0.1, changes=[goals.GoalUpdated.CHANGE_PROGRESS], gid="g-8")
    assert "goal_id" not in moment(reached, later, other).params


def test_a_moment_asks_the_manager_and_three_teammates_each_at_most_once_a_day() -> None:
    team = ["ann", *(f"t{i}" for i in range(1, 8))]
    asked: dict[str, float] = {}

    def moment_of(person: str, asked_at: float = NOW) -> rules.Candidate:
        milestone = goal_event(f"g-{person}", person, 0.1, progress=0.5, changes=[goals.GoalUpdated.CHANGE_PROGRESS], milestone=50, checked=0.1)
        found = [c for c in rules.detect_person(person, history(milestone, person=person), NOW, TH, person={"manager_id": "mgr"}, teammates=team)
                 if c.kind == "MOMENT_FOR_FEEDBACK"]
        assert len(found) == 1 and found[0].actors == ("mgr", *(t for t in team if t != person)), "the rule names every teammate"
        return rules.ask_peers(found[0], "mgr", asked, asked_at, TH)

    assert moment_of("ann").actors == ("mgr", "t1", "t2", "t3")
    # The next moment in the team asks the next teammates, not the same three again.
    assert moment_of("t1").actors == ("mgr", "ann", "t4", "t5")
    assert moment_of("t2").actors == ("mgr", "t6", "t7")
    # Everyone was asked today: the manager still is (notifications makes it one prompt per moment for them).
    assert moment_of("t3").actors == ("mgr",)
    # A day later they may be asked again; forget_asked drops what is past.
    rules.forget_asked(asked, NOW + DAY, TH)
    assert asked == {}
    assert moment_of("t4", asked_at=NOW + DAY).actors == ("mgr", "ann", "t1", "t2")
    # Other insights keep their actors.
    stalled = rules.Candidate("GOAL_STALLED", "ann", "team", "attention", "", (), ("ann", "mgr"), "")
    assert rules.ask_peers(stalled, "mgr", asked, NOW, TH) is stalled


def test_a_lenient_manager_is_found_before_the_review_meeting() -> None:
    ratings = {"mgr": [(4.8, "a"), (4.9, "b"), (4.7, "c")], "boss": [(3.0, "d"), (3.2, "e"), (3.1, "f")], "lea": [(3.3, "g"), (3.0, "h"), (3.4, "i")]}
    found = rules.rating_drift(ratings, TH, hr_for={"mgr": ["hr1"], "boss": ["hr2"]}, managers_of={"mgr": "boss"})
    assert [c.subject_id for c in found] == ["mgr"] and "lenient" in found[0].reason and found[0].actors == ("mgr", "boss", "hr1")
    close = {"mgr": [(3.6, "a"), (3.7, "b"), (3.5, "c")], "boss": ratings["boss"], "lea": ratings["lea"]}
    assert rules.rating_drift(close, TH) == []


def _team(n: int, *, example: bool = True, before_review: bool = True) -> list[tuple[str, PersonState]]:
    members = []
    for i in range(n):
        when = 3 if before_review else 10 + 20 * i
        events = [feedback(f"e{i}{j}", f"p{i}", when + j * 0.1, example=example) for j in range(2)]
        review = ("feedback.review-updated.v1", fb.ReviewUpdated(
            metadata=meta(f"p{i}", 1, f"r{i}"), review=fb.Review(id=f"rv{i}", subject_id=f"p{i}"), change=fb.ReviewUpdated.CHANGE_OPENED))
        goal = goal_event(f"g{i}", f"p{i}", 30, progress=0.3, changes=[goals.GoalUpdated.CHANGE_AGREED], gid=f"g{i}")
        members.append((f"p{i}", history(*events, review, goal, person=f"p{i}")))
    return members


def test_team_pitfalls_fire_for_bunched_feedback_without_examples_and_performance_only_goals() -> None:
    found = {c.kind for c in rules.team_pitfalls("team-a", _team(3, example=False), NOW, TH, 3, actors=["mgr"])}
    assert found == {"RECENCY_BIAS", "PERFORMANCE_ONLY_PORTFOLIO", "FEEDBACK_WITHOUT_EXAMPLES"}
    spread = {c.kind for c in rules.team_pitfalls("team-a", _team(3, before_review=False), NOW, TH, 3)}
    assert "RECENCY_BIAS" not in spread and "FEEDBACK_WITHOUT_EXAMPLES" not in spread


def test_team_pitfalls_say_nothing_about_fewer_than_k_people() -> None:
    assert rules.team_pitfalls("team-a", _team(2, example=False), NOW, TH, 3) == []


@pytest.mark.parametrize("k", [2, 3, 5])
def test_a_roll_up_over_fewer_than_k_people_is_suppressed(k: int) -> None:
    members = _team(k - 1)
    rollup = team_rollup("team-a", members, NOW, k)
    assert rollup["suppressed"] and set(rollup) == {"team_id", "people", "suppressed"}
    full = team_rollup("team-a", _team(k), NOW, k)
    assert not full["suppressed"] and full["feedback_coverage"] == 1.0 and full["goal_progress"] == pytest.approx(0.3)


def test_a_roll_up_figure_over_fewer_than_k_contributors_is_left_empty() -> None:
    members = [("p0", _team(1)[0][1]), ("x1", None), ("x2", None)]
    rollup = team_rollup("team-a", members, NOW, 3)
    assert not rollup["suppressed"] and "goal_progress" not in rollup and "average_performance_score" not in rollup
    assert rollup["people_without_feedback_30d"] == 2


def test_replaying_the_same_history_twice_changes_no_signal() -> None:
    events = [
        feedback("e1", "ann", 10, kind=fb.FEEDBACK_KIND_CONSTRUCTIVE), feedback("e2", "ann", 3, relation=fb.RELATION_MANAGER),
        goal_event("e3", "ann", 8, progress=0.3, changes=[goals.GoalUpdated.CHANGE_PROGRESS], milestone=25, checked=8),
    ]
    state = history(*events)
    before = copy.deepcopy(state)
    signals = {w: compute_signals(state, NOW, w) for w in (30, 90)}
    for topic, event in events:
        for update in person_updates(topic, event):
            if update.key == "ann":
                assert apply_update(state, update, NOW) is False
    assert state == before
    assert {w: compute_signals(state, NOW, w) for w in (30, 90)} == signals


def test_a_late_event_counts_for_its_own_time() -> None:
    state = history(feedback("e2", "ann", 2), feedback("e1", "ann", 40))
    assert [r.event_id for r in state.received] == ["e1", "e2"]
    assert compute_signals(state, NOW, 30)["received_by_source"] == {"peer": 1}
    assert compute_signals(state, NOW, 90)["received_by_source"] == {"peer": 2}


def test_an_older_goal_snapshot_arriving_late_does_not_overwrite_a_newer_one() -> None:
    state = history(
        goal_event("e2", "ann", 2, progress=0.6, changes=[goals.GoalUpdated.CHANGE_PROGRESS], version=3),
        goal_event("e1", "ann", 5, progress=0.2, changes=[goals.GoalUpdated.CHANGE_PROGRESS], version=2),
    )
    assert state.goals["g1"].progress == 0.6


def test_feedback_health_signals_count_sources_examples_delay_and_action() -> None:
    acted = ("feedback.feedback-acknowledged.v1", fb.FeedbackAcknowledged(
        metadata=meta("ann", 1, "k1"), feedback_id="f-e1", receiver_id="ann", action_item_created=True))
    state = history(feedback("e1", "ann", 5, example=True), feedback("e2", "ann", 4, relation=fb.RELATION_CUSTOMER, example=False), acted)
    s = compute_signals(state, NOW, 30)
    assert s["received_by_source"] == {"peer": 1, "customer": 1}
    assert s["share_with_example"] == 0.5 and s["share_led_to_action"] == 0.5 and s["feedback_acted_on"] == 1
    assert s["median_delay_hours"] == pytest.approx(24.0)


def test_the_giver_of_feedback_gets_a_given_update_of_its_own() -> None:
    updates = person_updates(*feedback("e1", "ann", 1, giver="bob"))
    assert [(u.key, u.event_id) for u in updates] == [("ann", "e1"), ("bob", "e1:given")]
    state = new_state()
    apply_update(state, PersonUpdate("bob", "e1:given", days_ago(1), [{"k": "given", "f": "f-e1"}]), NOW)
    assert compute_signals(state, NOW)["given"] == 1


def test_an_expired_moment_closes_after_its_window_and_others_after_the_ttl() -> None:
    assert rules.expired("MOMENT_FOR_FEEDBACK", days_ago(3), NOW, TH)
    assert not rules.expired("GOAL_STALLED", days_ago(3), NOW, TH)
    assert rules.expired("GOAL_STALLED", days_ago(15), NOW, TH)


def anonymous(eid: str, receiver: str, when: float, *, relation: int, giver: str = "", request: str = "", on_metadata_only: bool = False) -> tuple[str, object]:
    """An anonymous-in-aggregate FeedbackGiven carrying what it must not (a relation, maybe a giver and a request)."""
    topic, event = feedback(eid, receiver, when, relation=relation, giver=giver)
    assert isinstance(event, fb.FeedbackGiven)
    event.metadata.visibility = event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE
    if not on_metadata_only:
        event.visibility = event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE
    event.request_id = request
    return topic, event


@pytest.mark.parametrize("on_metadata_only", [False, True])
def test_anonymous_feedback_is_counted_without_its_relation(on_metadata_only: bool) -> None:
    # A manager with one report: "report: 1" would name the giver.
    state = history(
        anonymous("a1", "mgr", 3, relation=fb.RELATION_DIRECT_REPORT, giver="ann", request="rq-1", on_metadata_only=on_metadata_only),
        feedback("e1", "mgr", 2, relation=fb.RELATION_PEER),
        person="mgr",
    )
    assert compute_signals(state, NOW, 30)["received_by_source"] == {"anonymous": 1, "peer": 1}
    assert "report" not in repr(state) and "rq-1" not in repr(state)


def test_the_giver_of_anonymous_feedback_gets_no_given_update_even_if_the_event_names_them() -> None:
    updates = person_updates(*anonymous("a1", "mgr", 1, relation=fb.RELATION_DIRECT_REPORT, giver="ann"))
    assert [u.key for u in updates] == ["mgr"]


@pytest.mark.parametrize("relation", [fb.RELATION_PEER, fb.RELATION_DIRECT_REPORT, fb.RELATION_MANAGER])
def test_no_insight_names_the_source_of_anonymous_feedback(relation: int) -> None:
    all_anonymous = [anonymous(f"a{i}", "ann", i + 1, relation=relation) for i in range(4)]
    reasons = [c.reason for c in rules.detect_person("ann", history(*all_anonymous), NOW, TH, person={"manager_id": "mgr", "team_id": "team-a"})]
    assert "SINGLE_SOURCE_FEEDBACK" not in kinds(history(*all_anonymous))
    assert not any(name in reason for reason in reasons for name in rules.SOURCE_NAMES.values())
    # Named pieces from one source still make the insight, and it speaks only of those.
    peers = [feedback(f"e{i}", "ann", i + 1) for i in range(3)]
    found = [c for c in rules.detect_person("ann", history(*peers, *all_anonymous), NOW, TH, person={"manager_id": "mgr", "team_id": "team-a"})
             if c.kind == "SINGLE_SOURCE_FEEDBACK"]
    assert [c.reason for c in found] == ["All 3 pieces of feedback with a named giver in the last 90 days came from peers."]
    assert not {e for c in found for e in c.evidence} & {"a0", "a1", "a2", "a3"}


def test_whether_a_single_source_insight_fires_does_not_depend_on_the_relation_of_anonymous_pieces() -> None:
    peers = [feedback(f"e{i}", "ann", i + 1) for i in range(3)]
    outcomes = {
        frozenset(kinds(history(*peers, anonymous("a1", "ann", 2, relation=relation))))
        for relation in (fb.RELATION_PEER, fb.RELATION_MANAGER, fb.RELATION_CUSTOMER)
    }
    assert len(outcomes) == 1


TEAMS = {"org": {"id": "org"}, "people": {"id": "people", "parent_team_id": "org"}, "product": {"id": "product", "parent_team_id": "org", "manager_id": "jan"}}


def _employees() -> dict[str, dict]:
    people = {
        "hanne": ("people", ["hr"]), "root-hr": ("org", ["hr"]), "no-team-hr": ("", ["hr"]), "koen": ("people", ["coach"]),
        "jan": ("product", ["manager"]), "p0": ("product", ["employee"]), "p1": ("product", ["employee"]), "p2": ("product", ["employee"]),
    }
    return {pid: {"id": pid, "team_id": team, "roles": roles, "active": True, "manager_id": "jan" if pid.startswith("p") else ""} for pid, (team, roles) in people.items()}


@pytest.mark.parametrize(
    ("hr", "person", "team", "may"),
    [
        ("hanne", "koen", "people", True), ("hanne", "p0", "product", False),
        ("root-hr", "p0", "product", True), ("no-team-hr", "koen", "people", False),
    ],
)
def test_hr_reads_people_and_teams_only_in_the_subtree_of_their_own_team(hr: str, person: str, team: str, may: bool) -> None:
    employees = _employees()
    assert directory.can_read_person(hr, frozenset({"hr"}), person, employees, TEAMS) is may
    assert directory.can_read_team(hr, frozenset({"hr"}), team, employees, TEAMS) is may


def test_team_insights_name_as_actors_only_the_hr_people_whose_scope_covers_the_team() -> None:
    members = dict(_team(3, example=False))
    found = full_round(members, _employees(), TEAMS, {}, NOW, TH, 3)
    product = [c for c in found.candidates if c.subject_id == "product"]
    assert product and all(c.actors == ("jan", "root-hr") for c in product)
