"""Triage in the Inbox with the keyboard, in real Chromium: who wrote and how it
begins on every row, j/k to move, e to mark read, l for later, m to mute."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.support import Team
from tests.web.conftest import Opener
from tests.web.test_journeys import new_topic, wait_live


def test_triage_the_inbox_with_the_keyboard(team: Team, open_browser: Opener) -> None:
    first = new_topic(team, "Alpha plan", "The **alpha** plan")
    second = new_topic(team, "Beta plan", "Beta _notes_")
    third = new_topic(team, "Gamma plan", "Gamma numbers")
    page = open_browser(team.server, team.member)
    wait_live(page)
    rows = page.locator("#inbox .inbox-item")
    expect(rows).to_have_count(3)
    alpha = page.locator(f'.inbox-item[data-topic="{first}"]')
    expect(alpha.locator(".first-words")).to_have_text("Olive Owner: The alpha plan")

    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class("inbox-item priority-normal selected")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class("inbox-item priority-normal selected")
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class("inbox-item priority-normal selected")
    selected = rows.nth(0).get_attribute("data-topic")

    page.keyboard.press("e")  # read: the row goes, the next one is selected in its place
    expect(rows).to_have_count(2)
    expect(page.locator(f'.inbox-item[data-topic="{selected}"]')).to_have_count(0)
    expect(rows.nth(0)).to_have_class("inbox-item priority-normal selected")

    page.keyboard.press("m")  # mute the selected topic: it leaves the Inbox
    expect(rows).to_have_count(1)
    left = int(rows.nth(0).get_attribute("data-topic") or 0)
    assert {int(selected or 0), left} < {first, second, third}
    muted = {first, second, third} - {int(selected or 0), left}
    assert team.member.get(f"/topics/{muted.pop()}").json()["subscription"] == "muted"

    expect(rows.nth(0)).to_have_class("inbox-item priority-normal selected")
    page.keyboard.press("l")  # later: its first unread message is on the Later list
    later = {"items": []}
    for _ in range(100):  # the form is sent in the background (bounded wait)
        later = team.member.get("/later").json()
        if later["items"]:
            break
        page.wait_for_timeout(50)
    assert [m["topic_id"] for m in later["items"]] == [left]
    assert team.member.get("/inbox").json()["items"][0]["topic_id"] == left  # still unread
