"""The reply preview's line for a recipient says what holds the message back: a status
with its end on the sender's clock, time off on the recipient's."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.core.test_notify import (
    BERLIN,
    LISBON,
    MENTION,
    TUE,
    URGENT_HERE,
    at,
    person,
)
from tidings.core.availability import AWAY, FOCUS, OUT_OF_OFFICE, Status
from tidings.core.notify import Event, Recipient, decide
from tidings.core.reach import Viewpoint, clock, reach_line

HOUR = timedelta(hours=1)


def line(recipient: Recipient, event: Event, now: datetime, due: datetime | None = None) -> str:
    """What a sender in Berlin reads about ``recipient`` (in Lisbon, an hour behind)."""
    decision = decide(recipient, event, now)
    view = Viewpoint(recipient.schedule.zone, BERLIN, now)
    return reach_line("Ana Lima", decision, recipient.status, view, due)


def in_focus(now: datetime, until: datetime) -> Recipient:
    return person(LISBON, status=Status(FOCUS, now - HOUR, until))


def test_someone_in_focus_is_said_in_focus_until_its_end_in_the_senders_time() -> None:
    now = at(LISBON, *TUE, 10)
    said = line(in_focus(now, at(LISBON, *TUE, 11, 30)), MENTION, now)
    assert said == "Ana is in focus until 12:30 your time"


def test_focus_ending_before_working_hours_goes_on_with_the_time_off() -> None:
    now = at(LISBON, *TUE, 7)
    said = line(in_focus(now, at(LISBON, *TUE, 7, 55)), MENTION, now)
    assert said == "Ana is in focus until 08:55 your time, then off until 09:00 Lisbon"


def test_outside_working_hours_is_off_until_their_next_start_on_their_clock() -> None:
    assert (
        line(person(LISBON), MENTION, at(LISBON, *TUE, 20)) == "Ana is off until Wed 09:00 Lisbon"
    )


def test_working_now_and_the_expected_reply_on_the_senders_clock() -> None:
    now = at(LISBON, *TUE, 10)
    said = line(person(LISBON), MENTION, now, due=at(LISBON, *TUE, 14))
    assert said == "Ana is working (10:00 Lisbon) · expect a reply by 15:00 your time"


def test_urgent_reaches_someone_in_focus_now_and_says_so() -> None:
    now = at(LISBON, *TUE, 10)
    said = line(in_focus(now, at(LISBON, *TUE, 11)), URGENT_HERE, now)
    assert said == "Ana is in focus until 12:00 your time; urgent, so notified now"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status(AWAY), "Ana is away until the next working period, Wed 09:00 Lisbon"),
        (
            Status(AWAY, at(LISBON, *TUE, 9), at(LISBON, *TUE, 12)),
            "Ana is away until 13:00 your time",
        ),
        (
            Status(OUT_OF_OFFICE, at(LISBON, *TUE, 9), at(LISBON, 2026, 3, 12, 9)),
            "Ana is out of office until Thu 10:00 your time",
        ),
    ],
)
def test_each_status_is_named_with_its_end(status: Status, expected: str) -> None:
    recipient = person(LISBON, status=status)
    if status.state == OUT_OF_OFFICE:
        assert status.since is not None and status.until is not None
        absences = ((status.since, status.until),)
        recipient = person(LISBON, absences=absences, status=status)
    assert line(recipient, MENTION, at(LISBON, *TUE, 10)) == expected


def test_a_holiday_is_said_as_one() -> None:
    recipient = person(LISBON, holidays=("2026-03-10",))
    assert (
        line(recipient, MENTION, at(LISBON, *TUE, 10)) == "Ana is on holiday until Wed 09:00 Lisbon"
    )


def test_clock_names_the_weekday_only_on_another_local_day() -> None:
    now = at(LISBON, *TUE, 22)
    assert clock(at(LISBON, *TUE, 23, 30), LISBON, now) == "23:30"
    assert clock(at(LISBON, *TUE, 23, 30), BERLIN, now) == "Wed 00:30"
