"""The status picker's presets, and one line saying how a member can be reached now."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tidings.core import later as later_rules
from tidings.core.availability import AVAILABLE, AWAY, FOCUS, OUT_OF_OFFICE
from tidings.core.worktime import Schedule
from tidings.errors import InvalidInput
from tidings.web.hours import day_start
from tidings.web.render import local_time

# preset → (state, minutes of focus); "tomorrow" and out of office get their end below.
PRESETS: dict[str, tuple[str, int | None]] = {
    "focus_25": (FOCUS, 25),
    "focus_60": (FOCUS, 60),
    "focus_tomorrow": (FOCUS, None),
    "away": (AWAY, None),
    "out_of_office": (OUT_OF_OFFICE, None),
    "available": (AVAILABLE, None),
}
# When nothing is found in the schedule, "until tomorrow" means 09:00 tomorrow.
MORNING = time(9)
# Focus may last a week at most (core.availability); look no further for the next day.
LOOKAHEAD = timedelta(days=7)


def preset(name: str) -> tuple[str, int | None]:
    try:
        return PRESETS[name]
    except KeyError:
        raise InvalidInput("Choose a status from the list", field="preset") from None


def next_day_start(now: datetime, schedule: Schedule) -> datetime:
    """The start of the member's first working day after today (so a lunch break does
    not count as tomorrow), as reminders count it; else 09:00 tomorrow, local time."""
    try:
        start = later_rules.next_day_start(now, schedule)
    except InvalidInput:
        start = None
    if start is not None and start - now <= LOOKAHEAD:
        return start
    today = now.astimezone(schedule.tz).date()
    return datetime.combine(today + timedelta(days=1), MORNING, schedule.tz).astimezone(UTC)


def status_until(
    name: str, now: datetime, schedule: Schedule, back_on: date | None
) -> datetime | None:
    """When the chosen preset ends; out of office lasts until the day the member is back."""
    state, minutes = preset(name)
    if minutes is not None:
        return now + timedelta(minutes=minutes)
    if name == "focus_tomorrow":
        return next_day_start(now, schedule)
    if state == OUT_OF_OFFICE and back_on is not None:
        return day_start(back_on, schedule.zone)
    return None


def presence(view: dict[str, Any], now: datetime) -> str:
    """ "working now", "off until 09:00 their time", "in focus until 15:30 their time"…
    from ``queries.availability.availability``, with times on the member's clock."""
    status = view["status"]

    def at(value: str | None) -> str:
        return f"{local_time(value, view['time_zone'], now)} their time"

    if status["state"] == OUT_OF_OFFICE:
        return f"out of office until {at(status['until'])}"
    if status["state"] == FOCUS:
        return f"in focus until {at(status['until'])}"
    if status["state"] == AWAY:
        return f"away until {at(status['until'])}" if status["until"] else "away"
    if view["working_now"]:
        return "working now"
    if view["next_working_start"]:
        return f"off until {at(view['next_working_start'])}"
    return "no working hours set"
