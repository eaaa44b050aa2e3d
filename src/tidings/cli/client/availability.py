"""Your time as others see it: ``tidings status``, ``tidings hours …`` and ``tidings away …``."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import typer
from rich.emoji import Emoji
from rich.table import Table
from rich.text import Text

from tidings.cli.client.connection import signed_in
from tidings.cli.client.render import console, local_time, styled_line
from tidings.cli.client.when import MINUTE, clock_time, duration, is_date, moment, span_text
from tidings.errors import TidingsError

MINE = "/users/me/availability"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
DAYS = (*WEEKDAYS, "sat", "sun")
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# How far "tomorrow" looks for a working day before settling for 09:00 the next day.
WORKDAY_SEARCH_DAYS = 14


class State(StrEnum):
    AVAILABLE = "available"
    FOCUS = "focus"
    AWAY = "away"
    OOO = "ooo"


API_STATE = {State.OOO: "out_of_office"}
STATE = typer.Argument(None, metavar="[STATE]", help="Without it: show your status")
WEEK = typer.Argument(..., metavar="DAY=HH:MM-HH:MM[,HH:MM-HH:MM]…")
DATES = typer.Argument(None, metavar="[YYYY-MM-DD]…")

# --- status ---------------------------------------------------------------------------


def status(
    state: State = STATE,
    length: str = typer.Argument(
        None, metavar="[DURATION|tomorrow]", help="For how long, e.g. 25m, 2h30m, 3d"
    ),
    until: str = typer.Option(
        None, help="Until an ISO date (its start, your time) or datetime; instead of DURATION"
    ),
    text: str = typer.Option("", help="What you are doing, for others to see"),
    emoji: str = typer.Option("", help="An emoji to show with it, e.g. headphones"),
) -> None:
    """Show your status, or set it: available, focus, away or ooo (out of office)."""
    with signed_in() as (_, server):
        mine = server.get(MINE)
        if state is None:
            if length or until or text or emoji:
                raise TidingsError("name the status first, e.g. tidings status focus 2h")
            _print_status(mine)
            return
        body = {
            "state": API_STATE.get(state, state.value),
            "until": _status_end(mine, length, until),
            "text": text,
            "emoji": emoji,
        }
        _print_status(server.request("PUT", "/users/me/status", json=body))


def _status_end(mine: dict[str, Any], length: str | None, until: str | None) -> str | None:
    if length and until:
        raise TidingsError("give a duration or --until, not both")
    now, zone = datetime.now(UTC), ZoneInfo(mine["time_zone"])
    if until:
        end = moment(until, zone)
    elif length == "tomorrow":
        end = _next_working_day_start(mine, now)
    elif length:
        end = now + duration(length)
    else:
        return None
    return end.isoformat()


def _next_working_day_start(mine: dict[str, Any], now: datetime) -> datetime:
    """The start of the first working period on a later day than today (my days): the
    server's next working start if it is one (it knows absences), else from the week."""
    zone = ZoneInfo(mine["time_zone"])
    today = now.astimezone(zone).date()
    if mine["next_working_start"]:
        start = datetime.fromisoformat(mine["next_working_start"])
        if start.astimezone(zone).date() > today:
            return start
    for ahead in range(1, WORKDAY_SEARCH_DAYS + 1):
        day = today + timedelta(days=ahead)
        hours = mine["working_hours"].get(DAYS[day.weekday()])
        if hours and day.isoformat() not in mine["holidays"]:
            return datetime.combine(day, clock_time(hours[0][0]), tzinfo=zone)
    return datetime.combine(today + timedelta(days=1), time(9), tzinfo=zone)


def _print_status(mine: dict[str, Any]) -> None:
    zone = ZoneInfo(mine["time_zone"])
    shown = mine["status"]
    state = shown["state"].replace("_", " ")
    until = f"until {local_time(shown['until'], zone)}" if shown["until"] else ""
    emoji = _emoji(shown["emoji"])
    console.print(styled_line((state, "bold"), (until, ""), (emoji, ""), (shown["text"], "")))
    console.print(_working_line(mine, zone), markup=False)


def _emoji(name: str) -> str:
    """A name such as ``headphones`` as its character; a character as itself."""
    named = Emoji.replace(f":{name}:")
    return name if named == f":{name}:" else named


def _working_line(mine: dict[str, Any], zone: tzinfo) -> str:
    if mine["working_now"]:
        return f"Working now ({mine['time_zone']})"
    start = local_time(mine["next_working_start"], zone)
    return f"Not working now; next working time {start or 'none ahead'} ({mine['time_zone']})"


# --- hours ----------------------------------------------------------------------------

hours_app = typer.Typer(invoke_without_command=True)


@hours_app.callback()
def hours(ctx: typer.Context) -> None:
    """Show your working hours, holidays and DM reply window; or change them."""
    if ctx.invoked_subcommand is None:
        with signed_in() as (_, server):
            _print_hours(server.get(MINE))


@hours_app.command("set")
def hours_set(days: list[str] = WEEK) -> None:
    """Replace your working week, e.g. weekdays=09:00-17:00, or mon=09:00-12:00,13:00-17:00
    tue=09:00-17:00. Days not named have no working hours."""
    _put_hours({"working_hours": week_of(days)})


@hours_app.command("holidays")
def hours_holidays(
    dates: list[str] = DATES,
    clear: bool = typer.Option(False, "--clear", help="Remove all your holidays"),
) -> None:
    """Replace your holidays (days off in your time zone)."""
    if not dates and not clear:
        raise TidingsError("give the dates, or --clear to remove all holidays")
    _put_hours({"holidays": [] if clear else dates})


@hours_app.command("dm-window")
def hours_dm_window(
    length: str = typer.Argument(..., metavar="DURATION", help="Working time, e.g. 4h or 90m"),
) -> None:
    """Set the working time within which you aim to answer direct messages."""
    span = duration(length)
    if span.days:
        raise TidingsError("the DM window counts working time: give hours, e.g. 8h")
    _put_hours({"dm_reply_minutes": span // MINUTE})


def _put_hours(body: dict[str, Any]) -> None:
    with signed_in() as (_, server):
        _print_hours(server.request("PUT", "/users/me/hours", json=body))


def week_of(specs: list[str]) -> dict[str, list[list[str]]]:
    """``["weekdays=09:00-17:00", "sat=10:00-12:00"]`` as the API's week."""
    week: dict[str, list[list[str]]] = {day: [] for day in DAYS}
    named: set[str] = set()
    for spec in specs:
        key, equals, ranges = spec.partition("=")
        if not equals:
            raise TidingsError(f"bad hours {spec!r}: write e.g. mon=09:00-12:00,13:00-17:00")
        for day in _days_named(key.strip().lower()):
            if day in named:
                raise TidingsError(f"{day} is given twice")
            named.add(day)
            week[day] = [_interval(part, spec) for part in ranges.split(",") if part.strip()]
    return week


def _days_named(key: str) -> tuple[str, ...]:
    if key == "weekdays":
        return WEEKDAYS
    if key in DAYS or key in DAY_NAMES:
        return (key[:3],)
    raise TidingsError(f"unknown day {key!r}: use mon … sun, or weekdays")


def _interval(text: str, spec: str) -> list[str]:
    start, dash, end = text.partition("-")
    if not dash:
        raise TidingsError(f"bad hours {spec!r}: write e.g. mon=09:00-12:00,13:00-17:00")
    return [start.strip(), end.strip()]


def _print_hours(mine: dict[str, Any]) -> None:
    zone = ZoneInfo(mine["time_zone"])
    office = any(mine["office_hours"].values())
    table = Table("day", "working hours", title="Your week")
    if office:
        table.add_column("office hours")
    for day in DAYS:
        row = [day, _ranges(mine["working_hours"][day])]
        table.add_row(*row, *([_ranges(mine["office_hours"][day])] if office else []))
    console.print(table)
    console.print(f"Holidays: {', '.join(mine['holidays']) or 'none'}", markup=False)
    window = span_text(mine["dm_reply_minutes"])
    console.print(f"Direct messages: you aim to reply within {window} of working time")
    console.print(_working_line(mine, zone), markup=False)


def _ranges(intervals: list[list[str]]) -> str:
    return ", ".join(f"{start}–{end}" for start, end in intervals) or "—"


# --- absences -------------------------------------------------------------------------

away_app = typer.Typer(help="Out-of-office time: add, list or remove.", no_args_is_help=True)


@away_app.command("add")
def away_add(
    start: str = typer.Argument(..., help="An ISO date (from its start) or datetime"),
    end: str = typer.Argument(..., help="An ISO date (to its end, included) or datetime"),
    note: str = typer.Option("", help="Shown to others, e.g. Holiday"),
) -> None:
    """Add time out of office; your working time (and replies due) skip it."""
    with signed_in() as (_, server):
        zone = ZoneInfo(server.get(MINE)["time_zone"])
        starts = moment(start, zone)
        ends = moment(end, zone) + (timedelta(days=1) if is_date(end) else timedelta())
        body = {"starts_at": starts.isoformat(), "ends_at": ends.isoformat(), "note": note}
        mine = server.send("POST", "/users/me/absences", body)
    made = [
        absence["id"]
        for absence in mine["absences"]
        if _instant(absence["starts_at"]) == starts and _instant(absence["ends_at"]) == ends
    ]
    number = f" (absence {made[-1]})" if made else ""
    when = f"{local_time(starts.isoformat(), zone)} to {local_time(ends.isoformat(), zone)}"
    console.print(f"Away from {when}{number}", markup=False)


def _instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


@away_app.command("list")
def away_list() -> None:
    """Your current and coming absences."""
    with signed_in() as (_, server):
        mine = server.get(MINE)
    zone = ZoneInfo(mine["time_zone"])
    if not mine["absences"]:
        console.print("No absences ahead.")
        return
    table = Table("id", "from", "until", "note", title=f"Absences ({mine['time_zone']})")
    for absence in mine["absences"]:
        table.add_row(
            str(absence["id"]),
            local_time(absence["starts_at"], zone),
            local_time(absence["ends_at"], zone),
            Text(absence["note"]),
        )
    console.print(table)


@away_app.command("remove")
def away_remove(absence_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Remove an absence (its id is in tidings away list)."""
    with signed_in() as (_, server):
        server.request("DELETE", f"/users/me/absences/{absence_id}")
    console.print(f"Removed absence {absence_id}")
