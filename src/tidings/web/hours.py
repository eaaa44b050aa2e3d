"""Hours, dates and durations as people type them into forms, and back again.

These only turn text into the plain data the availability actions take; whether the
hours overlap, run backwards or name a real date is for ``core`` to say, so that the
web UI shows the same reasons as the API.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tidings.core.worktime import DAY_KEYS, DAY_NAMES
from tidings.errors import InvalidInput

Week = dict[str, list[list[str]]]
WEEKDAYS = tuple(zip(DAY_KEYS, DAY_NAMES, strict=True))
_RANGE = re.compile(r"(\S+?)\s*(?:-|–|—|\bto\b)\s*(\S+)")
_DATES_SEPARATOR = re.compile(r"[,;\s]+")


def intervals(text: str, day: str, field: str) -> list[list[str]]:
    """ "09:00-12:00, 13:00-17:00" as [["09:00", "12:00"], ["13:00", "17:00"]]."""
    pairs = []
    for chunk in re.split(r"[,;]", text):
        if not chunk.strip():
            continue
        found = _RANGE.fullmatch(chunk.strip())
        if found is None:
            raise InvalidInput(
                f'{day}: write hours as a range such as 09:00-17:00, not "{chunk.strip()}"',
                field=field,
            )
        pairs.append([found[1], found[2]])
    return pairs


def week_from_fields(fields: Mapping[str, str], prefix: str) -> Week:
    """One text field per weekday (``{prefix}_mon`` …) as a week; empty days have no hours."""
    return {
        key: intervals(fields.get(f"{prefix}_{key}", ""), name, f"{prefix}_{key}")
        for key, name in WEEKDAYS
    }


def week_as_text(week: Mapping[str, Sequence[Sequence[str]]]) -> dict[str, str]:
    return {key: ", ".join(f"{a}-{b}" for a, b in week.get(key, [])) for key in DAY_KEYS}


def dates(text: str) -> list[str]:
    """ISO dates separated by commas or spaces, as typed; core checks each one."""
    return [part for part in _DATES_SEPARATOR.split(text) if part]


def minutes_from_hours(text: str, field: str) -> int | None:
    """ "8", "1.5" or "1,5" hours as whole minutes; empty leaves the setting as it is."""
    raw = text.strip().replace(",", ".")
    if not raw:
        return None
    try:
        hours = float(raw)
    except ValueError:
        hours = math.nan
    if not math.isfinite(hours) or len(raw) > 12:
        raise InvalidInput("Give a number of hours such as 8 or 1.5", field=field)
    return round(hours * 60)


def hours_from_minutes(minutes: int | None) -> str:
    if minutes is None:
        return ""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def local_date(text: str, field: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"Give the {what} as a date such as 2026-08-03", field=field) from None


def day_start(day: date, zone: str) -> datetime:
    """The instant a local day begins in ``zone``, in UTC."""
    return datetime.combine(day, time(), ZoneInfo(zone)).astimezone(UTC)


def days_range(first: date, last: date, zone: str) -> tuple[datetime, datetime]:
    """Whole local days, ``last`` included: from the start of ``first`` to the start of
    the day after ``last``."""
    return day_start(first, zone), day_start(last + timedelta(days=1), zone)


def days_of(starts_at: datetime, ends_at: datetime, zone: str) -> tuple[date, date]:
    """The local days an absence covers, the inverse of :func:`days_range`."""
    tz = ZoneInfo(zone)
    last_instant = ends_at - timedelta(microseconds=1)
    return starts_at.astimezone(tz).date(), last_instant.astimezone(tz).date()


# A channel's response expectation: the presets offered, in working minutes.
RESPONSE_PRESETS = (4 * 60, 24 * 60, 48 * 60)
RESPONSE_CHOICES = (
    ("none", "No expectation"),
    *((str(m), f"{m // 60} working hours") for m in RESPONSE_PRESETS),
    ("custom", "Custom"),
)


def response_choice(minutes: int | None) -> dict[str, Any]:
    """The response form's choices, which one a stored window shows, and its custom hours."""
    if minutes is None:
        chosen, custom = "none", ""
    elif minutes in RESPONSE_PRESETS:
        chosen, custom = str(minutes), ""
    else:
        chosen, custom = "custom", hours_from_minutes(minutes)
    return {"choices": RESPONSE_CHOICES, "response": chosen, "custom_hours": custom}


def response_minutes(choice: str, custom_hours: str) -> int | None:
    if choice == "none":
        return None
    if choice == "custom":
        minutes = minutes_from_hours(custom_hours, "custom_hours")
        if minutes is None:
            raise InvalidInput("Give the custom window in working hours", field="custom_hours")
        return minutes
    if choice not in {str(m) for m in RESPONSE_PRESETS}:
        raise InvalidInput("Choose a response expectation from the list", field="response")
    return int(choice)
