"""``tidings post --ask`` and ``tidings owed`` against a live server.

The member works in Europe/Lisbon and the owner in Europe/Berlin, so each sees a
due time on their own clock.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.cli.terminal import Cli, login, ok, one_error, table_rows
from tests.support import Team

LISBON, BERLIN = ZoneInfo("Europe/Lisbon"), ZoneInfo("Europe/Berlin")


@pytest.fixture
def both(cli: Cli, team: Team) -> Team:
    """The member signed in as ``me``, the owner as ``owner``."""
    login(cli, team, team.member)
    login(cli, team, team.owner, profile="owner")
    return team


def _ahead(days: int) -> date:
    return datetime.now(LISBON).date() + timedelta(days=days)


def _shown(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %d %b %H:%M")


def _owed(team: Team, role: str = "debtor") -> list[dict]:
    person = team.owner if role == "debtor" else team.member
    return person.get("/expectations", params={"role": role}).json()["items"]


def test_an_ask_by_a_date_is_due_at_five_my_time_and_owed_on_their_clock(
    cli: Cli, both: Team
) -> None:
    day = _ahead(10)
    sent = ok(
        cli("post", "#general", "Plan", "Can you review?", "--ask", "@owner", "--by", str(day))
    )
    [owed] = _owed(both)
    due = datetime.combine(day, time(17), tzinfo=LISBON)
    assert datetime.fromisoformat(owed["due_at"]) == due and owed["kind"] == "ask"
    assert sent.splitlines() == [
        f"Posted to #general › Plan (message {owed['message_id']})",
        f"Asked @owner to reply by {_shown(due, LISBON)}",
    ]
    about = ["#general › Plan", "Can you review?", "open"]
    owner_owes = table_rows(ok(cli("owed", profile="owner")))
    assert owner_owes == [[str(owed["id"]), _shown(due, BERLIN), "Member", *about]]
    waiting = table_rows(ok(cli("owed", "--waiting")))
    assert waiting == [[str(owed["id"]), _shown(due, LISBON), "Olive Owner", *about]]


def test_owed_lists_soonest_due_first_with_direct_messages(cli: Cli, both: Team) -> None:
    later, sooner = _ahead(12), datetime.combine(_ahead(5), time(15), tzinfo=BERLIN)
    ok(cli("post", "#general", "Budget", "Numbers?", "--ask", "@owner", "--by", str(later)))
    long_text = "Quick question about the offsite " + "and more " * 10
    ok(cli("post", "@owner", long_text, "--ask", "@owner", "--by", sooner.isoformat()))
    rows = table_rows(ok(cli("owed", profile="owner")))
    assert [row[1] for row in rows] == [
        _shown(sooner, BERLIN),
        _shown(datetime.combine(later, time(17), tzinfo=LISBON), BERLIN),
    ]
    assert rows[0][3] == "direct message"
    assert rows[0][4].startswith("Quick question about the offsite") and rows[0][4].endswith("…")
    assert len(rows[0][4]) == 60


def test_one_message_can_ask_several_people(cli: Cli, both: Team) -> None:
    sent = ok(cli("post", "#general", "Lunch", "Who is in?", "--ask", "@owner", "--ask", "admin"))
    asked = [line for line in sent.splitlines() if line.startswith("Asked")]
    assert sorted(line.split(" to reply")[0] for line in asked) == ["Asked @admin", "Asked @owner"]
    waiting = _owed(both, role="creditor")
    assert sorted(e["debtor_id"] for e in waiting) == sorted([both.owner.id, both.admin.id])
    assert all(e["deadline"] is None and e["due_at"] for e in waiting), "their reply windows"


def test_owed_done_and_decline_settle_what_is_owed(cli: Cli, both: Team) -> None:
    for title in ("First", "Second"):
        ok(cli("post", "#general", title, "Thoughts?", "--ask", "@owner", "--by", str(_ahead(3))))
    first, second = sorted(e["id"] for e in _owed(both))
    assert ok(cli("owed", "done", str(first), profile="owner")).strip() == f"Reply {first} is done"
    assert one_error(cli("owed", "decline", str(second), profile="owner")) == (
        "error: Say why you decline, in up to 500 characters"
    )
    assert [e["id"] for e in _owed(both)] == [second], "a decline without a note changes nothing"
    declined = cli(
        "owed", "decline", str(second), "--note", "Ana knows this better", profile="owner"
    )
    assert ok(declined).strip() == f"Declined reply {second}"
    assert ok(cli("owed", profile="owner")).strip() == "You owe no replies."
    settled = both.owner.get("/expectations", params={"state": "declined"}).json()["items"]
    assert [(e["id"], e["note"]) for e in settled] == [(second, "Ana knows this better")]


def test_only_the_one_who_owes_can_settle(cli: Cli, both: Team) -> None:
    ok(cli("post", "#general", "Mine", "Over to you", "--ask", "@owner", "--by", str(_ahead(3))))
    [owed] = _owed(both)
    assert one_error(cli("owed", "done", str(owed["id"]))) == (
        "error: Only the person who owes the reply can settle it"
    )
    assert ok(cli("owed", "--waiting", profile="owner")).strip() == "Nobody owes you a reply."


def test_an_unknown_handle_posts_nothing(cli: Cli, both: Team) -> None:
    result = cli("post", "#general", "Never", "Anyone?", "--ask", "@owner", "--ask", "@nobody")
    assert one_error(result) == "error: no member @nobody"
    topics = both.owner.get(
        f"/channels/{both.channel_id('general')}/topics", params={"title": "Never"}
    ).json()["items"]
    assert topics == []
    assert _owed(both) == []


def test_a_bad_or_past_deadline_posts_nothing(cli: Cli, both: Team) -> None:
    bad = cli("post", "@owner", "hello", "--ask", "@owner", "--by", "friday")
    assert (
        one_error(bad) == "error: bad date 'friday': use e.g. 2026-12-31 or 2026-12-31T15:00+01:00"
    )
    past = cli("post", "@owner", "hello", "--ask", "@owner", "--by", "2020-01-01")
    assert one_error(past) == "error: The deadline is in the past; pick a time still to come"
    alone = cli("post", "@owner", "hello", "--by", str(_ahead(2)))
    assert one_error(alone) == "error: --by is the deadline for --ask: name who should reply"
    for conversation in both.owner.get("/conversations").json():
        messages = both.owner.get(f"/conversations/{conversation['id']}/messages").json()
        assert messages["items"] == []
