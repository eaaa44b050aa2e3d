"""``tidings post`` with a self-destruct, and how an expired message reads."""

from __future__ import annotations

from tests.cli.terminal import Cli, login
from tests.support import Team


def test_post_a_self_destructing_message_and_refuse_a_bad_lifetime(cli: Cli, team: Team) -> None:
    login(cli, team, team.member)
    posted = cli(
        "post",
        "#general",
        "Door codes",
        "Side door: 2468",
        "--expires-in",
        "60",
        "--expire-after-read",
    )
    assert posted.exit_code == 0, posted.output
    topics = team.owner.get(
        f"/channels/{team.channel_id('general')}/topics", params={"title": "Door codes"}
    ).json()["items"]
    first = team.owner.get(f"/topics/{topics[0]['id']}/messages").json()["items"][0]
    assert first["expires_at"] is not None and first["expire_after_read"] is True
    refused = cli("post", "#general", "Door codes", "Forever", "--expires-in", "0")
    assert refused.exit_code != 0
    assert "expires_in_minutes" in refused.output or "30 days" in refused.output
