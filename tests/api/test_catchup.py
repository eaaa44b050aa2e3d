"""Catch-up and digest preferences over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from tests.support import Team
from tidings.store.models import member_activity


def test_catchup_lists_what_was_asked_and_mentioned_since(team: Team) -> None:
    general = team.channel_id("general")
    made = team.owner.post(
        f"/channels/{general}/topics",
        json={
            "title": "Rota",
            "body": "Can you cover Friday @member?",
            "asks": [{"member_id": team.member.id}],
        },
    )
    assert made.status_code == 201, made.text
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    found = team.member.get("/catchup", params={"since": since})
    assert found.status_code == 200, found.text
    body = found.json()
    message_id = made.json()["first_message"]["id"]
    assert [m["id"] for m in body["asks"]] == [message_id]
    assert [m["id"] for m in body["mentions"]] == [message_id]
    assert [e["message_id"] for e in body["owed"]] == [message_id]
    assert body["topics"][0]["title"] == "Rota" and body["topics"][0]["message_count"] == 1
    assert body["counts"] == {
        "owed": 1,
        "asks": 1,
        "urgent": 0,
        "mentions": 1,
        "topics": 1,
        "clips": 0,
    }
    # Nothing of it for someone else, and nothing from before ``since``.
    assert team.admin.get("/catchup", params={"since": since}).json()["counts"]["asks"] == 0
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert team.member.get("/catchup", params={"since": later}).json()["mentions"] == []


def test_catchup_defaults_to_the_end_of_the_last_visit(team: Team) -> None:
    team.member.get("/users/me")  # the first visit
    left = datetime.now(UTC) - timedelta(hours=9)
    team.server.db.write(
        lambda tx: tx.conn.execute(
            update(member_activity)
            .where(member_activity.c.member_id == team.member.id)
            .values(away_since=left)
        )
    )
    body = team.member.get("/catchup").json()
    assert datetime.fromisoformat(body["since"]) == left


def test_catchup_refuses_a_naive_since(team: Team) -> None:
    answer = team.member.get("/catchup", params={"since": "2026-12-07T09:00"})
    assert answer.status_code == 422
    assert team.outsider.get("/catchup").status_code == 200


def test_digest_preferences_round_trip_and_validation(team: Team) -> None:
    assert team.member.get("/users/me/digest").json()["digest_time"] == "17:00"
    changed = team.member.patch(
        "/users/me/digest", json={"digest_time": "08:15", "email_enabled": False}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["digest_time"] == "08:15" and changed.json()["email_enabled"] is False
    assert team.member.get("/users/me/digest").json()["send_if_active"] is False
    bad = team.member.patch("/users/me/digest", json={"digest_time": "8pm"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"
