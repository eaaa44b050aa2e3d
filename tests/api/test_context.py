"""The context check over HTTP, on its own and in the reply preview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support import Team


def test_a_bare_greeting_gets_no_hello_with_a_suggestion(team: Team) -> None:
    answer = team.member.post("/compose/check", json={"body": "hi @owner"})
    assert answer.status_code == 200, answer.text
    [finding] = answer.json()["findings"]
    assert finding["code"] == "NO_HELLO"
    assert finding["message"] and finding["suggestion"].startswith("Say it all in one message")


def test_a_good_message_gets_no_findings(team: Team) -> None:
    body = "@owner could you review https://git.example.com/app/pull/9 by Thu 15:00 CET?"
    answer = team.guest.post("/compose/check", json={"body": body})
    assert answer.json() == {"findings": []}


def test_asks_priority_and_attachment_count(team: Team) -> None:
    def codes(**draft: object) -> list[str]:
        answer = team.member.post("/compose/check", json=draft)
        assert answer.status_code == 200, answer.text
        return [f["code"] for f in answer.json()["findings"]]

    notes = "Notes from the vendor call are in https://docs.example.com/d/v."
    asks = [{"member_id": team.owner.id}]
    assert codes(body=notes, asks=asks) == ["NO_DEADLINE"]
    due = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert codes(body=notes, asks=[{"member_id": team.owner.id, "deadline": due}]) == []
    assert codes(body="See the attached deck.") == ["MISSING_LINK"]
    assert codes(body="See the attached deck.", has_attachment=True) == []
    assert codes(body="Join the war room", priority="urgent") == ["URGENT_NO_REASON"]
    assert codes(body="Join the war room, payments are failing", priority="urgent") == []


@pytest.mark.parametrize(
    "draft",
    [
        {},
        {"body": 42},
        {"body": "hi", "priority": "whenever"},
        {"body": "hi", "asks": [{"member_id": 0}]},
        {"body": "hi", "asks": [{"member_id": 1, "deadline": "tomorrow"}]},
        {"body": "hi", "has_attachment": "yes"},
        {"body": "hi", "extra": True},
        {"body": "x" * 100_001},
        {"body": "nul \x00 here"},
    ],
)
def test_bad_drafts_are_refused_with_422(team: Team, draft: dict) -> None:
    answer = team.member.post("/compose/check", json=draft)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_the_check_needs_a_signed_in_member(team: Team) -> None:
    with httpx.Client(base_url=f"{team.server.url}/api/v1", timeout=30) as anon:
        assert anon.post("/compose/check", json={"body": "hi"}).status_code == 401


def test_the_reply_preview_carries_the_findings(team: Team) -> None:
    made = team.owner.post("/conversations", json={"member_ids": [team.member.id]})
    conversation = made.json()["id"]
    preview = team.owner.post(
        "/compose/preview",
        json={"conversation_id": conversation, "body": "Can you review this doc?"},
    )
    assert preview.status_code == 200, preview.text
    assert [f["code"] for f in preview.json()["findings"]] == ["NO_DEADLINE", "MISSING_LINK"]
    fine = team.owner.post(
        "/compose/preview",
        json={"conversation_id": conversation, "body": "Deployed 4.2.1, all green."},
    )
    assert fine.json()["findings"] == []
