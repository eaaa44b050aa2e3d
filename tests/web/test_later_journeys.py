"""Respond later and scheduled send in real Chromium, against the live server's own
clock and in-process job worker: times are a few seconds ahead."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.support import Team
from tests.web.conftest import Opener, serious_violations
from tests.web.test_journeys import message, new_topic, wait_live

ALL_WEEK = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def local_in(zone: str, seconds: int) -> str:
    """A datetime-local value ``seconds`` from now, as someone in ``zone`` types it."""
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M:%S")


def test_mark_a_message_for_later_and_get_reminded(team: Team, open_browser: Opener) -> None:
    # Working around the clock, so the reminder is not held for the morning.
    assert team.member.put("/users/me/hours", json={"working_hours": ALL_WEEK}).status_code == 200
    topic_id = new_topic(team, "Vendor contract", "Can you check clause 7 this week?")
    page = open_browser(team.server, team.member)
    page.goto(f"/t/{topic_id}")
    item = message(page, "clause 7")
    item.get_by_text("Later", exact=True).click()
    item.get_by_label("Or at").fill(local_in("Europe/Lisbon", 5))
    item.get_by_role("button", name="Remind me then").click()
    expect(page.locator("[data-nav='later'] .badge")).to_have_text("1")
    page.get_by_role("link", name="Later").first.click()
    expect(page.locator(".later-list")).to_contain_text("clause 7")

    deadline = time.monotonic() + 20
    page.goto("/notifications")
    while "Respond later" not in page.locator("main").inner_text():
        assert time.monotonic() < deadline, "no reminder arrived"
        time.sleep(0.5)
        page.reload()
    reminder = page.get_by_role(
        "link", name="Respond later: Vendor contract · Can you check clause 7"
    )
    expect(reminder).to_be_visible()
    reminder.click()
    expect(message(page, "clause 7")).to_be_visible()


def test_schedule_a_dm_and_see_it_arrive(team: Team, open_browser: Opener) -> None:
    dm = team.owner.post("/conversations", json={"member_ids": [team.member.id]}).json()["id"]
    author = open_browser(team.server, team.owner)
    reader = open_browser(team.server, team.member)
    for page in (author, reader):
        page.goto(f"/dm/{dm}")
        wait_live(page)

    author.get_by_label("Message", exact=True).fill("Good morning! The numbers are in.")
    author.get_by_text("Send later", exact=True).click()
    author.get_by_label("Send at").fill(local_in("Europe/Berlin", 6))
    author.get_by_role("button", name="Send").click()
    expect(author.get_by_role("heading", name="Scheduled")).to_be_visible()
    expect(author.locator(".scheduled-list")).to_contain_text("The numbers are in.")
    assert message(reader, "The numbers are in.").count() == 0

    expect(message(reader, "The numbers are in.")).to_be_visible(timeout=20_000)
    author.reload()
    expect(author.locator(".scheduled-list .tag")).to_have_text("sent")


def test_later_and_scheduled_pages_have_no_serious_accessibility_violations(
    team: Team, open_browser: Opener
) -> None:
    topic_id = new_topic(team, "Audit", "Please look at the audit notes")
    first = team.owner.get(f"/topics/{topic_id}/messages").json()["items"][0]
    team.member.put(f"/messages/{first['id']}/later", json={"remind": "next_week"})
    dm = team.member.post("/conversations", json={"member_ids": [team.owner.id]}).json()["id"]
    # An empty conversation's message feed has no articles yet, which axe flags on its
    # own; one message keeps this check about the pages added here.
    team.member.post(f"/conversations/{dm}/messages", json={"body": "Hello"})
    team.member.post(
        "/scheduled", json={"conversation_id": dm, "body": "Later on", "at_recipient_day": True}
    )
    page = open_browser(team.server, team.member)
    found = {}
    for path in ("/later", "/scheduled", f"/dm/{dm}", f"/t/{topic_id}"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        for summary in page.locator(
            "details.send-later > summary, details.later-menu > summary"
        ).all()[:2]:
            summary.click()  # each panel is checked open, then closed again
            violations = serious_violations(page)
            if violations:
                found[path] = violations
            summary.click()
    assert not found, found
