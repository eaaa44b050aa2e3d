"""``tidings check`` against a live server."""

from __future__ import annotations

from tests.cli.terminal import Cli, login, ok
from tests.support import Team


def test_check_lists_hints_and_is_quiet_for_a_clear_message(cli: Cli, team: Team) -> None:
    login(cli, team, team.member)
    hinted = ok(cli("check", "hi"))
    assert hinted.startswith("NO_HELLO: ")
    clear = ok(
        cli("check", "Can you review the budget sheet https://example.com/s by Thu 15:00 CET?")
    )
    assert clear.strip() == "No hints: the message says what it needs to."
    urgent = ok(cli("check", "--urgent", "Please look at this now"))
    assert "URGENT_NO_REASON" in urgent
