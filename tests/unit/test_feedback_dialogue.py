"""The purple dialogue's rules as pure code: preparing, notes, signing."""
from __future__ import annotations

from paars_feedback.domain import dialogue as d

PEOPLE = d.participants("ann", "mgr")


def test_a_dialogue_is_preparing_until_both_people_have_prepared() -> None:
    assert d.state(PEOPLE, [], False, []) == d.PREPARING
    assert d.state(PEOPLE, ["ann"], False, []) == d.PREPARING
    assert d.waiting_for(PEOPLE, ["ann"]) == ["mgr"]
    assert d.state(PEOPLE, ["mgr", "ann"], False, []) == d.READY
    assert d.waiting_for(PEOPLE, ["mgr", "ann"]) == []


def test_a_third_persons_preparation_counts_for_nothing() -> None:
    assert d.state(PEOPLE, ["ann", "bob"], False, []) == d.PREPARING
    assert not d.both_prepared(PEOPLE, ["ann", "bob"])


def test_notes_make_it_held_and_both_signatures_make_it_signed() -> None:
    assert d.state(PEOPLE, ["ann", "mgr"], True, []) == d.HELD
    assert d.state(PEOPLE, ["ann", "mgr"], True, ["ann"]) == d.HELD
    assert d.state(PEOPLE, ["ann", "mgr"], True, ["ann", "mgr"]) == d.SIGNED


def test_what_may_happen_in_each_state() -> None:
    assert d.may_prepare(d.PREPARING) and not d.may_prepare(d.READY)
    assert not d.may_sign(d.PREPARING) and d.may_sign(d.READY) and d.may_sign(d.HELD) and not d.may_sign(d.SIGNED)
    assert not d.may_record_notes(d.PREPARING) and d.may_record_notes(d.HELD) and not d.may_record_notes(d.SIGNED)
