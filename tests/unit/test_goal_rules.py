"""Goal rules as pure functions: progress, expected progress, status, roll-up, milestones, co-creation."""
from __future__ import annotations

import datetime as dt

import pytest

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
    assert rules.counterpart_for(owner_id="ann", proposer_id="mgr", owner_manager_id="mgr") == "ann"
    assert rules.next_to_agree(owner_id="ann", counterpart_id="mgr", last_proposer="ann") == "mgr"
    assert rules.next_to_agree(owner_id="ann", counterpart_id="mgr", last_proposer="mgr") == "ann"


def test_manager_chains_stop_at_the_top_and_cycles_are_found() -> None:
    managers = {"ann": "mgr", "mgr": "boss", "boss": None}
    assert org.manager_chain("ann", managers) == ["mgr", "boss"]
    assert org.find_manager_cycle(managers) is None
    assert org.find_manager_cycle({"a": "b", "b": "a"}) is not None
    assert org.team_path("team-a", {"team-a": "org", "org": None}) == ["team-a", "org"]
