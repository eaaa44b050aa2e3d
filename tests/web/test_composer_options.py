"""Priority, expiry, asks and send-later are for one message: after a send every
composer (topic reply, DM, new topic, forkout) is back to a plain message."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.support import Team
from tests.web.conftest import Opener
from tests.web.test_journeys import message, new_topic, wait_live

LISBON = ZoneInfo("Europe/Lisbon")  # the member's zone (tests/support.py)


def tomorrow_local() -> str:
    when = datetime.now(LISBON) + timedelta(days=1)
    return when.strftime("%Y-%m-%dT%H:%M")


def assert_plain(team: Team, sent: dict[str, Any]) -> None:
    assert sent["priority"] == "normal", sent
    assert sent["expires_at"] is None and not sent["expire_after_read"], sent
    asked = team.member.get("/expectations", params={"role": "creditor"}).json()["items"]
    assert sent["id"] not in {e["message_id"] for e in asked if e["kind"] == "ask"}, asked


def assert_composer_plain(page: Page) -> None:
    expect(page.get_by_label("Priority")).to_have_value("normal")
    expect(page.get_by_label("Expires")).to_have_value("")
    expect(page.locator("#composer-ask")).to_have_value("")
    expect(page.locator("#composer-ask-by")).to_have_value("")
    expect(page.locator("#composer-send-at")).to_have_value("")
    expect(page.locator("details.asks")).not_to_have_attribute("open", "")
    expect(page.locator("details.send-later")).not_to_have_attribute("open", "")


def send_with_every_option(page: Page, body: str, ask: str) -> None:
    page.get_by_label("Message", exact=True).fill(body)
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Expires").select_option("60")
    page.locator("details.asks > summary").click()
    page.locator("#composer-ask").fill(ask)
    page.locator("#composer-ask-by").fill(tomorrow_local())
    page.keyboard.press("Escape")  # the mention menu
    page.get_by_role("button", name="Send").click()
    expect(message(page, body)).to_be_visible()


def send_plain(page: Page, body: str) -> None:
    page.get_by_label("Message", exact=True).fill(body)
    page.get_by_role("button", name="Send").click()
    expect(message(page, body)).to_be_visible()


def test_a_topic_reply_after_an_urgent_expiring_ask_goes_out_plain(
    team: Team, open_browser: Opener
) -> None:
    topic_id = new_topic(team, "Options")
    page = open_browser(team.server, team.member)
    page.goto(f"/t/{topic_id}")
    wait_live(page)
    send_with_every_option(page, "Review this by tomorrow please", "@owner")
    assert_composer_plain(page)
    expect(page.locator("#reply-preview")).not_to_contain_text("expect a reply")
    send_plain(page, "Lunch is here")
    sent = team.member.get(f"/topics/{topic_id}/messages").json()["items"]
    first, second = sent[-2], sent[-1]
    assert first["priority"] == "high" and first["expires_at"] is not None
    assert second["body"] == "Lunch is here"
    assert_plain(team, second)
    assert team.member.get("/scheduled").json()["items"] == []
    page.reload()  # the draft kept in this browser brings back no option either
    assert_composer_plain(page)
    expect(page.get_by_label("Message", exact=True)).to_have_value("")


def test_a_dm_after_a_scheduled_one_is_sent_now_and_plain(team: Team, open_browser: Opener) -> None:
    conversation = team.member.post("/conversations", json={"member_ids": [team.owner.id]}).json()
    page = open_browser(team.server, team.member)
    page.goto(f"/dm/{conversation['id']}")
    wait_live(page)
    page.get_by_label("Message", exact=True).fill("Morning summary for you")
    page.get_by_label("Priority").select_option("urgent")
    page.locator("details.send-later > summary").click()
    page.locator("#composer-send-at").fill(tomorrow_local() + ":00")
    page.get_by_label("At the start of their working day").check()
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url("/scheduled?saved=scheduled")
    page.go_back()
    wait_live(page)
    assert_composer_plain(page)
    expect(page.get_by_label("At the start of their working day")).not_to_be_checked()
    send_plain(page, "Thanks!")
    [scheduled] = team.member.get("/scheduled").json()["items"]
    assert scheduled["body"] == "Morning summary for you" and scheduled["priority"] == "urgent"
    [sent] = team.member.get(f"/conversations/{conversation['id']}/messages").json()["items"]
    assert sent["body"] == "Thanks!"
    assert_plain(team, sent)


def test_the_new_topic_form_starts_plain_after_an_urgent_topic(
    team: Team, open_browser: Opener
) -> None:
    general = team.channel_id("general")
    page = open_browser(team.server, team.member)
    page.goto(f"/c/{general}")
    page.get_by_label("Title").fill("Outage")
    page.get_by_label("First message").fill("The build server is down for everyone.")
    page.locator("#topic-priority").select_option("high")
    page.get_by_role("button", name="Start topic").click()
    expect(page.get_by_role("heading", name="Outage")).to_be_visible()
    page.goto(f"/c/{general}")
    expect(page.locator("#topic-priority")).to_have_value("normal")
    expect(page.get_by_label("First message")).to_have_value("")
    page.go_back()
    page.go_back()
    expect(page.locator("#topic-priority")).to_have_value("normal")


def test_the_forkout_form_starts_plain_after_a_scheduled_urgent_one(
    team: Team, open_browser: Opener
) -> None:
    page = open_browser(team.server, team.owner)
    page.goto("/forkouts")
    page.get_by_label("Member", exact=False).first.check()
    page.get_by_label("Message", exact=True).fill("Which week suits you for the offsite?")
    page.locator("#forkout-priority").select_option("urgent")
    page.locator("#forkout-send-at").fill(tomorrow_local())
    page.get_by_role("button", name="Send forkout").click()
    expect(page).not_to_have_url("/forkouts")
    page.goto("/forkouts")
    expect(page.locator("#forkout-priority")).to_have_value("normal")
    expect(page.locator("#forkout-send-at")).to_have_value("")
