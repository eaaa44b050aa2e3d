"""The composer's recorder in real Chromium with fake capture devices: a voice note,
a screen recording and the screen with the camera in a bubble are uploaded while
they record, reviewed, attached and sent."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, Route, expect

from tests.support import Team
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, Opener, _require, serious_violations
from tests.web.test_journeys import message, new_topic

MEDIA_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--auto-select-desktop-capture-source=Entire screen",
]


@pytest.fixture(scope="module")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    """The standard browser, with a fake microphone, camera and screen that need no
    permission prompt."""
    _require(CHROMIUM, "Chromium")
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *MEDIA_ARGS]
    )
    yield browser
    browser.close()


def open_record_menu(page: Page) -> None:
    menu = page.locator("details.record-buttons")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()


def record(page: Page, button: str) -> None:
    """Record until a piece has reached the server, then stop and wait for review."""
    recorder = page.get_by_role("region", name="Recorder")
    open_record_menu(page)
    with page.expect_response(
        lambda r: r.request.method == "PATCH" and "/uploads/" in r.url and r.ok, timeout=20_000
    ):
        page.get_by_role("button", name=button).click()
        expect(recorder.get_by_role("status")).to_contain_text("Recording in")
    expect(recorder).to_have_attribute("data-state", "recording")
    recorder.get_by_role("button", name="Stop").click()
    expect(recorder.get_by_role("button", name="Attach recording")).to_be_visible()
    expect(recorder).to_have_attribute("data-state", "review")


def test_record_a_voice_note_review_it_and_send_it(team: Team, open_browser: Opener) -> None:
    topic = new_topic(team, "Standup")
    page = open_browser(team.server, team.member, permissions=["microphone", "camera"])
    page.goto(f"/t/{topic}")
    record(page, "Record voice")
    recorder = page.get_by_role("region", name="Recorder")
    playback = recorder.get_by_label("Play the recording back")
    expect(playback).to_have_attribute("src", re.compile(r"^blob:"))
    assert serious_violations(page) == []
    recorder.get_by_role("button", name="Attach recording").click()
    expect(recorder).to_be_hidden()
    expect(page.locator("#composer input[name=attachment]")).to_have_count(1)
    page.get_by_label("Message", exact=True).fill("My update")
    page.get_by_role("button", name="Send").click()
    sent = message(page, "My update")
    expect(sent.locator("figure.file-clip audio, figure.file-clip video")).to_have_count(1)
    expect(sent).to_contain_text("Voice note")
    other = open_browser(team.server, team.owner)
    other.goto(f"/t/{topic}")
    clip = message(other, "My update").locator("figure.file-clip")
    double = clip.get_by_role("button", name="2×")
    double.click()
    expect(double).to_have_attribute("aria-pressed", "true")
    expect(clip.get_by_role("button", name="1×")).to_have_attribute("aria-pressed", "false")
    assert clip.locator("audio, video").evaluate("m => m.playbackRate") == 2
    assert serious_violations(other) == []


def test_record_the_screen_then_record_again(team: Team, open_browser: Opener) -> None:
    topic = new_topic(team, "Bug report")
    page = open_browser(team.server, team.member, permissions=["microphone", "camera"])
    page.goto(f"/t/{topic}")
    open_record_menu(page)
    page.get_by_label("Screen with microphone").uncheck()
    record(page, "Record screen")
    recorder = page.get_by_role("region", name="Recorder")
    with page.expect_response(lambda r: r.request.method == "DELETE" and r.ok):
        recorder.get_by_role("button", name="Record again").click()
    expect(recorder).to_have_attribute("data-state", "recording", timeout=20_000)
    recorder.get_by_role("button", name="Pause").click()
    expect(recorder).to_have_attribute("data-state", "paused")
    recorder.get_by_role("button", name="Resume").click()
    recorder.get_by_role("button", name="Stop").click()
    recorder.get_by_role("button", name="Attach recording").click()
    page.get_by_label("Message", exact=True).fill("Here is the bug")
    page.get_by_role("button", name="Send").click()
    sent = message(page, "Here is the bug")
    expect(sent).to_contain_text("Screen recording")


# The size of the pictures a screen capture delivers (its settings before the first
# frame can name the whole screen instead).
SCREEN_SIZE = """async () => {
  const stream = await navigator.mediaDevices.getDisplayMedia({video: true});
  const video = document.createElement("video");
  video.muted = true;
  video.srcObject = stream;
  await new Promise((resolve) => video.addEventListener("loadedmetadata", resolve, {once: true}));
  for (const track of stream.getTracks()) track.stop();
  return [video.videoWidth, video.videoHeight];
}"""


def test_record_the_screen_with_the_camera_in_a_bubble(team: Team, open_browser: Opener) -> None:
    topic = new_topic(team, "Walkthrough")
    page = open_browser(team.server, team.member, permissions=["microphone", "camera"])
    page.goto(f"/t/{topic}")
    width, height = page.evaluate(SCREEN_SIZE)
    open_record_menu(page)
    expect(page.get_by_label("Screen with microphone")).to_be_checked()
    record(page, "Screen + camera")
    recorder = page.get_by_role("region", name="Recorder")
    playback = recorder.get_by_label("Play the recording back")
    expect(playback).to_have_js_property("videoWidth", width)  # one picture, the screen's size
    expect(playback).to_have_js_property("videoHeight", height)
    assert page.evaluate("() => document.querySelector('[data-recorder-live]').srcObject") is None
    recorder.get_by_role("button", name="Attach recording").click()
    page.get_by_label("Message", exact=True).fill("How to file a report")
    page.get_by_role("button", name="Send").click()
    sent = message(page, "How to file a report")
    expect(sent.locator("figure.file-clip video")).to_have_count(1)
    expect(sent).to_contain_text("Screen recording")


def test_a_dropped_piece_is_sent_again_from_the_servers_offset(
    team: Team, open_browser: Opener
) -> None:
    topic = new_topic(team, "Flaky network")
    page = open_browser(team.server, team.member, permissions=["microphone", "camera"])
    page.goto(f"/t/{topic}")
    dropped: list[str] = []
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.method == "HEAD" else None)

    def drop_first_piece(route: Route) -> None:
        request = route.request
        if request.method == "PATCH" and request.post_data_buffer and not dropped:
            dropped.append(request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/uploads/*", drop_first_piece)
    record(page, "Record voice")
    assert dropped and asked and asked[0] == dropped[0]
    page.get_by_role("region", name="Recorder").get_by_role(
        "button", name="Attach recording"
    ).click()
    page.get_by_label("Message", exact=True).fill("Despite the network")
    page.get_by_role("button", name="Send").click()
    sent = message(page, "Despite the network")
    expect(sent.locator("figure.file-clip audio, figure.file-clip video")).to_have_count(1)
