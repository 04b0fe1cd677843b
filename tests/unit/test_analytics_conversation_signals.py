"""Analytics' coaching and 1:1 signals from conversations' events, on crafted histories: CoachingSessionCompleted
counts into coaching_sessions (and development), OneOnOneHeld/Skipped into the 1:1 counts and the skips in a row,
in Signals and in the sense-making card; a state stored before these facts existed still decodes."""
from __future__ import annotations

import msgspec

from paars.conversations.v1 import conversations_pb2 as cv
from paars_analytics.api.grpc import sense_making_proto, signals_proto
from paars_analytics.signals import overview
from paars_analytics.signals import state as st
from paars_analytics.signals.person import compute_signals, development_activity
from paars_analytics.translate import person_updates
from tests.unit.test_analytics_signals import NOW, days_ago, feedback, history, meta
from tests.unit.test_analytics_state import schema2_encoded

HELD, SKIPPED, SESSION = "conversations.one-on-one-held.v1", "conversations.one-on-one-skipped.v1", "conversations.coaching-session-completed.v1"


def session(eid: str, coachee: str, when: float, coach: str = "mgr") -> tuple[str, object]:
    return SESSION, cv.CoachingSessionCompleted(
        metadata=meta(coachee, when, eid), session_id=f"s-{eid}", request_id="r1", coachee_id=coachee, coach_id=coach, held_on="2026-05-30",
    )


def held(eid: str, other: str, when: float, pair: str = "p1") -> tuple[str, object]:
    return HELD, cv.OneOnOneHeld(metadata=meta(other, when, eid), pair_id=pair, meeting_id=f"m-{eid}", lead_id="mgr", other_id=other)


def skipped(eid: str, other: str, when: float, skips: int, pair: str = "p1") -> tuple[str, object]:
    return SKIPPED, cv.OneOnOneSkipped(
        metadata=meta(other, when, eid), pair_id=pair, meeting_id=f"m-{eid}", lead_id="mgr", other_id=other, consecutive_skips=skips,
    )


def test_a_coaching_session_is_a_fact_about_the_coachee_and_a_1on1_about_the_other_person() -> None:
    [coached] = person_updates(*session("e1", "ann", 2))
    assert (coached.key, coached.facts) == ("ann", [{"k": "coach", "r": "r1"}])
    [one] = person_updates(*skipped("e2", "ann", 2, 3))
    assert (one.key, one.facts) == ("ann", [{"k": "1on1", "s": "skipped", "p": "p1", "n": 3}])


def test_coaching_sessions_in_the_window_count_and_feed_development() -> None:
    state = history(session("e1", "ann", 2), session("e2", "ann", 10), session("e3", "ann", 60), session("e3", "ann", 60))
    signals = compute_signals(state, NOW, 30)
    assert signals["coaching_sessions"] == 2
    assert compute_signals(state, NOW, 90)["coaching_sessions"] == 3
    assert development_activity(state, days_ago(30), NOW) == 2
    assert signals["development_score"] > compute_signals(st.new_state(), NOW, 30)["development_score"]


def test_held_and_skipped_1on1s_count_and_skips_in_a_row_follow_the_latest_meeting_of_each_pair() -> None:
    state = history(
        held("e1", "ann", 20), skipped("e2", "ann", 13, 1), skipped("e3", "ann", 6, 2),
        held("e4", "ann", 9, pair="p2"),
    )
    signals = compute_signals(state, NOW, 30)
    assert (signals["one_on_ones_held"], signals["one_on_ones_skipped"], signals["one_on_one_skips_in_a_row"]) == (2, 2, 2)
    # Held again: the pair starts over; a late-arriving older skip does not bring the count back.
    state = history(held("e1", "ann", 20), skipped("e2", "ann", 13, 1), held("e5", "ann", 1), skipped("e3", "ann", 6, 2))
    assert compute_signals(state, NOW, 30)["one_on_one_skips_in_a_row"] == 0


def test_the_sense_making_card_shows_coaching_and_1on1s_and_a_team_sums_them() -> None:
    ann = history(session("e1", "ann", 2), held("e2", "ann", 3), skipped("e3", "ann", 10, 1))
    bob = history(held("e4", "bob", 3, pair="p2"), person="bob")
    cara = history(feedback("f1", "cara", 3), person="cara")
    card = overview.person_card(ann, NOW, 30)
    assert (card["coaching_sessions"], card["one_on_ones_held"], card["one_on_ones_skipped"]) == (1, 1, 1)
    team = overview.team_card("team-a", [("ann", ann), ("bob", bob), ("cara", cara)], NOW, 3)
    assert (team["coaching_sessions"], team["one_on_ones_held"], team["one_on_ones_skipped"]) == (1, 2, 1)
    assert "one_on_ones_held" not in overview.team_card("team-a", [("ann", ann), ("bob", bob)], NOW, 3)
    message = sense_making_proto(card)
    assert (message.coaching_sessions, message.one_on_ones_held, message.one_on_ones_skipped) == (1, 1, 1)
    signals = signals_proto(compute_signals(ann, NOW, 30))
    assert (signals.coaching_sessions, signals.one_on_ones_held, signals.one_on_ones_skipped, signals.one_on_one_skips_in_a_row) == (1, 1, 1, 0)


def test_a_state_stored_before_the_conversation_facts_decodes_and_keeps_counting() -> None:
    state = history(feedback("f1", "ann", 3), feedback("f2", "ann", 4))
    wire = msgspec.msgpack.decode(schema2_encoded(state))
    # Schema 2 before these facts: no one_on_ones field (nor the rings per input after it) at the end, and day
    # buckets without the three new counters.
    old = msgspec.msgpack.encode(wire[:-2])
    assert len(wire[2][0]) <= 3 + len(st.DAY_COUNTERS) - 3
    restored = st.decode_state(old)
    assert restored.one_on_ones == {} and compute_signals(restored, NOW, 30) == compute_signals(state, NOW, 30)
    for topic, event in (held("e1", "ann", 1), session("e2", "ann", 1)):
        for update in person_updates(topic, event):
            st.apply_update(restored, update, NOW)
    again = st.decode_state(st.encode_state(restored))
    assert again == restored
    assert (compute_signals(again, NOW, 30)["one_on_ones_held"], compute_signals(again, NOW, 30)["coaching_sessions"]) == (1, 1)


def test_the_1on1_memory_is_bounded_and_leaves_with_the_retention() -> None:
    state = st.new_state()
    for i in range(st.ONE_ON_ONES_KEPT + 5):
        for update in person_updates(*skipped(f"e{i}", "ann", 50 - i, 1, pair=f"p{i}")):
            st.apply_update(state, update, NOW)
    assert len(state.one_on_ones) == st.ONE_ON_ONES_KEPT
    st.prune(state, NOW + 100 * st.DAY)
    assert state.one_on_ones == {} and st.skips_in_a_row(state, NOW + 100 * st.DAY) == 0
