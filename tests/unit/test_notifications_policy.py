"""Quiet hours in the person's time zone, the weekly fatigue budget with priorities, the digest."""
from __future__ import annotations

import datetime as dt

from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.domain import policy
from paars_notifications.domain.policy import DeliveryPreferences

BRUSSELS_NIGHT = DeliveryPreferences(quiet_start="22:00", quiet_end="07:00", time_zone="Europe/Brussels")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_quiet_hours_wrap_past_midnight_in_the_persons_time_zone() -> None:
    # 22:30 UTC on 27 Nov is 23:30 in Brussels (UTC+1): quiet.
    assert policy.in_quiet_hours(utc(2026, 11, 27, 22, 30), BRUSSELS_NIGHT)
    # 20:30 UTC is 21:30 in Brussels: not yet quiet.
    assert not policy.in_quiet_hours(utc(2026, 11, 27, 20, 30), BRUSSELS_NIGHT)
    # 06:30 UTC is 07:30 in Brussels: awake again.
    assert not policy.in_quiet_hours(utc(2026, 11, 28, 6, 30), BRUSSELS_NIGHT)


def test_quiet_hours_end_at_the_next_local_morning_across_a_dst_change() -> None:
    # Night of 28/29 March 2026: Brussels moves from UTC+1 to UTC+2; 07:00 local is then 05:00 UTC.
    assert policy.quiet_hours_end(utc(2026, 3, 28, 23, 0), BRUSSELS_NIGHT) == utc(2026, 3, 29, 5, 0)
    assert policy.quiet_hours_end(utc(2026, 11, 27, 23, 0), BRUSSELS_NIGHT) == utc(2026, 11, 28, 6, 0)


def test_equal_or_missing_quiet_hours_mean_none() -> None:
    assert not policy.in_quiet_hours(utc(2026, 11, 27, 3, 0), DeliveryPreferences(quiet_start="09:00", quiet_end="09:00"))
    assert not policy.in_quiet_hours(utc(2026, 11, 27, 3, 0), DeliveryPreferences())


def test_a_prompt_in_quiet_hours_waits_for_the_morning_and_still_uses_a_slot() -> None:
    decision = policy.decide(utc(2026, 11, 27, 22, 30), BRUSSELS_NIGHT, pb.PRIORITY_HIGH, 0)
    assert (decision.mode, decision.release_at, decision.budgeted) == ("quiet", utc(2026, 11, 28, 6, 0), True)


def test_outside_quiet_hours_a_prompt_goes_now() -> None:
    decision = policy.decide(utc(2026, 11, 27, 12, 0), BRUSSELS_NIGHT, pb.PRIORITY_LOW, 0)
    assert decision.mode == "now"


def test_the_default_budget_of_five_keeps_a_slot_for_high_and_two_from_low() -> None:
    assert [policy.budget_limit(p, 5) for p in (pb.PRIORITY_HIGH, pb.PRIORITY_NORMAL, pb.PRIORITY_LOW)] == [5, 4, 3]
    assert policy.admits(pb.PRIORITY_LOW, 2, 5) and not policy.admits(pb.PRIORITY_LOW, 3, 5)
    assert policy.admits(pb.PRIORITY_NORMAL, 3, 5) and not policy.admits(pb.PRIORITY_NORMAL, 4, 5)
    assert policy.admits(pb.PRIORITY_HIGH, 4, 5) and not policy.admits(pb.PRIORITY_HIGH, 5, 5)


def test_a_week_of_prompts_lets_high_priority_through_and_sends_the_rest_to_the_digest() -> None:
    now = utc(2026, 11, 27, 12, 0)
    prefs = DeliveryPreferences()
    sent = 0
    outcomes = []
    for priority in [pb.PRIORITY_LOW] * 4 + [pb.PRIORITY_NORMAL] * 2 + [pb.PRIORITY_HIGH] * 2:
        decision = policy.decide(now, prefs, priority, sent)
        sent += decision.budgeted
        outcomes.append((pb.Priority.Name(priority), decision.mode))
    assert outcomes == [
        ("PRIORITY_LOW", "now"), ("PRIORITY_LOW", "now"), ("PRIORITY_LOW", "now"), ("PRIORITY_LOW", "digest"),
        ("PRIORITY_NORMAL", "now"), ("PRIORITY_NORMAL", "digest"), ("PRIORITY_HIGH", "now"), ("PRIORITY_HIGH", "digest"),
    ]
    assert sent == 5


def test_a_held_back_prompt_waits_for_the_next_local_digest_outside_quiet_hours() -> None:
    prefs = DeliveryPreferences(quiet_start="08:00", quiet_end="10:00", time_zone="Europe/Brussels")
    decision = policy.decide(utc(2026, 11, 27, 12, 0), prefs, pb.PRIORITY_LOW, 5)
    # The 09:00 digest falls in quiet hours, so it leaves at 10:00 local, 09:00 UTC, the next day.
    assert (decision.mode, decision.release_at, decision.budgeted) == ("digest", utc(2026, 11, 28, 9, 0), False)


def test_someone_who_prefers_a_daily_digest_gets_everything_there() -> None:
    decision = policy.decide(utc(2026, 11, 27, 12, 0), DeliveryPreferences(daily_digest=True, time_zone="UTC"), pb.PRIORITY_HIGH, 0)
    assert (decision.mode, decision.release_at) == ("digest", utc(2026, 11, 28, 9, 0))


def test_a_held_prompt_gives_its_moment_only_to_a_higher_priority_and_a_delivered_one_never() -> None:
    assert policy.takes_moment(pb.PRIORITY_NORMAL, True, pb.PRIORITY_LOW), "held for the digest or later, and lower: taken"
    assert policy.takes_moment(pb.PRIORITY_HIGH, True, pb.PRIORITY_NORMAL)
    assert not policy.takes_moment(pb.PRIORITY_NORMAL, True, pb.PRIORITY_NORMAL), "the same priority: the first stays"
    assert not policy.takes_moment(pb.PRIORITY_LOW, True, pb.PRIORITY_NORMAL), "a lower one never takes it"
    assert not policy.takes_moment(pb.PRIORITY_HIGH, False, pb.PRIORITY_LOW), "delivered (or dropped): one prompt per moment"
