"""Sending is not reading, over HTTP: a send, a forkout or a follow-up moves the
sender's read pointer over their own message only when nothing from others lies
unread before it; what others wrote meanwhile stays unread."""

from __future__ import annotations

from typing import Any

from tests.support import Person, Team


def _dm(person: Person, other: Person) -> int:
    response = person.post("/conversations", json={"member_ids": [other.id]})
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


def _say(person: Person, conversation_id: int, body: str) -> dict[str, Any]:
    response = person.post(f"/conversations/{conversation_id}/messages", json={"body": body})
    assert response.status_code == 201, response.text
    return response.json()


def _unread(person: Person) -> dict[tuple[str, int], tuple[int, int]]:
    """Inbox entries as (kind, id) -> (unread count, first unread id)."""
    response = person.get("/inbox")
    assert response.status_code == 200, response.text
    return {
        (e["kind"], e["topic_id"] if e["kind"] == "topic" else e["conversation_id"]): (
            e["unread"],
            e["first_unread_id"],
        )
        for e in response.json()["items"]
    }


def test_replying_in_a_dm_keeps_what_arrived_meanwhile_unread(team: Team) -> None:
    conversation = _dm(team.owner, team.member)
    first = _say(team.owner, conversation, "The budget sheet is updated")
    second = _say(team.owner, conversation, "Also: the offsite moved to May")
    assert team.member.post("/read", json={"message_id": first["id"]}).status_code == 200
    thanks = _say(team.member, conversation, "Thanks, looks right")
    # Only the message the member has not seen is unread; their own never is.
    assert _unread(team.member)[("conversation", conversation)] == (1, second["id"])
    team.member.post("/read", json={"conversation_id": conversation})
    _say(team.member, conversation, "And May works for me")
    assert ("conversation", conversation) not in _unread(team.member)
    assert _unread(team.owner)[("conversation", conversation)] == (2, thanks["id"])


def test_posting_in_a_topic_keeps_others_messages_unread(team: Team) -> None:
    general = team.channel_id("general")
    topic = team.owner.post(
        f"/channels/{general}/topics", json={"title": "Launch", "body": "Dates are in"}
    ).json()
    later = team.owner.post(
        f"/topics/{topic['id']}/messages", json={"body": "Press kit is ready"}
    ).json()
    sent = team.member.post(f"/topics/{topic['id']}/messages", json={"body": "Great news"})
    assert sent.status_code == 201, sent.text
    assert _unread(team.member)[("topic", topic["id"])] == (2, topic["first_message"]["id"])
    assert later["id"] > topic["first_message"]["id"]
    # Once read, the next post of theirs leaves the topic read.
    team.member.post("/read", json={"topic_id": topic["id"]})
    team.member.post(f"/topics/{topic['id']}/messages", json={"body": "Shipping it"})
    assert ("topic", topic["id"]) not in _unread(team.member)


def test_a_forkout_into_a_conversation_with_unread_messages_leaves_them_unread(
    team: Team,
) -> None:
    conversation = _dm(team.owner, team.member)
    waiting = _say(team.owner, conversation, "Can you check the invoice numbers?")
    made = team.member.post(
        "/forkouts",
        json={"body": "Which week suits you?", "member_ids": [team.owner.id, team.admin.id]},
    )
    assert made.status_code == 201, made.text
    recipients = {r["member_id"]: r for r in made.json()["recipients"]}
    assert recipients[team.owner.id]["conversation_id"] == conversation
    unread = _unread(team.member)
    assert unread[("conversation", conversation)] == (1, waiting["id"])
    # The new conversation with the admin holds only the forkout: nothing unread.
    assert ("conversation", recipients[team.admin.id]["conversation_id"]) not in unread
    # The follow-up goes into the same conversations and is no more a read.
    followed = team.member.post(
        f"/forkouts/{made.json()['id']}/follow-up", json={"body": "Reminder: by Friday"}
    )
    assert followed.status_code == 200, followed.text
    assert _unread(team.member)[("conversation", conversation)] == (1, waiting["id"])
