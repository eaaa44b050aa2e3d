"""Business-hours arithmetic: how much working time lies between two instants, and when a
given amount of working time will have passed.

A :class:`Schedule` is a member's IANA time zone, weekly working hours (local wall-clock
:class:`Interval` values per weekday, Monday first), holidays (local dates) and absences
(out-of-office ranges as aware UTC datetimes).

The contract: an instant ``t`` is *working* iff

1. ``t`` lies in no absence ``[start, end)``, and
2. with ``L = t.astimezone(zone)``, ``L.date()`` is not a holiday and L's wall-clock time
   lies in some interval ``[start, end)`` of ``L.weekday()``.

Everything else follows from that definition:

- Wall-clock times skipped when clocks spring forward do not exist, so that day has less
  working time (09:00–17:00 around a skipped hour is 7 hours).
- Wall-clock times repeated when clocks fall back occur twice, and both UTC instants are
  working: a repeated hour inside working hours counts twice.
- An interval ending at 24:00 followed by one starting at 00:00 the next day is one
  continuous working period; days without intervals, holidays and absences have none.

:func:`working_time_between` measures the working instants in ``[a, b)``;
:func:`add_working_time` returns the earliest ``T >= start`` with
``working_time_between(start, T) == duration`` (``start`` itself for a zero duration).
Results are aware datetimes in UTC; inputs must be aware (any zone). The work is
proportional to the days spanned: each local day yields its working periods as UTC
segments, computed per run of constant UTC offset, so no instant is stepped through.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tidings.errors import InvalidInput, InvalidTimeZone

DAY_MINUTES = 24 * 60
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# How far add_working_time and next_working_start look ahead before giving up.
HORIZON = timedelta(days=3653)

# Instants outside this range are refused so that local conversions and the horizon never
# overflow datetime's year 1..9999.
_EARLIEST = datetime(2, 1, 1, tzinfo=UTC)
_LATEST = datetime(9998, 1, 1, tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)
# UTC offsets are probed at this step and transitions found by bisection between probes.
# Only a change that reverts within one step could be missed; across all of tzdata the
# shortest such round trip lasts about four days (Africa/Freetown, 1939).
_PROBE = timedelta(hours=12)
_FIRST_CHUNK = timedelta(days=8)
_LARGEST_CHUNK = timedelta(days=366)
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})")

Segment = tuple[datetime, datetime]


def _clock(minutes: int) -> str:
    sign = "-" if minutes < 0 else ""
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _check_interval(start: int, end: int, where: str) -> None:
    label = f"{_clock(start)}–{_clock(end)}"
    if not (0 <= start <= DAY_MINUTES and 0 <= end <= DAY_MINUTES):
        raise InvalidInput(
            f"Working hours{where} must lie within 00:00–24:00: {label}", field="week"
        )
    if start == end:
        raise InvalidInput(f"Working hours{where}: {label} is empty", field="week")
    if end < start:
        hint = " (write 24:00 for midnight at the end of the day)" if end == 0 else ""
        raise InvalidInput(
            f"Working hours{where}: {label} ends before it starts{hint}", field="week"
        )


@dataclass(frozen=True, order=True)
class Interval:
    """Local wall-clock working hours within one day, in minutes since midnight.

    ``end`` may be 1440 (24:00), so a day can be worked up to its very end.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        _check_interval(self.start, self.end, "")

    @classmethod
    def of(cls, start: str | time | int, end: str | time | int) -> Interval:
        """Build from "09:00"-style strings, :class:`~datetime.time` values or minutes.

        A ``time`` cannot express 24:00: pass ``"24:00"`` or 1440 for it.
        """
        return cls(_minutes(start), _minutes(end))

    def __str__(self) -> str:
        return f"{_clock(self.start)}–{_clock(self.end)}"


Week = tuple[tuple[Interval, ...], ...]
EMPTY_WEEK: Week = ((),) * 7


def _minutes(value: str | time | int) -> int:
    if isinstance(value, time):
        if value.second or value.microsecond:
            raise InvalidInput(f"Working hours are in whole minutes, not {value}", field="week")
        return value.hour * 60 + value.minute
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if match is None or int(match[2]) > 59:
        raise InvalidInput(f'"{value}" is not a time of day such as 09:00', field="week")
    return int(match[1]) * 60 + int(match[2])


def _zone(key: str) -> ZoneInfo:
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        # ValueError covers malformed keys such as "../etc" or "".
        raise InvalidTimeZone(f'"{key}" is not a known time zone', field="zone") from None


def _utc(t: datetime, name: str) -> datetime:
    if not isinstance(t, datetime) or t.utcoffset() is None:
        raise InvalidInput(f"Expected a timezone-aware datetime for {name}, not {t!r}", field=name)
    utc = t.astimezone(UTC)
    if not _EARLIEST <= utc <= _LATEST:
        raise InvalidInput(f"{name} is out of the supported range: {t.isoformat()}", field=name)
    return utc


def _check_day(day: Sequence[Interval], name: str) -> tuple[Interval, ...]:
    ordered = tuple(sorted(day))
    for earlier, later in pairwise(ordered):
        if later.start < earlier.end:
            raise InvalidInput(
                f"Working hours on {name} overlap: {earlier} and {later}", field="week"
            )
    return ordered


@dataclass(frozen=True)
class Schedule:
    """When a member works; see the module docstring for the exact definition."""

    zone: str
    week: Week = EMPTY_WEEK  # Monday first; each day's intervals sorted, never overlapping
    holidays: frozenset[date] = frozenset()  # local dates without working time
    absences: tuple[Segment, ...] = ()  # [start, end) in UTC; may be long or overlap

    def __post_init__(self) -> None:
        _zone(self.zone)
        if len(self.week) != 7:
            raise InvalidInput("Working hours need exactly seven days, Monday first", field="week")
        week = tuple(_check_day(day, name) for day, name in zip(self.week, DAY_NAMES, strict=True))
        object.__setattr__(self, "week", week)
        for day in self.holidays:
            if isinstance(day, datetime) or not isinstance(day, date):
                raise InvalidInput(f"A holiday is a date, not {day!r}", field="holidays")
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "absences", tuple(_check_absence(*a) for a in self.absences))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)  # zoneinfo caches instances by key

    @property
    def has_working_hours(self) -> bool:
        return any(self.week)

    @cached_property
    def _merged_absences(self) -> tuple[Segment, ...]:
        return tuple(_merge(sorted(self.absences)))

    @cached_property
    def _absence_ends(self) -> tuple[datetime, ...]:
        return tuple(end for _, end in self._merged_absences)


def _check_absence(start: datetime, end: datetime) -> Segment:
    start, end = _utc(start, "absences"), _utc(end, "absences")
    if end <= start:
        raise InvalidInput(
            f"An absence must end after it starts: {start.isoformat()} to {end.isoformat()}",
            field="absences",
        )
    return start, end


def parse_week(data: Mapping[str, Iterable[Sequence[str | time | int]]]) -> Week:
    """Build a week from ``{"mon": [["09:00", "12:00"], ["13:00", "17:00"]], ...}``.

    Keys are day names (``mon`` or ``monday``, any case); missing days have no hours.
    """
    days: list[list[Interval]] = [[] for _ in DAY_KEYS]
    for key, intervals in data.items():
        index = _day_index(key)
        for pair in intervals:
            if isinstance(pair, str) or len(pair) != 2:
                raise InvalidInput(
                    f"Working hours on {DAY_NAMES[index]} are [start, end] pairs, not {pair!r}",
                    field="week",
                )
            start, end = _minutes(pair[0]), _minutes(pair[1])
            _check_interval(start, end, f" on {DAY_NAMES[index]}")
            days[index].append(Interval(start, end))
    return tuple(_check_day(day, name) for day, name in zip(days, DAY_NAMES, strict=True))


def _day_index(key: str) -> int:
    name = key.strip().lower() if isinstance(key, str) else ""
    for index, (short, full) in enumerate(zip(DAY_KEYS, DAY_NAMES, strict=True)):
        if name in (short, full.lower()):
            return index
    raise InvalidInput(f'"{key}" is not a day of the week such as "mon"', field="week")


def week_as_data(week: Week) -> dict[str, list[list[str]]]:
    """The inverse of :func:`parse_week`, listing every day."""
    return {
        key: [[_clock(i.start), _clock(i.end)] for i in day]
        for key, day in zip(DAY_KEYS, week, strict=True)
    }


def parse_schedule(
    zone: str,
    week: Mapping[str, Iterable[Sequence[str | time | int]]],
    holidays: Iterable[str | date] = (),
    absences: Iterable[Sequence[str | datetime]] = (),
) -> Schedule:
    """Build a :class:`Schedule` from plain data as an API receives it.

    Holidays are ISO dates (``"2026-12-25"``); absences are ``[start, end]`` pairs of ISO
    datetimes with an offset (``"2026-08-03T00:00:00+02:00"``) or aware datetimes.
    """
    return Schedule(
        zone=zone,
        week=parse_week(week),
        holidays=frozenset(_parse_date(d) for d in holidays),
        absences=tuple(_parse_absence(pair) for pair in absences),
    )


def _parse_date(value: str | date) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f'"{value}" is not a date such as 2026-12-25', field="holidays")


def _parse_absence(pair: Sequence[str | datetime]) -> Segment:
    if isinstance(pair, str) or len(pair) != 2:
        raise InvalidInput(f"An absence is a [start, end] pair, not {pair!r}", field="absences")
    start, end = (_parse_instant(value) for value in pair)
    return _check_absence(start, end)


def _parse_instant(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.utcoffset() is None:
        raise InvalidInput(
            f'"{value}" is not a date and time with an offset such as 2026-08-03T09:00:00Z',
            field="absences",
        )
    return parsed


# Offsets and working segments


def _offset_at(zone: ZoneInfo, t: datetime) -> timedelta:
    return t.astimezone(zone).utcoffset() or timedelta(0)


def _first_change(zone: ZoneInfo, before: datetime, after: datetime, offset: timedelta) -> datetime:
    """The first instant in (before, after] whose offset differs from ``offset``.

    tzdata transitions fall on whole seconds, so bisecting over whole seconds is exact.
    """
    low = (before - _EPOCH) // _SECOND  # offset(low) == offset
    high = -((_EPOCH - after) // _SECOND)  # ceiling; offset(high) != offset
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_at(zone, _EPOCH + middle * _SECOND) == offset:
            low = middle
        else:
            high = middle
    return _EPOCH + high * _SECOND


def _offset_runs(zone: ZoneInfo, lo: datetime, hi: datetime) -> Iterator[tuple[Segment, timedelta]]:
    """Split [lo, hi) into maximal runs of constant UTC offset."""
    start, offset, probe = lo, _offset_at(zone, lo), lo
    while probe < hi:
        ahead = min(probe + _PROBE, hi)
        if _offset_at(zone, ahead) == offset:
            probe = ahead
            continue
        change = _first_change(zone, probe, ahead, offset)
        if start < change:
            yield (start, change), offset
        start, offset, probe = change, _offset_at(zone, change), change
    if start < hi:
        yield (start, hi), offset


def _run_segments(schedule: Schedule, run: Segment, offset: timedelta) -> Iterator[Segment]:
    """Working segments of one constant-offset run, ignoring absences.

    Within a run, local time is UTC plus ``offset``, a bijection; so the working instants
    are the local intervals of each local day, clipped to the run and shifted back.
    Skipped wall-clock times belong to no run; repeated ones belong to two.
    """
    local_lo = run[0].replace(tzinfo=None) + offset
    local_hi = run[1].replace(tzinfo=None) + offset
    day = local_lo.date()
    midnight = datetime.combine(day, time())
    while midnight < local_hi:
        if day not in schedule.holidays:
            for interval in schedule.week[day.weekday()]:
                start = max(midnight + timedelta(minutes=interval.start), local_lo)
                end = min(midnight + timedelta(minutes=interval.end), local_hi)
                if start < end:
                    yield (start - offset).replace(tzinfo=UTC), (end - offset).replace(tzinfo=UTC)
        day += timedelta(days=1)
        midnight += timedelta(days=1)


def _merge(segments: Iterable[Segment]) -> Iterator[Segment]:
    """Merge sorted segments that overlap or touch."""
    current: Segment | None = None
    for start, end in segments:
        if current is not None and start <= current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            yield current
        current = (start, end)
    if current is not None:
        yield current


def _without_absences(schedule: Schedule, segments: Iterable[Segment]) -> Iterator[Segment]:
    absences, ends = schedule._merged_absences, schedule._absence_ends
    for start, end in segments:
        index = bisect_right(ends, start)
        while index < len(absences) and absences[index][0] < end:
            away_from, away_until = absences[index]
            if start < away_from:
                yield start, away_from
            start = max(start, away_until)
            index += 1
        if start < end:
            yield start, end


def _periods(schedule: Schedule, lo: datetime, hi: datetime) -> list[Segment]:
    if not schedule.has_working_hours or hi <= lo:
        return []
    runs = _offset_runs(schedule.tz, lo, hi)
    segments = (segment for run, offset in runs for segment in _run_segments(schedule, run, offset))
    # Runs and each day's intervals are ordered, so segments arrive sorted and disjoint.
    return list(_without_absences(schedule, _merge(segments)))


def _chunks(start: datetime) -> Iterator[Segment]:
    """Consecutive windows from ``start`` up to the horizon, growing so that a long search
    does few passes and a short one does little work."""
    limit = start + min(HORIZON, _LATEST - start)
    size, lo = _FIRST_CHUNK, start
    while lo < limit:
        hi = min(lo + size, limit)
        yield lo, hi
        lo, size = hi, min(size * 2, _LARGEST_CHUNK)


# Public functions


def working_periods(a: datetime, b: datetime, schedule: Schedule) -> list[Segment]:
    """The maximal working periods within [a, b), in order, as UTC ``(start, end)`` pairs."""
    return _periods(schedule, _utc(a, "a"), _utc(b, "b"))


def working_time_between(a: datetime, b: datetime, schedule: Schedule) -> timedelta:
    """The measure of working instants in [a, b); zero when ``b <= a``."""
    total = timedelta(0)
    for start, end in working_periods(a, b, schedule):
        total += end - start
    return total


def add_working_time(start: datetime, duration: timedelta, schedule: Schedule) -> datetime:
    """The earliest ``T >= start`` with ``working_time_between(start, T) == duration``.

    A zero duration gives ``start``; a positive one always ends inside or at the end of a
    working period. Raises :class:`InvalidInput` for a negative duration, a schedule without
    working hours, or when the time is not reached within :data:`HORIZON`.
    """
    start = _utc(start, "start")
    if duration < timedelta(0):
        raise InvalidInput("A duration of working time cannot be negative", field="duration")
    if not duration:
        return start
    if not schedule.has_working_hours:
        raise InvalidInput("The schedule has no working hours", field="week")
    remaining = duration
    for lo, hi in _chunks(start):
        for period_start, period_end in _periods(schedule, lo, hi):
            if period_end - period_start >= remaining:
                return period_start + remaining
            remaining -= period_end - period_start
    raise InvalidInput(
        f"{duration} of working time is not reached within {HORIZON.days} days",
        field="duration",
    )


# Pure and asked again and again with the same arguments (one instant, many members
# sharing a schedule, when a message reaches a big channel): cached.
@lru_cache(maxsize=8192)
def is_working(t: datetime, schedule: Schedule) -> bool:
    """Whether the instant ``t`` is working time."""
    t = _utc(t, "t")
    ends = schedule._absence_ends
    index = bisect_right(ends, t)
    if index < len(ends) and schedule._merged_absences[index][0] <= t:
        return False
    local = t.astimezone(schedule.tz)
    if local.date() in schedule.holidays:
        return False
    clock = timedelta(hours=local.hour, minutes=local.minute, seconds=local.second)
    clock += timedelta(microseconds=local.microsecond)
    return any(
        timedelta(minutes=i.start) <= clock < timedelta(minutes=i.end)
        for i in schedule.week[local.weekday()]
    )


@lru_cache(maxsize=8192)
def next_working_start(t: datetime, schedule: Schedule) -> datetime | None:
    """``t`` itself if it is working, else the start of the next working period; ``None`` if
    there is none within :data:`HORIZON`."""
    t = _utc(t, "t")
    if not schedule.has_working_hours:
        return None
    for lo, hi in _chunks(t):
        periods = _periods(schedule, lo, hi)
        if periods:
            return periods[0][0]
    return None
