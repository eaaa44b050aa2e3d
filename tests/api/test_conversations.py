"""Direct conversations over HTTP: one-to-one and group DMs, and who may see them."""

from __future__ import annotations

from typing import Any

from tests.support import Person, Team


def _open(person: Person, *others: Person | int) -> dict:
    ids = [o if isinstance(o, int) else o.id for o in others]
    response = person.post("/conversations", json={"member_ids": ids})
    assert response.status_code == 200, response.text
    return response.json()


def _send(person: Person, conversation_id: int, body: str, **fields: Any) -> dict:
    response = person.post(
        f"/conversations/{conversation_id}/messages", json={"body": body, **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _extra_members(team: Team, count: int) -> list[int]:
    ids = []
    for n in range(count):
        response = team.owner.post(
            "/users", json={"email": f"extra{n}@{team.slug}.test", "display_name": f"Extra {n}"}
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def _assert_not_found(response: Any) -> None:
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"


def test_opening_a_dm_twice_gives_the_same_conversation(team: Team) -> None:
    first = _open(team.owner, team.member)
    assert first["created"] is True
    assert first["kind"] == "dm"
    assert first["member_ids"] == sorted([team.owner.id, team.member.id])
    again = _open(team.owner, team.member)
    assert again["id"] == first["id"] and again["created"] is False
    other_side = _open(team.member, team.owner, team.member)
    assert other_side["id"] == first["id"] and other_side["created"] is False


def test_a_dm_with_oneself_is_its_own_conversation(team: Team) -> None:
    notes = _open(team.member)
    assert notes["member_ids"] == [team.member.id]
    assert notes["id"] != _open(team.member, team.owner)["id"]


def test_group_dm_holds_up_to_eight_people(team: Team) -> None:
    extras = _extra_members(team, 5)
    eight = [team.admin.id, team.member.id, team.guest.id, *extras[:4]]
    group = _open(team.owner, *eight)
    assert group["kind"] == "group"
    assert len(group["member_ids"]) == 8
    too_many = team.owner.post("/conversations", json={"member_ids": [*eight, extras[4]]})
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "invalid_input"
    assert len(team.owner.get("/conversations").json()) == 1


def test_opening_with_an_unknown_or_foreign_member_is_invalid(team: Team) -> None:
    for member_id in (10**9, team.outsider.id):
        response = team.owner.post("/conversations", json={"member_ids": [member_id]})
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_input"
    assert team.owner.get("/conversations").json() == []
    assert team.outsider.get("/conversations").json() == []


def test_dm_messages_are_visible_to_participants_only(team: Team) -> None:
    dm = _open(team.owner, team.member)
    message = _send(team.owner, dm["id"], "Between us")
    assert message["conversation_id"] == dm["id"]
    assert message["channel_id"] is None and message["topic_id"] is None
    seen = team.member.get(f"/conversations/{dm['id']}/messages").json()["items"]
    assert [m["body"] for m in seen] == ["Between us"]
    assert team.member.get(f"/messages/{message['id']}").json()["body"] == "Between us"
    for stranger in (team.admin, team.guest, team.outsider):
        _assert_not_found(stranger.get(f"/conversations/{dm['id']}"))
        _assert_not_found(stranger.get(f"/conversations/{dm['id']}/messages"))
        _assert_not_found(stranger.get(f"/messages/{message['id']}"))
        _assert_not_found(stranger.get(f"/messages/{message['id']}/history"))
        _assert_not_found(stranger.post(f"/conversations/{dm['id']}/messages", json={"body": "hi"}))
        _assert_not_found(stranger.put(f"/messages/{message['id']}/reactions/eyes"))
        _assert_not_found(stranger.delete(f"/messages/{message['id']}"))
        assert dm["id"] not in [c["id"] for c in stranger.get("/conversations").json()]
    after = team.owner.get(f"/conversations/{dm['id']}/messages").json()["items"]
    assert [(m["body"], m["reactions"]) for m in after] == [("Between us", [])]


def test_dm_messages_do_not_show_up_in_strangers_searches(team: Team) -> None:
    dm = _open(team.owner, team.member)
    _send(team.owner, dm["id"], "pineapple secret")
    assert len(team.member.get("/search", params={"q": "pineapple"}).json()["items"]) == 1
    for stranger in (team.admin, team.outsider):
        assert stranger.get("/search", params={"q": "pineapple"}).json()["items"] == []


def test_markdown_reactions_edit_and_delete_work_in_dms(team: Team) -> None:
    dm = _open(team.member, team.admin)
    message = _send(team.member, dm["id"], "**Ship** it? see https://example.com")
    assert message["html"].startswith("<p><strong>Ship</strong> it? see <a href=")
    assert team.admin.put(f"/messages/{message['id']}/reactions/thumbs_up").status_code == 200
    reacted = team.member.get(f"/messages/{message['id']}").json()
    assert reacted["reactions"] == [{"emoji": "👍", "count": 1, "member_ids": [team.admin.id]}]
    assert team.admin.patch(f"/messages/{message['id']}", json={"body": "no"}).status_code == 403
    edited = team.member.patch(f"/messages/{message['id']}", json={"body": "_Ship_ it."})
    assert edited.status_code == 200
    assert edited.json()["html"] == "<p><em>Ship</em> it.</p>\n"
    assert edited.json()["edited_at"] is not None
    history = team.admin.get(f"/messages/{message['id']}/history").json()
    assert [v["body"] for v in history] == ["**Ship** it? see https://example.com", "_Ship_ it."]
    deleted = team.member.delete(f"/messages/{message['id']}")
    assert deleted.status_code == 200
    tombstone = team.admin.get(f"/messages/{message['id']}").json()
    assert tombstone["deleted"] is True and tombstone["body"] == "" and tombstone["reactions"] == []
    gone = team.admin.put(f"/messages/{message['id']}/reactions/eyes")
    assert gone.status_code == 410


def test_dm_replies_stay_in_their_conversation(team: Team) -> None:
    ours = _open(team.owner, team.member)
    theirs = _open(team.owner, team.admin)
    first = _send(team.owner, ours["id"], "Question")
    reply = _send(team.member, ours["id"], "Answer", reply_to_id=first["id"])
    assert reply["reply_to_id"] == first["id"]
    elsewhere = team.owner.post(
        f"/conversations/{theirs['id']}/messages", json={"body": "x", "reply_to_id": first["id"]}
    )
    assert elsewhere.status_code == 422
    stolen = team.admin.post(
        f"/conversations/{theirs['id']}/messages", json={"body": "x", "quote_of_id": first["id"]}
    )
    assert stolen.status_code == 422
    assert "Question" not in stolen.text


def test_mentioning_a_non_participant_in_a_dm_records_nothing(team: Team) -> None:
    dm = _open(team.owner, team.member)
    message = _send(team.owner, dm["id"], "shall we ask @admin and @member?")
    assert message["mentions"] == [team.member.id]
    assert team.admin.get("/inbox").json()["total_mentions"] == 0


def test_conversations_are_listed_for_their_participants(team: Team) -> None:
    quiet = _open(team.owner, team.admin)
    dm = _open(team.owner, team.member)
    group = _open(team.owner, team.member, team.guest)
    _send(team.owner, dm["id"], "older")
    _send(team.guest, group["id"], "newer")
    mine = team.owner.get("/conversations").json()
    assert [c["id"] for c in mine] == [group["id"], dm["id"], quiet["id"]]
    assert mine[0]["last_message_id"] is not None and mine[2]["last_message_id"] is None
    assert {c["id"] for c in team.member.get("/conversations").json()} == {dm["id"], group["id"]}
    assert [c["id"] for c in team.guest.get("/conversations").json()] == [group["id"]]
    assert team.outsider.get("/conversations").json() == []
