"""Delivery policy: quiet hours in the person's time zone, the weekly fatigue budget, the daily digest."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, available_timezones

from paars.notifications.v1 import notifications_pb2 as pb

DEFAULT_WEEKLY_BUDGET = 5
MAX_WEEKLY_BUDGET = 100
# The longest IANA name is 32 characters; the column holds 64.
MAX_ZONE_NAME = 64
BUDGET_WINDOW = dt.timedelta(days=7)
DEFAULT_DIGEST_AT = dt.time(9, 0)
DEFAULT_CHANNELS = (pb.CHANNEL_IN_APP,)


@dataclass(frozen=True)
class DeliveryPreferences:
    channels: tuple[int, ...] = DEFAULT_CHANNELS
    quiet_start: str = ""
    quiet_end: str = ""
    time_zone: str = "UTC"
    daily_digest: bool = False
    weekly_budget: int = DEFAULT_WEEKLY_BUDGET
    email: str = ""
    # The person's language, "nl" or "en"; empty: they chose none, texts use the organisation's default.
    language: str = ""


@dataclass(frozen=True)
class Decision:
    """now: release at once; quiet: hold until quiet hours end; digest: hold for the next digest; ahead: hold until
    the lead time before the moment it prepares for. budgeted: the prompt uses one of the week's slots."""

    mode: str
    release_at: dt.datetime
    budgeted: bool
    reasons: tuple[str, ...] = field(default_factory=tuple)


def parse_hhmm(value: str) -> dt.time | None:
    """'HH:MM' -> time; None for an empty or malformed value."""
    try:
        hours, minutes = value.split(":")
        return dt.time(int(hours), int(minutes))
    except (ValueError, AttributeError):
        return None


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_zone(name: str) -> bool:
    """An IANA time zone name. Checked against the list of known zones, never by opening a file named
    after the input: ZoneInfo raises OSError for a long name or a directory ("Europe"), which a caller
    would otherwise read as a database outage."""
    return 0 < len(name) <= MAX_ZONE_NAME and name in _known_zones()


def zone(name: str) -> dt.tzinfo:
    """The zone for a stored name; UTC for an empty or unknown one (a directory record is not checked here)."""
    return ZoneInfo(name) if valid_zone(name) else dt.UTC


def _quiet_window(prefs: DeliveryPreferences) -> tuple[dt.time, dt.time] | None:
    start, end = parse_hhmm(prefs.quiet_start), parse_hhmm(prefs.quiet_end)
    if start is None or end is None or start == end:
        return None
    return start, end


def in_quiet_hours(now: dt.datetime, prefs: DeliveryPreferences) -> bool:
    window = _quiet_window(prefs)
    if window is None:
        return False
    start, end = window
    local = now.astimezone(zone(prefs.time_zone)).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window wraps past midnight


def quiet_hours_end(now: dt.datetime, prefs: DeliveryPreferences) -> dt.datetime:
    """The first moment after now at which the quiet hours end (UTC); now when there are none."""
    window = _quiet_window(prefs)
    if window is None:
        return now
    tz = zone(prefs.time_zone)
    local = now.astimezone(tz)
    candidate = dt.datetime.combine(local.date(), window[1], tzinfo=tz)
    if candidate <= local:
        candidate = dt.datetime.combine(local.date() + dt.timedelta(days=1), window[1], tzinfo=tz)
    return candidate.astimezone(dt.UTC)


def next_digest_at(now: dt.datetime, prefs: DeliveryPreferences, digest_at: dt.time = DEFAULT_DIGEST_AT) -> dt.datetime:
    """The next daily digest moment in the person's time zone, moved past quiet hours if it falls inside."""
    tz = zone(prefs.time_zone)
    local = now.astimezone(tz)
    candidate = dt.datetime.combine(local.date(), digest_at, tzinfo=tz)
    if candidate <= local:
        candidate = dt.datetime.combine(local.date() + dt.timedelta(days=1), digest_at, tzinfo=tz)
    at = candidate.astimezone(dt.UTC)
    return quiet_hours_end(at, prefs) if in_quiet_hours(at, prefs) else at


def budget_limit(priority: int, budget: int) -> int:
    """How many of the week's prompts may already have gone out for one of this priority to go too.

    Higher priorities keep a reserve: with the default 5, high gets all 5 slots, normal 4, low 3,
    so a burst of low-value prompts can never crowd out the one that matters."""
    reserve = budget // 5
    if priority >= pb.PRIORITY_HIGH:
        return budget
    if priority == pb.PRIORITY_NORMAL:
        return budget - reserve
    return budget - 2 * reserve


def admits(priority: int, sent_in_window: int, budget: int) -> bool:
    return sent_in_window < budget_limit(priority, budget)


def takes_moment(priority: int, held: bool, held_priority: int) -> bool:
    """Whether a new prompt for a moment takes it from the person's prompt for that moment that is already stored.

    One prompt per moment and person, the first that comes; but one still held back (for the digest, quiet hours or
    the lead time before the moment: never shown) of a lower priority gives way to the new one, which is then decided
    as any prompt. Otherwise a low-value prompt that came first and went to the digest because of its priority's
    share of the budget would keep the moment from the prompt that matters, and nothing would show. A prompt already
    delivered keeps the moment (the person saw it), and of two of the same priority the first stays."""
    return held and priority > held_priority


def ahead_of(day: dt.date, lead_days: int, prefs: DeliveryPreferences, at: dt.time = DEFAULT_DIGEST_AT) -> dt.datetime:
    """When a prompt that prepares for a moment on `day` (a 1:1, a circle's session) is due: lead_days before it, at
    `at` (the digest hour) in the person's time zone (UTC)."""
    local = dt.datetime.combine(day - dt.timedelta(days=max(0, lead_days)), at, tzinfo=zone(prefs.time_zone))
    return local.astimezone(dt.UTC)


def decide(
    now: dt.datetime, prefs: DeliveryPreferences, priority: int, sent_in_window: int, digest_at: dt.time = DEFAULT_DIGEST_AT,
    not_before: dt.datetime | None = None,
) -> Decision:
    """What happens to a new prompt for this person now. A prompt not due before `not_before` is held until then
    ("ahead"), or, where quiet hours, the digest or the budget would hold it at that moment, as they decide then."""
    if not_before is not None and not_before > now:
        then = decide(not_before, prefs, priority, sent_in_window, digest_at)
        return Decision("ahead", not_before, then.budgeted, ("ahead of the moment",)) if then.mode == "now" else then
    if prefs.daily_digest:
        return Decision("digest", next_digest_at(now, prefs, digest_at), False, ("prefers a daily digest",))
    budget = prefs.weekly_budget or DEFAULT_WEEKLY_BUDGET
    if not admits(priority, sent_in_window, budget):
        return Decision("digest", next_digest_at(now, prefs, digest_at), False, ("weekly budget reached",))
    if in_quiet_hours(now, prefs):
        return Decision("quiet", quiet_hours_end(now, prefs), True, ("quiet hours",))
    return Decision("now", now, True)
