"""The privacy policy as pure code: every tie x every visibility, for items, reports, dialogues and referrals."""
from __future__ import annotations

import pytest

from paars_feedback.domain import privacy as p
from paars_feedback.domain.privacy import Reader, Ties

PERSON = Reader("x", frozenset({"employee"}))
HR = Reader("x", frozenset({"hr"}))
ADMIN = Reader("x", frozenset({"admin"}))
EXTERNAL = Reader("", frozenset(), "anonymous")

# (reader, ties) -> expected (listed, content, giver, counted) for PRIVATE, RECEIVER_AND_MANAGER, PUBLIC, ANONYMOUS.
F, T = False, True
FULL, NONE, COUNT = (T, T, T, T), (F, F, F, F), (F, F, F, T)
CASES = {
    "author": (PERSON, Ties(is_author=True), (FULL, FULL, FULL, FULL)),
    "receiver": (PERSON, Ties(is_subject=True), (FULL, FULL, FULL, COUNT)),
    "manager chain": (PERSON, Ties(in_manager_chain=True), (NONE, FULL, FULL, COUNT)),
    "hr": (HR, Ties(in_hr_scope=True), (NONE, COUNT, FULL, COUNT)),
    "hr of another subtree": (HR, Ties(), (NONE, NONE, FULL, NONE)),
    "colleague in an hr's subtree": (PERSON, Ties(in_hr_scope=True), (NONE, NONE, FULL, NONE)),
    "coach, shared": (PERSON, Ties(is_coach=True, shared_with_coach=True), (FULL, FULL, FULL, NONE)),
    "coach, not shared": (PERSON, Ties(is_coach=True), (NONE, NONE, FULL, NONE)),
    "admin": (ADMIN, Ties(), (NONE, NONE, FULL, NONE)),
    "colleague": (PERSON, Ties(), (NONE, NONE, FULL, NONE)),
    "subscribing system": (p.SUBSCRIBER, Ties(), ((T, F, T, T), (T, F, T, T), FULL, (T, F, F, T))),
    "external": (EXTERNAL, Ties(is_subject=True, is_author=True), (NONE, NONE, NONE, NONE)),
}


@pytest.mark.parametrize("who", sorted(CASES))
@pytest.mark.parametrize("index,visibility", list(enumerate(p.FEEDBACK_VISIBILITIES)))
def test_each_reader_gets_exactly_what_each_visibility_allows(who: str, index: int, visibility: int) -> None:
    reader, ties, expected = CASES[who]
    view = p.feedback_view(reader, ties, visibility)
    assert (view.listed, view.content, view.giver, view.counted) == expected[index]
    assert bool(view.basis) == any(expected[index])


def test_an_anonymous_item_never_shows_its_giver_except_to_its_author() -> None:
    for who, (reader, ties, _) in CASES.items():
        view = p.feedback_view(reader, ties, p.ANONYMOUS)
        assert view.giver == (who == "author"), who
        assert view.content == (who == "author"), who


def test_events_carry_text_only_for_public_items_and_no_giver_for_anonymous_ones() -> None:
    assert [p.feedback_event_view(v).content for v in p.FEEDBACK_VISIBILITIES] == [False, False, True, False]
    assert [p.feedback_event_view(v).giver for v in p.FEEDBACK_VISIBILITIES] == [True, True, True, False]


def test_an_unknown_visibility_shows_nothing_to_anyone() -> None:
    assert all(p.feedback_view(r, t, 99) == p.NOTHING for r, t, _ in CASES.values())


def test_a_360_report_is_for_the_person_their_managers_hr_and_a_coach_it_was_shared_with() -> None:
    allowed = {
        "receiver": (PERSON, Ties(is_subject=True)), "manager chain": (PERSON, Ties(in_manager_chain=True)),
        "hr": (HR, Ties(in_hr_scope=True)), "coach, shared": (PERSON, Ties(is_coach=True, shared_with_coach=True)),
    }
    denied = {
        "hr of another subtree": (HR, Ties()),
        "rater": (PERSON, Ties(is_author=True)), "coach, not shared": (PERSON, Ties(is_coach=True)),
        "admin": (ADMIN, Ties()), "colleague": (PERSON, Ties()), "external": (EXTERNAL, Ties(is_subject=True)),
    }
    for who, (reader, ties) in allowed.items():
        assert p.report_view(reader, ties) == p.ReportView(p.report_view(reader, ties).basis, True, True), who
    for who, (reader, ties) in denied.items():
        assert not p.report_view(reader, ties).aggregates, who
    assert p.report_view(p.SUBSCRIBER, Ties()) == p.ReportView("system", True, False)


def test_dialogue_preparations_show_only_once_both_are_in_and_only_to_its_people() -> None:
    participant = Ties(is_participant=True)
    assert not p.dialogue_view(PERSON, participant, both_prepared=False).preparations
    assert p.dialogue_view(PERSON, participant, both_prepared=True).preparations
    for reader, ties in ((HR, Ties(in_hr_scope=True)), (PERSON, Ties(in_manager_chain=True)), (p.SUBSCRIBER, Ties())):
        view = p.dialogue_view(reader, ties, both_prepared=True)
        assert view.listed and not view.preparations and not view.notes
    assert not p.dialogue_view(PERSON, Ties(), both_prepared=True).listed
    assert not p.dialogue_view(PERSON, Ties(is_coach=True), both_prepared=True).listed


def test_referrals_and_the_read_audit_are_for_hr_and_the_person_only() -> None:
    assert p.referral_visible(PERSON, Ties(is_subject=True)) == "receiver"
    assert p.referral_visible(HR, Ties(in_hr_scope=True)) == "hr"
    assert p.reads_visible(HR, Ties(in_hr_scope=True)) == "hr"
    for reader, ties in ((HR, Ties()), (PERSON, Ties(in_manager_chain=True)), (ADMIN, Ties()), (PERSON, Ties(is_coach=True, shared_with_coach=True)), (p.SUBSCRIBER, Ties())):
        assert p.referral_visible(reader, ties) == ""
        assert p.reads_visible(reader, ties) == ""


def test_ties_come_from_ids_and_an_empty_reader_has_none() -> None:
    ties = p.ties_of("mgr", subject_id="ann", author_id="bob", manager_chain=["mgr", "boss"], coach_id="cas")
    assert ties == Ties(in_manager_chain=True)
    assert p.ties_of("", subject_id="", author_id="") == Ties()


def test_hr_reads_only_within_the_subtree_of_their_own_team() -> None:
    """One HR scope for every service: action plans, dialogues, reports and referrals follow the subtree."""
    inside, outside = Ties(in_hr_scope=True), Ties()
    assert p.action_plan_visible(HR, inside) == "hr" and p.action_plan_visible(HR, outside) == ""
    assert p.dialogue_view(HR, inside, both_prepared=True).listed and not p.dialogue_view(HR, outside, both_prepared=True).listed
    assert p.report_view(HR, inside).comments and not p.report_view(HR, outside).aggregates
    assert p.referral_visible(HR, outside) == ""
    # The scope is HR's: the same tie gives a person without the HR role nothing.
    assert p.action_plan_visible(PERSON, inside) == "" and p.referral_visible(PERSON, inside) == ""

