"""Channels over HTTP: create, see, join and leave, manage members, archive, announcements."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Person, Team


def _create(person: Person, name: str, **fields: Any) -> dict:
    response = person.post("/channels", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def _listed(person: Person, **params: Any) -> dict[str, dict]:
    response = person.get("/channels", params=params)
    assert response.status_code == 200, response.text
    return {channel["name"]: channel for channel in response.json()}


def _topic(person: Person, channel_id: int, title: str = "Plan", body: str = "Hello"):
    return person.post(f"/channels/{channel_id}/topics", json={"title": title, "body": body})


def _assert_forbidden(response: Any, reason: str | None = None) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "forbidden"
    if reason is not None:
        assert response.json()["reason"] == reason


def _assert_not_found(response: Any) -> None:
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"


# Creating


def test_public_and_private_channels_are_created_with_their_members(team: Team) -> None:
    public = _create(team.admin, "design", purpose="Pixels and type")
    assert public["is_private"] is False and public["is_member"] is True
    assert public["purpose"] == "Pixels and type" and public["kind"] == "discussion"
    assert public["created_by"] == team.admin.id
    assert public["member_ids"] == [team.admin.id]
    private = _create(team.admin, "hiring", is_private=True, member_ids=[team.owner.id])
    assert private["is_private"] is True
    assert private["member_ids"] == sorted([team.admin.id, team.owner.id])


@pytest.mark.parametrize("name", ["Bad Name!", "", "-leading-dash", "x" * 81, "has.dot"])
def test_channel_names_are_validated(team: Team, name: str) -> None:
    response = team.member.post("/channels", json={"name": name})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_channel_names_are_lowercased_and_unique(team: Team) -> None:
    assert _create(team.member, "#Roadmap")["name"] == "roadmap"
    for name in ("roadmap", "ROADMAP", "general"):
        response = team.admin.post("/channels", json={"name": name})
        assert response.status_code == 409
        assert response.json()["code"] == "already_exists"


def test_private_channel_name_clash_is_reported_even_to_non_members(team: Team) -> None:
    _create(team.admin, "secret", is_private=True)
    response = team.member.post("/channels", json={"name": "secret"})
    assert response.status_code == 409


def test_channel_with_unknown_or_foreign_member_is_refused(team: Team) -> None:
    for member_id in (10**9, team.outsider.id):
        response = team.member.post("/channels", json={"name": "odd", "member_ids": [member_id]})
        assert response.status_code == 422
    assert "odd" not in _listed(team.owner)


def test_guest_cannot_create_channels(team: Team) -> None:
    _assert_forbidden(team.guest.post("/channels", json={"name": "guests"}))
    assert "guests" not in _listed(team.owner)


# Seeing


def test_members_see_public_channels_with_membership_flags(team: Team) -> None:
    _create(team.admin, "design")
    _create(team.admin, "hiring", is_private=True)
    listed = _listed(team.member)
    assert set(listed) == {"general", "announcements", "watercooler", "design"}
    assert listed["general"]["is_member"] is True
    assert listed["design"]["is_member"] is False
    assert _listed(team.admin)["hiring"]["is_member"] is True


def test_private_channel_is_invisible_to_non_members(team: Team) -> None:
    hiring = _create(team.admin, "hiring", is_private=True)
    for person in (team.member, team.owner, team.guest):
        assert "hiring" not in _listed(person, include_archived=True)
        _assert_not_found(person.get(f"/channels/{hiring['id']}"))
        _assert_not_found(person.get(f"/channels/{hiring['id']}/members"))
        _assert_not_found(person.get(f"/channels/{hiring['id']}/topics"))


def test_guest_sees_only_channels_they_were_added_to(team: Team) -> None:
    assert _listed(team.guest) == {}
    general = team.channel_id("general")
    added = team.owner.post(f"/channels/{general}/members", json={"member_ids": [team.guest.id]})
    assert added.status_code == 200, added.text
    assert added.json()["added"] == [team.guest.id]
    listed = _listed(team.guest)
    assert set(listed) == {"general"} and listed["general"]["is_member"] is True
    assert team.guest.get(f"/channels/{general}").status_code == 200
    watercooler = team.channel_id("watercooler")
    _assert_not_found(team.guest.get(f"/channels/{watercooler}"))
    _assert_not_found(team.guest.post(f"/channels/{watercooler}/join"))


def test_outsider_sees_nothing_of_this_workspaces_channels(team: Team) -> None:
    design = _create(team.admin, "design")
    hiring = _create(team.admin, "hiring", is_private=True)
    ours = {c["id"] for c in team.owner.get("/channels", params={"include_archived": True}).json()}
    theirs = team.outsider.get("/channels", params={"include_archived": True}).json()
    assert not ours & {c["id"] for c in theirs}
    assert set(_listed(team.outsider)) == {"general", "announcements", "watercooler"}
    for channel_id in (design["id"], hiring["id"], team.channel_id("general")):
        _assert_not_found(team.outsider.get(f"/channels/{channel_id}"))
        _assert_not_found(team.outsider.post(f"/channels/{channel_id}/join"))
        _assert_not_found(_topic(team.outsider, channel_id))
    assert team.admin.get(f"/channels/{design['id']}/members").json() == [
        {"member_id": team.admin.id, "can_post_topics": True}
    ]


def test_get_channel_counts_its_members(team: Team) -> None:
    design = _create(team.admin, "design", member_ids=[team.member.id])
    body = team.member.get(f"/channels/{design['id']}").json()
    assert body["member_count"] == 2 and body["is_member"] is True


# Joining and leaving


def test_join_and_leave_a_public_channel(team: Team) -> None:
    design = _create(team.admin, "design")
    joined = team.member.post(f"/channels/{design['id']}/join")
    assert joined.status_code == 200
    assert joined.json()["added"] == [team.member.id]
    assert team.member.post(f"/channels/{design['id']}/join").json()["added"] == []
    assert _listed(team.member)["design"]["is_member"] is True
    left = team.member.post(f"/channels/{design['id']}/leave")
    assert left.status_code == 200
    assert left.json()["removed"] == [team.member.id]
    assert _listed(team.member)["design"]["is_member"] is False
    _assert_not_found(team.member.post(f"/channels/{design['id']}/leave"))


def test_nobody_joins_a_private_channel_uninvited(team: Team) -> None:
    hiring = _create(team.admin, "hiring", is_private=True)
    for person in (team.member, team.owner):
        _assert_not_found(person.post(f"/channels/{hiring['id']}/join"))
    members = team.admin.get(f"/channels/{hiring['id']}/members").json()
    assert [m["member_id"] for m in members] == [team.admin.id]


def test_members_of_a_private_channel_can_add_others(team: Team) -> None:
    hiring = _create(team.admin, "hiring", is_private=True, member_ids=[team.member.id])
    added = team.member.post(
        f"/channels/{hiring['id']}/members", json={"member_ids": [team.owner.id]}
    )
    assert added.status_code == 200, added.text
    assert added.json()["added"] == [team.owner.id]
    assert _listed(team.owner)["hiring"]["is_member"] is True
    outside = team.guest.post(
        f"/channels/{hiring['id']}/members", json={"member_ids": [team.guest.id]}
    )
    _assert_not_found(outside)


def test_guests_in_a_channel_cannot_add_people(team: Team) -> None:
    hiring = _create(team.admin, "hiring", is_private=True, member_ids=[team.guest.id])
    response = team.guest.post(
        f"/channels/{hiring['id']}/members", json={"member_ids": [team.member.id]}
    )
    _assert_forbidden(response)
    assert "hiring" not in _listed(team.member)


def test_only_creator_or_admin_removes_others_but_anyone_may_leave(team: Team) -> None:
    project = _create(team.member, "project", member_ids=[team.guest.id, team.owner.id])
    pid = project["id"]
    _assert_forbidden(team.guest.delete(f"/channels/{pid}/members/{team.owner.id}"))
    removed = team.member.delete(f"/channels/{pid}/members/{team.owner.id}")
    assert removed.status_code == 200
    assert team.admin.post(f"/channels/{pid}/join").status_code == 200
    assert team.admin.delete(f"/channels/{pid}/members/{team.member.id}").status_code == 200
    assert team.guest.post(f"/channels/{pid}/leave").status_code == 200
    members = team.admin.get(f"/channels/{pid}/members").json()
    assert [m["member_id"] for m in members] == [team.admin.id]


# Archiving


def test_archived_channel_refuses_posts_and_hides_from_the_default_list(team: Team) -> None:
    old = _create(team.admin, "old-project", member_ids=[team.member.id])
    topic = _topic(team.member, old["id"]).json()
    _assert_forbidden(team.member.patch(f"/channels/{old['id']}", json={"is_archived": True}))
    archived = team.admin.patch(f"/channels/{old['id']}", json={"is_archived": True})
    assert archived.status_code == 200, archived.text
    assert archived.json()["is_archived"] is True
    _assert_forbidden(_topic(team.member, old["id"], "Another"), "channel_archived")
    reply = team.member.post(f"/topics/{topic['id']}/messages", json={"body": "late"})
    _assert_forbidden(reply, "channel_archived")
    _assert_forbidden(team.owner.post(f"/channels/{old['id']}/join"), "channel_archived")
    assert "old-project" not in _listed(team.member)
    shown = _listed(team.member, include_archived=True)["old-project"]
    assert shown["is_archived"] is True
    history = team.member.get(f"/topics/{topic['id']}/messages").json()["items"]
    assert [m["body"] for m in history] == ["Hello"]


def test_unarchived_channel_takes_posts_again(team: Team) -> None:
    old = _create(team.admin, "old-project")
    team.admin.patch(f"/channels/{old['id']}", json={"is_archived": True})
    restored = team.admin.patch(f"/channels/{old['id']}", json={"is_archived": False})
    assert restored.status_code == 200
    assert restored.json()["is_archived"] is False
    assert "old-project" in _listed(team.member)
    assert _topic(team.admin, old["id"]).status_code == 201


# Announcements


def test_announcements_need_a_named_poster_to_start_topics(team: Team) -> None:
    channel_id = team.channel_id("announcements")
    refused = _topic(team.member, channel_id, "Party")
    _assert_forbidden(refused)
    news = _topic(team.admin, channel_id, "Office move")
    assert news.status_code == 201, news.text
    reply = team.member.post(f"/topics/{news.json()['id']}/messages", json={"body": "Great!"})
    assert reply.status_code == 201, reply.text
    _assert_forbidden(
        team.member.put(
            f"/channels/{channel_id}/posters/{team.member.id}", json={"can_post_topics": True}
        )
    )
    allowed = team.owner.put(
        f"/channels/{channel_id}/posters/{team.member.id}", json={"can_post_topics": True}
    )
    assert allowed.status_code == 200, allowed.text
    assert _topic(team.member, channel_id, "Party").status_code == 201
    team.owner.put(
        f"/channels/{channel_id}/posters/{team.member.id}", json={"can_post_topics": False}
    )
    _assert_forbidden(_topic(team.member, channel_id, "Another party"))


def test_poster_must_be_in_the_channel(team: Team) -> None:
    channel_id = team.channel_id("announcements")
    response = team.owner.put(
        f"/channels/{channel_id}/posters/{team.guest.id}", json={"can_post_topics": True}
    )
    _assert_not_found(response)


# Changing


def test_creator_changes_purpose_name_and_kind(team: Team) -> None:
    ideas = _create(team.member, "ideas")
    changed = team.member.patch(
        f"/channels/{ideas['id']}",
        json={"purpose": "Wild ones welcome", "name": "Ideas-Box", "kind": "watercooler"},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["name"], body["purpose"], body["kind"]) == (
        "ideas-box",
        "Wild ones welcome",
        "watercooler",
    )
    assert _listed(team.owner)["ideas-box"]["kind"] == "watercooler"
    assert "ideas" not in _listed(team.owner)


def test_channel_changes_are_checked(team: Team) -> None:
    ideas = _create(team.member, "ideas")
    _assert_not_found(team.guest.patch(f"/channels/{ideas['id']}", json={"purpose": "x"}))
    general = team.channel_id("general")
    _assert_forbidden(team.member.patch(f"/channels/{general}", json={"purpose": "mine"}))
    clash = team.member.patch(f"/channels/{ideas['id']}", json={"name": "general"})
    assert clash.status_code == 409
    bad = team.member.patch(f"/channels/{ideas['id']}", json={"name": "Bad Name!"})
    assert bad.status_code == 422
    kind = team.member.patch(f"/channels/{ideas['id']}", json={"kind": "party"})
    assert kind.status_code == 422
    _assert_not_found(team.outsider.patch(f"/channels/{ideas['id']}", json={"purpose": "x"}))
    assert _listed(team.owner)["ideas"]["purpose"] == ""


# Posting


def test_posting_requires_membership(team: Team) -> None:
    design = _create(team.admin, "design")
    topic = _topic(team.admin, design["id"]).json()
    assert team.member.get(f"/topics/{topic['id']}/messages").status_code == 200
    reply = team.member.post(f"/topics/{topic['id']}/messages", json={"body": "me too"})
    _assert_forbidden(reply, "not_a_channel_member")
    _assert_forbidden(_topic(team.member, design["id"], "Mine"), "not_a_channel_member")
    team.member.post(f"/channels/{design['id']}/join")
    assert (
        team.member.post(f"/topics/{topic['id']}/messages", json={"body": "me too"}).status_code
        == 201
    )
