"""Reading the times people type: durations such as ``2h30m`` and ISO dates or datetimes."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

from tidings.errors import TidingsError

# Five digits at most, so that now plus any duration stays within datetime's years.
DURATION = re.compile(r"(?:(\d{1,5})d)?(?:(\d{1,5})h)?(?:(\d{1,5})m)?")
MINUTE = timedelta(minutes=1)


def duration(text: str) -> timedelta:
    match = DURATION.fullmatch(text.strip().lower())
    if match is None or not any(match.groups()):
        raise TidingsError(f"bad duration {text!r}: use e.g. 25m, 1h, 2h30m or 3d")
    days, hours, minutes = (int(part or 0) for part in match.groups())
    span = timedelta(days=days, hours=hours, minutes=minutes)
    if not span:
        raise TidingsError(f"bad duration {text!r}: it must be longer than nothing")
    return span


def span_text(minutes: int) -> str:
    """``270`` as ``4h30m``: the way durations are typed."""
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest}m" if hours and rest else f"{hours}h" if hours else f"{rest}m"


def is_date(text: str) -> bool:
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def moment(text: str, zone: tzinfo, day_at: time = time()) -> datetime:
    """An ISO date (at ``day_at`` on it) or datetime; without an offset, it is in ``zone``."""
    text = text.strip()
    if is_date(text):
        return datetime.combine(date.fromisoformat(text), day_at, tzinfo=zone)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise TidingsError(
            f"bad date {text!r}: use e.g. 2026-12-31 or 2026-12-31T15:00+01:00"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def clock_time(text: str) -> time:
    """``"09:00"`` as stored in working hours."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))
