"""When a "respond later" reminder or a scheduled message is due, in someone's
working time.

A reminder is given as a span of working time ("3h": three of the member's working
hours from now), as "next_day" (the first working start on a later local day than
today, so "tomorrow morning" even when asked at 08:00), as "next_week" (the first
working start on the coming Monday or later), or as a chosen instant.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from tidings.core.worktime import Schedule, add_working_time, is_working, next_working_start
from tidings.errors import InvalidInput

NEXT_DAY = "next_day"
NEXT_WEEK = "next_week"
MAX_SPAN = timedelta(hours=400)
# Far enough for any plan, near enough that a typo ("2062") is caught.
HORIZON = timedelta(days=366)
_SPAN = re.compile(r"(?:(\d{1,3})h)?(?:(\d{1,5})m)?")


def working_span(text: str) -> timedelta | None:
    """``"3h"``, ``"90m"`` or ``"1h30m"`` as a duration; None if ``text`` is not one."""
    match = _SPAN.fullmatch(text.strip().lower())
    if match is None or not any(match.groups()):
        return None
    hours, minutes = (int(part or 0) for part in match.groups())
    span = timedelta(hours=hours, minutes=minutes)
    if not timedelta(0) < span <= MAX_SPAN:
        raise InvalidInput(
            f"A reminder is between a minute and {MAX_SPAN.days * 24} working hours away",
            field="remind",
        )
    return span


def _midnight(day: date, schedule: Schedule) -> datetime:
    return datetime.combine(day, time(), tzinfo=schedule.tz)


def _first_start_from(moment: datetime, schedule: Schedule) -> datetime:
    start = next_working_start(moment, schedule)
    if start is None:
        raise InvalidInput(
            "You have no working hours ahead to count from; pick a time instead", field="remind"
        )
    return start


def next_day_start(now: datetime, schedule: Schedule) -> datetime:
    """The first working start on a later local day than ``now``'s."""
    today = now.astimezone(schedule.tz).date()
    return _first_start_from(_midnight(today + timedelta(days=1), schedule), schedule)


def next_week_start(now: datetime, schedule: Schedule) -> datetime:
    """The first working start on the coming Monday (a week on, if today is Monday) or later."""
    today = now.astimezone(schedule.tz).date()
    monday = today + timedelta(days=7 - today.weekday())
    return _first_start_from(_midnight(monday, schedule), schedule)


def day_start(now: datetime, schedule: Schedule) -> datetime:
    """ "At the start of their working day": their next working start if they are not
    working now; if they are, the start of their next working day."""
    if is_working(now, schedule):
        return next_day_start(now, schedule)
    return _first_start_from(now, schedule)


def remind_time(choice: str | datetime, now: datetime, schedule: Schedule) -> datetime:
    """The instant a reminder given as ``choice`` is due; always after ``now``."""
    if isinstance(choice, datetime):
        return check_future(choice, now, "remind")
    if choice == NEXT_DAY:
        return next_day_start(now, schedule)
    if choice == NEXT_WEEK:
        return next_week_start(now, schedule)
    span = working_span(choice)
    if span is None:
        moment = _instant(choice)
        if moment is not None:
            return check_future(moment, now, "remind")
        raise InvalidInput(
            f'"{choice}" is not a reminder: use e.g. "3h" (working hours), '
            '"next_day", "next_week" or a date and time with an offset',
            field="remind",
        )
    return add_working_time(now, span, schedule)


def _instant(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        raise InvalidInput("A reminder time needs its offset, e.g. +01:00 or Z", field="remind")
    return moment


def check_future(moment: datetime, now: datetime, field: str) -> datetime:
    if moment.tzinfo is None:
        raise InvalidInput("A time needs its offset or zone", field=field)
    if moment <= now:
        raise InvalidInput("That time has passed; pick one still to come", field=field)
    if moment - now > HORIZON:
        raise InvalidInput("That is more than a year away; pick a nearer time", field=field)
    return moment
