"""The context check's hints in the composer, in real Chromium, and axe-core on them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support import Team
from tests.web.conftest import Opener, serious_violations
from tests.web.test_journeys import message, new_topic, wait_live
from tidings.core.context import check_draft

NO_HELLO = check_draft("hi")[0].message


def test_a_bare_hi_gets_a_gentle_hint_that_never_blocks_sending(
    team: Team, open_browser: Opener
) -> None:
    topic_id = new_topic(team, "Hints")
    page = open_browser(team.server, team.owner)
    page.goto(f"/t/{topic_id}")
    wait_live(page)
    hints = page.locator("#context-hints")
    box = page.get_by_label("Message", exact=True)
    box.press_sequentially("hi")
    expect(hints).to_contain_text(NO_HELLO)
    expect(hints.locator(".context-hint")).to_have_attribute("data-code", "NO_HELLO")

    box.fill("")
    box.press_sequentially(
        "Could you review https://git.example.com/app/pull/9 by Thu 15:00 CET? It unblocks 4.2."
    )
    expect(hints.locator(".context-hint")).to_have_count(0)

    box.fill("hi")
    expect(hints).to_contain_text(NO_HELLO)
    page.get_by_role("button", name="Send").click()
    expect(message(page, "hi")).to_be_visible()
    expect(box).to_have_value("")
    expect(hints.locator(".context-hint")).to_have_count(0)


def test_the_new_topic_form_shows_hints_too(team: Team, open_browser: Opener) -> None:
    page = open_browser(team.server, team.member)
    page.goto(f"/c/{team.channel_id('general')}")
    page.get_by_label("First message").fill("Here is the final deck. Thoughts?")
    hints = page.locator("#new-topic-hints")
    expect(hints.locator("[data-code=MISSING_LINK]")).to_be_visible()
    expect(hints.locator("[data-code=VAGUE_ASK]")).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_topic_page_with_hints_showing_has_no_serious_accessibility_violations(
    team: Team, open_browser: Opener, scheme: str
) -> None:
    topic_id = new_topic(team, "Hints and contrast")
    page = open_browser(team.server, team.owner, color_scheme=scheme)
    page.goto(f"/t/{topic_id}")
    wait_live(page)
    page.get_by_label("Priority").select_option("urgent")
    page.get_by_label("Message", exact=True).fill("Can you look at this doc?")
    expect(page.locator("#context-hints .context-hint")).to_have_count(3)
    page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []
