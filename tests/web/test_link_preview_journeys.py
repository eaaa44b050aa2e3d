"""A link preview in real Chromium: it appears live under the message, with the
page's image as this server keeps it, without the page loading anything from the
linked site."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.support import LiveServer, Team, make_team
from tests.unfurl.conftest import Site, serve, server_with_previews, wait_for_previews
from tests.web.conftest import Opener
from tests.web.test_journeys import message, wait_live


@pytest.fixture(scope="module")
def previewing(
    database_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with server_with_previews(database_kind, tmp_path_factory.mktemp("previews")) as live:
        yield live


@pytest.fixture
def crew(previewing: LiveServer) -> Iterator[Team]:
    made = make_team(previewing)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def web() -> Iterator[Site]:
    with serve() as site:
        yield site


def test_a_preview_appears_live_under_the_message(
    crew: Team, web: Site, open_browser: Opener
) -> None:
    topic = crew.owner.post(
        f"/channels/{crew.channel_id('general')}/topics",
        json={"title": "Reading", "body": "Links below"},
    ).json()
    reader = open_browser(crew.server, crew.member)
    reader.goto(f"/t/{topic['id']}")
    wait_live(reader)
    # The site answers after a delay of its own, so the message shows first and its
    # preview arrives later, by the live event.
    link = f"{web.url}/slow?delay=1.5"
    crew.owner.post(f"/topics/{topic['id']}/messages", json={"body": f"Read {link}"})
    sent = message(reader, "Read ")
    preview = sent.locator(".link-preview")
    expect(sent).to_be_visible()
    expect(preview).to_have_count(0)
    expect(preview).to_contain_text("Q3 budget & plan")
    expect(preview).to_contain_text("Acme Docs")
    expect(preview.get_by_role("link", name="Acme Docs Q3 budget & plan")).to_have_attribute(
        "href", link
    )
    image = preview.locator("img.preview-image")
    expect(image).to_have_attribute("src", re.compile(r"^/api/v1/messages/\d+/previews/0/image$"))
    expect(image).to_have_attribute("alt", "")
    expect(image).to_have_js_property("naturalWidth", 480)  # loaded from our own origin
    # The server fetched the page and its image once each; the browser, nothing.
    assert [path for path, _ in web.requests] == ["/slow", "/cover.png"]


def test_a_preview_whose_image_is_refused_shows_as_text(
    crew: Team, web: Site, open_browser: Opener
) -> None:
    link = f"{web.url}/pictured?image=/drawing.svg"
    topic = crew.owner.post(
        f"/channels/{crew.channel_id('general')}/topics",
        json={"title": "Drawings", "body": f"See {link}"},
    ).json()
    wait_for_previews(crew.owner, topic["first_message"]["id"])
    reader = open_browser(crew.server, crew.member)
    reader.goto(f"/t/{topic['id']}")
    preview = message(reader, "See ").locator(".link-preview")
    expect(preview).to_contain_text("Pictured")
    expect(preview.locator("img")).to_have_count(0)
