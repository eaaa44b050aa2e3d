"""When a member's daily digest is due, and whether it should go out."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tidings.errors import InvalidInput

DEFAULT_TIME = "17:00"
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_digest_time(value: str) -> time:
    """A local wall-clock time written "HH:MM" (24-hour)."""
    found = _HHMM.match(value.strip())
    if found is None:
        raise InvalidInput("Write the digest time as HH:MM, such as 17:00", field="digest_time")
    return time(int(found[1]), int(found[2]))


def local_occurrence(day: date, at: str, zone: str) -> datetime:
    """``at`` on ``day`` in ``zone``, as an aware datetime. A time that a DST change
    skips resolves forward, as ``zoneinfo`` does."""
    return datetime.combine(day, parse_digest_time(at), tzinfo=ZoneInfo(zone))


def next_digest(
    after: datetime, at: str, zone: str, skip: date | None = None
) -> tuple[date, datetime]:
    """The first local day whose digest time lies after ``after`` (and is not
    ``skip``, the day already handled), with that moment."""
    day = after.astimezone(ZoneInfo(zone)).date()
    for _ in range(3):
        moment = local_occurrence(day, at, zone)
        if moment > after and day != skip:
            return day, moment
        day += timedelta(days=1)
    raise AssertionError("a digest time recurs every day")


def should_send(has_news: bool, active_since_last: bool, send_if_active: bool) -> bool:
    """Nothing goes to a member with nothing new, nor to one who was here since the
    previous digest and saw it all, unless they asked for it anyway."""
    return has_news and (send_if_active or not active_since_last)
