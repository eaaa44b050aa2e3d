"""Replies owed, the reply preview and notifications over HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support import Team


def _dm(team: Team) -> int:
    made = team.owner.post("/conversations", json={"member_ids": [team.member.id]})
    return int(made.json()["id"])


def test_an_ask_with_a_deadline_is_listed_for_both_sides_and_settled_by_done(team: Team) -> None:
    general = team.channel_id("general")
    deadline = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    made = team.owner.post(
        f"/channels/{general}/topics",
        json={
            "title": "Numbers",
            "body": "Send the Q3 numbers",
            "asks": [{"member_id": team.member.id, "deadline": deadline.isoformat()}],
        },
    )
    assert made.status_code == 201, made.text
    [owed] = team.member.get("/expectations", params={"role": "debtor"}).json()["items"]
    assert owed["kind"] == "ask" and owed["creditor_id"] == team.owner.id
    assert owed["due_at"] == deadline.isoformat().replace("+00:00", "Z")
    assert owed["topic_title"] == "Numbers"
    waiting = team.owner.get("/expectations", params={"role": "creditor"}).json()["items"]
    assert [e["id"] for e in waiting] == [owed["id"]]
    assert team.owner.post(f"/expectations/{owed['id']}/done").status_code == 403
    assert team.outsider.post(f"/expectations/{owed['id']}/done").status_code == 404
    done = team.member.post(f"/expectations/{owed['id']}/done")
    assert done.status_code == 200 and done.json()["state"] == "met"
    again = team.member.post(f"/expectations/{owed['id']}/done")
    assert again.status_code == 422
    assert team.member.get("/expectations").json()["items"] == []
    met = team.member.get("/expectations", params={"state": "met"}).json()["items"]
    assert [e["id"] for e in met] == [owed["id"]]


def test_bad_asks_are_refused_with_a_clear_reason(team: Team) -> None:
    general = team.channel_id("general")
    private = team.owner.post("/channels", json={"name": "board", "is_private": True}).json()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    cases = [
        (
            f"/channels/{general}/topics",
            {"asks": [{"member_id": team.member.id, "deadline": past}]},
            "past",
        ),
        (
            f"/channels/{private['id']}/topics",
            {"asks": [{"member_id": team.member.id}]},
            "members of this channel",
        ),
        (f"/channels/{general}/topics", {"asks": [{"member_id": team.owner.id}]}, "yourself"),
        (
            f"/channels/{general}/topics",
            {"asks": [{"member_id": team.member.id, "deadline": "tomorrow"}]},
            "datetime",
        ),
        (f"/channels/{general}/topics", {"asks": [{"member_id": 0}]}, "greater than"),
    ]
    for path, extra, words in cases:
        answer = team.owner.post(path, json={"title": "Plan", "body": "Thoughts?", **extra})
        assert answer.status_code == 422, (extra, answer.text)
        assert words in answer.json()["detail"], (extra, answer.json()["detail"])
    assert team.member.get("/expectations").json()["items"] == []


def test_a_dm_is_owed_and_a_reply_meets_it(team: Team) -> None:
    conversation = _dm(team)
    sent = team.owner.post(f"/conversations/{conversation}/messages", json={"body": "Lunch?"})
    [owed] = sent.json()["expectations"]
    assert owed["debtor_id"] == team.member.id and owed["kind"] == "dm"
    team.member.post(f"/conversations/{conversation}/messages", json={"body": "Sure"})
    assert team.member.get("/expectations").json()["items"] == []
    assert team.owner.get("/expectations").json()["items"] == []
    team.owner.post(f"/conversations/{conversation}/messages", json={"body": "Thai or pizza?"})
    decline = team.member.get("/expectations").json()["items"][0]
    refused = team.member.post(f"/expectations/{decline['id']}/decline", json={"note": ""})
    assert refused.status_code == 422
    declined = team.member.post(f"/expectations/{decline['id']}/decline", json={"note": "No need"})
    assert declined.json()["state"] == "declined"


def test_channel_response_settings_round_trip_and_need_a_manager(team: Team) -> None:
    general = team.channel_id("general")
    body = {
        "response_minutes": 240,
        "responder_ids": [team.member.id],
        "allow_urgent": True,
        "urgent_budget": 2,
    }
    assert team.member.put(f"/channels/{general}/response", json=body).status_code == 403
    saved = team.owner.put(f"/channels/{general}/response", json=body)
    assert saved.status_code == 200, saved.text
    assert team.member.get(f"/channels/{general}/response").json() == {
        "response_minutes": 240,
        "allow_urgent": True,
        "urgent_budget": 2,
        "responder_ids": [team.member.id],
        "responder_group_ids": [],
    }
    topic = team.admin.post(f"/channels/{general}/topics", json={"title": "Help", "body": "VPN?"})
    [owed] = topic.json()["first_message"]["expectations"]
    assert owed["debtor_id"] == team.member.id and owed["kind"] == "channel"
    bad = team.owner.put(f"/channels/{general}/response", json={**body, "response_minutes": 1})
    assert bad.status_code == 422


def test_reply_preview_says_when_each_person_hears_and_answers(team: Team) -> None:
    conversation = _dm(team)
    preview = team.owner.post(
        "/compose/preview", json={"conversation_id": conversation, "body": "Can you review?"}
    )
    assert preview.status_code == 200, preview.text
    [person] = preview.json()["recipients"]
    assert person["member_id"] == team.member.id and person["time_zone"] == "Europe/Lisbon"
    assert person["notify"]["action"] in ("now", "hold")
    assert person["reply_by"] and person["reply_by_their_time"].endswith("Europe/Lisbon")
    assert "expect a reply by" in person["summary"]
    general = team.channel_id("general")
    mention = team.owner.post(
        "/compose/preview", json={"channel_id": general, "body": "@member ok?"}
    )
    [mentioned] = mention.json()["recipients"]
    assert mentioned["member_id"] == team.member.id and mentioned["reply_by"] is None
    assert (
        team.outsider.post("/compose/preview", json={"conversation_id": conversation}).status_code
        == 422
    )
    assert team.owner.post("/compose/preview", json={}).status_code == 422


def test_notifications_are_listed_with_their_reason(team: Team) -> None:
    conversation = _dm(team)
    team.owner.post(f"/conversations/{conversation}/messages", json={"body": "Ping"})
    delivered = team.member.get("/notifications").json()["items"]
    pending = team.member.get("/notifications", params={"pending": "true"}).json()["items"]
    [note] = delivered + pending
    assert note["kind"] == "dm" and note["reason"]
    assert note["reason"].startswith(("now:", "held:"))
    seen = team.member.post(f"/notifications/{note['id']}/seen")
    assert seen.status_code == 200 and seen.json()["seen_at"]
    assert team.owner.post(f"/notifications/{note['id']}/seen").status_code == 404


def test_urgent_beyond_the_budget_is_refused(team: Team) -> None:
    conversation = _dm(team)
    for _ in range(3):
        sent = team.owner.post(
            f"/conversations/{conversation}/messages", json={"body": "Down!", "priority": "urgent"}
        )
        assert sent.status_code == 201
    refused = team.owner.post(
        f"/conversations/{conversation}/messages", json={"body": "Still down", "priority": "urgent"}
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "urgent_budget_exceeded"


def test_reply_preview_refuses_people_from_elsewhere(team: Team) -> None:
    answer = team.owner.post("/compose/preview", json={"member_ids": [team.outsider.id]})
    assert answer.status_code == 422
    answer = team.owner.post("/compose/preview", json={"member_ids": [team.member.id]})
    assert answer.status_code == 200
    assert [p["member_id"] for p in answer.json()["recipients"]] == [team.member.id]


def test_reply_preview_says_someone_in_focus_is_in_focus_until_its_end_your_time(
    team: Team,
) -> None:
    conversation = _dm(team)
    until = (datetime.now(UTC) + timedelta(hours=2)).replace(second=0, microsecond=0)
    focus = team.member.put("/users/me/status", json={"state": "focus", "until": until.isoformat()})
    assert focus.status_code == 200, focus.text
    preview = team.owner.post(
        "/compose/preview", json={"conversation_id": conversation, "body": "Can you review?"}
    )
    [person] = preview.json()["recipients"]
    assert person["notify"]["action"] == "hold" and person["notify"]["code"] == "focus"
    owner_clock = until.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M")
    assert re.match(
        rf"Member is in focus until (\w{{3}} )?{owner_clock} your time", person["summary"]
    )
    assert "is off" not in person["summary"]
