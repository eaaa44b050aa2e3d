"""The status picker in real Chromium, and axe-core on the pages about time and replies."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.support import Team
from tests.web.conftest import Opener, serious_violations


def test_focus_for_an_hour_from_the_status_picker_shows_in_the_sidebar(
    team: Team, open_browser: Opener
) -> None:
    page = open_browser(team.server, team.member)
    nav = page.get_by_role("navigation")
    picker = nav.locator("details.status-picker")
    picker.get_by_text("Status: Available").click()
    picker.get_by_label("Status text (optional)").fill("Writing the plan")
    picker.get_by_role("button", name="Focus 1 h").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    expect(picker.locator("summary")).to_have_text(
        re.compile(r"Status: Focus until (\w{3} )?\d\d:\d\d")
    )
    status = team.member.get("/users/me/availability").json()["status"]
    assert (status["state"], status["text"]) == ("focus", "Writing the plan")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_owed_notifications_and_settings_have_no_serious_accessibility_violations(
    team: Team, open_browser: Opener, scheme: str
) -> None:
    conversation = team.owner.post("/conversations", json={"member_ids": [team.member.id]})
    conversation_id = conversation.json()["id"]
    for body, priority in (("The server is down", "urgent"), ("Invoice question", "normal")):
        sent = team.owner.post(
            f"/conversations/{conversation_id}/messages",
            json={"body": body, "priority": priority},
        )
        assert sent.status_code == 201, sent.text
    until = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    team.member.put("/users/me/status", json={"state": "focus", "until": until})
    team.owner.post(f"/conversations/{conversation_id}/messages", json={"body": "Held one"})
    team.member.put("/users/me/hours", json={"office_hours": {"tue": [["15:00", "16:00"]]}})
    page = open_browser(team.server, team.member, color_scheme=scheme)
    found = {}
    for path in ("/owed", "/notifications", "/settings"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        for details in page.locator("details").all():
            details.evaluate("element => element.open = true")
        violations = serious_violations(page)
        if violations:
            found[path] = violations
    assert not found, found
