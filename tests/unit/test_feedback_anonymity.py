"""k-anonymity folding of 360 answers and the gap report, as pure functions."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.domain import anonymity as a
from paars_feedback.domain.gap import gap_report


def answers(group: int, *scores: int, comment: str = "") -> list[a.Answer]:
    return [a.Answer(group, {"samenwerken": s}, [comment] if comment else []) for s in scores]


def test_two_peer_answers_show_no_peer_group_and_no_others() -> None:
    folded = a.fold(answers(a.MANAGER, 4) + answers(a.PEERS, 1, 5, comment="geheim"), 3)
    assert [g.group for g in folded.groups] == [a.MANAGER]
    assert folded.suppressed_groups == 1
    assert "geheim" not in str(folded)


def test_small_groups_fold_together_into_others_once_others_reaches_k() -> None:
    folded = a.fold(answers(a.PEERS, 2, 4) + answers(a.CUSTOMERS, 3, 3) + answers(a.REPORTS, 5, 5, 5), 3)
    groups = {g.group: g for g in folded.groups}
    assert set(groups) == {a.REPORTS, a.OTHERS}
    assert groups[a.OTHERS].responses == 4 and groups[a.OTHERS].averages == {"samenwerken": 3.0}
    assert folded.suppressed_groups == 2


def test_a_competency_few_anonymous_raters_scored_is_left_out() -> None:
    three = [a.Answer(a.PEERS, {"samenwerken": 3, "leiderschap": 1}), a.Answer(a.PEERS, {"samenwerken": 4}), a.Answer(a.PEERS, {"samenwerken": 5})]
    peers = a.fold(three, 3).group(a.PEERS)
    assert peers is not None and peers.averages == {"samenwerken": 4.0}


def test_while_collecting_no_anonymous_answers_show_at_all() -> None:
    folded = a.fold(answers(a.SELF, 5) + answers(a.PEERS, 1, 2, 3, 4), 3, include_anonymous=False)
    assert [g.group for g in folded.groups] == [a.SELF]


def test_comments_are_sorted_so_their_order_says_nothing_about_who_answered_when() -> None:
    folded = a.fold(answers(a.PEERS, 3, comment="zeker") + answers(a.PEERS, 3, comment="altijd") + answers(a.PEERS, 3, comment="meestal"), 3)
    assert folded.groups[0].comments == ("altijd", "meestal", "zeker")
    assert a.without_comments(folded).groups[0].comments == ()


@given(
    st.lists(st.tuples(st.sampled_from(sorted(a.ASKABLE_GROUPS)), st.integers(1, 5)), max_size=25),
    st.integers(2, 6),
)
def test_no_anonymous_answer_is_ever_shown_in_a_group_below_k(raw: list[tuple[int, int]], k: int) -> None:
    folded = a.fold([a.Answer(g, {"c": s}) for g, s in raw], k)
    for group in folded.groups:
        if group.group in a.ANONYMOUS_GROUPS or group.group == a.OTHERS:
            assert group.responses >= k
            assert all(n >= k for n in group.counts.values())
    shown = sum(g.responses for g in folded.groups)
    assert shown <= len(raw)


def test_the_gap_compares_self_with_what_the_report_shows_and_suggests_a_conversation() -> None:
    folded = a.fold(answers(a.MANAGER, 2) + answers(a.PEERS, 3, 3, 4) + answers(a.CUSTOMERS, 1), 3)
    (gap,) = gap_report(["samenwerken"], {"samenwerken": 4.0}, folded)
    assert gap.others_by_group == {"RATER_GROUP_MANAGER": 2.0, "RATER_GROUP_PEERS": round(10 / 3, 4)}
    assert gap.others_average == 3.0 and gap.gap == 1.0
    assert "higher than others" in gap.conversation_starter
    (low,) = gap_report(["samenwerken"], {"samenwerken": 1.0}, folded)
    assert "underrating" in low.conversation_starter
    (none,) = gap_report(["samenwerken"], None, folded)
    assert none.self_score is None and none.gap is None and "No self-assessment" in none.conversation_starter
    (alone,) = gap_report(["samenwerken"], {"samenwerken": 3.0}, a.fold(answers(a.PEERS, 1, 2), 3))
    assert alone.others_average is None and alone.others_by_group == {}
    assert pb.RATER_GROUP_OTHERS == a.OTHERS
