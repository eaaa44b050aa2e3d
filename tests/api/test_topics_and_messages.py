"""Topics and messages over HTTP: create, reply, edit with history, delete, react."""

from __future__ import annotations

from tests.support import Team


def _topic(
    team: Team, channel: str = "general", title: str = "Q3 plan", body: str = "Kickoff"
) -> dict:
    response = team.owner.post(
        f"/channels/{team.channel_id(channel)}/topics", json={"title": title, "body": body}
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_topic_is_created_with_its_first_message(team: Team) -> None:
    topic = _topic(team, body="**Kickoff** for Q3")
    assert topic["title"] == "Q3 plan"
    assert topic["message_count"] == 1
    first = topic["first_message"]
    assert first["html"] == "<p><strong>Kickoff</strong> for Q3</p>\n"
    listed = team.member.get(f"/topics/{topic['id']}/messages").json()["items"]
    assert [m["id"] for m in listed] == [first["id"]]


def test_topic_titles_are_unique_per_channel_ignoring_case(team: Team) -> None:
    topic = _topic(team)
    again = team.member.post(
        f"/channels/{team.channel_id('general')}/topics", json={"title": "q3 PLAN", "body": "x"}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_exists"
    assert again.json()["topic_id"] == topic["id"]


def test_reply_edit_keeps_history_and_delete_leaves_tombstone(team: Team) -> None:
    topic = _topic(team)
    sent = team.member.post(
        f"/topics/{topic['id']}/messages",
        json={"body": "first draft", "reply_to_id": topic["first_message"]["id"]},
    )
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert message["reply_to_id"] == topic["first_message"]["id"]
    edited = team.member.patch(f"/messages/{message['id']}", json={"body": "second draft"})
    assert edited.status_code == 200
    assert edited.json()["edited_at"] is not None
    history = team.owner.get(f"/messages/{message['id']}/history").json()
    assert [v["body"] for v in history] == ["first draft", "second draft"]
    assert team.owner.patch(f"/messages/{message['id']}", json={"body": "mine"}).status_code == 403
    gone = team.member.delete(f"/messages/{message['id']}")
    assert gone.status_code == 200
    again = team.owner.get(f"/messages/{message['id']}").json()
    assert again["deleted"] is True and again["body"] == ""
    assert team.owner.get(f"/messages/{message['id']}/history").json() == []


def test_reactions_are_grouped_by_emoji(team: Team) -> None:
    topic = _topic(team)
    message_id = topic["first_message"]["id"]
    for person in (team.member, team.admin):
        assert person.put(f"/messages/{message_id}/reactions/thumbs_up").status_code == 200
    assert team.member.put(f"/messages/{message_id}/reactions/thumbs_up").status_code == 200
    message = team.owner.get(f"/messages/{message_id}").json()
    assert message["reactions"] == [
        {"emoji": "👍", "count": 2, "member_ids": sorted([team.member.id, team.admin.id])}
    ]
    team.member.delete(f"/messages/{message_id}/reactions/thumbs_up")
    message = team.owner.get(f"/messages/{message_id}").json()
    assert message["reactions"][0]["member_ids"] == [team.admin.id]
