from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidings.core.availability import (
    AVAILABLE,
    AWAY,
    FOCUS,
    OUT_OF_OFFICE,
    STATUSES,
    Status,
)
from tidings.core.notify import (
    CODES,
    DIGEST,
    HOLD,
    KINDS,
    NONE,
    NOW,
    PRIORITIES,
    SUBSCRIPTIONS,
    Event,
    Recipient,
    decide,
    first_reachable,
)
from tidings.core.worktime import (
    DAY_KEYS,
    Schedule,
    is_working,
    parse_schedule,
    parse_week,
    working_periods,
)
from tidings.errors import InvalidInput

ANA, AUTHOR = 1, 2
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
NINE_TO_FIVE = {day: [["09:00", "17:00"]] for day in WEEKDAYS}
WITH_LUNCH = {day: [["09:00", "12:00"], ["13:00", "18:00"]] for day in WEEKDAYS}
BERLIN, LISBON, NEW_YORK, MANILA = (
    "Europe/Berlin",
    "Europe/Lisbon",
    "America/New_York",
    "Asia/Manila",
)


def at(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def person(
    zone: str,
    name: str = "Ana",
    *,
    week: Mapping[str, list[list[str]]] = NINE_TO_FIVE,
    holidays: tuple[str, ...] = (),
    absences: tuple[tuple[datetime, datetime], ...] = (),
    status: Status | None = None,
) -> Recipient:
    schedule = parse_schedule(zone, week, holidays, absences)
    return Recipient(ANA, name, schedule, status or Status())


def out_of_office(zone: str, since: datetime, until: datetime) -> Recipient:
    """Out of office as members store it: the status, also an absence in the schedule."""
    schedule = parse_schedule(zone, NINE_TO_FIVE, absences=((since, until),))
    return Recipient(ANA, "Ana", schedule, Status(OUT_OF_OFFICE, since, until))


def focus(zone: str, until: datetime, holidays: tuple[str, ...] = ()) -> Recipient:
    return person(zone, "Jonas", holidays=holidays, status=Status(FOCUS, until - HOUR, until))


def message(priority: str = "normal", **fields: Any) -> Event:
    return Event(AUTHOR, priority, **fields)


MENTION = message(mentions_recipient=True)
FOLLOWED = message(subscription="following")
URGENT_HERE = message(priority="urgent", mentions_recipient=True, urgent_allowed=True)

# Tue 2026-03-10: Berlin is UTC+1, Lisbon UTC+0, New York UTC-4 (since Sun 2026-03-08),
# Manila UTC+8.
TUE = (2026, 3, 10)
LISBON_WORKING = at(LISBON, *TUE, 10)
LISBON_EVENING = at(LISBON, *TUE, 20)
BERLIN_AFTERNOON = at(BERLIN, *TUE, 14)
ANA_LISBON = person(LISBON)
JONAS_FOCUS = focus(BERLIN, at(BERLIN, *TUE, 15, 30))
MAYA = person(NEW_YORK, "Maya")
BEA = person(MANILA, "Bea", week=WITH_LUNCH, holidays=("2026-04-09",))
JONAS_XMAS = ("2026-12-24", "2026-12-25")

# fmt: off
CASES = [
    # 1. own message
    pytest.param(
        ANA_LISBON, Event(ANA, "urgent", is_dm=True, urgent_allowed=True), LISBON_WORKING, NONE,
        None, "own_message", id="own-urgent-dm",
    ),
    # 2. relevance and mutes
    pytest.param(
        ANA_LISBON, message(priority="high"), LISBON_WORKING, NONE, None, "not_relevant",
        id="unfollowed-topic",
    ),
    pytest.param(
        ANA_LISBON, message(priority="high", subscription="muted"), LISBON_WORKING, NONE, None,
        "muted", id="muted-topic",
    ),
    pytest.param(
        ANA_LISBON, message(subscription="following", channel_muted=True), LISBON_WORKING, NONE,
        None, "muted", id="followed-topic-in-muted-channel",
    ),
    pytest.param(
        ANA_LISBON, message(mentions_recipient=True, channel_muted=True), LISBON_WORKING, NOW,
        None, "working", id="mention-in-muted-channel",
    ),
    pytest.param(
        ANA_LISBON, message(asks_recipient=True, subscription="muted"), LISBON_EVENING, HOLD,
        at(LISBON, 2026, 3, 11, 9), "outside_hours", id="ask-in-muted-topic-waits-for-hours",
    ),
    pytest.param(
        ANA_LISBON, message(kind="escalation", channel_muted=True), LISBON_WORKING, NOW, None,
        "working", id="escalation-in-muted-channel",
    ),
    pytest.param(
        ANA_LISBON, message(is_dm=True), LISBON_WORKING, NOW, None, "working", id="group-dm",
    ),
    pytest.param(
        JONAS_FOCUS, message(kind="reminder"), BERLIN_AFTERNOON, HOLD,
        at(BERLIN, *TUE, 15, 30), "focus", id="reminder-waits-for-focus-end",
    ),
    # 3. followed topics
    pytest.param(
        ANA_LISBON, FOLLOWED, LISBON_WORKING, DIGEST, None, "followed_topic",
        id="followed-normal-working",
    ),
    pytest.param(
        ANA_LISBON, FOLLOWED, LISBON_EVENING, DIGEST, None, "followed_topic",
        id="followed-normal-evening",
    ),
    pytest.param(
        ANA_LISBON, message(priority="high", subscription="following"), LISBON_WORKING, NOW,
        None, "working", id="followed-high-working",
    ),
    pytest.param(
        ANA_LISBON, message(priority="high", subscription="following"), LISBON_EVENING, HOLD,
        at(LISBON, 2026, 3, 11, 9), "outside_hours", id="followed-high-evening",
    ),
    # 4. urgent
    pytest.param(
        JONAS_FOCUS, URGENT_HERE, BERLIN_AFTERNOON, NOW, None, "urgent",
        id="urgent-allowed-during-focus",
    ),
    pytest.param(
        MAYA, URGENT_HERE, at(NEW_YORK, *TUE, 23), NOW, None, "urgent",
        id="urgent-allowed-at-night",
    ),
    pytest.param(
        BEA, message(priority="urgent", is_dm=True), at(MANILA, 2026, 4, 9, 10), NOW, None,
        "urgent", id="urgent-dm-on-holiday",
    ),
    pytest.param(
        out_of_office(LISBON, at(LISBON, 2026, 8, 3), at(LISBON, 2026, 8, 17)), URGENT_HERE,
        at(LISBON, 2026, 8, 5, 10), NOW, None, "urgent", id="urgent-allowed-out-of-office",
    ),
    pytest.param(
        ANA_LISBON, URGENT_HERE, LISBON_WORKING, NOW, None, "urgent", id="urgent-while-working",
    ),
    pytest.param(
        JONAS_FOCUS, message(priority="urgent", mentions_recipient=True), BERLIN_AFTERNOON,
        HOLD, at(BERLIN, *TUE, 15, 30), "focus", id="urgent-not-allowed-waits-for-focus",
    ),
    pytest.param(
        ANA_LISBON, message(priority="urgent", subscription="following"), LISBON_EVENING, HOLD,
        at(LISBON, 2026, 3, 11, 9), "outside_hours", id="urgent-not-allowed-followed-is-high",
    ),
    # 5. working hours across zones and the New York spring-forward week
    pytest.param(
        ANA_LISBON, MENTION, LISBON_WORKING, NOW, None, "working", id="lisbon-working",
    ),
    pytest.param(
        ANA_LISBON, MENTION, at(LISBON, *TUE, 7), HOLD, at(LISBON, *TUE, 9), "outside_hours",
        id="lisbon-early",
    ),
    pytest.param(
        ANA_LISBON, MENTION, at(LISBON, *TUE, 17), HOLD, at(LISBON, 2026, 3, 11, 9),
        "outside_hours", id="lisbon-end-of-day-is-off",
    ),
    pytest.param(
        ANA_LISBON, MENTION, at(LISBON, 2026, 3, 13, 18), HOLD, at(LISBON, 2026, 3, 16, 9),
        "outside_hours", id="lisbon-friday-evening",
    ),
    pytest.param(
        MAYA, MENTION, at(NEW_YORK, 2026, 3, 6, 18), HOLD, utc(2026, 3, 9, 13),
        "outside_hours", id="new-york-friday-est-to-monday-edt",
    ),
    pytest.param(
        MAYA, MENTION, at(NEW_YORK, 2026, 3, 8, 1, 30), HOLD, utc(2026, 3, 9, 13),
        "outside_hours", id="new-york-before-the-skipped-hour",
    ),
    pytest.param(
        MAYA, MENTION, at(NEW_YORK, 2026, 3, 9, 8, 59), HOLD, utc(2026, 3, 9, 13),
        "outside_hours", id="new-york-monday-before-nine",
    ),
    pytest.param(
        MAYA, MENTION, utc(2026, 3, 9, 13), NOW, None, "working",
        id="new-york-nine-edt-is-working",
    ),
    pytest.param(
        BEA, MENTION, at(MANILA, *TUE, 19), HOLD, utc(2026, 3, 11, 1), "outside_hours",
        id="manila-evening",
    ),
    pytest.param(
        BEA, MENTION, at(MANILA, *TUE, 12, 15), HOLD, at(MANILA, *TUE, 13), "outside_hours",
        id="manila-lunch-break",
    ),
    # focus and away
    pytest.param(
        JONAS_FOCUS, MENTION, at(BERLIN, *TUE, 16), NOW, None, "working", id="focus-over",
    ),
    pytest.param(
        focus(BERLIN, at(BERLIN, *TUE, 19)), MENTION, at(BERLIN, *TUE, 16), HOLD,
        at(BERLIN, 2026, 3, 11, 9), "focus", id="focus-ending-after-hours",
    ),
    pytest.param(
        focus(BERLIN, at(BERLIN, *TUE, 10)), MENTION, at(BERLIN, *TUE, 8), HOLD,
        at(BERLIN, *TUE, 10), "focus", id="focus-from-before-hours",
    ),
    pytest.param(
        person(BERLIN, "Jonas", status=Status(AWAY, None, at(BERLIN, *TUE, 11))), MENTION,
        at(BERLIN, *TUE, 10), HOLD, at(BERLIN, *TUE, 11), "away", id="away-until",
    ),
    pytest.param(
        person(BERLIN, "Jonas", status=Status(AWAY)), MENTION, at(BERLIN, *TUE, 10), HOLD,
        at(BERLIN, 2026, 3, 11, 9), "away", id="away-open-skips-the-rest-of-the-day",
    ),
    pytest.param(
        person(BERLIN, "Jonas", status=Status(AWAY)), MENTION, at(BERLIN, *TUE, 7), HOLD,
        at(BERLIN, *TUE, 9), "away", id="away-open-before-hours",
    ),
    pytest.param(
        person(MANILA, "Bea", week=WITH_LUNCH, status=Status(AWAY)), MENTION,
        at(MANILA, *TUE, 10), HOLD, at(MANILA, *TUE, 13), "away",
        id="away-open-skips-to-after-lunch",
    ),
    # out of office and holidays
    pytest.param(
        out_of_office(LISBON, at(LISBON, 2026, 8, 3), at(LISBON, 2026, 8, 17)), MENTION,
        at(LISBON, 2026, 8, 5, 10), HOLD, at(LISBON, 2026, 8, 17, 9), "out_of_office",
        id="out-of-office-until-a-date",
    ),
    pytest.param(
        person(LISBON, absences=((at(LISBON, 2026, 8, 3), at(LISBON, 2026, 8, 8)),)), MENTION,
        at(LISBON, 2026, 8, 4, 11), HOLD, at(LISBON, 2026, 8, 10, 9), "out_of_office",
        id="absence-in-the-schedule",
    ),
    pytest.param(
        person(BERLIN, "Jonas", holidays=JONAS_XMAS), MENTION, at(BERLIN, 2026, 12, 24, 10),
        HOLD, at(BERLIN, 2026, 12, 28, 9), "holiday", id="berlin-holidays-and-weekend",
    ),
    pytest.param(
        BEA, MENTION, utc(2026, 4, 8, 17), HOLD, at(MANILA, 2026, 4, 10, 9), "holiday",
        id="holiday-in-the-recipients-zone-only",
    ),
    pytest.param(
        focus(BERLIN, at(BERLIN, 2026, 12, 28, 19), holidays=JONAS_XMAS), MENTION,
        at(BERLIN, 2026, 12, 24, 10), HOLD, at(BERLIN, 2026, 12, 29, 9), "holiday",
        id="holiday-then-focus-then-evening",
    ),
    # no working time at all
    pytest.param(
        person(LISBON, week={}), MENTION, LISBON_WORKING, DIGEST, None, "no_working_hours",
        id="no-working-hours",
    ),
    pytest.param(
        person(LISBON, week={}, status=Status(AWAY)), MENTION, LISBON_WORKING, DIGEST, None,
        "no_working_hours", id="away-open-without-working-hours",
    ),
]
# fmt: on


@pytest.mark.parametrize(("recipient", "event", "now", "action", "until", "code"), CASES)
def test_decision_table(
    recipient: Recipient,
    event: Event,
    now: datetime,
    action: str,
    until: datetime | None,
    code: str,
) -> None:
    decision = decide(recipient, event, now)
    assert (decision.action, decision.until, decision.code) == (action, until, code)
    assert decision.reason.startswith({"hold": "held: "}.get(action, f"{action}: "))
    if action == HOLD:
        assert decision.until is not None and decision.until.tzinfo is UTC
        assert first_reachable(recipient, now) == until
    if code == "working":
        assert first_reachable(recipient, now) == now


def test_the_table_covers_every_code() -> None:
    assert {case.values[5] for case in CASES} == set(CODES)


@pytest.mark.parametrize(
    ("recipient", "event", "now", "reason"),
    [
        (ANA_LISBON, MENTION, LISBON_WORKING, "now: Ana is working"),
        (
            ANA_LISBON,
            MENTION,
            at(LISBON, *TUE, 7),
            "held: outside Ana's working hours until 09:00 Europe/Lisbon",
        ),
        (
            ANA_LISBON,
            MENTION,
            at(LISBON, 2026, 3, 13, 18),
            "held: outside Ana's working hours until Mon 09:00 Europe/Lisbon",
        ),
        (
            MAYA,
            MENTION,
            at(NEW_YORK, 2026, 3, 6, 18),
            "held: outside Maya's working hours until Mon 09:00 America/New_York",
        ),
        (
            JONAS_FOCUS,
            MENTION,
            BERLIN_AFTERNOON,
            "held: Jonas is in focus until 15:30 Europe/Berlin",
        ),
        (
            focus(BERLIN, at(BERLIN, *TUE, 19)),
            MENTION,
            at(BERLIN, *TUE, 16),
            "held: Jonas is in focus until 19:00, then outside working hours until Wed 09:00 "
            "Europe/Berlin",
        ),
        (
            person(BERLIN, "Jonas", status=Status(AWAY)),
            MENTION,
            at(BERLIN, *TUE, 10),
            "held: Jonas is away (no end set) until the next working period, Wed 09:00 "
            "Europe/Berlin",
        ),
        (
            out_of_office(LISBON, at(LISBON, 2026, 8, 3), at(LISBON, 2026, 8, 17)),
            MENTION,
            at(LISBON, 2026, 8, 5, 10),
            "held: Ana is out of office until Mon 2026-08-17 09:00 Europe/Lisbon",
        ),
        (BEA, MENTION, utc(2026, 4, 8, 17), "held: Bea is on holiday until Fri 09:00 Asia/Manila"),
        (
            focus(BERLIN, at(BERLIN, 2026, 12, 28, 19), holidays=JONAS_XMAS),
            MENTION,
            at(BERLIN, 2026, 12, 24, 10),
            "held: Jonas is on holiday until Mon 09:00, then in focus until Mon 19:00, "
            "then outside working hours until Tue 09:00 Europe/Berlin",
        ),
        (JONAS_FOCUS, URGENT_HERE, BERLIN_AFTERNOON, "now: urgent, bypassing Jonas's focus"),
        (MAYA, URGENT_HERE, at(NEW_YORK, *TUE, 23), "now: urgent, bypassing Maya's working hours"),
        (ANA_LISBON, message(channel_muted=True), LISBON_WORKING, "none: Ana muted this channel"),
        (ANA_LISBON, FOLLOWED, LISBON_EVENING, "digest: a topic Ana follows"),
        (
            person(LISBON, week={}),
            MENTION,
            LISBON_WORKING,
            "digest: Ana has no working hours ahead",
        ),
    ],
)
def test_reason_text(recipient: Recipient, event: Event, now: datetime, reason: str) -> None:
    assert decide(recipient, event, now).reason == reason


def test_first_reachable_is_now_when_reachable_and_none_without_hours() -> None:
    assert first_reachable(ANA_LISBON, LISBON_WORKING) == LISBON_WORKING
    assert first_reachable(ANA_LISBON, LISBON_EVENING) == at(LISBON, 2026, 3, 11, 9)
    assert first_reachable(person(LISBON, week={}), LISBON_WORKING) is None


@pytest.mark.parametrize(
    "fields",
    [{"priority": "low"}, {"subscription": "watching"}, {"kind": "digest"}],
)
def test_unknown_event_values_are_rejected(fields: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        message(**fields)


def test_unknown_status_and_naive_now_are_rejected() -> None:
    with pytest.raises(InvalidInput):
        person(LISBON, status=Status("busy"))
    with pytest.raises(InvalidInput):
        decide(ANA_LISBON, MENTION, datetime(2026, 3, 10, 10))


# Properties over random schedules, statuses and instants. Every boundary (working hours,
# absences, status ends, whole-hour offset changes) falls on a UTC quarter hour, so
# stepping quarter hours sees every change of reachability.

PROPERTY = settings(max_examples=200, deadline=None)
QUARTER = timedelta(minutes=15)
SPAN = timedelta(days=3)
YEAR_2026 = utc(2026, 1, 1)
TRANSITIONS = {
    BERLIN: ("2026-03-29T01:00", "2026-10-25T01:00"),
    LISBON: ("2026-03-29T01:00", "2026-10-25T01:00"),
    NEW_YORK: ("2026-03-08T07:00", "2026-11-01T06:00"),
}
FLAGS = st.sampled_from((False, False, False, True))


def clock(quarters: int) -> str:
    return f"{quarters // 4:02d}:{quarters % 4 * 15:02d}"


def quarter_after(t: datetime) -> datetime:
    return YEAR_2026 + ((t - YEAR_2026) // QUARTER + 1) * QUARTER


@st.composite
def weeks(draw: st.DrawFn) -> dict[str, list[list[str]]]:
    week = {}
    for day in DAY_KEYS:
        count = draw(st.sampled_from((0, 1, 1, 1, 2)))
        points = sorted(draw(st.lists(st.integers(0, 96), min_size=2 * count, max_size=2 * count)))
        pairs = zip(points[::2], points[1::2], strict=True)
        week[day] = [[clock(start), clock(end)] for start, end in pairs if start < end]
    return week


@st.composite
def situations(draw: st.DrawFn) -> tuple[Recipient, datetime]:
    """A recipient and a minute-aligned 2026 instant; half of them within two days of an
    offset change of the recipient's zone, half of them in working time."""
    zone = draw(st.sampled_from((BERLIN, LISBON, NEW_YORK, MANILA)))
    if zone in TRANSITIONS and draw(st.booleans()):
        change = datetime.fromisoformat(draw(st.sampled_from(TRANSITIONS[zone])))
        now = change.replace(tzinfo=UTC) + draw(st.integers(-2 * 1440, 2 * 1440)) * MINUTE
    else:
        now = YEAR_2026 + draw(st.integers(0, 360 * 1440)) * MINUTE
    grid = quarter_after(now) - QUARTER

    def near(lo: int, hi: int) -> datetime:
        return grid + draw(st.integers(lo, hi)) * QUARTER

    today = now.astimezone(ZoneInfo(zone)).date()
    holidays = {today + timedelta(days=k) for k in draw(st.lists(st.integers(-1, 4), max_size=2))}
    absences = []
    for _ in range(draw(st.sampled_from((0, 0, 1, 2)))):
        start = near(-96, 4 * 96)
        absences.append((start, start + draw(st.integers(1, 3 * 96)) * QUARTER))
    status = draw(statuses(grid))
    if status.state == OUT_OF_OFFICE and status.since and status.until and draw(st.booleans()):
        absences.append((status.since, status.until))
    schedule = Schedule(zone, parse_week(draw(weeks())), frozenset(holidays), tuple(absences))
    periods = working_periods(now, now + 2 * DAY, schedule)
    if periods and draw(st.booleans()):
        # Half the time, move into working time, where focus and away matter most.
        start, end = draw(st.sampled_from(periods))
        now = start + draw(st.integers(0, (end - start) // MINUTE - 1)) * MINUTE
    return Recipient(ANA, "Ana", schedule, status), now


@st.composite
def statuses(draw: st.DrawFn, grid: datetime) -> Status:
    state = draw(st.sampled_from((*STATUSES, AWAY)))
    if state == AVAILABLE:
        return Status()
    since = grid - 12 * QUARTER
    if state == AWAY and draw(st.booleans()):
        return Status(AWAY, since)
    # Ends from two hours ago (a status that already ended) to three days ahead.
    return Status(state, since, grid + draw(st.integers(-8, 3 * 96)) * QUARTER)


EVENTS = st.builds(
    Event,
    author_id=st.sampled_from((AUTHOR, AUTHOR, AUTHOR, ANA)),
    priority=st.sampled_from(PRIORITIES),
    is_dm=FLAGS,
    mentions_recipient=FLAGS,
    asks_recipient=FLAGS,
    subscription=st.sampled_from(SUBSCRIPTIONS),
    channel_muted=FLAGS,
    urgent_allowed=st.booleans(),
    kind=st.sampled_from(KINDS),
)


def open_ended(recipient: Recipient, now: datetime) -> bool:
    return recipient.status.at(now) != AVAILABLE and recipient.status.until is None


def reachable_now(recipient: Recipient, now: datetime) -> bool:
    return is_working(now, recipient.schedule) and recipient.status.at(now) == AVAILABLE


def quarter_marks(recipient: Recipient, now: datetime, end: datetime) -> Iterator[bool]:
    """For each quarter-hour mark in (now, end), whether the recipient is reachable there by
    the documented rules; an away without an end lasts until a working period begins."""
    schedule, status = recipient.schedule, recipient.status
    endless = open_ended(recipient, now)
    left_the_period = not is_working(now, schedule)
    t = quarter_after(now)
    while t < end:
        working = is_working(t, schedule)
        left_the_period = left_the_period or not working
        yield working and (left_the_period if endless else status.at(t) == AVAILABLE)
        t += QUARTER


@PROPERTY
@given(situations(), EVENTS)
def test_only_allowed_urgent_messages_bypass_hours_and_status(
    situation: tuple[Recipient, datetime], event: Event
) -> None:
    recipient, now = situation
    decision = decide(recipient, event, now)
    assert decision.action in (NOW, HOLD, DIGEST, NONE) and decision.code in CODES
    if decision.code == "urgent":
        assert event.priority == "urgent" and (event.urgent_allowed or event.is_dm)
        assert decision.action == NOW
    elif decision.action == NOW:
        assert reachable_now(recipient, now)
    assert (decision.until is not None) == (decision.action == HOLD)


@PROPERTY
@given(situations())
def test_a_direct_message_is_delivered_now_exactly_when_reachable(
    situation: tuple[Recipient, datetime],
) -> None:
    recipient, now = situation
    decision = decide(recipient, MENTION, now)
    assert (decision.action == NOW) == reachable_now(recipient, now)
    if decision.action == DIGEST:
        assert decision.code == "no_working_hours"
        assert first_reachable(recipient, now) is None


@PROPERTY
@given(situations())
def test_a_hold_ends_at_the_first_reachable_instant(situation: tuple[Recipient, datetime]) -> None:
    recipient, now = situation
    decision = decide(recipient, MENTION, now)
    if decision.action != HOLD:
        return
    until = decision.until
    assert until is not None and until > now
    assert first_reachable(recipient, now) == until
    assert is_working(until, recipient.schedule)
    if open_ended(recipient, now):
        # The away ends where a working period begins.
        assert not is_working(until - timedelta(microseconds=1), recipient.schedule)
    else:
        assert recipient.status.at(until) == AVAILABLE
    assert not any(quarter_marks(recipient, now, min(until, now + SPAN)))
