"""When a member can be reached: status, default working hours, and the schedule that
expectations and notifications count in.

A status is available, focus, away or out of office. Focus and out of office end at a
stated time; away may. Once its end has passed a status reads as available, so no job
is needed to clear it. Out of office also counts as an absence from the moment it was
set: due times computed in the member's working time skip it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tidings.core.worktime import Schedule, Week, parse_week, week_as_data
from tidings.errors import InvalidInput

AVAILABLE = "available"
FOCUS = "focus"
AWAY = "away"
OUT_OF_OFFICE = "out_of_office"
STATUSES = (AVAILABLE, FOCUS, AWAY, OUT_OF_OFFICE)
DEFAULT_WORKING_HOURS: dict[str, list[list[str]]] = {
    day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
}
DEFAULT_DM_REPLY_MINUTES = 8 * 60  # one working day of eight hours
MIN_REPLY_MINUTES = 15
MAX_REPLY_MINUTES = 5 * 8 * 60
LONGEST_FOCUS = timedelta(days=7)
MAX_HOLIDAYS = 400


@dataclass(frozen=True)
class Status:
    state: str = AVAILABLE
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""
    emoji: str = ""

    def at(self, now: datetime) -> str:
        """The status in force at ``now``: an ended status reads as available."""
        if self.until is not None and now >= self.until:
            return AVAILABLE
        return self.state


def check_status(state: str, until: datetime | None, now: datetime, text: str = "") -> None:
    if state not in STATUSES:
        raise InvalidInput(f"status is one of {', '.join(STATUSES)}", field="status")
    if len(text) > 120:
        raise InvalidInput("A status text is at most 120 characters", field="text")
    if state in (FOCUS, OUT_OF_OFFICE) and until is None:
        raise InvalidInput(f"Say until when you are in {state.replace('_', ' ')}", field="until")
    if until is not None and until <= now:
        raise InvalidInput("The status must end in the future", field="until")
    if state == FOCUS and until is not None and until - now > LONGEST_FOCUS:
        raise InvalidInput("Focus lasts at most 7 days; use out of office", field="until")
    if state == AVAILABLE and until is not None:
        raise InvalidInput("Available needs no end time", field="until")


def check_reply_minutes(minutes: int) -> int:
    if not MIN_REPLY_MINUTES <= minutes <= MAX_REPLY_MINUTES:
        raise InvalidInput(
            f"A reply window is {MIN_REPLY_MINUTES} minutes to {MAX_REPLY_MINUTES // 60} "
            "working hours",
            field="dm_reply_minutes",
        )
    return minutes


def normalize_week(data: Mapping[str, Iterable[Sequence[str]]]) -> dict[str, list[list[str]]]:
    """Validate working or office hours and return them in the stored form."""
    if not isinstance(data, Mapping):
        raise InvalidInput("Hours are an object of days, e.g. {'mon': [['09:00', '17:00']]}")
    return week_as_data(parse_week(data))


def normalize_holidays(values: Iterable[str]) -> list[str]:
    days = set()
    for value in values:
        try:
            days.add(date.fromisoformat(str(value)))
        except ValueError:
            raise InvalidInput(
                f'"{value}" is not a date like 2026-12-25', field="holidays"
            ) from None
    if len(days) > MAX_HOLIDAYS:
        raise InvalidInput(f"At most {MAX_HOLIDAYS} holidays", field="holidays")
    return [day.isoformat() for day in sorted(days)]


def schedule_for(
    zone: str,
    week: Week,
    holidays: Iterable[str],
    absences: Iterable[tuple[datetime, datetime]],
    status: Status,
) -> Schedule:
    """The member's working time: hours and holidays, less absences and any
    out-of-office status (from when it was set until it ends)."""
    away = list(absences)
    if status.state == OUT_OF_OFFICE and status.since and status.until:
        away.append((status.since, status.until))
    return Schedule(
        zone=zone,
        week=week,
        holidays=frozenset(date.fromisoformat(d) for d in holidays),
        absences=tuple(away),
    )
