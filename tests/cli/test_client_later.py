"""``tidings later``, ``tidings scheduled`` and ``tidings post --at`` against a live server."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.cli.terminal import Cli, login, ok, one_error, table_rows
from tests.support import Team

LISBON = ZoneInfo("Europe/Lisbon")


@pytest.fixture
def me(cli: Cli, team: Team) -> Team:
    login(cli, team, team.member)
    return team


def test_save_list_and_clear_a_message_for_later(cli: Cli, me: Team) -> None:
    general = me.channel_id("general")
    made = me.owner.post(
        f"/channels/{general}/topics", json={"title": "Hiring", "body": "Read the CVs"}
    ).json()
    message_id = made["first_message"]["id"]
    assert "reminder" in ok(cli("later", "add", str(message_id), "--tomorrow"))
    assert ok(cli("later", "add", str(message_id))).strip() == "Saved for later, no reminder"
    at = (datetime.now(LISBON) + timedelta(days=2)).replace(second=0, microsecond=0)
    shown = ok(cli("later", "add", str(message_id), "--at", at.strftime("%Y-%m-%dT%H:%M")))
    assert shown.startswith("Saved for later; reminder")
    [row] = table_rows(ok(cli("later")))
    assert row[2:] == ["Olive Owner", "Hiring", "Read the CVs"]
    assert "pick one" in one_error(cli("later", "add", str(message_id), "--in", "3h", "--tomorrow"))
    assert ok(cli("later", "done", row[0])).strip() == f"Item {row[0]} is done"
    assert ok(cli("later", "list")).strip() == "Nothing saved for later."


def test_post_at_a_time_lists_and_cancels(cli: Cli, me: Team) -> None:
    at = (datetime.now(LISBON) + timedelta(days=3)).replace(second=0, microsecond=0)
    out = ok(cli("post", "@owner", "See you Friday", "--at", at.strftime("%Y-%m-%dT%H:%M")))
    assert out.startswith("Scheduled for @owner at")
    [row] = table_rows(ok(cli("scheduled")))
    assert row[2:] == ["direct message", "See you Friday"]
    morning = ok(cli("post", "@owner", "Morning", "--their-morning"))
    assert morning.startswith("Scheduled for @owner")
    assert "one-to-one" in one_error(cli("post", "@owner,@admin", "Hi all", "--their-morning"))
    assert ok(cli("scheduled", "cancel", row[0])).strip() == f"Cancelled scheduled message {row[0]}"
    assert [r[3] for r in table_rows(ok(cli("scheduled", "list")))] == ["Morning"]
