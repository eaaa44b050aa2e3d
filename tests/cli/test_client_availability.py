"""``tidings status``, ``hours`` and ``away`` against a live server.

The member works in Europe/Lisbon; times typed without an offset are theirs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.cli.terminal import Cli, login, ok, one_error, table_rows
from tests.support import Team

LISBON = ZoneInfo("Europe/Lisbon")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture
def member(cli: Cli, team: Team) -> Team:
    login(cli, team, team.member)
    return team


def _mine(team: Team) -> dict:
    return team.member.get("/users/me/availability").json()


def _today() -> date:
    return datetime.now(LISBON).date()


def _shown(moment: datetime) -> str:
    return moment.astimezone(LISBON).strftime("%a %d %b %H:%M")


def test_status_shows_available_then_focus_for_a_duration(cli: Cli, member: Team) -> None:
    assert ok(cli("status")).splitlines()[0] == "available"
    before = datetime.now(UTC)
    out = ok(cli("status", "focus", "2h30m", "--text", "Writing the plan"))
    after = datetime.now(UTC)
    status = _mine(member)["status"]
    until = datetime.fromisoformat(status["until"])
    assert status["state"] == "focus" and status["text"] == "Writing the plan"
    assert (
        before + timedelta(hours=2, minutes=30) <= until <= after + timedelta(hours=2, minutes=30)
    )
    assert out.splitlines()[0] == f"focus  until {_shown(until)}  Writing the plan"
    assert ok(cli("status")).splitlines()[0] == out.splitlines()[0]
    assert ok(cli("status", "focus", "25m")).startswith("focus  until")
    shorter = datetime.fromisoformat(_mine(member)["status"]["until"])
    assert shorter - datetime.now(UTC) <= timedelta(minutes=25)


def test_focus_tomorrow_lasts_until_my_next_working_day(cli: Cli, member: Team) -> None:
    ok(cli("hours", "set", "weekdays=09:00-17:00", "sat=09:00-17:00", "sun=09:00-17:00"))
    ok(cli("status", "focus", "tomorrow"))
    until = datetime.fromisoformat(_mine(member)["status"]["until"])
    assert until == datetime.combine(_today() + timedelta(days=1), time(9), tzinfo=LISBON)


def test_focus_tomorrow_skips_days_off_and_holidays(cli: Cli, member: Team) -> None:
    today = _today()
    holiday, back = today + timedelta(days=2), today + timedelta(days=3)
    ok(
        cli(
            "hours",
            "set",
            f"{DAYS[holiday.weekday()]}=08:00-12:00",
            f"{DAYS[back.weekday()]}=10:30-12:00",
        )
    )
    ok(cli("hours", "holidays", holiday.isoformat()))
    ok(cli("status", "focus", "tomorrow"))
    until = datetime.fromisoformat(_mine(member)["status"]["until"])
    assert until == datetime.combine(back, time(10, 30), tzinfo=LISBON)


def test_away_then_out_of_office_until_a_date_then_available(cli: Cli, member: Team) -> None:
    ok(cli("status", "away", "1h", "--text", "Lunch"))
    assert _mine(member)["status"]["state"] == "away"
    ok(cli("status", "away"))
    assert _mine(member)["status"] == {"state": "away", "until": None, "text": "", "emoji": ""}
    back = _today() + timedelta(days=10)
    out = ok(cli("status", "ooo", "--until", back.isoformat(), "--text", "Walking the Camino"))
    status = _mine(member)["status"]
    assert status["state"] == "out_of_office" and status["text"] == "Walking the Camino"
    assert datetime.fromisoformat(status["until"]) == datetime.combine(back, time(), tzinfo=LISBON)
    assert out.startswith(f"out of office  until {back:%a %d %b} 00:00  Walking the Camino")
    ok(cli("status", "ooo", "--until", f"{back.isoformat()}T18:00+01:00"))
    until = datetime.fromisoformat(_mine(member)["status"]["until"])
    assert until == datetime.combine(back, time(17), tzinfo=UTC)
    assert ok(cli("status", "available")).splitlines()[0] == "available"
    assert _mine(member)["status"]["state"] == "available"


def test_a_bad_duration_is_one_line_and_changes_nothing(cli: Cli, member: Team) -> None:
    assert one_error(cli("status", "focus", "2x")) == (
        "error: bad duration '2x': use e.g. 25m, 1h, 2h30m or 3d"
    )
    assert one_error(cli("hours", "dm-window", "soon")).startswith("error: bad duration 'soon'")
    assert _mine(member)["status"]["state"] == "available"


def test_a_bad_date_is_one_line(cli: Cli, member: Team) -> None:
    assert one_error(cli("status", "ooo", "--until", "2026-02-30")) == (
        "error: bad date '2026-02-30': use e.g. 2026-12-31 or 2026-12-31T15:00+01:00"
    )
    assert one_error(cli("away", "add", "next week", "2026-12-28")).startswith(
        "error: bad date 'next week'"
    )
    assert _mine(member)["absences"] == []


def test_what_the_server_refuses_is_one_line(cli: Cli, member: Team) -> None:
    assert one_error(cli("status", "focus")) == "error: Say until when you are in focus"
    assert one_error(cli("status", "focus", "8d")) == (
        "error: Focus lasts at most 7 days; use out of office"
    )
    assert one_error(cli("status", "available", "1h")) == "error: Available needs no end time"


def test_hours_set_replaces_the_week(cli: Cli, member: Team) -> None:
    out = ok(cli("hours", "set", "mon=08:00-12:00,13:00-16:00", "tue=09:00-17:00"))
    week = _mine(member)["working_hours"]
    assert week["mon"] == [["08:00", "12:00"], ["13:00", "16:00"]]
    assert week["tue"] == [["09:00", "17:00"]]
    assert week["wed"] == week["sat"] == [], "days not named have no hours"
    assert ["mon", "08:00–12:00, 13:00–16:00"] in table_rows(out)
    assert ["wed", "—"] in table_rows(out)
    ok(cli("hours", "set", "weekdays=09:30-17:30"))
    week = _mine(member)["working_hours"]
    assert [week[day] for day in DAYS] == [[["09:30", "17:30"]]] * 5 + [[], []]


def test_bad_hours_are_one_line_and_change_nothing(cli: Cli, member: Team) -> None:
    before = _mine(member)["working_hours"]
    assert one_error(cli("hours", "set", "funday=09:00-17:00")) == (
        "error: unknown day 'funday': use mon … sun, or weekdays"
    )
    assert one_error(cli("hours", "set", "weekdays=09:00-17:00", "fri=09:00-13:00")) == (
        "error: fri is given twice"
    )
    assert one_error(cli("hours", "set", "mon=09:00-12:00", "tue 10-12")).startswith(
        "error: bad hours 'tue 10-12'"
    )
    assert one_error(cli("hours", "set", "mon=17:00-09:00")) == (
        "error: Working hours on Monday: 17:00–09:00 ends before it starts"
    )
    assert _mine(member)["working_hours"] == before


def test_hours_shows_the_week_holidays_dm_window_and_working_now(cli: Cli, member: Team) -> None:
    first, second = (_today() + timedelta(days=n) for n in (20, 21))
    ok(cli("hours", "holidays", second.isoformat(), first.isoformat()))
    ok(cli("hours", "dm-window", "4h"))
    mine = _mine(member)
    assert mine["holidays"] == [first.isoformat(), second.isoformat()]
    assert mine["dm_reply_minutes"] == 240
    out = ok(cli("hours"))
    assert ["mon", "09:00–17:00"] in table_rows(out) and ["sun", "—"] in table_rows(out)
    assert f"Holidays: {first.isoformat()}, {second.isoformat()}" in out
    assert "you aim to reply within 4h of working time" in out
    working = "Working now (Europe/Lisbon)"
    assert (working in out) == mine["working_now"]
    if not mine["working_now"]:
        start = datetime.fromisoformat(mine["next_working_start"])
        assert f"Not working now; next working time {_shown(start)} (Europe/Lisbon)" in out
    ok(cli("hours", "holidays", "--clear"))
    assert _mine(member)["holidays"] == []
    assert one_error(cli("hours", "holidays")) == (
        "error: give the dates, or --clear to remove all holidays"
    )
    assert one_error(cli("hours", "dm-window", "1d")) == (
        "error: the DM window counts working time: give hours, e.g. 8h"
    )


def test_away_add_list_and_remove(cli: Cli, member: Team) -> None:
    first, last = _today() + timedelta(days=18), _today() + timedelta(days=26)
    out = ok(cli("away", "add", first.isoformat(), last.isoformat(), "--note", "Holiday"))
    [absence] = _mine(member)["absences"]
    starts = datetime.combine(first, time(), tzinfo=LISBON)
    ends = datetime.combine(last + timedelta(days=1), time(), tzinfo=LISBON)
    assert datetime.fromisoformat(absence["starts_at"]) == starts
    assert datetime.fromisoformat(absence["ends_at"]) == ends, "the last day is included"
    assert absence["note"] == "Holiday"
    assert out.strip() == f"Away from {_shown(starts)} to {_shown(ends)} (absence {absence['id']})"
    rows = table_rows(ok(cli("away", "list")))
    assert rows == [[str(absence["id"]), _shown(starts), _shown(ends), "Holiday"]]
    assert ok(cli("away", "remove", str(absence["id"]))).strip() == (
        f"Removed absence {absence['id']}"
    )
    assert ok(cli("away", "list")).strip() == "No absences ahead."
    assert one_error(cli("away", "remove", str(absence["id"]))) == "error: No such absence"
