"""Groups and mentions, following topics, topic changes, and idempotent sends over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Person, Team

GROUP_SPAN = '<span class="mention" data-handle="design" data-kind="group">@design</span>'


def _group(person: Person, handle: str = "design", member_ids: list[int] | None = None) -> dict:
    response = person.post(
        "/groups", json={"handle": handle, "name": handle.title(), "member_ids": member_ids or []}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _topic(person: Person, channel_id: int, body: str, title: str = "Q3 plan") -> dict:
    response = person.post(f"/channels/{channel_id}/topics", json={"title": title, "body": body})
    assert response.status_code == 201, response.text
    return response.json()


def _subscription(person: Person, topic_id: int) -> str:
    response = person.get(f"/topics/{topic_id}")
    assert response.status_code == 200, response.text
    return str(response.json()["subscription"])


def _groups(person: Person) -> dict[str, dict]:
    return {group["handle"]: group for group in person.get("/groups").json()}


def _private(team: Team, name: str, *people: Person) -> int:
    response = team.owner.post(
        "/channels", json={"name": name, "is_private": True, "member_ids": [p.id for p in people]}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


# Groups


def test_group_is_created_with_its_members(team: Team) -> None:
    group = _group(team.member, "design", [team.admin.id, team.member.id])
    assert group["handle"] == "design" and group["name"] == "Design"
    assert group["member_ids"] == sorted([team.admin.id, team.member.id])
    assert _groups(team.guest)["design"]["id"] == group["id"]
    assert "design" not in _groups(team.outsider)


def test_group_handle_must_be_free(team: Team) -> None:
    _group(team.member, "design")
    for handle in ("member", "@Design", "OWNER"):
        response = team.admin.post("/groups", json={"handle": handle, "name": "Clash"})
        assert response.status_code == 409, handle
        assert response.json()["code"] == "already_exists"
    bad = team.admin.post("/groups", json={"handle": "no spaces", "name": "Bad"})
    assert bad.status_code == 422


def test_group_members_come_from_this_workspace(team: Team) -> None:
    response = team.admin.post(
        "/groups", json={"handle": "mixed", "name": "Mixed", "member_ids": [team.outsider.id]}
    )
    assert response.status_code == 422
    assert "mixed" not in _groups(team.admin)


def test_guest_cannot_create_or_change_groups(team: Team) -> None:
    group = _group(team.member)
    assert team.guest.post("/groups", json={"handle": "g", "name": "G"}).status_code == 403
    response = team.guest.patch(f"/groups/{group['id']}", json={"add": [team.guest.id]})
    assert response.status_code == 403


def test_group_members_are_added_and_removed(team: Team) -> None:
    group = _group(team.member, "design", [team.member.id, team.guest.id])
    changed = team.member.patch(
        f"/groups/{group['id']}",
        json={
            "name": "Design team",
            "add": [team.admin.id, team.owner.id],
            "remove": [team.guest.id],
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Design team"
    expected = sorted([team.member.id, team.admin.id, team.owner.id])
    assert changed.json()["member_ids"] == expected
    assert _groups(team.owner)["design"]["member_ids"] == expected


def test_only_admins_delete_groups(team: Team) -> None:
    group = _group(team.member, "design", [team.member.id])
    refused = team.member.delete(f"/groups/{group['id']}")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert "design" in _groups(team.owner)
    assert team.outsider.delete(f"/groups/{group['id']}").status_code == 404
    assert team.admin.delete(f"/groups/{group['id']}").status_code == 200
    assert "design" not in _groups(team.owner)
    topic = _topic(team.owner, team.channel_id("general"), "ping @design")
    assert topic["first_message"]["mentions"] == []
    assert GROUP_SPAN not in topic["first_message"]["html"]


def test_outsider_cannot_see_or_change_groups(team: Team) -> None:
    group = _group(team.member, "design", [team.member.id])
    response = team.outsider.patch(f"/groups/{group['id']}", json={"add": [team.outsider.id]})
    assert response.status_code == 404
    assert _groups(team.owner)["design"]["member_ids"] == [team.member.id]


# Mentions


def test_group_mention_reaches_every_member_who_can_read_the_channel(team: Team) -> None:
    _group(team.admin, "design", [team.admin.id, team.member.id, team.guest.id, team.owner.id])
    topic = _topic(team.owner, team.channel_id("general"), "Thoughts, @design?")
    message = topic["first_message"]
    # The author is not mentioned to themselves; the guest is not in #general.
    assert message["mentions"] == sorted([team.admin.id, team.member.id])
    assert GROUP_SPAN in message["html"]
    assert team.member.get("/inbox").json()["total_mentions"] == 1
    assert team.guest.get("/inbox").json()["total_mentions"] == 0


def test_mention_of_someone_who_cannot_read_a_private_channel_is_not_recorded(
    team: Team,
) -> None:
    _group(team.admin, "design", [team.admin.id, team.member.id])
    channel_id = _private(team, "hiring", team.admin)
    topic = _topic(team.owner, channel_id, "@member and @design, thoughts?")
    assert topic["first_message"]["mentions"] == [team.admin.id]
    assert team.member.get("/inbox").json()["total_mentions"] == 0
    assert team.member.get(f"/topics/{topic['id']}").status_code == 404
    assert team.admin.get("/inbox").json()["total_mentions"] == 1


def test_mention_of_an_unknown_handle_stays_text(team: Team) -> None:
    topic = _topic(team.owner, team.channel_id("general"), "hello @nobody and @outsider")
    assert topic["first_message"]["mentions"] == []
    assert '<span class="mention"' not in topic["first_message"]["html"]


def test_being_mentioned_follows_the_topic(team: Team) -> None:
    topic = _topic(team.owner, team.channel_id("general"), "@member can you check?")
    assert _subscription(team.member, topic["id"]) == "following"
    assert _subscription(team.owner, topic["id"]) == "following"
    assert _subscription(team.admin, topic["id"]) == "none"


# Following


def test_topic_subscription_can_be_set_to_follow_mute_or_none(team: Team) -> None:
    topic = _topic(team.owner, team.channel_id("general"), "Kickoff")
    for state in ("following", "muted", "none", "following"):
        response = team.member.put(f"/topics/{topic['id']}/subscription", json={"state": state})
        assert response.status_code == 200, response.text
        assert response.json()["state"] == state
        assert _subscription(team.member, topic["id"]) == state
    assert _subscription(team.admin, topic["id"]) == "none"


def test_muted_topic_stays_muted_when_posting_or_mentioned(team: Team) -> None:
    topic = _topic(team.owner, team.channel_id("general"), "Kickoff")
    team.member.put(f"/topics/{topic['id']}/subscription", json={"state": "muted"})
    team.member.post(f"/topics/{topic['id']}/messages", json={"body": "my two cents"})
    team.owner.post(f"/topics/{topic['id']}/messages", json={"body": "thanks @member"})
    assert _subscription(team.member, topic["id"]) == "muted"


def test_subscription_needs_a_readable_topic_and_a_known_state(team: Team) -> None:
    topic = _topic(team.owner, team.channel_id("general"), "Kickoff")
    bad = team.member.put(f"/topics/{topic['id']}/subscription", json={"state": "loud"})
    assert bad.status_code == 422
    for stranger in (team.guest, team.outsider):
        response = stranger.put(f"/topics/{topic['id']}/subscription", json={"state": "following"})
        assert response.status_code == 404


# Changing topics


def test_topic_is_renamed_and_resolved(team: Team) -> None:
    topic = _topic(team.member, team.channel_id("general"), "Kickoff", title="Q3 plan")
    renamed = team.member.patch(f"/topics/{topic['id']}", json={"title": "  Q3   plan, final "})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["title"] == "Q3 plan, final"
    resolved = team.admin.patch(f"/topics/{topic['id']}", json={"is_resolved": True})
    assert resolved.status_code == 200
    assert resolved.json()["is_resolved"] is True
    assert team.owner.get(f"/topics/{topic['id']}").json()["is_resolved"] is True
    reopened = team.member.patch(f"/topics/{topic['id']}", json={"is_resolved": False})
    assert reopened.json()["is_resolved"] is False
    shown = team.owner.get(f"/topics/{topic['id']}").json()
    assert (shown["title"], shown["is_resolved"]) == ("Q3 plan, final", False)


def test_renaming_onto_an_existing_title_conflicts(team: Team) -> None:
    general = team.channel_id("general")
    _topic(team.owner, general, "one", title="Budget")
    topic = _topic(team.owner, general, "two", title="Hiring")
    for title in ("Budget", "bUDGET"):
        response = team.owner.patch(f"/topics/{topic['id']}", json={"title": title})
        assert response.status_code == 409
        assert response.json()["code"] == "already_exists"
    assert team.owner.get(f"/topics/{topic['id']}").json()["title"] == "Hiring"
    elsewhere = _topic(team.owner, team.channel_id("watercooler"), "three", title="Snacks")
    moved = team.owner.patch(f"/topics/{elsewhere['id']}", json={"title": "Budget"})
    assert moved.status_code == 200


def test_topic_changes_are_checked(team: Team) -> None:
    topic = _topic(team.owner, team.channel_id("general"), "Kickoff")
    refused = team.member.patch(f"/topics/{topic['id']}", json={"title": "Mine now"})
    assert refused.status_code == 403
    assert team.member.patch(f"/topics/{topic['id']}", json={}).status_code == 422
    assert team.owner.patch(f"/topics/{topic['id']}", json={"title": "   "}).status_code == 422
    for stranger in (team.guest, team.outsider):
        response = stranger.patch(f"/topics/{topic['id']}", json={"is_resolved": True})
        assert response.status_code == 404
    shown = team.owner.get(f"/topics/{topic['id']}").json()
    assert (shown["title"], shown["is_resolved"]) == ("Q3 plan", False)


# Idempotent sends


def _send(person: Person, topic_id: int, body: str, key: str) -> Any:
    return person.post(
        f"/topics/{topic_id}/messages", json={"body": body}, headers={"Idempotency-Key": key}
    )


def test_retry_with_the_same_idempotency_key_sends_once(team: Team) -> None:
    topic = _topic(team.owner, team.channel_id("general"), "Kickoff")
    first = _send(team.member, topic["id"], "Count me in", "retry-1")
    second = _send(team.member, topic["id"], "Count me in", "retry-1")
    assert first.status_code == 201 and second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert second.json() == first.json()
    items = team.owner.get(f"/topics/{topic['id']}/messages").json()["items"]
    assert [m["body"] for m in items] == ["Kickoff", "Count me in"]
    assert team.owner.get(f"/topics/{topic['id']}").json()["message_count"] == 2


def test_idempotency_key_reused_for_another_body_conflicts(team: Team) -> None:
    topic = _topic(team.owner, team.channel_id("general"), "Kickoff")
    assert _send(team.member, topic["id"], "Count me in", "retry-2").status_code == 201
    reused = _send(team.member, topic["id"], "Count me out", "retry-2")
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"
    items = team.owner.get(f"/topics/{topic['id']}/messages").json()["items"]
    assert [m["body"] for m in items] == ["Kickoff", "Count me in"]


def test_idempotency_keys_belong_to_one_member(team: Team) -> None:
    topic = _topic(team.owner, team.channel_id("general"), "Kickoff")
    mine = _send(team.member, topic["id"], "same words", "shared-key")
    theirs = _send(team.admin, topic["id"], "same words", "shared-key")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert theirs.json()["author_id"] == team.admin.id


@pytest.mark.parametrize("key", ["", "k" * 201])
def test_idempotency_key_length_is_checked(team: Team, key: str) -> None:
    topic = _topic(team.owner, team.channel_id("general"), "Kickoff")
    response = _send(team.member, topic["id"], "hello", key)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert team.owner.get(f"/topics/{topic['id']}").json()["message_count"] == 1


def test_editing_a_message_moves_its_mentions(team: Team) -> None:
    general = team.channel_id("general")
    topic = team.owner.post(
        f"/channels/{general}/topics",
        json={"title": "edit mentions", "body": f"@{team.member.handle} look"},
    ).json()
    message_id = topic["first_message"]["id"]
    assert team.member.get("/inbox").json()["total_mentions"] == 1
    edited = team.owner.patch(
        f"/messages/{message_id}", json={"body": f"@{team.admin.handle} look"}
    )
    assert edited.status_code == 200
    assert team.member.get("/inbox").json()["total_mentions"] == 0
    assert team.admin.get("/inbox").json()["total_mentions"] == 1
    assert team.admin.get(f"/topics/{topic['id']}").json()["subscription"] == "following"
