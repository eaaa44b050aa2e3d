"""A voice note in real Chromium: "Processing…" until its job has run, then its
transcript panel; a line of the transcript plays the clip from there, and a search
for a spoken word opens the clip at that moment."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.api.test_files import post_with, upload
from tests.media.conftest import SAMPLE
from tests.support import LiveServer, Team, make_team, server_running_no_jobs
from tests.web.conftest import Opener, serious_violations
from tidings.jobs import Worker

pytest.importorskip("pocketsphinx")


@pytest.fixture(scope="module")
def clip_server(
    database_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    if not shutil.which("ffmpeg"):
        pytest.skip("clips need ffmpeg")
    with server_running_no_jobs(
        database_kind, tmp_path_factory.mktemp(f"web-clips-{database_kind}")
    ) as live:
        yield live


@pytest.fixture
def team(clip_server: LiveServer) -> Iterator[Team]:
    made = make_team(clip_server)
    try:
        yield made
    finally:
        made.close()


def near(page: Page, seconds: float) -> None:
    """Wait until the clip's player stands at ``seconds`` (or just past it, playing)."""
    page.wait_for_function(
        "at => { const m = document.querySelector('figure.file-clip audio');"
        " return m && m.currentTime >= at - 0.05 && m.currentTime < at + 1.5; }",
        arg=seconds,
    )


def test_a_voice_note_gets_a_transcript_that_seeks_and_is_found(
    team: Team, clip_server: LiveServer, open_browser: Opener
) -> None:
    note = upload(team.member, SAMPLE.read_bytes(), "budget.wav")
    sent = post_with(team, team.member, [note["id"]], body="My budget update")
    file_id = sent["attachments"][0]["id"]
    page = open_browser(clip_server, team.owner)
    page.goto(f"/t/{sent['topic_id']}")
    clip = page.locator("figure.file-clip")
    expect(clip.get_by_role("status")).to_have_text("Processing…")

    Worker(clip_server.db).run_due()  # processing: the page hears message.files_changed
    expect(clip.get_by_role("status")).to_have_count(0)
    Worker(clip_server.db).run_due()  # the transcript
    panel = clip.locator("details.clip-transcript")
    panel.locator("summary", has_text="Transcript").click()
    friday = panel.locator(".segment", has_text="friday")
    expect(friday).to_be_visible()
    start_ms = int(friday.get_attribute("data-at") or "0")
    assert start_ms > 1000, "the word is said late in the note"
    expect(friday.locator("time")).to_have_text(f"0:{start_ms // 1000:02d}")
    friday.click()
    near(page, start_ms / 1000)
    expect(friday).to_have_attribute("aria-current", "true")
    assert serious_violations(page) == []

    found = open_browser(clip_server, team.owner)
    found.goto("/search?q=friday")
    hit = found.locator("li.hit a", has_text="said in a clip")
    expect(hit).to_have_attribute(
        "href", f"/t/{sent['topic_id']}?file={file_id}&at={start_ms}#m{sent['id']}"
    )
    hit.click()
    near(found, start_ms / 1000)
    opened = found.locator("details.clip-transcript")
    expect(opened).to_have_attribute("open", "")
    expect(opened.locator('.segment[aria-current="true"]')).to_contain_text("friday")
