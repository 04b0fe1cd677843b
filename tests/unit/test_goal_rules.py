"""Goal rules as pure functions: progress, expected progress, status, roll-up, milestones, co-creation."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paars.goals.v1 import goals_pb2 as pb
from paars_goals.domain import goals as rules
from paars_goals.domain import org


def kr(start: float, target: float, current: float) -> rules.KeyResultValues:
    return rules.KeyResultValues(start, target, current)


def test_key_result_progress_runs_from_start_to_target_and_is_clamped() -> None:
    assert rules.key_result_progress(kr(0, 4, 2)) == 0.5
    assert rules.key_result_progress(kr(0, 4, 9)) == 1.0
    assert rules.key_result_progress(kr(0, 4, -3)) == 0.0


def test_a_reduce_target_below_the_start_counts_progress_downwards() -> None:
    assert rules.key_result_progress(kr(8, 4, 6)) == 0.5


def test_a_goal_without_key_results_has_no_progress() -> None:
    assert rules.own_progress([]) == 0.0


def test_expected_progress_is_linear_between_start_and_due() -> None:
    start, due = dt.date(2026, 1, 1), dt.date(2026, 1, 11)
    assert rules.expected_progress(start, due, dt.date(2026, 1, 6)) == 0.5
    assert rules.expected_progress(start, due, dt.date(2025, 12, 1)) == 0.0
    assert rules.expected_progress(start, due, dt.date(2026, 2, 1)) == 1.0


@pytest.mark.parametrize(
    ("progress", "expected", "status"),
    [(0.5, 0.55, pb.GOAL_STATUS_ON_TRACK), (0.5, 0.7, pb.GOAL_STATUS_AT_RISK), (0.2, 0.7, pb.GOAL_STATUS_OFF_TRACK), (1.0, 0.3, pb.GOAL_STATUS_DONE)],
)
def test_status_compares_progress_with_the_progress_expected_by_today(progress: float, expected: float, status: int) -> None:
    assert rules.status(progress, expected, pb.AGREEMENT_STATE_AGREED, None) == status


def test_a_proposal_has_no_status_until_agreed_and_a_closed_goal_keeps_its_outcome() -> None:
    assert rules.status(0.0, 0.9, pb.AGREEMENT_STATE_PROPOSED, None) == pb.GOAL_STATUS_UNSPECIFIED
    assert rules.status(0.2, 0.9, pb.AGREEMENT_STATE_CLOSED, pb.GOAL_STATUS_DROPPED) == pb.GOAL_STATUS_DROPPED


def test_roll_up_weighs_children() -> None:
    assert rules.weighted_rollup([(3, 1.0), (1, 0.0)]) == 0.75
    assert rules.weighted_rollup([]) == 0.0


def test_milestones_report_the_highest_mark_crossed() -> None:
    assert rules.milestone_crossed(0.2, 0.55) == 50
    assert rules.milestone_crossed(0.5, 0.6) == 0
    assert rules.milestone_crossed(0.9, 1.0) == 100


def test_the_manager_agrees_to_what_the_employee_proposes_and_vice_versa() -> None:
    assert rules.counterpart_for(owner_id="ann", proposer_id="ann", owner_manager_id="mgr") == "mgr"
    assert rules.counterpart_for(owner_id="ann", proposer_id="mgr", owner_manager_id="mgr") == "mgr"
    assert rules.next_to_agree(owner_id="ann", counterpart_id="mgr", last_proposer="ann") == "mgr"
    assert rules.next_to_agree(owner_id="ann", counterpart_id="mgr", last_proposer="mgr") == "ann"


def test_an_owner_without_a_manager_proposing_for_themselves_has_nobody_to_agree_with() -> None:
    assert rules.counterpart_for(owner_id="boss", proposer_id="boss", owner_manager_id=None) is None


@pytest.mark.parametrize(
    ("first", "rounds", "awaited"),
    [
        # The sequence: the manager proposes, the employee counter-proposes: the manager decides.
        ("mgr", ["ann"], "mgr"),
        ("mgr", [], "ann"),
        ("ann", [], "mgr"),
        ("ann", ["mgr"], "ann"),
        ("ann", ["mgr", "ann"], "mgr"),
        ("mgr", ["ann", "mgr", "ann"], "mgr"),
        # A skip-level manager who proposes is the other party, not the direct manager.
        ("boss", ["ann"], "boss"),
    ],
)
def test_every_counter_proposal_hands_the_decision_to_the_other_party(first: str, rounds: list[str], awaited: str) -> None:
    counterpart = rules.counterpart_for(owner_id="ann", proposer_id=first, owner_manager_id="mgr")
    assert counterpart is not None
    last = first
    for by in rounds:
        assert rules.is_party(by, owner_id="ann", counterpart_id=counterpart)
        last = by
    assert rules.next_to_agree(owner_id="ann", counterpart_id=counterpart, last_proposer=last) == awaited
    assert rules.may_agree(awaited, owner_id="ann", counterpart_id=counterpart, last_proposer=last)
    assert not rules.may_agree(last, owner_id="ann", counterpart_id=counterpart, last_proposer=last)


PEOPLE = ("ann", "mgr", "boss", "hr1", "bob")


@given(
    first=st.sampled_from([p for p in PEOPLE if p != "bob"]),
    steps=st.lists(st.tuples(st.sampled_from(PEOPLE), st.sampled_from(["counter-propose", "agree"])), max_size=12),
)
def test_in_any_sequence_only_the_party_who_did_not_make_the_latest_proposal_may_agree(first: str, steps: list[tuple[str, str]]) -> None:
    # The specification in set terms: the pair is the owner and the proposer (the manager when the
    # owner proposes); whoever of the pair did not propose last is awaited and alone may agree.
    owner, manager = "ann", "mgr"
    pair = {owner, first if first != owner else manager}
    counterpart = rules.counterpart_for(owner_id=owner, proposer_id=first, owner_manager_id=manager)
    assert counterpart is not None and {owner, counterpart} == pair
    last = first
    for person, action in steps:
        awaited = next(iter(pair - {last}))
        assert rules.next_to_agree(owner_id=owner, counterpart_id=counterpart, last_proposer=last) == awaited
        if action == "counter-propose":
            assert rules.is_party(person, owner_id=owner, counterpart_id=counterpart) == (person in pair)
            if person in pair:
                last = person
        else:
            allowed = rules.may_agree(person, owner_id=owner, counterpart_id=counterpart, last_proposer=last)
            assert allowed == (person == awaited)
            if allowed:
                break


def test_someone_outside_the_pair_is_never_awaited() -> None:
    with pytest.raises(ValueError):
        rules.next_to_agree(owner_id="ann", counterpart_id="mgr", last_proposer="bob")
    with pytest.raises(ValueError):
        rules.next_to_agree(owner_id="ann", counterpart_id="ann", last_proposer="ann")


def test_manager_chains_stop_at_the_top_and_cycles_are_found() -> None:
    managers = {"ann": "mgr", "mgr": "boss", "boss": None}
    assert org.manager_chain("ann", managers) == ["mgr", "boss"]
    assert org.find_manager_cycle(managers) is None
    assert org.find_manager_cycle({"a": "b", "b": "a"}) is not None
    assert org.team_path("team-a", {"team-a": "org", "org": None}) == ["team-a", "org"]


def _links(manager: str | None = None, coach: str | None = None, team: str | None = "team-a", roles: frozenset[int] = frozenset({1})) -> org.EmployeeLinks:
    return org.EmployeeLinks(manager, coach, team, roles)


def test_an_import_by_a_person_may_not_raise_that_persons_own_power() -> None:
    existing = {"ann": _links("mgr"), "hr1": _links(team="org", roles=frozenset({3}))}
    found = org.self_escalations(
        "hr1",
        [("ann", _links("hr1", "hr1")), ("hr1", _links(team="team-a", roles=frozenset({3, 5}))), ("new", _links("hr1"))],
        [("team-a", "hr1")],
        existing,
        {"team-a": "mgr"},
    )
    assert [field for field, _ in found] == [
        "employees[0].manager_id", "employees[0].coach_id", "employees[1].roles", "employees[1].team_id",
        "employees[2].manager_id", "teams[0].manager_id",
    ]


def test_re_importing_what_is_already_so_is_no_escalation() -> None:
    existing = {"ann": _links("hr1", "hr1"), "hr1": _links(team="org", roles=frozenset({3}))}
    assert org.self_escalations("hr1", [("ann", _links("hr1", "hr1")), ("hr1", _links(team="org", roles=frozenset({3})))], [("t", "hr1")], existing, {"t": "hr1"}) == []


@pytest.mark.parametrize(("zone", "valid"), [("Europe/Brussels", True), ("UTC", True), ("A" * 300, False), ("Europe", False), ("../../etc/passwd", False), ("", False), ("Europe/Brussels\x00", False)])
def test_a_time_zone_is_valid_only_if_the_tz_database_knows_it(zone: str, valid: bool) -> None:
    assert org.valid_time_zone(zone) is valid


def test_an_hr_person_may_not_move_existing_people_or_teams_into_their_own_scope() -> None:
    parents = {"org": None, "team-a": "org", "team-b": "org"}
    existing = {"ann": _links("mgr", team="team-a"), "hr2": _links(team="team-b", roles=frozenset({3}))}
    found = org.self_escalations(
        "hr2", [("ann", _links("mgr", team="team-b")), ("new", _links("mgr", team="team-b"))], [("team-a", "mgr")], existing, {"team-a": "mgr"},
        hr_team="team-b", parents_before=parents, parents_after={**parents, "team-a": "team-b"},
    )
    assert [field for field, _ in found] == ["employees[0].team_id", "teams[0].parent_team_id"]
    # For HR in the root team both were in scope already.
    assert org.self_escalations(
        "hr1", [("ann", _links("mgr", team="team-b"))], [("team-a", "mgr")], existing, {"team-a": "mgr"},
        hr_team="org", parents_before=parents, parents_after={**parents, "team-a": "team-b"},
    ) == []
