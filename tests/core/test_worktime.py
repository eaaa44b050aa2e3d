from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidings.core.worktime import (
    EMPTY_WEEK,
    HORIZON,
    Interval,
    Schedule,
    add_working_time,
    is_working,
    next_working_start,
    parse_schedule,
    parse_week,
    week_as_data,
    working_periods,
    working_time_between,
)
from tidings.errors import InvalidInput, InvalidTimeZone

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
WEEKDAYS_9_TO_5 = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
ZONES = (
    "Europe/Berlin",
    "Europe/Lisbon",
    "America/New_York",
    "America/Chicago",
    "Asia/Manila",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "UTC",
)
# The 2026 offset changes of the zones above, in UTC.
TRANSITIONS = {
    "Europe/Berlin": ("2026-03-29T01:00", "2026-10-25T01:00"),
    "Europe/Lisbon": ("2026-03-29T01:00", "2026-10-25T01:00"),
    "America/New_York": ("2026-03-08T07:00", "2026-11-01T06:00"),
    "America/Chicago": ("2026-03-08T08:00", "2026-11-01T07:00"),
    "Australia/Lord_Howe": ("2026-04-04T15:00", "2026-10-03T15:30"),
    "Pacific/Chatham": ("2026-04-04T14:00", "2026-09-26T14:00"),
}
YEAR_2026 = datetime(2026, 1, 1, tzinfo=UTC)
PROPERTY = settings(max_examples=200, deadline=None)


def at(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def berlin_office(**extra: object) -> Schedule:
    return parse_schedule("Europe/Berlin", WEEKDAYS_9_TO_5, **extra)


def one_day(zone: str, day: str, *intervals: tuple[str, str]) -> Schedule:
    return parse_schedule(zone, {day: [list(pair) for pair in intervals]})


def rejects(error: type[Exception], call: Callable[..., object], *args: object) -> str:
    with pytest.raises(error) as caught:
        call(*args)
    return str(caught.value)


# The oracle: the definition from the module docstring, applied to each UTC minute.


def oracle_is_working(t: datetime, schedule: Schedule) -> bool:
    if any(start <= t < end for start, end in schedule.absences):
        return False
    local = t.astimezone(ZoneInfo(schedule.zone))
    if local.date() in schedule.holidays:
        return False
    clock = local.hour * 60 + local.minute
    return any(i.start <= clock < i.end for i in schedule.week[local.weekday()])


def oracle_between(a: datetime, b: datetime, schedule: Schedule) -> int:
    minutes = int((b - a) / MINUTE)
    return sum(oracle_is_working(a + k * MINUTE, schedule) for k in range(minutes))


def oracle_add(start: datetime, minutes: int, schedule: Schedule, limit: datetime) -> datetime:
    t, left = start, minutes
    while left:
        assert t < limit, "the oracle ran past its limit"
        left -= oracle_is_working(t, schedule)
        t += MINUTE
    return t


# Strategies


BOUNDARY = st.one_of(
    st.integers(0, 1440),
    # Midnight, the ends of the day and the hours where clocks change.
    st.sampled_from((0, 0, 1440, 1440, 60, 90, 120, 150, 165, 180, 225, 240)),
)


@st.composite
def days(draw: st.DrawFn) -> tuple[Interval, ...]:
    count = draw(st.sampled_from((0, 1, 1, 1, 2, 3)))
    points = sorted(draw(st.lists(BOUNDARY, min_size=2 * count, max_size=2 * count)))
    # Sorted points paired up never overlap; equal neighbours give touching intervals.
    pairs = zip(points[::2], points[1::2], strict=True)
    return tuple(Interval(start, end) for start, end in pairs if start < end)


@st.composite
def schedules(draw: st.DrawFn, zone: str, near: datetime) -> Schedule:
    week = tuple(draw(days()) for _ in range(7))
    local_day = near.astimezone(ZoneInfo(zone)).date()
    offsets = draw(st.lists(st.integers(-1, 11), max_size=3))
    holidays = frozenset(local_day + timedelta(days=k) for k in offsets)
    absences = []
    for _ in range(draw(st.sampled_from((0, 0, 1, 1, 2, 3)))):
        start = near + draw(st.integers(-3 * 1440, 11 * 1440)) * MINUTE
        length = draw(st.one_of(st.integers(1, 600), st.integers(1, 4 * 1440)))
        absences.append((start, start + length * MINUTE))
    return Schedule(zone, week, holidays, tuple(absences))


@st.composite
def windows(draw: st.DrawFn, max_days: int = 10) -> tuple[Schedule, datetime, datetime]:
    """A schedule and a minute-aligned 2026 window of at most ``max_days``; half of the
    windows lie around an offset change of the schedule's zone, within two days of it."""
    reach = min(max_days, 2) * 1440
    if draw(st.booleans()):
        zone = draw(st.sampled_from(sorted(TRANSITIONS)))
        change = datetime.fromisoformat(draw(st.sampled_from(TRANSITIONS[zone])))
        change = change.replace(tzinfo=UTC)
        if reach:
            a = change - draw(st.integers(0, reach)) * MINUTE
            b = change + draw(st.integers(1, reach)) * MINUTE
        else:
            a = b = change + draw(st.integers(-2 * 1440, 2 * 1440)) * MINUTE
    else:
        zone = draw(st.sampled_from(ZONES))
        a = YEAR_2026 + draw(st.integers(0, 364 * 1440)) * MINUTE
        whole_days = draw(st.integers(0, max(max_days - 1, 0)))
        b = a + min(whole_days * 1440 + draw(st.integers(0, 1440)), max_days * 1440) * MINUTE
    return draw(schedules(zone, a)), a, b


# Properties against the oracle


@PROPERTY
@given(windows())
def test_working_time_between_matches_the_oracle(
    window: tuple[Schedule, datetime, datetime],
) -> None:
    schedule, a, b = window
    assert working_time_between(a, b, schedule) == oracle_between(a, b, schedule) * MINUTE


@PROPERTY
@given(windows(), st.data())
def test_add_working_time_matches_the_oracle(
    window: tuple[Schedule, datetime, datetime], data: st.DataObject
) -> None:
    schedule, a, b = window
    minutes = data.draw(st.integers(0, oracle_between(a, b, schedule)))
    assert add_working_time(a, minutes * MINUTE, schedule) == oracle_add(a, minutes, schedule, b)


@PROPERTY
@given(windows(max_days=0))
def test_is_working_and_next_working_start_match_the_oracle(
    window: tuple[Schedule, datetime, datetime],
) -> None:
    schedule, t, _ = window
    assert is_working(t, schedule) == oracle_is_working(t, schedule)
    limit = t + timedelta(days=10)
    expected = t
    while expected < limit and not oracle_is_working(expected, schedule):
        expected += MINUTE
    found = next_working_start(t, schedule)
    if expected < limit:
        assert found == expected
    else:
        assert found is None or found >= limit


@PROPERTY
@given(windows(), st.floats(0, 3))
def test_add_and_between_are_inverse(
    window: tuple[Schedule, datetime, datetime], weeks: float
) -> None:
    schedule, start, b = window
    assert add_working_time(start, working_time_between(start, b, schedule), schedule) <= b
    weekly = sum((i.end - i.start for day in schedule.week for i in day), 0) * MINUTE
    # Up to three weeks' worth of hours: always reachable past the drawn holidays and absences.
    duration = weekly * weeks
    if duration:
        end = add_working_time(start, duration, schedule)
        assert working_time_between(start, end, schedule) == duration
        assert end == start or is_working(end - timedelta(microseconds=1), schedule)


@PROPERTY
@given(windows(), st.floats(0, 1), st.timedeltas(-HOUR, HOUR))
def test_periods_are_ordered_disjoint_working_and_additive(
    window: tuple[Schedule, datetime, datetime], fraction: float, jitter: timedelta
) -> None:
    schedule, a, b = window
    a += jitter  # not minute-aligned
    middle = a + (b - a) * fraction if b > a else a
    periods = working_periods(a, b, schedule)
    assert all(a <= start < end <= b for start, end in periods)
    assert all(left[1] < right[0] for left, right in pairwise(periods))
    for start, end in periods:
        assert is_working(start, schedule)
        assert is_working(end - timedelta(microseconds=1), schedule)
        assert end == b or not is_working(end, schedule)
    whole = working_time_between(a, b, schedule)
    assert whole == sum((end - start for start, end in periods), timedelta(0))
    halves = working_time_between(a, middle, schedule) + working_time_between(middle, b, schedule)
    assert halves == whole


# Known answers


def test_four_hours_after_friday_afternoon_is_monday_late_morning() -> None:
    end = add_working_time(at("Europe/Berlin", 2026, 1, 9, 15), 4 * HOUR, berlin_office())
    assert end == at("Europe/Berlin", 2026, 1, 12, 11)
    assert end.tzinfo is UTC


def test_four_hours_across_the_berlin_spring_forward_weekend() -> None:
    schedule = berlin_office()
    end = add_working_time(at("Europe/Berlin", 2026, 3, 27, 15), 4 * HOUR, schedule)
    assert end == utc(2026, 3, 30, 9)  # 11:00 CEST, no longer UTC+1
    week = working_time_between(
        at("Europe/Berlin", 2026, 3, 23), at("Europe/Berlin", 2026, 3, 30), schedule
    )
    assert week == 40 * HOUR


def test_berlin_sunday_loses_an_hour_in_spring_and_gains_one_in_autumn() -> None:
    whole_day = one_day("Europe/Berlin", "sun", ("00:00", "24:00"))
    early = one_day("Europe/Berlin", "sun", ("01:00", "04:00"))
    spring = (at("Europe/Berlin", 2026, 3, 29), at("Europe/Berlin", 2026, 3, 30))
    autumn = (at("Europe/Berlin", 2026, 10, 25), at("Europe/Berlin", 2026, 10, 26))
    assert working_time_between(*spring, whole_day) == 23 * HOUR
    assert working_time_between(*autumn, whole_day) == 25 * HOUR
    assert working_time_between(*spring, early) == 2 * HOUR
    assert working_time_between(*autumn, early) == 4 * HOUR


def test_new_york_skipped_hour_is_not_working_time() -> None:
    late_night = one_day("America/New_York", "sun", ("02:30", "05:00"))
    sunday = (utc(2026, 3, 8), utc(2026, 3, 9))
    assert working_periods(*sunday, late_night) == [(utc(2026, 3, 8, 7), utc(2026, 3, 8, 9))]
    assert next_working_start(utc(2026, 3, 8, 6), late_night) == utc(2026, 3, 8, 7)

    only_the_gap = one_day("America/New_York", "sun", ("02:00", "03:00"))
    assert working_time_between(*sunday, only_the_gap) == timedelta(0)
    assert next_working_start(utc(2026, 3, 8), only_the_gap) == utc(2026, 3, 15, 6)


def test_new_york_repeated_hour_counts_twice() -> None:
    schedule = one_day("America/New_York", "sun", ("00:00", "01:30"))
    sunday = (utc(2026, 11, 1), utc(2026, 11, 2))
    # 00:00-01:30 EDT, then 01:00-01:30 again in EST.
    assert working_periods(*sunday, schedule) == [
        (utc(2026, 11, 1, 4), utc(2026, 11, 1, 5, 30)),
        (utc(2026, 11, 1, 6), utc(2026, 11, 1, 6, 30)),
    ]
    assert working_time_between(*sunday, schedule) == 2 * HOUR
    assert not is_working(utc(2026, 11, 1, 5, 45), schedule)  # 01:45 EDT
    assert is_working(utc(2026, 11, 1, 6, 15), schedule)  # 01:15 EST
    end = add_working_time(utc(2026, 11, 1, 4), timedelta(minutes=105), schedule)
    assert end == utc(2026, 11, 1, 6, 15)


def test_lord_howe_half_hour_shifts() -> None:
    schedule = one_day("Australia/Lord_Howe", "sun", ("01:00", "03:00"))
    whole_day = one_day("Australia/Lord_Howe", "sun", ("00:00", "24:00"))
    april = (at("Australia/Lord_Howe", 2026, 4, 5), at("Australia/Lord_Howe", 2026, 4, 6))
    october = (at("Australia/Lord_Howe", 2026, 10, 4), at("Australia/Lord_Howe", 2026, 10, 5))
    # 02:00 +11:00 becomes 01:30 +10:30: half an hour repeats, in one continuous period.
    assert working_periods(*april, schedule) == [(utc(2026, 4, 4, 14), utc(2026, 4, 4, 16, 30))]
    assert working_time_between(*april, whole_day) == timedelta(hours=24, minutes=30)
    assert working_time_between(*october, schedule) == timedelta(hours=1, minutes=30)
    assert working_time_between(*october, whole_day) == timedelta(hours=23, minutes=30)


def test_santiago_changes_clocks_at_midnight() -> None:
    schedule = parse_schedule(
        "America/Santiago", {"sat": [["23:00", "24:00"]], "sun": [["00:00", "02:00"]]}
    )
    # April: Saturday 24:00 -03 becomes 23:00 -04, so Saturday's last hour happens twice.
    april = working_periods(utc(2026, 4, 4), utc(2026, 4, 6), schedule)
    assert april == [(utc(2026, 4, 5, 2), utc(2026, 4, 5, 6))]
    # September: Sunday starts at 01:00 -03; its first hour never happens.
    september = working_periods(utc(2026, 9, 5), utc(2026, 9, 7), schedule)
    assert september == [(utc(2026, 9, 6, 3), utc(2026, 9, 6, 5))]


def test_fractional_offsets_place_working_hours_in_utc() -> None:
    monday = {"mon": [["09:00", "17:00"]]}
    kathmandu = parse_schedule("Asia/Kathmandu", monday)
    kolkata = parse_schedule("Asia/Kolkata", monday)
    chatham = parse_schedule("Pacific/Chatham", monday)
    assert next_working_start(utc(2026, 1, 4), kathmandu) == utc(2026, 1, 5, 3, 15)
    assert next_working_start(utc(2026, 1, 4), kolkata) == utc(2026, 1, 5, 3, 30)
    assert next_working_start(utc(2026, 1, 3), chatham) == utc(2026, 1, 4, 19, 15)  # +13:45
    assert next_working_start(utc(2026, 6, 6), chatham) == utc(2026, 6, 7, 20, 15)  # +12:45


def test_holiday_has_no_working_time() -> None:
    schedule = berlin_office(holidays=["2026-12-25"])  # a Friday
    days_off = (at("Europe/Berlin", 2026, 12, 24), at("Europe/Berlin", 2026, 12, 28))
    assert working_time_between(*days_off, schedule) == 8 * HOUR
    end = add_working_time(at("Europe/Berlin", 2026, 12, 24, 15), 4 * HOUR, schedule)
    assert end == at("Europe/Berlin", 2026, 12, 28, 11)


def test_week_long_absence_pauses_working_time() -> None:
    away = [["2026-06-01T00:00:00+02:00", "2026-06-08T00:00:00+02:00"]]
    schedule = berlin_office(absences=away)
    end = add_working_time(at("Europe/Berlin", 2026, 5, 29, 16, 30), HOUR, schedule)
    assert end == at("Europe/Berlin", 2026, 6, 8, 9, 30)
    fortnight = (at("Europe/Berlin", 2026, 6, 1), at("Europe/Berlin", 2026, 6, 15))
    assert working_time_between(*fortnight, schedule) == 40 * HOUR
    assert not is_working(at("Europe/Berlin", 2026, 6, 3, 10), schedule)


def test_overlapping_absences_act_as_their_union() -> None:
    schedule = berlin_office(
        absences=[
            ["2026-06-01T10:00:00+02:00", "2026-06-01T14:00:00+02:00"],
            ["2026-06-01T12:00:00+02:00", "2026-06-01T15:00:00+02:00"],
        ]
    )
    monday = (at("Europe/Berlin", 2026, 6, 1), at("Europe/Berlin", 2026, 6, 2))
    assert working_periods(*monday, schedule) == [
        (at("Europe/Berlin", 2026, 6, 1, 9), at("Europe/Berlin", 2026, 6, 1, 10)),
        (at("Europe/Berlin", 2026, 6, 1, 15), at("Europe/Berlin", 2026, 6, 1, 17)),
    ]


def test_day_with_a_lunch_break() -> None:
    schedule = parse_schedule("Europe/Berlin", {"mon": [["13:00", "17:00"], ["09:00", "12:00"]]})
    assert schedule.week[0] == (Interval(540, 720), Interval(780, 1020))
    end = add_working_time(at("Europe/Berlin", 2026, 6, 1, 10), 4 * HOUR, schedule)
    assert end == at("Europe/Berlin", 2026, 6, 1, 15)
    assert not is_working(at("Europe/Berlin", 2026, 6, 1, 12, 30), schedule)
    lunch = at("Europe/Berlin", 2026, 6, 1, 12, 30)
    assert next_working_start(lunch, schedule) == at("Europe/Berlin", 2026, 6, 1, 13)


def test_hours_through_midnight_and_the_week_boundary_are_continuous() -> None:
    schedule = parse_schedule(
        "UTC",
        {
            "mon": [["00:00", "02:00"], ["20:00", "24:00"]],
            "tue": [["00:00", "04:00"]],
            "sun": [["22:00", "24:00"]],
        },
    )
    assert working_periods(utc(2026, 6, 1, 18), utc(2026, 6, 2, 6), schedule) == [
        (utc(2026, 6, 1, 20), utc(2026, 6, 2, 4))
    ]
    assert add_working_time(utc(2026, 6, 1, 20), 6 * HOUR, schedule) == utc(2026, 6, 2, 2)
    assert working_periods(utc(2026, 5, 31), utc(2026, 6, 1, 12), schedule) == [
        (utc(2026, 5, 31, 22), utc(2026, 6, 1, 2))
    ]


def test_touching_intervals_form_one_period() -> None:
    schedule = parse_schedule("UTC", {"wed": [["09:00", "12:00"], ["12:00", "17:00"]]})
    assert working_periods(utc(2026, 6, 3), utc(2026, 6, 4), schedule) == [
        (utc(2026, 6, 3, 9), utc(2026, 6, 3, 17))
    ]


def test_zero_duration_and_reversed_ranges() -> None:
    schedule = berlin_office()
    saturday = at("Europe/Berlin", 2026, 6, 6, 12)
    assert add_working_time(saturday, timedelta(0), schedule) == saturday
    assert add_working_time(saturday, timedelta(0), schedule).tzinfo is UTC
    later = at("Europe/Berlin", 2026, 6, 10)
    assert working_time_between(later, saturday, schedule) == timedelta(0)
    assert working_periods(later, saturday, schedule) == []


def test_long_spans_are_computed_per_day() -> None:
    schedule = berlin_office()
    start = at("Europe/Berlin", 2026, 1, 1, 9)
    end = add_working_time(start, 8 * 261 * HOUR, schedule)  # 2026 has 261 weekdays
    assert end == at("Europe/Berlin", 2026, 12, 31, 17)
    assert working_time_between(start, end, schedule) == 8 * 261 * HOUR


def test_search_gives_up_beyond_the_horizon() -> None:
    forever = [[utc(2026, 1, 1), utc(2026, 1, 1) + HORIZON + timedelta(days=1)]]
    schedule = berlin_office(absences=forever)
    message = rejects(InvalidInput, add_working_time, utc(2026, 1, 1), HOUR, schedule)
    assert "not reached" in message
    assert next_working_start(utc(2026, 1, 1), schedule) is None


def test_schedule_without_hours() -> None:
    schedule = Schedule("Europe/Lisbon", EMPTY_WEEK)
    assert "no working hours" in rejects(
        InvalidInput, add_working_time, utc(2026, 1, 1), HOUR, schedule
    )
    assert next_working_start(utc(2026, 1, 1), schedule) is None
    assert working_time_between(utc(2026, 1, 1), utc(2026, 2, 1), schedule) == timedelta(0)


# Validation


def test_overlapping_hours_are_rejected_with_the_day_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_week({"mon": [["09:00", "12:00"], ["11:00", "13:00"]]})
    assert caught.value.detail == "Working hours on Monday overlap: 09:00–12:00 and 11:00–13:00"
    assert caught.value.extra == {"field": "week"}
    week = [(), (), (Interval(600, 700), Interval(540, 660)), (), (), (), ()]
    message = rejects(InvalidInput, Schedule, "UTC", tuple(week))
    assert message == "Working hours on Wednesday overlap: 09:00–11:00 and 10:00–11:40"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("17:00", "09:00", "Working hours on Tuesday: 17:00–09:00 ends before it starts"),
        ("22:00", "00:00", "ends before it starts (write 24:00 for midnight"),
        ("09:00", "09:00", "Working hours on Tuesday: 09:00–09:00 is empty"),
        ("09:00", "25:00", "must lie within 00:00–24:00: 09:00–25:00"),
        ("9:75", "10:00", '"9:75" is not a time of day'),
        ("nine", "10:00", '"nine" is not a time of day'),
    ],
)
def test_invalid_hours_are_rejected(start: str, end: str, expected: str) -> None:
    assert expected in rejects(InvalidInput, parse_week, {"tue": [[start, end]]})


def test_interval_accepts_times_strings_and_minutes() -> None:
    assert Interval.of(time(9), "24:00") == Interval(540, 1440)
    assert str(Interval.of("9:30", 1020)) == "09:30–17:00"
    assert "ends before it starts" in rejects(InvalidInput, Interval.of, time(17), time(9))
    assert "whole minutes" in rejects(InvalidInput, Interval.of, time(9, 0, 30), time(10))
    assert "must lie within" in rejects(InvalidInput, Interval, -5, 60)


def test_week_data_round_trips() -> None:
    data = {"mon": [["09:00", "12:00"], ["13:00", "24:00"]], "Friday": [["00:00", "08:30"]]}
    week = parse_week(data)
    assert week_as_data(week)["mon"] == [["09:00", "12:00"], ["13:00", "24:00"]]
    assert week_as_data(week)["fri"] == [["00:00", "08:30"]]
    assert week_as_data(week)["sun"] == []
    assert parse_week(week_as_data(week)) == week
    assert '"someday" is not a day' in rejects(InvalidInput, parse_week, {"someday": []})
    assert "pairs" in rejects(InvalidInput, parse_week, {"mon": ["09:00-17:00"]})


def test_unknown_time_zone_is_rejected() -> None:
    for zone in ("Mars/Olympus_Mons", "", "../etc/passwd"):
        with pytest.raises(InvalidTimeZone) as caught:
            parse_schedule(zone, WEEKDAYS_9_TO_5)
        assert caught.value.extra == {"field": "zone"}
    assert "not a known time zone" in rejects(InvalidTimeZone, Schedule, "Europe/Atlantis")


def test_naive_datetimes_are_rejected() -> None:
    schedule, naive = berlin_office(), datetime(2026, 6, 1, 9)
    aware = utc(2026, 6, 1, 9)
    assert "timezone-aware" in rejects(InvalidInput, working_time_between, naive, aware, schedule)
    assert "timezone-aware" in rejects(InvalidInput, working_time_between, aware, naive, schedule)
    assert "timezone-aware" in rejects(InvalidInput, add_working_time, naive, HOUR, schedule)
    assert "timezone-aware" in rejects(InvalidInput, is_working, naive, schedule)
    assert "timezone-aware" in rejects(InvalidInput, next_working_start, naive, schedule)
    assert "timezone-aware" in rejects(
        InvalidInput, Schedule, "UTC", EMPTY_WEEK, frozenset(), ((naive, aware),)
    )


def test_invalid_schedule_data_is_rejected() -> None:
    def bad(**extra: object) -> str:
        return rejects(InvalidInput, lambda: berlin_office(**extra))

    assert "with an offset" in bad(absences=[["2026-06-01T09:00", "2026-06-02T09:00+02:00"]])
    assert "end after it starts" in bad(absences=[["2026-06-02T00:00Z", "2026-06-01T00:00Z"]])
    assert "[start, end] pair" in bad(absences=["2026-06-02T00:00Z"])
    assert "not a date" in bad(holidays=["Christmas"])
    assert "is a date" in rejects(
        InvalidInput, Schedule, "UTC", EMPTY_WEEK, frozenset([utc(2026, 1, 1)])
    )
    assert "seven days" in rejects(InvalidInput, Schedule, "UTC", ((),) * 5)
    assert "negative" in rejects(
        InvalidInput, add_working_time, utc(2026, 1, 1), -HOUR, berlin_office()
    )


def test_schedule_normalizes_its_parts() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    schedule = Schedule(
        "Europe/Berlin",
        tuple([Interval(780, 1020), Interval(540, 720)] for _ in range(7)),
        {date(2026, 12, 25)},
        ((datetime(2026, 6, 1, tzinfo=berlin), datetime(2026, 6, 2, tzinfo=berlin)),),
    )
    assert schedule.week[0] == (Interval(540, 720), Interval(780, 1020))
    assert schedule.holidays == frozenset({date(2026, 12, 25)})
    assert schedule.absences == ((utc(2026, 5, 31, 22), utc(2026, 6, 1, 22)),)
    same = Schedule(schedule.zone, schedule.week, schedule.holidays, schedule.absences)
    assert {schedule: 1}[same] == 1  # usable as a cache key
