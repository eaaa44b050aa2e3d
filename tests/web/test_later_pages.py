"""The Later menu, the Later and Scheduled pages, and the composer's send later, over HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support import Team
from tests.web.test_pages import csrf_of, signed_in


def test_mark_for_later_from_a_message_and_clear_it_from_the_list(team: Team) -> None:
    general = team.channel_id("general")
    made = team.owner.post(
        f"/channels/{general}/topics", json={"title": "Offsite", "body": "Where shall we go?"}
    ).json()
    message_id = made["first_message"]["id"]
    with signed_in(team.server, team.member.email) as client:
        page = client.get(f"/t/{made['id']}")
        assert f'action="/messages/{message_id}/later"' in page.text
        assert "Tomorrow morning" in page.text
        marked = client.post(
            f"/messages/{message_id}/later",
            data={"csrf_token": csrf_of(page.text), "remind": "next_day"},
            headers={"referer": f"{team.server.url}/t/{made['id']}"},
        )
        assert marked.status_code == 303 and marked.headers["location"] == f"/t/{made['id']}"
        listed = client.get("/later")
        assert "Where shall we go?" in listed.text and "reminder" in listed.text
        assert 'aria-label="1 messages saved for later"' in listed.text
        mark_id = re.search(r'action="/later/(\d+)/done"', listed.text).group(1)  # type: ignore[union-attr]
        done = client.post(f"/later/{mark_id}/done", data={"csrf_token": csrf_of(listed.text)})
        assert done.status_code == 303
        assert "Nothing saved for later" in client.get("/later").text
        bad = client.post(
            f"/messages/{message_id}/later",
            data={"csrf_token": csrf_of(listed.text), "remind": "at", "at": "2001-01-01T09:00"},
        )
        assert bad.status_code == 422 and "passed" in bad.text


def _local_days_ahead(days: int) -> tuple[str, str]:
    """09:00 in Berlin some days ahead: as a datetime-local value and as UTC."""
    day = (datetime.now(UTC) + timedelta(days=days)).date()
    local = datetime(day.year, day.month, day.day, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    return local.strftime("%Y-%m-%dT%H:%M"), local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_composer_schedules_when_a_time_is_given_and_the_page_edits_and_cancels(
    team: Team,
) -> None:
    conversation = team.owner.post("/conversations", json={"member_ids": [team.member.id]})
    dm = conversation.json()["id"]
    with signed_in(team.server, team.owner.email) as client:
        page = client.get(f"/dm/{dm}")
        assert "At the start of their working day" in page.text
        csrf = csrf_of(page.text)
        first, second = _local_days_ahead(20), _local_days_ahead(21)
        sent = client.post(
            f"/dm/{dm}/messages",
            data={"csrf_token": csrf, "body": "For your Monday", "send_at": first[0]},
        )
        assert sent.status_code == 303 and sent.headers["location"] == "/scheduled?saved=scheduled"
        assert team.member.get(f"/conversations/{dm}/messages").json()["items"] == []
        listed = client.get(sent.headers["location"])
        assert "For your Monday" in listed.text and "Scheduled." in listed.text
        [item] = team.owner.get("/scheduled").json()["items"]
        assert item["send_at"] == first[1]  # read in the owner's zone, Berlin
        refused = client.post(
            f"/dm/{dm}/messages",
            data={"csrf_token": csrf, "body": "Keep me", "send_at": "2001-01-01T09:00"},
        )
        assert refused.status_code == 422 and "Keep me" in refused.text
        edited = client.post(
            f"/scheduled/{item['id']}/edit",
            data={"csrf_token": csrf, "body": "For your Tuesday", "send_at": second[0]},
        )
        assert edited.status_code == 303
        [item] = team.owner.get("/scheduled").json()["items"]
        assert (item["body"], item["send_at"]) == ("For your Tuesday", second[1])
        theirs = client.post(
            f"/dm/{dm}/messages", data={"csrf_token": csrf, "body": "Morning", "their_day": "1"}
        )
        assert theirs.status_code == 303
        cancelled = client.post(f"/scheduled/{item['id']}/cancel", data={"csrf_token": csrf})
        assert cancelled.status_code == 303
        states = {
            s["body"]: s["state"] for s in team.owner.get("/scheduled?all=true").json()["items"]
        }
        assert states == {"For your Tuesday": "cancelled", "Morning": "scheduled"}
