"""A person's stored delivery preferences: what they chose, how a partial update (a field mask) merges into
it, the rules it must keep, and the effective preferences once the directory fills in what was left empty."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from paars.notifications.v1 import notifications_pb2 as pb
from paars_notifications.domain import policy
from paars_notifications.domain.addresses import valid_email
from paars_notifications.domain.visibility import Person
from paars_platform import i18n
from paars_platform.errors import InvalidArgument, PermissionDenied, Validator

ALLOWED_CHANNELS = frozenset({pb.CHANNEL_IN_APP, pb.CHANNEL_EMAIL, pb.CHANNEL_WEBHOOK})
# What an update mask may name (SetPreferencesRequest.update_mask), besides "*".
FIELDS = ("channels", "quiet_start", "quiet_end", "time_zone", "daily_digest", "weekly_budget", "email", "language")


@dataclass(frozen=True)
class StoredPreferences:
    """As stored: an empty time zone or e-mail follows the directory's; 0 budget and no channels are the defaults."""

    channels: tuple[int, ...] = ()
    quiet_start: str = ""
    quiet_end: str = ""
    time_zone: str = ""
    daily_digest: bool = False
    weekly_budget: int = 0
    email: str = ""
    language: str = ""

    def merged(self, given: StoredPreferences, fields: tuple[str, ...] | None) -> StoredPreferences:
        """The record after an update: `given` whole (no mask, or "*"), or only the named fields taken from it
        (the others keep what is stored, not the effective values, which would stop following the directory)."""
        if fields is None or "*" in fields:
            return given
        return dataclasses.replace(self, **{name: getattr(given, name) for name in fields})

    def check(self) -> None:
        """The whole record about to be stored: a field the mask left out is checked as it is stored."""
        v = Validator()
        v.check(all(c in ALLOWED_CHANNELS for c in self.channels), "preferences.channels", "unknown channel")
        v.check(not self.quiet_start or policy.parse_hhmm(self.quiet_start) is not None, "preferences.quiet_start", "must be HH:MM")
        v.check(not self.quiet_end or policy.parse_hhmm(self.quiet_end) is not None, "preferences.quiet_end", "must be HH:MM")
        v.check(bool(self.quiet_start) == bool(self.quiet_end), "preferences.quiet_end", "give both ends of the quiet hours, or neither")
        v.check(not self.time_zone or policy.valid_zone(self.time_zone), "preferences.time_zone", "must be an IANA time zone such as Europe/Brussels")
        v.check(
            0 <= self.weekly_budget <= policy.MAX_WEEKLY_BUDGET, "preferences.weekly_budget",
            f"must be between 1 and {policy.MAX_WEEKLY_BUDGET} (0: the default {policy.DEFAULT_WEEKLY_BUDGET})",
        )
        v.check(not self.email or valid_email(self.email), "preferences.email", "must be one plain e-mail address such as name@example.com")
        v.check(not self.language or self.language in i18n.LANGUAGES, "preferences.language", "must be nl or en (empty: the organisation's default)")
        v.raise_if_any()

    def normalised(self) -> StoredPreferences:
        """As it is written: channels sorted (none: the default), times as HH:MM, a 0 budget as the default."""
        return dataclasses.replace(
            self, channels=tuple(sorted(set(self.channels))) or policy.DEFAULT_CHANNELS, quiet_start=_hhmm(self.quiet_start),
            quiet_end=_hhmm(self.quiet_end), weekly_budget=self.weekly_budget or policy.DEFAULT_WEEKLY_BUDGET,
        )

    def effective(self, person: Person | None) -> policy.DeliveryPreferences:
        return effective(self, person)


def effective(stored: StoredPreferences | None, person: Person | None) -> policy.DeliveryPreferences:
    """Stored preferences (None: none stored), the time zone and address falling back to the org projection's."""
    zone = (stored.time_zone if stored and stored.time_zone else "") or (person.time_zone if person else "") or "UTC"
    email = (stored.email if stored and stored.email else "") or (person.email if person else "")
    if stored is None:
        return policy.DeliveryPreferences(time_zone=zone, email=email)
    return policy.DeliveryPreferences(
        channels=tuple(stored.channels) or policy.DEFAULT_CHANNELS, quiet_start=stored.quiet_start, quiet_end=stored.quiet_end,
        time_zone=zone, daily_digest=stored.daily_digest, weekly_budget=stored.weekly_budget or policy.DEFAULT_WEEKLY_BUDGET,
        email=email, language=stored.language,
    )


def check_update(caller_id: str, employee_id: str, fields: tuple[str, ...] | None) -> None:
    """What a SetPreferences request alone decides: one's own record only, and a mask naming known fields."""
    if employee_id and employee_id != caller_id:
        raise PermissionDenied("you set your own preferences only")
    unknown = sorted({f for f in fields or () if f not in FIELDS and f != "*"})
    if unknown:
        raise InvalidArgument("update_mask", f"unknown field {', '.join(unknown)}; it names fields of Preferences: {', '.join(FIELDS)} (or *)")


def _hhmm(value: str) -> str:
    parsed = policy.parse_hhmm(value)
    return parsed.strftime("%H:%M") if parsed else ""
