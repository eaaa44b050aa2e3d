"""Respond later and scheduled send over HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.support import Team


def _topic_message(team: Team) -> dict:
    general = team.channel_id("general")
    made = team.owner.post(
        f"/channels/{general}/topics", json={"title": "Roadmap", "body": "Thoughts on Q1?"}
    )
    assert made.status_code == 201, made.text
    return made.json()["first_message"]  # type: ignore[no-any-return]


def _soon(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def test_mark_list_and_clear_a_message_for_later(team: Team) -> None:
    message = _topic_message(team)
    path = f"/messages/{message['id']}/later"
    marked = team.member.put(path, json={"remind": "next_week"})
    assert marked.status_code == 200, marked.text
    assert marked.json()["remind_at"] is not None
    plain = team.admin.put(path, json={})
    assert plain.status_code == 200 and plain.json()["remind_at"] is None
    [item] = team.member.get("/later").json()["items"]
    assert item["message_id"] == message["id"] and item["topic_title"] == "Roadmap"
    assert item["excerpt"] == "Thoughts on Q1?"
    assert team.outsider.put(path, json={}).status_code == 404
    assert team.member.put(path, json={"remind": "whenever"}).status_code == 422
    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    assert team.member.put(path, json={"remind": past}).status_code == 422
    assert team.member.put(path, json={"remind": 3}).status_code == 422
    assert team.member.delete(path).status_code == 200
    assert team.member.delete(path).status_code == 404
    assert team.member.get("/later").json()["items"] == []
    assert len(team.admin.get("/later").json()["items"]) == 1


def test_a_reply_takes_it_off_the_list(team: Team) -> None:
    message = _topic_message(team)
    team.member.put(f"/messages/{message['id']}/later", json={"remind": "2h"})
    reply = team.member.post(f"/topics/{message['topic_id']}/messages", json={"body": "Later!"})
    assert reply.status_code == 201
    assert team.member.get("/later").json()["items"] == []


def test_a_reminder_arrives_as_a_notification(team: Team) -> None:
    # Working all week round, so the policy delivers the reminder at once.
    hours = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    assert team.member.put("/users/me/hours", json={"working_hours": hours}).status_code == 200
    message = _topic_message(team)
    team.member.put(f"/messages/{message['id']}/later", json={"remind": _soon(1)})
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = [
            n for n in team.member.get("/notifications").json()["items"] if n["kind"] == "reminder"
        ]
        if found:
            break
        time.sleep(0.2)
    assert [n["message_id"] for n in found] == [message["id"]]


def test_schedule_list_edit_cancel_and_send(team: Team) -> None:
    made = team.owner.post(
        "/scheduled",
        json={"member_ids": [team.member.id], "body": "See you Monday", "send_at": _soon(3600)},
    )
    assert made.status_code == 201, made.text
    scheduled = made.json()
    assert scheduled["state"] == "scheduled" and scheduled["conversation_id"] is not None
    assert [s["id"] for s in team.owner.get("/scheduled").json()["items"]] == [scheduled["id"]]
    assert team.member.get("/scheduled").json()["items"] == []
    path = f"/scheduled/{scheduled['id']}"
    assert team.member.patch(path, json={"body": "Mine now"}).status_code == 404
    edited = team.owner.patch(path, json={"body": "See you soon", "send_at": _soon(1)})
    assert edited.status_code == 200 and edited.json()["body"] == "See you soon"
    conversation = scheduled["conversation_id"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        sent = team.member.get(f"/conversations/{conversation}/messages").json()["items"]
        if sent:
            break
        time.sleep(0.2)
    assert [m["body"] for m in sent] == ["See you soon"]
    assert team.owner.get(path).json()["state"] == "sent"
    assert team.owner.delete(path).status_code == 409
    other = team.owner.post(
        "/scheduled",
        json={"conversation_id": conversation, "body": "Never", "send_at": _soon(3600)},
    ).json()
    cancelled = team.owner.delete(f"/scheduled/{other['id']}")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    every = team.owner.get("/scheduled", params={"all": "true"}).json()["items"]
    assert {s["state"] for s in every} == {"sent", "cancelled"}


def test_bad_schedules_are_refused(team: Team) -> None:
    topic = _topic_message(team)["topic_id"]
    group = team.owner.post(
        "/conversations", json={"member_ids": [team.member.id, team.admin.id]}
    ).json()["id"]
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    cases = [
        {"topic_id": topic, "body": "x", "send_at": past},
        {"topic_id": topic, "body": "x"},
        {"topic_id": topic, "body": "x", "at_recipient_day": True},
        {"conversation_id": group, "body": "x", "at_recipient_day": True},
        {"topic_id": topic, "conversation_id": group, "body": "x", "send_at": _soon(60)},
        {"topic_id": topic, "body": "", "send_at": _soon(60)},
        {"topic_id": topic, "body": "x", "send_at": "2030-01-01T10:00"},
    ]
    for case in cases:
        refused = team.owner.post("/scheduled", json=case)
        assert refused.status_code == 422, (case, refused.text)
    assert (
        team.outsider.post(
            "/scheduled", json={"topic_id": topic, "body": "x", "send_at": _soon(60)}
        ).status_code
        == 404
    )
    one_to_one = team.owner.post(
        "/scheduled", json={"member_ids": [team.member.id], "body": "x", "at_recipient_day": True}
    )
    assert one_to_one.status_code == 201 and one_to_one.json()["at_recipient_day"] is True
