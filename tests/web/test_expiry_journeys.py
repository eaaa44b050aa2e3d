"""A self-destructing message in real Chromium: marked while it lives, and gone live
in the sender's browser once the other person has read it."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.support import Team
from tests.web.conftest import Opener
from tests.web.test_journeys import message, send, wait_live


def test_a_message_that_expires_after_reading_turns_into_a_placeholder_live(
    team: Team, open_browser: Opener
) -> None:
    conversation = team.owner.post("/conversations", json={"member_ids": [team.member.id]})
    path = f"/dm/{conversation.json()['id']}"
    sender = open_browser(team.server, team.owner)
    sender.goto(path)
    wait_live(sender)
    sender.get_by_label("Expires").select_option(label="After everyone has read it")
    send(sender, "The safe combination is 12-34-56")
    sent = message(sender, "The safe combination")
    expect(sent.locator(".expiry-tag")).to_have_text("Self-destructs after everyone reads it")

    reader = open_browser(team.server, team.member)
    reader.goto(path)  # opening the conversation reads it
    expect(sender.locator("article.message.expired")).to_contain_text("A message expired")
    expect(message(sender, "The safe combination")).to_have_count(0)
    expect(reader.get_by_text("A message expired")).to_be_visible()
    expect(reader.get_by_text("The safe combination")).to_have_count(0)
