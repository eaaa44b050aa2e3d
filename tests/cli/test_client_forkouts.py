"""``tidings forkout`` against a live server."""

from __future__ import annotations

from tests.cli.terminal import Cli, login, ok, one_error, table_rows
from tests.support import Team


def test_send_list_show_and_follow_up(cli: Cli, team: Team) -> None:
    login(cli, team, team.owner)
    sent = ok(cli("forkout", "send", "@member", "@admin", "Which week suits you?"))
    assert "to 2 people" in sent
    [forkout] = team.owner.get("/forkouts").json()
    mine = next(r for r in forkout["recipients"] if r["member_id"] == team.member.id)
    team.member.post(f"/conversations/{mine['conversation_id']}/messages", json={"body": "Week 19"})
    [row] = table_rows(ok(cli("forkout", "list")))
    assert row[0] == str(forkout["id"]) and row[2] == "1/2"
    shown = {r[0]: r for r in table_rows(ok(cli("forkout", "show", str(forkout["id"]))))}
    assert shown["Member"][3] == "yes" and shown["Admin"][3] == "no"
    assert "Followed up with 1 people" in ok(
        cli("forkout", "follow-up", str(forkout["id"]), "By Friday?")
    )
    assert "followed up already" in one_error(
        cli("forkout", "follow-up", str(forkout["id"]), "Again")
    )


def test_unknown_handles_and_groups_send_nothing(cli: Cli, team: Team) -> None:
    login(cli, team, team.owner)
    assert "no member @nobody" in one_error(cli("forkout", "send", "@nobody", "Hello?"))
    assert "no group @ghosts" in one_error(
        cli("forkout", "send", "@member", "--group", "@ghosts", "Hi")
    )
    assert team.owner.get("/forkouts").json() == []
