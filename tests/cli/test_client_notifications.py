"""``tidings notifications`` against a live server: delivered, and held with the reason."""

from __future__ import annotations

from tests.cli.terminal import Cli, login, ok, table_rows
from tests.support import Team


def test_delivered_newest_first_and_held_ones_with_their_reason(cli: Cli, team: Team) -> None:
    login(cli, team, team.member)
    login(cli, team, team.owner, profile="owner")
    assert ok(cli("notifications", profile="owner")).strip() == "No notifications."
    assert ok(cli("notifications", "--pending", profile="owner")).strip() == "Nothing held back."
    urgent_here = {"allow_urgent": True}
    path = f"/channels/{team.channel_id('general')}/response"
    assert team.owner.put(path, json=urgent_here).status_code == 200
    ok(cli("status", "away", "2h", profile="owner"))
    ok(cli("post", "@owner", "When you are back: the plan"))
    ok(cli("post", "#general", "Outage", "Is it DNS?", "--ask", "@owner", "--priority", "urgent"))
    ok(cli("post", "@owner", "The site is down", "--priority", "urgent"))
    delivered = table_rows(ok(cli("notifications", profile="owner")))
    assert [row[1:] for row in delivered] == [
        ["dm", "urgent", "Direct message"],
        ["ask", "urgent", "Outage"],
    ]
    held = table_rows(ok(cli("notifications", "--pending", profile="owner")))
    [(_created, kind, priority, about, _until, reason)] = held
    assert (kind, priority, about) == ("dm", "normal", "Direct message")
    assert reason.startswith("held: Olive is away until ")
    pending = team.owner.get("/notifications", params={"pending": "true"}).json()["items"]
    assert [n["reason"] for n in pending] == [reason]
