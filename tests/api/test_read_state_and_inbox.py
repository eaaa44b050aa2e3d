"""Read state over HTTP: unread counts per topic, the Inbox, and POST /read."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import Person, Team


def _topic(
    person: Person, channel_id: int, title: str, body: str = "Kickoff", priority: str = "normal"
) -> dict[str, Any]:
    response = person.post(
        f"/channels/{channel_id}/topics",
        json={"title": title, "body": body, "priority": priority},
    )
    assert response.status_code == 201, response.text
    return response.json()


def _post(person: Person, topic_id: int, body: str, priority: str = "normal") -> dict[str, Any]:
    response = person.post(
        f"/topics/{topic_id}/messages", json={"body": body, "priority": priority}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _dm(person: Person, other: Person) -> int:
    response = person.post("/conversations", json={"member_ids": [other.id]})
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


def _say(person: Person, conversation_id: int, body: str, priority: str = "normal") -> dict:
    response = person.post(
        f"/conversations/{conversation_id}/messages", json={"body": body, "priority": priority}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _inbox(person: Person) -> dict[str, Any]:
    response = person.get("/inbox")
    assert response.status_code == 200, response.text
    return response.json()


def _keys(person: Person) -> list[tuple[str, int]]:
    """The inbox entries as ("topic", id) or ("conversation", id), in order."""
    return [
        (e["kind"], e["topic_id"] if e["kind"] == "topic" else e["conversation_id"])
        for e in _inbox(person)["items"]
    ]


def _entry(person: Person, kind: str, ident: int) -> dict[str, Any] | None:
    key = "topic_id" if kind == "topic" else "conversation_id"
    for entry in _inbox(person)["items"]:
        if entry["kind"] == kind and entry[key] == ident:
            return entry
    return None


def _unread(person: Person, channel_id: int) -> dict[int, int]:
    """Topic id -> unread count, as GET /channels/{id}/topics reports them."""
    response = person.get(f"/channels/{channel_id}/topics")
    assert response.status_code == 200, response.text
    return {t["id"]: t["unread"] for t in response.json()["items"]}


def _read(person: Person, **body: Any) -> dict[str, Any]:
    response = person.post("/read", json=body)
    assert response.status_code == 200, response.text
    return response.json()


# Unread counts per topic


def test_topic_unread_counts_rise_with_others_posts_not_ones_own(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Roadmap")
    assert _unread(team.member, general) == {topic["id"]: 1}
    assert _unread(team.owner, general) == {topic["id"]: 0}
    _post(team.owner, topic["id"], "Another from owner")
    assert _unread(team.member, general) == {topic["id"]: 2}
    assert _unread(team.owner, general) == {topic["id"]: 0}
    _post(team.admin, topic["id"], "One from admin")
    _post(team.admin, topic["id"], "Two from admin")
    assert _unread(team.member, general) == {topic["id"]: 4}
    assert _unread(team.owner, general) == {topic["id"]: 2}
    # Posting is not reading: the owner's two messages stay unread for the admin.
    assert _unread(team.admin, general) == {topic["id"]: 2}


def test_posting_after_reading_leaves_the_topic_read(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Roadmap")
    _post(team.admin, topic["id"], "Any thoughts?")
    _read(team.member, topic_id=topic["id"])
    _post(team.member, topic["id"], "Yes, see below")
    assert _unread(team.member, general)[topic["id"]] == 0
    assert _entry(team.member, "topic", topic["id"]) is None


def test_unread_counts_are_per_topic(team: Team) -> None:
    general = team.channel_id("general")
    first = _topic(team.owner, general, "First")
    second = _topic(team.admin, general, "Second")
    _post(team.owner, second["id"], "More on second")
    assert _unread(team.member, general) == {first["id"]: 1, second["id"]: 2}


# The Inbox


def test_empty_workspace_has_an_empty_inbox(team: Team) -> None:
    assert _inbox(team.member) == {"items": [], "total_unread": 0, "total_mentions": 0}


def test_inbox_groups_unread_by_topic_and_conversation(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Launch")
    second = _post(team.admin, topic["id"], "Ping @member about the launch")
    _post(team.owner, topic["id"], "And one more")
    conversation = _dm(team.admin, team.member)
    said = _say(team.admin, conversation, "Quick one")
    _say(team.admin, conversation, "Another quick one")
    inbox = _inbox(team.member)
    assert inbox["total_unread"] == 5
    assert inbox["total_mentions"] == 1
    by_kind = {e["kind"]: e for e in inbox["items"]}
    assert len(inbox["items"]) == 2
    assert by_kind["topic"] == {
        "kind": "topic",
        "unread": 3,
        "mentions": 1,
        "priority": "normal",
        "oldest_unread_at": topic["first_message"]["created_at"],
        "first_unread_id": topic["first_message"]["id"],
        "topic_id": topic["id"],
        "title": "Launch",
        "channel_id": general,
        "channel_name": "general",
        "first_unread": {
            "id": topic["first_message"]["id"],
            "author_id": team.owner.id,
            "snippet": "Kickoff",
        },
    }
    assert second["mentions"] == [team.member.id]
    dm = by_kind["conversation"]
    assert dm["conversation_id"] == conversation
    assert (dm["unread"], dm["mentions"], dm["first_unread_id"]) == (2, 0, said["id"])
    assert dm["oldest_unread_at"] == said["created_at"]
    assert dm.get("topic_id") is None and dm.get("channel_id") is None


def test_inbox_orders_mentions_then_priority_then_oldest_unread(team: Team) -> None:
    general = team.channel_id("general")
    # Posted oldest first; each later entry beats an earlier one by exactly one rule.
    oldest_normal = _topic(team.owner, general, "Oldest normal")
    conversation = _dm(team.admin, team.member)
    _say(team.admin, conversation, "Newer normal, in a DM")
    high = _topic(team.owner, general, "High", priority="high")
    urgent = _topic(team.admin, general, "Urgent", priority="urgent")
    mention = _topic(team.owner, general, "Mention", body="@member can you look?")
    assert _keys(team.member) == [
        ("topic", mention["id"]),  # mentions first, though normal and newest
        ("topic", urgent["id"]),  # urgent before high, though newer
        ("topic", high["id"]),  # high before normal, though newer
        ("topic", oldest_normal["id"]),  # same priority: the oldest unread first
        ("conversation", conversation),
    ]
    priorities = [e["priority"] for e in _inbox(team.member)["items"]]
    assert priorities == ["normal", "urgent", "high", "normal", "normal"]


def test_inbox_priority_is_the_highest_unread_message(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Mixed")
    urgent = _post(team.owner, topic["id"], "Now!", priority="urgent")
    _post(team.owner, topic["id"], "Calm again")
    assert _entry(team.member, "topic", topic["id"])["priority"] == "urgent"
    _read(team.member, message_id=urgent["id"])
    entry = _entry(team.member, "topic", topic["id"])
    assert (entry["priority"], entry["unread"]) == ("normal", 1)


def test_mentions_of_other_people_do_not_count_as_mine(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Handover", body="@admin please take over")
    entry = _entry(team.member, "topic", topic["id"])
    assert (entry["unread"], entry["mentions"]) == (1, 0)
    assert _entry(team.admin, "topic", topic["id"])["mentions"] == 1


# Marking read


def test_marking_a_message_read_leaves_later_messages_unread(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Steps")
    second = _post(team.owner, topic["id"], "Step two")
    third = _post(team.owner, topic["id"], "Step three")
    _post(team.owner, topic["id"], "Step four")
    answer = _read(team.member, message_id=second["id"])
    assert answer["up_to"] == second["id"] and answer["topic_id"] == topic["id"]
    assert _unread(team.member, general) == {topic["id"]: 2}
    entry = _entry(team.member, "topic", topic["id"])
    assert (entry["unread"], entry["first_unread_id"]) == (2, third["id"])
    assert entry["oldest_unread_at"] == third["created_at"]


def test_marking_a_conversation_message_read_is_partial_too(team: Team) -> None:
    conversation = _dm(team.owner, team.member)
    first = _say(team.owner, conversation, "One")
    second = _say(team.owner, conversation, "Two")
    _read(team.member, message_id=first["id"])
    entry = _entry(team.member, "conversation", conversation)
    assert (entry["unread"], entry["first_unread_id"]) == (1, second["id"])


def test_marking_a_topic_read_clears_only_that_topic(team: Team) -> None:
    general = team.channel_id("general")
    done = _topic(team.owner, general, "Done")
    _post(team.owner, done["id"], "More")
    other = _topic(team.owner, general, "Other")
    _read(team.member, topic_id=done["id"])
    assert _unread(team.member, general) == {done["id"]: 0, other["id"]: 1}
    assert _keys(team.member) == [("topic", other["id"])]


def test_marking_a_channel_read_clears_its_topics_only(team: Team) -> None:
    general = team.channel_id("general")
    watercooler = team.channel_id("watercooler")
    first = _topic(team.owner, general, "First")
    second = _topic(team.admin, general, "Second")
    elsewhere = _topic(team.owner, watercooler, "Cats")
    conversation = _dm(team.owner, team.member)
    _say(team.owner, conversation, "Hello")
    answer = _read(team.member, channel_id=general)
    assert answer == {"channel_id": general, "topics": 2}
    assert _unread(team.member, general) == {first["id"]: 0, second["id"]: 0}
    assert sorted(_keys(team.member)) == [
        ("conversation", conversation),
        ("topic", elsewhere["id"]),
    ]


def test_marking_a_conversation_read_clears_only_that_conversation(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Stays unread")
    with_owner = _dm(team.owner, team.member)
    with_admin = _dm(team.admin, team.member)
    _say(team.owner, with_owner, "One")
    last = _say(team.owner, with_owner, "Two")
    _say(team.admin, with_admin, "Three")
    answer = _read(team.member, conversation_id=with_owner)
    assert answer == {"conversation_id": with_owner, "up_to": last["id"]}
    assert sorted(_keys(team.member)) == [("conversation", with_admin), ("topic", topic["id"])]


def test_marking_all_read_clears_every_topic_and_conversation(team: Team) -> None:
    general = team.channel_id("general")
    _topic(team.owner, general, "One", body="@member look")
    _topic(team.owner, team.channel_id("watercooler"), "Two", priority="urgent")
    conversation = _dm(team.admin, team.member)
    _say(team.admin, conversation, "Three")
    assert len(_inbox(team.member)["items"]) == 3
    _read(team.member, all=True)
    assert _inbox(team.member) == {"items": [], "total_unread": 0, "total_mentions": 0}
    assert set(_unread(team.member, general).values()) == {0}
    # Others' read state is untouched.
    assert len(_inbox(team.admin)["items"]) == 2


def test_new_messages_after_marking_read_are_unread_again(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Ongoing")
    _read(team.member, topic_id=topic["id"])
    later = _post(team.owner, topic["id"], "Later news")
    entry = _entry(team.member, "topic", topic["id"])
    assert (entry["unread"], entry["first_unread_id"]) == (1, later["id"])


def test_read_pointers_never_move_backwards(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Pointers")
    first = topic["first_message"]
    second = _post(team.owner, topic["id"], "Two")
    third = _post(team.owner, topic["id"], "Three")
    _post(team.owner, topic["id"], "Four")
    _read(team.member, message_id=third["id"])
    _read(team.member, message_id=first["id"])
    _read(team.member, message_id=second["id"])
    assert _unread(team.member, general) == {topic["id"]: 1}
    assert _entry(team.member, "topic", topic["id"])["unread"] == 1
    _read(team.member, topic_id=topic["id"])
    _read(team.member, message_id=first["id"])
    assert _unread(team.member, general) == {topic["id"]: 0}
    assert _inbox(team.member)["items"] == []


def test_conversation_read_pointer_never_moves_backwards(team: Team) -> None:
    conversation = _dm(team.owner, team.member)
    first = _say(team.owner, conversation, "One")
    _say(team.owner, conversation, "Two")
    _read(team.member, conversation_id=conversation)
    _read(team.member, message_id=first["id"])
    assert _entry(team.member, "conversation", conversation) is None


def test_read_needs_exactly_one_target(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Targets")
    for body in ({}, {"all": False}, {"topic_id": topic["id"], "channel_id": general}):
        response = team.member.post("/read", json=body)
        assert response.status_code == 422, body
        assert response.json()["code"] == "invalid_input"
    assert _entry(team.member, "topic", topic["id"]) is not None


def test_cannot_mark_read_what_one_cannot_see(team: Team) -> None:
    secret = team.owner.post("/channels", json={"name": "secret", "is_private": True}).json()
    topic = _topic(team.owner, secret["id"], "Hidden")
    conversation = _dm(team.owner, team.admin)
    said = _say(team.owner, conversation, "Between us")
    for body in (
        {"message_id": topic["first_message"]["id"]},
        {"topic_id": topic["id"]},
        {"channel_id": secret["id"]},
        {"conversation_id": conversation},
        {"message_id": said["id"]},
    ):
        response = team.member.post("/read", json=body)
        assert response.status_code == 404, body
        assert response.json()["code"] == "not_found"
        assert team.outsider.post("/read", json=body).status_code == 404, body


# What counts


def test_muted_topics_leave_the_inbox(team: Team) -> None:
    general = team.channel_id("general")
    muted = _topic(team.owner, general, "Noisy", body="@member you might care", priority="urgent")
    kept = _topic(team.owner, general, "Quiet")
    answer = team.member.put(f"/topics/{muted['id']}/subscription", json={"state": "muted"})
    assert answer.status_code == 200, answer.text
    assert _keys(team.member) == [("topic", kept["id"])]
    assert _inbox(team.member)["total_mentions"] == 0
    _post(team.owner, muted["id"], "Still noisy @member", priority="urgent")
    assert _keys(team.member) == [("topic", kept["id"])]
    assert team.member.get(f"/topics/{muted['id']}").json()["subscription"] == "muted"
    # Unmuting brings the unread messages back.
    team.member.put(f"/topics/{muted['id']}/subscription", json={"state": "none"})
    assert _entry(team.member, "topic", muted["id"])["unread"] == 2
    # Others are not affected by one member's mute.
    assert _entry(team.admin, "topic", muted["id"]) is not None


def test_following_a_topic_keeps_it_in_the_inbox(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Followed")
    answer = team.member.put(f"/topics/{topic['id']}/subscription", json={"state": "following"})
    assert answer.status_code == 200, answer.text
    assert _keys(team.member) == [("topic", topic["id"])]


def test_deleted_messages_do_not_count_as_unread(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Oops")
    mistake = _post(team.owner, topic["id"], "Wrong @member, sorry", priority="urgent")
    assert team.owner.delete(f"/messages/{mistake['id']}").status_code == 200
    assert _unread(team.member, general) == {topic["id"]: 1}
    entry = _entry(team.member, "topic", topic["id"])
    assert (entry["unread"], entry["mentions"], entry["priority"]) == (1, 0, "normal")
    assert team.owner.delete(f"/messages/{topic['first_message']['id']}").status_code == 200
    assert _unread(team.member, general) == {topic["id"]: 0}
    assert _entry(team.member, "topic", topic["id"]) is None


def test_deleted_conversation_messages_do_not_count_as_unread(team: Team) -> None:
    conversation = _dm(team.owner, team.member)
    said = _say(team.owner, conversation, "Never mind")
    assert team.owner.delete(f"/messages/{said['id']}").status_code == 200
    assert _entry(team.member, "conversation", conversation) is None


def test_member_who_joins_later_does_not_see_old_history_as_unread(team: Team) -> None:
    made = team.owner.post("/channels", json={"name": "design"})
    assert made.status_code == 201, made.text
    design = made.json()["id"]
    topic = _topic(team.owner, design, "Logo", body="Draft one")
    _post(team.owner, topic["id"], "Draft two")
    joined = team.member.post(f"/channels/{design}/join")
    assert joined.status_code == 200, joined.text
    assert _unread(team.member, design) == {topic["id"]: 0}
    assert _inbox(team.member)["items"] == []
    later = _post(team.owner, topic["id"], "Draft three")
    assert _unread(team.member, design) == {topic["id"]: 1}
    assert _entry(team.member, "topic", topic["id"])["first_unread_id"] == later["id"]


def test_member_added_later_does_not_see_old_history_as_unread(team: Team) -> None:
    design = team.owner.post("/channels", json={"name": "design", "is_private": True}).json()
    topic = _topic(team.owner, design["id"], "Logo")
    added = team.owner.post(
        f"/channels/{design['id']}/members", json={"member_ids": [team.admin.id]}
    )
    assert added.status_code == 200, added.text
    assert _unread(team.admin, design["id"]) == {topic["id"]: 0}
    assert _inbox(team.admin)["items"] == []


def test_history_read_partly_before_joining_is_not_unread_after_joining(team: Team) -> None:
    design = team.owner.post("/channels", json={"name": "design"}).json()["id"]
    topic = _topic(team.owner, design, "Logo", body="Draft one")
    _post(team.owner, topic["id"], "Draft two")
    _post(team.owner, topic["id"], "Draft three")
    # A public channel can be read before joining it, and read state recorded there.
    _read(team.member, message_id=topic["first_message"]["id"])
    assert team.member.post(f"/channels/{design}/join").status_code == 200
    assert _unread(team.member, design) == {topic["id"]: 0}
    assert _inbox(team.member)["items"] == []
    assert team.member.get("/search", params={"q": "is:unread"}).json()["items"] == []


def test_public_channels_one_has_not_joined_stay_out_of_the_inbox(team: Team) -> None:
    design = team.owner.post("/channels", json={"name": "design"}).json()["id"]
    topic = _topic(team.owner, design, "Logo")
    assert _inbox(team.member)["items"] == []
    # Readable all the same, with its unread count.
    assert _unread(team.member, design) == {topic["id"]: 1}


def test_guest_inbox_has_only_their_channels(team: Team) -> None:
    shared = team.owner.post(
        "/channels", json={"name": "client", "is_private": True, "member_ids": [team.guest.id]}
    )
    assert shared.status_code == 201, shared.text
    visible = _topic(team.owner, shared.json()["id"], "For the client", body="@guest hello")
    _topic(team.owner, team.channel_id("general"), "Internal", priority="urgent")
    _topic(team.owner, team.channel_id("watercooler"), "Cats")
    secret = team.owner.post("/channels", json={"name": "secret", "is_private": True}).json()
    _topic(team.owner, secret["id"], "Hidden")
    inbox = _inbox(team.guest)
    assert _keys(team.guest) == [("topic", visible["id"])]
    assert (inbox["total_unread"], inbox["total_mentions"]) == (1, 1)
    _read(team.guest, all=True)
    assert _inbox(team.guest)["items"] == []
    # Marking everything read as a guest leaves channels they cannot see alone.
    assert len(_inbox(team.member)["items"]) == 2


def test_outsider_inbox_never_contains_this_workspace(team: Team) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Ours", body="@outsider @owner hello", priority="urgent")
    conversation = _dm(team.owner, team.member)
    _say(team.owner, conversation, "Ours too")
    assert _inbox(team.outsider) == {"items": [], "total_unread": 0, "total_mentions": 0}
    _read(team.outsider, all=True)
    assert _entry(team.member, "topic", topic["id"]) is not None
    assert team.outsider.get(f"/channels/{general}/topics").status_code == 404


def test_inbox_needs_a_token(team: Team) -> None:
    response = httpx.get(f"{team.server.url}/api/v1/inbox")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_a_muted_channel_leaves_the_inbox_unless_you_are_mentioned(team: Team) -> None:
    general = team.channel_id("general")
    muted = team.member.put(f"/channels/{general}/mute", json={"muted": True})
    assert muted.status_code == 200, muted.text
    assert muted.json()["is_muted"] is True
    quiet = _topic(team.owner, general, "Lunch orders")
    loud = _topic(team.owner, general, "Need you", body="@member can you look?")
    titles = [item.get("title") for item in team.member.get("/inbox").json()["items"]]
    assert "Need you" in titles and "Lunch orders" not in titles
    listed = {c["name"]: c for c in team.member.get("/channels").json()}
    assert listed["general"]["is_muted"] is True
    team.member.put(f"/channels/{general}/mute", json={"muted": False})
    titles = [item.get("title") for item in team.member.get("/inbox").json()["items"]]
    assert {"Need you", "Lunch orders"} <= set(titles)
    assert quiet["id"] != loud["id"]


def test_only_members_may_mute_a_channel(team: Team) -> None:
    made = team.owner.post("/channels", json={"name": "ops"}).json()
    refused = team.member.put(f"/channels/{made['id']}/mute", json={"muted": True})
    assert refused.status_code == 403
    hidden = team.outsider.put(f"/channels/{made['id']}/mute", json={"muted": True})
    assert hidden.status_code == 404
    bad = team.owner.put(f"/channels/{made['id']}/mute", json={"muted": "yes"})
    assert bad.status_code == 422


def _row_of(person: Person, **where: int) -> dict[str, Any]:
    items = person.get("/inbox").json()["items"]
    found = [i for i in items if all(i.get(k) == v for k, v in where.items())]
    assert len(found) == 1, items
    return found[0]


def test_an_inbox_row_says_who_wrote_first_and_how_it_begins_in_plain_words(
    team: Team,
) -> None:
    general = team.channel_id("general")
    topic = _topic(team.owner, general, "Snippets", body="The **plan** is [here](https://x.test)")
    first = _row_of(team.member, topic_id=topic["id"])["first_unread"]
    opening = team.member.get(f"/topics/{topic['id']}/messages").json()["items"][0]
    assert first == {
        "id": opening["id"],
        "author_id": team.owner.id,
        "snippet": "The plan is here https://x.test",
    }
    assert "**" not in first["snippet"] and "[" not in first["snippet"]
    # Later messages do not change which comes first; a long one is cut at a word.
    _post(team.admin, topic["id"], "word " * 100)
    assert _row_of(team.member, topic_id=topic["id"])["first_unread"] == first
    marked = team.member.post("/read", json={"message_id": first["id"]})
    assert marked.status_code == 200, marked.text
    long_first = _row_of(team.member, topic_id=topic["id"])["first_unread"]
    assert long_first["author_id"] == team.admin.id
    assert len(long_first["snippet"]) <= 140 and long_first["snippet"].endswith("word…")
    # In a direct conversation too; a deleted first message keeps its row, not its words.
    conversation = _dm(team.owner, team.member)
    said = _say(team.owner, conversation, "`secret` plan, *soon*")
    dm = _row_of(team.member, conversation_id=conversation)["first_unread"]
    assert dm == {"id": said["id"], "author_id": team.owner.id, "snippet": "secret plan, soon"}
    _say(team.owner, conversation, "and another")
    assert team.owner.delete(f"/messages/{said['id']}").status_code in (200, 204)
    after = _row_of(team.member, conversation_id=conversation)["first_unread"]
    assert after is not None and after["snippet"] in ("", "and another")
