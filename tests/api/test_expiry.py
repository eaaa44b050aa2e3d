"""Self-destructing messages over HTTP: the fields, refused lifetimes, expiry after read."""

from __future__ import annotations

import time

import pytest

from tests.support import Person, Team


def _dm(sender: Person, to: Person, **fields: object) -> dict:
    conversation = sender.post("/conversations", json={"member_ids": [to.id]}).json()
    sent = sender.post(f"/conversations/{conversation['id']}/messages", json=fields)
    assert sent.status_code == 201, sent.text
    return sent.json()


def _wait_expired(person: Person, message_id: int) -> dict:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        message = person.get(f"/messages/{message_id}").json()
        if message["expired"]:
            return message
        time.sleep(0.05)
    raise AssertionError("the message did not expire")


def test_a_timed_message_says_when_it_expires(team: Team) -> None:
    sent = _dm(team.owner, team.member, body="Door code 4711", expires_in_minutes=90)
    assert sent["expires_at"] is not None and sent["expire_after_read"] is False
    assert sent["expired"] is False
    topic = team.owner.post(
        f"/channels/{team.channel_id('general')}/topics",
        json={"title": "Wifi", "body": "hunter2", "expire_after_read": True},
    ).json()
    assert topic["first_message"]["expire_after_read"] is True


@pytest.mark.parametrize(
    "fields",
    [
        {"expires_in_minutes": 0},
        {"expires_in_minutes": 30 * 24 * 60 + 1},
        {"expires_in_minutes": "60"},
        {"expire_after_read": "yes"},
    ],
)
def test_bad_expiry_is_refused(team: Team, fields: dict) -> None:
    conversation = team.owner.post("/conversations", json={"member_ids": [team.member.id]}).json()
    refused = team.owner.post(
        f"/conversations/{conversation['id']}/messages", json={"body": "x", **fields}
    )
    assert refused.status_code == 422, refused.text
    topic = team.owner.post(
        f"/channels/{team.channel_id('general')}/topics",
        json={"title": "Nope", "body": "x", **fields},
    )
    assert topic.status_code == 422


def test_an_edit_cannot_remove_the_expiry(team: Team) -> None:
    sent = _dm(team.owner, team.member, body="Draft", expires_in_minutes=60)
    refused = team.owner.patch(
        f"/messages/{sent['id']}", json={"body": "Forever", "expires_in_minutes": None}
    )
    assert refused.status_code == 422 and "permanence" in refused.json()["detail"]
    edited = team.owner.patch(f"/messages/{sent['id']}", json={"body": "Final"})
    assert edited.status_code == 200 and edited.json()["expires_at"] == sent["expires_at"]


def test_it_expires_once_the_recipient_has_read_it(team: Team) -> None:
    sent = _dm(team.owner, team.member, body="Read once", expire_after_read=True)
    assert team.member.get(f"/messages/{sent['id']}").json()["body"] == "Read once"
    assert team.member.post("/read", json={"message_id": sent["id"]}).status_code == 200
    gone = _wait_expired(team.owner, sent["id"])
    assert gone["body"] == gone["html"] == "" and gone["author_id"] == team.owner.id
    assert team.owner.get(f"/messages/{sent['id']}/history").json() == []
