"""Reactions are emoji: a glyph or a short name, stored as one canonical emoji;
anything else is refused with ``invalid_reaction``."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.support import Team


def _message(team: Team) -> int:
    made = team.owner.post(
        f"/channels/{team.channel_id('general')}/topics", json={"title": "mood", "body": "hi"}
    )
    assert made.status_code == 201, made.text
    return int(made.json()["first_message"]["id"])


def _react(team: Team, message_id: int, emoji: str, who: str = "member") -> dict:
    response = team.people[who].put(f"/messages/{message_id}/reactions/{quote(emoji)}")
    assert response.status_code == 200, response.text
    return response.json()


def test_a_glyph_and_its_short_names_are_one_reaction(team: Team) -> None:
    message_id = _message(team)
    assert _react(team, message_id, "thumbs_up")["emoji"] == "👍"
    assert _react(team, message_id, ":+1:")["emoji"] == "👍"
    assert _react(team, message_id, "👍", who="admin")["emoji"] == "👍"
    assert _react(team, message_id, "❤")["emoji"] == "❤️"  # stored fully qualified
    assert _react(team, message_id, "👍🏽", who="owner")["emoji"] == "👍🏽"
    reactions = team.owner.get(f"/messages/{message_id}").json()["reactions"]
    counts = {r["emoji"]: r["count"] for r in reactions}
    assert counts == {"👍": 2, "❤️": 1, "👍🏽": 1}
    removed = team.member.delete(f"/messages/{message_id}/reactions/{quote(':thumbsup:')}")
    assert removed.status_code == 200
    reactions = team.owner.get(f"/messages/{message_id}").json()["reactions"]
    assert {r["emoji"]: r["member_ids"] for r in reactions}["👍"] == [team.admin.id]


@pytest.mark.parametrize(
    "text",
    ["\u202e", "hello", "👍👍", "thumbs up", ":no_such_emoji:", "a" * 65, "\u200b👍\u200b", "<b>"],
)
def test_anything_but_one_emoji_is_refused(team: Team, text: str) -> None:
    message_id = _message(team)
    response = team.member.put(f"/messages/{message_id}/reactions/{quote(text, safe='')}")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_reaction"
    assert team.owner.get(f"/messages/{message_id}").json()["reactions"] == []


def test_an_acknowledging_short_name_settles_an_ask(team: Team) -> None:
    sent = team.owner.post(
        f"/channels/{team.channel_id('general')}/topics",
        json={"title": "ack", "body": "Please confirm", "asks": [{"member_id": team.member.id}]},
    )
    assert sent.status_code == 201, sent.text
    message_id = sent.json()["first_message"]["id"]

    def states() -> list[str]:
        owed = team.member.get("/expectations", params={"role": "debtor"}).json()["items"]
        return [e["state"] for e in owed if e["message_id"] == message_id]

    assert states() == ["open"]
    _react(team, message_id, "white_check_mark")
    assert "open" not in states()
