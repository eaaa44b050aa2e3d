"""``tidings catchup`` against a live server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.cli.terminal import Cli, login, ok
from tests.support import Team


def test_catchup_prints_the_counts_and_each_section(cli: Cli, team: Team) -> None:
    login(cli, team, team.member)
    general = team.channel_id("general")
    team.owner.post(
        f"/channels/{general}/topics",
        json={"title": "Rota", "body": "Can you cover Friday @member?"},
    )
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    shown = ok(cli("catchup", "--since", since))
    assert "0 replies owed, 0 asks, 0 urgent, 1 mentions, 1 active topics" in shown
    assert "Mentions" in shown and "Olive Owner: Can you cover Friday @member?" in shown
    assert "#general › Rota: 1 messages (Olive Owner)" in shown
