"""A person's state, bounded: day buckets of counts (event time), goal and rating snapshots, a few recent items for
evidence, and what makes applying an event idempotent (the input offsets applied, the last event ids).

Nothing here grows with the number of events: at most RETENTION_DAYS buckets, and every list or map is capped.
The encoded form is msgpack with this module's schema 3 (``encode_state``/``decode_state``), compact where a person's
bytes grow with their events: event ids as their 16 UUID bytes, the event-id rings as packed 8-byte hashes, day
buckets as their day's distance from the previous bucket and their non-zero counts only. Decoding validates types
and never runs code. Schema 2 (the same structs with event ids as text, hashes as msgpack integers and buckets as
every count) decodes with the in-memory structs themselves and is upcast on read. State written before schema 2 (a
pickled dict of facts) is read by a parser that accepts only plain-data opcodes, then upcast (``upcast_legacy``);
any other pickle is rejected unexecuted.
"""
from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import operator
import pickletools
import struct
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

SCHEMA = 3
DAY = 86400.0
# Buckets kept: a little beyond the longest window (90 days), so a late event at the edge still counts for its day.
RETENTION_DAYS = 92
RETENTION_SECONDS = RETENTION_DAYS * DAY
RECEIVED_KEPT = 12
MOMENTS_KEPT = 5
RATES_KEPT = 16
DIALOGUES_KEPT = 16
RECENT_IDS = 32
# Event ids kept per input (topic, partition): a producer's re-publication is checked against that input's own
# newest ids, which other inputs' traffic cannot push out (see apply_update).
RECENT_PER_SOURCE = 16
ACTED_EARLY_KEPT = 8
ONE_ON_ONES_KEPT = 8
# The source ("src") of every anonymous-in-aggregate piece received, in place of its giver's relation.
ANONYMOUS = "anonymous"
# Positions of Day.received; new sources go at the end (the encoded list is positional).
SOURCES = ("peer", "manager", "report", "customer", "hr", "leader", ANONYMOUS, "self", "unspecified")
_SOURCE_INDEX = {s: i for i, s in enumerate(SOURCES)}
RISK_STATUSES = ("at_risk", "off_track")

# Received.flags
NAMED, EXAMPLE, CONSTRUCTIVE, ACTED, ACKED = 1, 2, 4, 8, 16

Fact = dict[str, Any]


class UntrustedState(ValueError):
    """A stored or changelog value that is not a state of this schema (nor plain legacy data): rejected, not run."""


# Day's counters, in wire order (positional: new ones go at the end; trailing zeros are not written).
DAY_COUNTERS = (
    "example", "constructive", "perf", "perf_n", "dev", "acks", "acks_action", "done", "given", "acted",
    "constructive_acted", "status", "risk", "review",
    # Conversations: coaching sessions completed as coachee, 1:1s held, 1:1s skipped (a stored day without them
    # decodes with zeros: the list is positional and trailing zeros are never written).
    "coached", "held", "skipped",
)


_counters = operator.attrgetter(*DAY_COUNTERS)
_NO_COUNTS = (0,) * len(DAY_COUNTERS)


@functools.lru_cache(maxsize=4096)
def _spread(received_mask: int, counters_mask: int) -> tuple[int, Callable[[list[int]], tuple[int, ...]]]:
    """For a day body's masks: how many counts follow them, and a getter of every received count and counter
    (SOURCES, then DAY_COUNTERS) from those counts followed by a 0, which stands for every bit not set. A few masks
    come back again and again: kept, decoding a bucket is then one C call instead of a loop per count."""
    bits = [received_mask >> i & 1 for i in range(len(SOURCES))] + [counters_mask >> i & 1 for i in range(len(DAY_COUNTERS))]
    taken = sum(bits)
    value = itertools.count()
    return taken, operator.itemgetter(*(next(value) if bit else taken for bit in bits))


# Shared, immutable values of the day buckets: most days of most people hold one of a few received-count patterns
# (per source), and every person's days are the same few hundred day numbers. A decoded person at 500 events holds
# ~80 buckets, and their own copies of these were ~13 KB of its ~73 (tracemalloc): each bucket now refers to the one
# shared tuple or int (one dict call at decode). Both tables are bounded (a changelog record can name any day or
# pattern): past _SHARED_LIMIT entries a value not yet shared stays the bucket's own.
# The same for a day's delay pairs: nine days in ten hold one pair, and the bench's 16,000 days of 200 people hold 12
# patterns (~4 KB of a decoded person's ~61 KB at 500 events before they were shared). Not for the days' encoded
# bodies: the same days hold 14,000 different ones.
_SHARED_LIMIT = 65_536
_shared_received: dict[tuple[int, ...], tuple[int, ...]] = {}
_shared_days: dict[int, int] = {}
_shared_delays: dict[tuple[int, ...], tuple[int, ...]] = {}


def _shared(table: dict[Any, Any], value: Any) -> Any:
    """The table's equal value if it holds one, else ``value`` (added while the table is under its bound)."""
    if len(table) < _SHARED_LIMIT:
        return table.setdefault(value, value)
    return table.get(value, value)


def _share_received(counts: tuple[int, ...]) -> tuple[int, ...]:
    shared: tuple[int, ...] = _shared(_shared_received, counts)
    return shared


def _share_delays(pairs: tuple[int, ...]) -> tuple[int, ...]:
    shared: tuple[int, ...] = _shared(_shared_delays, pairs) if pairs else ()
    return shared


_NO_RECEIVED = _share_received((0,) * len(SOURCES))


class Day:
    """Counts of one UTC day of event time.

    received: pieces per source (SOURCES order; a shared tuple, replaced on change: add_received); example, constructive: of those, with an example, constructive;
    delays: rounded hours between moment and feedback (delay_bin) -> pieces; perf, perf_n: progress updates of
    performance goals (the sum of progress against expected, per mille, and how many); dev: development activity
    (development-goal progress, actions done, feedback acted upon, dialogues held/signed); acks, acks_action:
    feedback acknowledged, with an action; done: action items done; given; acted, constructive_acted: of the pieces
    received this day, those that led to an action; status, risk: goal status changes, to at risk or off track;
    review: event time (seconds) of the latest review opened this day; coached: coaching sessions completed as
    coachee (also counted in dev); held, skipped: the person's 1:1s held and skipped.

    On the wire (schema 3, ``body``): [received mask, counters mask, the non-zero counts of received and then of
    the counters in SOURCES and DAY_COUNTERS order, delay hours and pieces in pairs]; the day itself is written
    apart, as the distance from the previous bucket. Schema 2 wrote [day, received, delays, *counters] with trailing
    zero counters left out (``wire``, ``from_wire``).
    """

    # encoded: the bucket's body (schema 3), kept until the bucket changes (bucket() clears it): a write-back
    # re-encodes only the days that changed since the last one (plain bytes, joined into the days' array at encoding
    # (_days_array): a msgspec.Raw per day cost 48 bytes more, ~4 KB a decoded person). _delays: the delays as flat pairs (hours, pieces,
    # hours, pieces, ...), in the order first seen: nine days in ten hold one pair, 56 bytes as a tuple against 226
    # as a dict (~12 KB less a decoded person at 500 events); ``delays`` gives them as a dict.
    __slots__ = ("day", "received", "_delays", "encoded", *DAY_COUNTERS)
    # The counters, set from DAY_COUNTERS in __init__; declared here so that their uses are type-checked.
    example: int
    constructive: int
    perf: int
    perf_n: int
    dev: int
    acks: int
    acks_action: int
    done: int
    given: int
    acted: int
    constructive_acted: int
    status: int
    risk: int
    review: int
    coached: int
    held: int
    skipped: int

    def __init__(self, day: int, received: Sequence[int] | None = None, delays: Mapping[int, int] | None = None, *counters: int) -> None:
        self.day: int = _shared(_shared_days, day)
        self.received: tuple[int, ...] = _share_received(tuple(received)) if received is not None else _NO_RECEIVED
        self._delays: tuple[int, ...] = _share_delays(tuple(itertools.chain.from_iterable(delays.items()))) if delays else ()
        self.encoded: bytes | None = None
        if len(counters) > len(DAY_COUNTERS):
            raise ValueError(f"a day has {len(DAY_COUNTERS)} counters, not {len(counters)}")
        # One assignment in DAY_COUNTERS order (the unit test checks the order), not a setattr per counter: a new
        # bucket for most events and every bucket of a decoded state (2.3 -> 1.1 us a bucket).
        (self.example, self.constructive, self.perf, self.perf_n, self.dev, self.acks, self.acks_action, self.done,
         self.given, self.acted, self.constructive_acted, self.status, self.risk, self.review, self.coached, self.held,
         self.skipped) = counters + _NO_COUNTS[len(counters):]

    @property
    def delays(self) -> dict[int, int]:
        """Rounded hours between moment and feedback -> pieces (a new dict each time)."""
        pairs = self._delays
        return dict(zip(pairs[::2], pairs[1::2], strict=True))

    def delay_items(self) -> Iterator[tuple[int, int]]:
        """(hours, pieces) of each delay, without building a dict."""
        pairs = self._delays
        return zip(pairs[::2], pairs[1::2], strict=True)

    def add_delay(self, hours: int) -> None:
        """One more piece received ``hours`` after its moment."""
        pairs = self._delays
        for i in range(0, len(pairs), 2):
            if pairs[i] == hours:
                self._delays = _share_delays((*pairs[:i + 1], pairs[i + 1] + 1, *pairs[i + 2:]))
                return
        self._delays = _share_delays((*pairs, hours, 1))

    def add_received(self, source: int) -> None:
        """One more piece from this source (SOURCES index)."""
        counts = list(self.received)
        counts[source] += 1
        self.received = _share_received(tuple(counts))

    def wire(self) -> list[Any]:
        counters = list(_counters(self))
        while counters and not counters[-1]:
            counters.pop()
        return [self.day, list(self.received), self.delays, *counters]

    def body(self) -> list[int]:
        values = []
        received_mask = counters_mask = 0
        for i, n in enumerate(self.received):
            if n:
                received_mask |= 1 << i
                values.append(n)
        for i, n in enumerate(_counters(self)):
            if n:
                counters_mask |= 1 << i
                values.append(n)
        values += self._delays
        return [received_mask, counters_mask, *values]

    @classmethod
    def from_body(cls, day: int, body: list[int]) -> Day:
        """A bucket from its schema-3 body (integers only, as the decoder typed them): masks within the known
        sources and counters, one value per bit set, delays in whole pairs."""
        if len(body) < 2:
            raise UntrustedState("a day bucket is [received mask, counters mask, *counts, *delay pairs]")
        received_mask, counters_mask = body[0], body[1]
        if not (0 <= received_mask < 1 << len(SOURCES) and 0 <= counters_mask < 1 << len(DAY_COUNTERS)):
            raise UntrustedState("a day bucket's masks name unknown sources or counters")
        taken, spread = _spread(received_mask, counters_mask)
        end = 2 + taken
        if len(body) < end or (len(body) - end) % 2:
            raise UntrustedState("a day bucket's counts do not match its masks")
        counts = spread(body[2:end] + [0])
        made = cls(day, counts[:len(SOURCES)], None, *counts[len(SOURCES):])
        pairs = tuple(body[end:])
        hours = pairs[::2]
        # As the dict of before read them: one pair per hours value, the last one written winning.
        made._delays = _share_delays(pairs if len(set(hours)) == len(hours) else tuple(itertools.chain.from_iterable(
            dict(zip(hours, pairs[1::2], strict=True)).items())))
        return made

    @classmethod
    def from_wire(cls, value: Any) -> Day:
        if not isinstance(value, list) or len(value) < 3 or len(value) > 3 + len(DAY_COUNTERS):
            raise UntrustedState("a day bucket is [day, received, delays, *counters]")
        day, received, delays, *counters = value
        ints = [day, *received, *delays.keys(), *delays.values(), *counters] if isinstance(received, list) and isinstance(delays, dict) else None
        if ints is None or not all(type(v) is int for v in ints):
            raise UntrustedState("a day bucket holds integers only")
        received = received + [0] * (len(SOURCES) - len(received))
        return cls(day, received, delays, *counters)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Day) and self.wire() == other.wire()

    def __repr__(self) -> str:
        return f"Day{tuple(self.wire())!r}"


# Goal, Rating and Rate end with the event id: their fields before it are shared with their schema-3 wire form, which
# ends with the id's key instead (event_key).
class _GoalFacts(msgspec.Struct, array_like=True):
    id: str
    kind: str
    title: str
    progress: float
    expected: float
    status: str
    agreed: bool
    closed: bool
    check: float
    since: float
    start: float
    due: float
    version: int
    at: float


class Goal(_GoalFacts):
    event_id: str


class _GoalWire(_GoalFacts):
    event: bytes


class _RatingFacts(msgspec.Struct, array_like=True):
    score: float
    at: float


class Rating(_RatingFacts):
    event_id: str


class _RatingWire(_RatingFacts):
    event: bytes


class _RateFacts(msgspec.Struct, array_like=True):
    at: float
    review: str
    rating: float
    manager: str
    manager_average: float


class Rate(_RateFacts):
    """A review's ratings as reported at one time: overall (others), and the rating manager's average."""

    event_id: str


class _RateWire(_RateFacts):
    event: bytes


class Received(msgspec.Struct, array_like=True):
    """One of the most recent pieces of feedback received (evidence, and the join with later actions)."""

    at: float
    event_id: str
    feedback: int  # crc32 of the feedback id
    flags: int


class _ReceivedWire(msgspec.Struct, array_like=True):
    at: float
    event: bytes
    feedback: int
    flags: int


class Moment(msgspec.Struct, array_like=True):
    at: float
    event_id: str
    milestone: int  # percent reached; 0: an action item completed
    title: str = ""


class _MomentWire(msgspec.Struct, array_like=True):
    at: float
    event: bytes
    milestone: int
    title: str


class Dialogue(msgspec.Struct, array_like=True):
    at: float
    manager: str


class OneOnOne(msgspec.Struct, array_like=True):
    """A 1:1 of the person as of its latest held or skipped meeting: the skips in a row then (0 once held)."""

    at: float
    skips: int


class PersonState(msgspec.Struct, array_like=True):
    """A person's state in memory, and as schema 2 wrote it (array_like: the fields in this order)."""

    schema: int = SCHEMA
    first: float = 0.0
    days: list[Day] = msgspec.field(default_factory=list)
    goals: dict[str, Goal] = msgspec.field(default_factory=dict)
    self_ratings: dict[str, Rating] = msgspec.field(default_factory=dict)
    others_ratings: dict[str, Rating] = msgspec.field(default_factory=dict)
    rates: list[Rate] = msgspec.field(default_factory=list)
    received: list[Received] = msgspec.field(default_factory=list)
    moments: list[Moment] = msgspec.field(default_factory=list)
    dialogues: dict[str, Dialogue] = msgspec.field(default_factory=dict)
    last_received_at: float = 0.0
    last_received_event: str = ""
    # Idempotence: per input (crc32 of topic, partition) the last offset applied, and the last event ids' hashes.
    offsets: dict[int, int] = msgspec.field(default_factory=dict)
    recent: list[int] = msgspec.field(default_factory=list)
    # Actions on feedback not (yet) received: applied when the piece arrives.
    acted_early: list[int] = msgspec.field(default_factory=list)
    # The person's 1:1s by pair id (at most ONE_ON_ONES_KEPT, the latest): the newest field, at the end, so a
    # state stored before it decodes with none (array_like structs take a missing trailing field's default).
    one_on_ones: dict[str, OneOnOne] = msgspec.field(default_factory=dict)
    # Idempotence: per input (source_key) the hashes of the last RECENT_PER_SOURCE event ids applied from it. At
    # the end for the same reason: a state stored before it decodes with none (its ids are still in recent).
    recent_by_source: dict[int, list[int]] = msgspec.field(default_factory=dict)


State = PersonState


@dataclass
class PersonUpdate:
    """What one event means for one person: facts for the day buckets plus snapshot changes."""

    key: str
    event_id: str
    at: float
    facts: list[Fact] = field(default_factory=list)
    goal: dict[str, Any] | None = None
    self_ratings: dict[str, float] | None = None
    others_ratings: dict[str, float] | None = None


# What a decoded state holds in the heap, per part (tracemalloc over the bench's states decoded and written back once,
# the shared tables and caches warmed; 2026-12-04): 4.7 KB at 5 events, 19.2 at 50, 31.4 at 200, 34.3 at 500, 35.2
# at 1,500 (a full window). held_bytes is within ~10% of those.
_HELD_BASE, _HELD_PER_DAY, _HELD_PER_GOAL, _HELD_PER_ITEM, _HELD_PER_RING_ID, _HELD_PER_ENTRY = 1_200, 270, 1_000, 250, 40, 100


def held_bytes(state: PersonState) -> int:
    """About how many bytes of heap the decoded state holds (a dozen len() calls: PeopleStore's memory bound)."""
    rings = len(state.recent) + sum(len(ring) for ring in state.recent_by_source.values())
    items = len(state.received) + len(state.moments) + len(state.rates) + len(state.self_ratings) + len(state.others_ratings)
    entries = len(state.dialogues) + len(state.one_on_ones) + len(state.offsets) + len(state.acted_early)
    return (_HELD_BASE + _HELD_PER_DAY * len(state.days) + _HELD_PER_GOAL * len(state.goals) + _HELD_PER_ITEM * items
            + _HELD_PER_RING_ID * rings + _HELD_PER_ENTRY * entries)


def new_state() -> PersonState:
    return PersonState()


def day_of(t: float) -> int:
    return int(t // DAY)


def delay_bin(hours: float) -> int:
    """Whole hours up to three days, then 6-hour steps up to a week, then days: the median stays readable and the
    bucket small."""
    if hours < 72:
        return round(hours)
    if hours < 168:
        return round(hours / 6.0) * 6
    return round(hours / 24.0) * 24


def source_key(topic: str, partition: int) -> int:
    return (zlib.crc32(topic.encode()) << 8) | (partition & 0xFF)


def _id_hash(event_id: str) -> int:
    """What the idempotence rings keep of an event id: 63 bits of its blake2b digest (8 bytes encoded, _packed; the
    same hash in every schema since 2, so a state upcast from one still knows the ids it had applied). A new event is
    taken for a re-publication only if its hash equals one of the at most RECENT_PER_SOURCE + RECENT_IDS = 48 it is
    checked against: a chance of 48 / 2**63, about 5e-18 per event, 5e-8 over ten billion events."""
    return int.from_bytes(hashlib.blake2b(event_id.encode(), digest_size=8).digest(), "little") >> 1


def _feedback_hash(feedback_id: str) -> int:
    return zlib.crc32(feedback_id.encode())


def goal_ratio(progress: float, expected: float) -> float:
    """How far along a goal is compared with where it should be: 1.0 means on schedule or ahead."""
    if expected <= 0.05:
        return 1.0
    return max(0.0, min(1.0, progress / expected))


def apply_update(state: PersonState, update: PersonUpdate, now: float, source: tuple[str, int, int] | None = None) -> bool:
    """Applies an update once; returns True if applied.

    source (topic, partition, offset) of the input record: a record at or below the offset already applied to this
    person is a redelivery (after a crash between the state write and the offset commit) and changes nothing. The
    offset is stored in the same state record as the counts it produced, so both survive together or not at all. An
    event id among the last RECENT_PER_SOURCE of the same input is a re-publication (same event, new record: a
    producer's outbox relay killed between publishing and marking sent sends it again, on the same topic and
    partition, once it is back) and changes nothing. The ring is per input so that other inputs' events, which
    keep coming while that producer restarts (a busy person's goal check-ins), cannot push the id out: one shared
    ring of RECENT_IDS let a re-publication 25 s late count again. Updates without a source use the shared ring.
    """
    ident = _id_hash(update.event_id)
    recent = state.recent
    if source is not None:
        topic, partition, offset = source
        key = source_key(topic, partition)
        last = state.offsets.get(key)
        if last is not None and offset <= last:
            return False
        state.offsets[key] = offset
        ring = state.recent_by_source.setdefault(key, [])
        # The shared ring still holds the ids of states stored before the rings per input.
        if ident in ring or ident in recent:
            return False
        ring.append(ident)
        if len(ring) > RECENT_PER_SOURCE:
            del ring[: len(ring) - RECENT_PER_SOURCE]
    else:
        if ident in recent:
            return False
        recent.append(ident)
        if len(recent) > RECENT_IDS:
            del recent[: len(recent) - RECENT_IDS]
    at = update.at
    if not state.first or at < state.first:
        state.first = at
    today = day_of(now)
    if state.days and state.days[0].day <= today - RETENTION_DAYS:
        prune(state, now)
    if day_of(at) > today - RETENTION_DAYS:
        for fact in update.facts:
            _fold(state, fact, at, update.event_id)
    if update.goal is not None:
        _merge_goal(state.goals, update.goal, update.event_id, at)
    if update.self_ratings:
        _merge_ratings(state.self_ratings, update.self_ratings, update.event_id, at)
    if update.others_ratings:
        _merge_ratings(state.others_ratings, update.others_ratings, update.event_id, at)
    return True


def bucket(state: PersonState, at: float) -> Day:
    """The day bucket of an event time, to change (created in order: most events are about today, the last bucket)."""
    days = state.days
    d = day_of(at)
    if days and days[-1].day == d:
        b = days[-1]
    elif not days or days[-1].day < d:
        b = Day(d)
        days.append(b)
    else:
        i = bisect.bisect_left(days, d, key=_day)
        if i < len(days) and days[i].day == d:
            b = days[i]
        else:
            b = Day(d)
            days.insert(i, b)
    b.encoded = None
    return b


def _day(day: Day) -> int:
    return day.day


def _fold(state: PersonState, fact: Fact, at: float, event_id: str) -> None:
    kind = fact["k"]
    if kind == "recv":
        _received(state, fact, at, event_id)
    elif kind == "prog":
        b = bucket(state, at)
        if fact["gk"] == "performance":
            b.perf += round(goal_ratio(fact["p"], fact["x"]) * 1000)
            b.perf_n += 1
        elif fact["gk"] == "development":
            b.dev += 1
    elif kind == "stat":
        b = bucket(state, at)
        b.status += 1
        if fact["s"] in RISK_STATUSES:
            b.risk += 1
    elif kind == "mile":
        _moment(state, Moment(at, event_id, int(fact["pct"]), str(fact.get("title", ""))))
    elif kind == "act":
        if fact["s"] == "done":
            b = bucket(state, at)
            b.done += 1
            b.dev += 1
            _moment(state, Moment(at, event_id, 0))
        if fact.get("sf"):
            _acted(state, fact["sf"])
    elif kind == "ack":
        b = bucket(state, at)
        if _first_ack(state, fact["f"]):
            b.acks += 1
            if fact["a"]:
                b.acks_action += 1
        if fact["a"]:
            b.dev += 1
            _acted(state, fact["f"])
    elif kind == "dlg":
        if fact["s"] in ("held", "signed"):
            bucket(state, at).dev += 1
            current = state.dialogues.get(fact["d"])
            if current is None or current.at <= at:
                state.dialogues[fact["d"]] = Dialogue(at, str(fact.get("m", "")))
                if len(state.dialogues) > DIALOGUES_KEPT:
                    oldest = min(state.dialogues, key=lambda d: state.dialogues[d].at)
                    del state.dialogues[oldest]
    elif kind == "given":
        bucket(state, at).given += 1
    elif kind == "coach":
        b = bucket(state, at)
        b.coached += 1
        b.dev += 1
    elif kind == "1on1":
        _one_on_one(state, fact, at)
    elif kind == "rev":
        b = bucket(state, at)
        b.review = max(b.review, int(at))
    elif kind == "rate":
        _rate(state, Rate(at, str(fact["rv"]), float(fact["r"]), str(fact.get("m", "")), float(fact.get("ma", 0.0)), event_id))
    # Other kinds (requests sought, prompts sent and acted on, goals done) feed no signal: nothing to keep.


def _one_on_one(state: PersonState, fact: Fact, at: float) -> None:
    """A 1:1 held or skipped: counted on its day; the pair's skips in a row follow the latest meeting."""
    held = fact["s"] == "held"
    b = bucket(state, at)
    if held:
        b.held += 1
    else:
        b.skipped += 1
    pair = str(fact["p"])
    current = state.one_on_ones.get(pair)
    if current is None or current.at <= at:
        state.one_on_ones[pair] = OneOnOne(at, 0 if held else int(fact.get("n", 1)))
        if len(state.one_on_ones) > ONE_ON_ONES_KEPT:
            del state.one_on_ones[min(state.one_on_ones, key=lambda p: state.one_on_ones[p].at)]


def skips_in_a_row(state: PersonState, now: float) -> int:
    """The most skips in a row of any of the person's 1:1s that met or was skipped within the retention."""
    return max((o.skips for o in state.one_on_ones.values() if o.at > now - RETENTION_SECONDS), default=0)


def _received(state: PersonState, fact: Fact, at: float, event_id: str) -> None:
    b = bucket(state, at)
    src = _SOURCE_INDEX.get(fact["src"], _SOURCE_INDEX["unspecified"])
    b.add_received(src)
    constructive = fact.get("fk") == "constructive"
    flags = (NAMED if fact["src"] != ANONYMOUS else 0) | (EXAMPLE if fact.get("ex") else 0) | (CONSTRUCTIVE if constructive else 0)
    if fact.get("ex"):
        b.example += 1
    if constructive:
        b.constructive += 1
    delay = fact.get("d", -1.0)
    if delay >= 0:
        b.add_delay(delay_bin(delay))
    fid = _feedback_hash(fact["f"])
    if fid in state.acted_early:
        state.acted_early.remove(fid)
        flags |= ACTED
        b.acted += 1
        if constructive:
            b.constructive_acted += 1
    items = state.received
    entry = Received(at, event_id, fid, flags)
    if not items or items[-1].at <= at:
        items.append(entry)
    else:
        items.insert(bisect.bisect_right(items, at, key=_at), entry)
    if len(items) > RECEIVED_KEPT:
        del items[0]
    if at >= state.last_received_at:
        state.last_received_at, state.last_received_event = at, event_id


def _at(item: Any) -> float:
    return float(item.at)


def _find_received(state: PersonState, feedback_id: str) -> Received | None:
    fid = _feedback_hash(feedback_id)
    for item in reversed(state.received):
        if item.feedback == fid:
            return item
    return None


def _first_ack(state: PersonState, feedback_id: str) -> bool:
    """False for a piece already acknowledged (of the recent ones kept): the same piece counts once."""
    item = _find_received(state, feedback_id)
    if item is None:
        return True
    if item.flags & ACKED:
        return False
    item.flags |= ACKED
    return True


def _acted(state: PersonState, feedback_id: str) -> None:
    item = _find_received(state, feedback_id)
    if item is None:
        fid = _feedback_hash(feedback_id)
        if fid not in state.acted_early:
            state.acted_early.append(fid)
            if len(state.acted_early) > ACTED_EARLY_KEPT:
                del state.acted_early[0]
        return
    if item.flags & ACTED:
        return
    item.flags |= ACTED
    b = bucket(state, item.at)
    b.acted += 1
    if item.flags & CONSTRUCTIVE:
        b.constructive_acted += 1


def _moment(state: PersonState, moment: Moment) -> None:
    items = state.moments
    items.insert(bisect.bisect_right(items, moment.at, key=_at), moment)
    if len(items) > MOMENTS_KEPT:
        del items[0]


def _rate(state: PersonState, rate: Rate) -> None:
    items = state.rates
    # A review reports several times: per review and day, the latest report is enough for any window.
    for i, other in enumerate(items):
        if other.review == rate.review and day_of(other.at) == day_of(rate.at):
            if other.at > rate.at:
                return
            del items[i]
            break
    items.insert(bisect.bisect_right(items, rate.at, key=_at), rate)
    if len(items) > RATES_KEPT:
        del items[0]


def _merge_goal(goals: dict[str, Goal], goal: dict[str, Any], event_id: str, at: float) -> None:
    current = goals.get(goal["id"])
    # Out-of-order delivery must not let an older snapshot overwrite a newer one.
    if current is not None and (goal["version"], at) < (current.version, current.at):
        return
    goals[goal["id"]] = Goal(
        id=goal["id"], kind=goal["kind"], title=goal["title"], progress=float(goal["progress"]),
        expected=float(goal["expected"]), status=goal["status"], agreed=bool(goal["agreed"]), closed=bool(goal["closed"]),
        check=float(goal["check"]), since=float(goal["since"]), start=float(goal["start"]), due=float(goal["due"]),
        version=int(goal["version"]), at=at, event_id=event_id,
    )


def _merge_ratings(target: dict[str, Rating], ratings: dict[str, float], event_id: str, at: float) -> None:
    for competency, score in ratings.items():
        current = target.get(competency)
        if current is None or current.at <= at:
            target[competency] = Rating(float(score), at, event_id)


def prune(state: PersonState, now: float) -> None:
    """Drops what left the retention as event time advanced: day buckets, rates, dialogues, closed goals."""
    cutoff_day = day_of(now) - RETENTION_DAYS
    cutoff = now - RETENTION_SECONDS
    days = state.days
    if days and days[0].day <= cutoff_day:
        del days[: bisect.bisect_right(days, cutoff_day, key=_day)]
    state.rates = [r for r in state.rates if r.at > cutoff]
    state.dialogues = {k: d for k, d in state.dialogues.items() if d.at > cutoff}
    state.one_on_ones = {k: o for k, o in state.one_on_ones.items() if o.at > cutoff}
    state.goals = {k: g for k, g in state.goals.items() if not (g.closed and g.at <= cutoff)}


def days_between(state: PersonState, start: float, end: float) -> list[Day]:
    """Day buckets of the window (start, end], whole UTC days: the day of end and the days after start's day."""
    days = state.days
    lo = bisect.bisect_right(days, day_of(start), key=_day)
    hi = bisect.bisect_right(days, day_of(end), key=_day)
    return days[lo:hi]


def received_between(state: PersonState, start: float, end: float) -> int:
    return sum(sum(d.received) for d in days_between(state, start, end))


# ---------- encoding: msgpack of schema 3; schema 2 and the pickled dicts before it are upcast on read ----------

# Before an id that is no UUID but whose UTF-8 text is 16 bytes long, so that it is not read as one (no UTF-8 has 0xFF).
_TEXT_MARK = b"\xff"


def event_key(event_id: str) -> bytes:
    """An event id as the encoded state keeps it, losslessly (evidence names the real events): a UUID in canonical
    form (lower-case, what every producer's new_metadata writes) as its 16 bytes; any other id (derived ones such as
    "<uuid>:given", older ones) as its UTF-8 text, after _TEXT_MARK when that text is itself 16 bytes long."""
    # Dashes at 8, 13, 18 and 23 (and no others: 16 bytes of 32 digits).
    if len(event_id) == 36 and event_id[8:24:5] == "----":
        digits = event_id.replace("-", "")
        try:
            key = bytes.fromhex(digits)
        except ValueError:
            key = b""
        # fromhex also takes upper case and spaces, which would not read back as the same text.
        if len(key) == 16 and key.hex() == digits:
            return key
    text = event_id.encode()
    return _TEXT_MARK + text if len(text) == 16 else text


def event_text(key: bytes) -> str:
    """The event id an event_key stands for."""
    if len(key) == 16:
        digits = key.hex()
        return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
    try:
        return (key[1:] if len(key) == 17 and key[:1] == _TEXT_MARK else key).decode()
    except UnicodeDecodeError:
        raise UntrustedState("an event id is 16 UUID bytes or UTF-8 text") from None


def _packed(hashes: list[int]) -> bytes:
    """Event-id hashes (_id_hash: 63 bits) as 8 bytes each, little-endian: a ring of 16 in 130 bytes, not 147."""
    return struct.pack(f"<{len(hashes)}Q", *hashes)


def _unpacked(packed: bytes) -> list[int]:
    if len(packed) % 8:
        raise UntrustedState("an event-id ring is whole 8-byte hashes")
    return list(struct.unpack(f"<{len(packed) // 8}Q", packed))


class _Wire(msgspec.Struct, array_like=True):
    """Schema 3 as written: PersonState's fields in its order, but the day buckets as their days (the first one's
    number, then each one's distance from the one before) beside their bodies (Day.body), event ids as event_key,
    the event-id rings packed (_packed). A field added later goes at the end, with a default."""

    schema: int
    first: float
    day_steps: list[int]
    days: list[list[int]]
    goals: dict[str, _GoalWire]
    self_ratings: dict[str, _RatingWire]
    others_ratings: dict[str, _RatingWire]
    rates: list[_RateWire]
    received: list[_ReceivedWire]
    moments: list[_MomentWire]
    dialogues: dict[str, Dialogue]
    last_received_at: float
    last_received_event: bytes
    offsets: dict[int, int]
    recent: bytes
    acted_early: list[int]
    one_on_ones: dict[str, OneOnOne]
    recent_by_source: dict[int, bytes]


_plain_encoder = msgspec.msgpack.Encoder()
_wire_decoder = msgspec.msgpack.Decoder(_Wire)


def _body(day: Day) -> bytes:
    if day.encoded is None:
        day.encoded = _plain_encoder.encode(day.body())
    return day.encoded


def _days_array(days: list[Day]) -> msgspec.Raw:
    """The days' bodies as one msgpack array (what encoding the list of their bodies writes), from the kept bodies."""
    n = len(days)
    header = bytes((0x90 | n,)) if n < 16 else b"\xdc" + n.to_bytes(2, "big") if n < 1 << 16 else b"\xdd" + n.to_bytes(4, "big")
    return msgspec.Raw(header + b"".join([d.encoded or _body(d) for d in days]))


def encode_state(state: PersonState) -> bytes:
    """The state in schema 3 (_Wire); a write-back re-encodes only the day buckets changed since the last one."""
    days = state.days
    steps = [d.day - p.day for p, d in itertools.pairwise(days)]
    if days:
        steps.insert(0, days[0].day)
    key = event_key
    return _plain_encoder.encode((
        SCHEMA, state.first, steps, _days_array(days),
        {k: (*msgspec.structs.astuple(g)[:-1], key(g.event_id)) for k, g in state.goals.items()},
        {k: (r.score, r.at, key(r.event_id)) for k, r in state.self_ratings.items()},
        {k: (r.score, r.at, key(r.event_id)) for k, r in state.others_ratings.items()},
        [(r.at, r.review, r.rating, r.manager, r.manager_average, key(r.event_id)) for r in state.rates],
        [(r.at, key(r.event_id), r.feedback, r.flags) for r in state.received],
        [(m.at, key(m.event_id), m.milestone, m.title) for m in state.moments],
        state.dialogues, state.last_received_at, key(state.last_received_event), state.offsets, _packed(state.recent),
        state.acted_early, state.one_on_ones, {k: _packed(ring) for k, ring in state.recent_by_source.items()},
    ))


def _from_wire(wire: _Wire) -> PersonState:
    days = []
    day = None
    for step, body in zip(wire.day_steps, wire.days, strict=True):
        if day is not None and step <= 0:
            raise UntrustedState("day buckets are in increasing day order")
        day = step if day is None else day + step
        days.append(Day.from_body(day, body))
    text = event_text
    return PersonState(
        schema=SCHEMA, first=wire.first, days=days,
        goals={k: Goal(*(*msgspec.structs.astuple(g)[:-1], text(g.event))) for k, g in wire.goals.items()},
        self_ratings={k: Rating(r.score, r.at, text(r.event)) for k, r in wire.self_ratings.items()},
        others_ratings={k: Rating(r.score, r.at, text(r.event)) for k, r in wire.others_ratings.items()},
        rates=[Rate(r.at, r.review, r.rating, r.manager, r.manager_average, text(r.event)) for r in wire.rates],
        received=[Received(r.at, text(r.event), r.feedback, r.flags) for r in wire.received],
        moments=[Moment(m.at, text(m.event), m.milestone, m.title) for m in wire.moments],
        dialogues=wire.dialogues, last_received_at=wire.last_received_at,
        last_received_event=text(wire.last_received_event), offsets=wire.offsets, recent=_unpacked(wire.recent),
        acted_early=wire.acted_early, one_on_ones=wire.one_on_ones,
        recent_by_source={k: _unpacked(ring) for k, ring in wire.recent_by_source.items()},
    )


def _schema2_day(kind: type, obj: Any) -> Any:
    if kind is Day:
        return Day.from_wire(obj)
    raise TypeError(f"{kind} is not part of the person state schema")


class _Schema(msgspec.Struct, array_like=True):
    """The first field of every schema since 2 (the rest of the array is skipped)."""

    schema: int


_schema_decoder = msgspec.msgpack.Decoder(_Schema)
# Schema 2 is PersonState itself, its buckets in Day.wire's form.
_schema2_decoder = msgspec.msgpack.Decoder(PersonState, dec_hook=_schema2_day)
_PICKLE_PROTO = 0x80


def decode_state(data: bytes) -> PersonState:
    """A stored state: schema 3, or one written before it (schema 2, or the plain-data pickle before that), upcast.
    Anything else raises UntrustedState; no byte of it is ever executed."""
    if data[:1] == bytes([_PICKLE_PROTO]):
        legacy = plain_pickle(data)
        if not isinstance(legacy, dict):
            raise UntrustedState("a legacy state must be a dict")
        return upcast_legacy(legacy)
    try:
        schema = _schema_decoder.decode(data).schema
        if schema == SCHEMA:
            return _from_wire(_wire_decoder.decode(data))
        if schema == 2:
            return upcast_schema2(_schema2_decoder.decode(data))
    except UntrustedState:
        raise
    # ValueError: day steps and bodies of different lengths (zip strict).
    except (msgspec.DecodeError, TypeError, ValueError) as exc:
        raise UntrustedState(f"not a person state of schema {SCHEMA} or 2: {exc}") from None
    raise UntrustedState(f"unknown person state schema {schema}")


def upcast_schema2(state: PersonState) -> PersonState:
    """A state of schema 2 as decoded (the same structs and values as schema 3 holds in memory): only its schema
    changes, so its signals, evidence ids and idempotence (the same hashes of the same ids) stay what they were."""
    state.schema = SCHEMA
    return state


# Opcodes that only build plain data (no import, no call): what pickle.dumps of dicts, lists, str, numbers writes.
_PUSH = {
    "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "BINFLOAT", "FLOAT", "BININT", "BININT1", "BININT2",
    "INT", "LONG", "LONG1", "LONG4", "SHORT_BINBYTES", "BINBYTES", "BINBYTES8", "SHORT_BINSTRING", "BINSTRING",
}


def plain_pickle(data: bytes) -> Any:
    """Reads a pickle that holds plain data only, by walking its opcodes (pickletools, which parses and never runs):
    a global, a call or any object construction is rejected before anything is built."""
    stack: list[Any] = []
    marks: list[int] = []
    # Keyed by the memo index pickletools reads (an int; its stubs type an opcode's argument as Any | None).
    memo: dict[object, Any] = {}

    def to_mark() -> list[Any]:
        at = marks.pop()
        items = stack[at:]
        del stack[at:]
        return items

    try:
        for op, arg, _pos in pickletools.genops(data):
            name = op.name
            if name in ("PROTO", "FRAME"):
                continue
            if name == "STOP":
                break
            if name in _PUSH:
                stack.append(arg)
            elif name == "NONE":
                stack.append(None)
            elif name in ("NEWTRUE", "NEWFALSE"):
                stack.append(name == "NEWTRUE")
            elif name == "EMPTY_DICT":
                stack.append({})
            elif name == "EMPTY_LIST":
                stack.append([])
            elif name == "EMPTY_TUPLE":
                stack.append(())
            elif name == "MARK":
                marks.append(len(stack))
            elif name == "MEMOIZE":
                memo[len(memo)] = stack[-1]
            elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
                memo[arg] = stack[-1]
            elif name in ("BINGET", "LONG_BINGET", "GET"):
                stack.append(memo[arg])
            elif name == "SETITEM":
                value = stack.pop()
                key = stack.pop()
                stack[-1][key] = value
            elif name == "SETITEMS":
                items = to_mark()
                target = stack[-1]
                for i in range(0, len(items), 2):
                    target[items[i]] = items[i + 1]
            elif name == "APPEND":
                value = stack.pop()
                stack[-1].append(value)
            elif name == "APPENDS":
                items = to_mark()
                stack[-1].extend(items)
            elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
                n = int(name[-1])
                items = stack[-n:]
                del stack[-n:]
                stack.append(tuple(items))
            elif name == "TUPLE":
                stack.append(tuple(to_mark()))
            else:
                raise UntrustedState(f"pickle opcode {name} is not plain data: rejected without running it")
    except UntrustedState:
        raise
    except Exception as exc:
        raise UntrustedState(f"not a plain-data pickle: {exc!r}") from None
    if len(stack) != 1:
        raise UntrustedState("not a plain-data pickle")
    return stack[0]


def upcast_legacy(legacy: dict[str, Any], now: float | None = None) -> PersonState:
    """The previous version's state (schema 1: a time-ordered log of fact dicts, goal snapshots, self/others
    ratings, the event-id ring) folded into the buckets; the newest ids seed the recent set."""
    state = PersonState(first=float(legacy.get("first") or 0.0))
    log = legacy.get("log") or []
    horizon = max((float(f.get("t", 0.0)) for f in log), default=0.0) if now is None else now
    for fact in log:
        at = float(fact["t"])
        if day_of(at) > day_of(horizon) - RETENTION_DAYS:
            _fold(state, fact, at, str(fact.get("e", "")))
    for goal in (legacy.get("goals") or {}).values():
        _merge_goal(state.goals, goal, str(goal.get("e", "")), float(goal.get("t", 0.0)))
    for source, target in (("self", state.self_ratings), ("others", state.others_ratings)):
        for competency, (score, at, event_id) in (legacy.get(source) or {}).items():
            target[competency] = Rating(float(score), float(at), str(event_id))
    seen = sorted((legacy.get("seen") or {}).items(), key=lambda item: item[1])
    state.recent = [_id_hash(eid) for eid, _t in seen[-RECENT_IDS:]]
    return state
