"""Files that reach the composer the other ways a browser hands them over: an image
pasted from the clipboard, a document dropped on the composer. Both are dispatched
as the browser dispatches them, with a DataTransfer holding the file."""

from __future__ import annotations

import io

from PIL import Image
from playwright.sync_api import Page, expect

from tests.support import Team
from tests.web.conftest import Opener
from tests.web.test_journeys import message, new_topic

HAND_OVER = """([how, name, type, bytes]) => {
  const data = new DataTransfer();
  data.items.add(new File([new Uint8Array(bytes)], name, {type}));
  const target = document.getElementById("composer-body");
  const init = {bubbles: true, cancelable: true, composed: true};
  if (how === "paste") {
    target.dispatchEvent(new ClipboardEvent("paste", {...init, clipboardData: data}));
    return;
  }
  for (const type of ["dragenter", "dragover", "drop"]) {
    target.dispatchEvent(new DragEvent(type, {...init, dataTransfer: data}));
  }
}"""
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 90)).save(out, "PNG")
    return out.getvalue()


def hand_over(page: Page, how: str, name: str, content_type: str, data: bytes) -> None:
    page.evaluate(HAND_OVER, [how, name, content_type, list(data)])


def test_paste_an_image_give_it_alt_text_and_send_it(team: Team, open_browser: Opener) -> None:
    topic = new_topic(team, "Pasted")
    page = open_browser(team.server, team.member)
    page.goto(f"/t/{topic}")
    hand_over(page, "paste", "image.png", "image/png", _png())
    expect(page.locator("#composer input[name=attachment]")).to_have_count(1)
    page.get_by_label("Alt text").fill("A red test card")
    page.get_by_label("Message", exact=True).fill("From the clipboard")
    page.get_by_role("button", name="Send").click()
    sent = message(page, "From the clipboard")
    image = sent.get_by_role("img", name="A red test card")
    expect(image).to_be_visible()
    expect(image).to_have_js_property("naturalWidth", 64)
    expect(page.locator("#composer-attachments li")).to_have_count(0)
    page.get_by_label("Message", exact=True).fill("And then words alone")
    page.get_by_role("button", name="Send").click()
    expect(message(page, "And then words alone").locator(".files")).to_have_count(0)


def test_drop_a_pdf_on_the_composer_and_download_it(team: Team, open_browser: Opener) -> None:
    topic = new_topic(team, "Dropped")
    page = open_browser(team.server, team.member)
    page.goto(f"/t/{topic}")
    hand_over(page, "drop", "Q3 report.pdf", "application/pdf", PDF)
    expect(page.locator("#composer input[name=attachment]")).to_have_count(1)
    expect(page.locator("#composer")).not_to_have_class("dropping")
    page.get_by_label("Message", exact=True).fill("The report")
    page.get_by_role("button", name="Send").click()
    chip = message(page, "The report").get_by_role("link", name="Q3 report.pdf")
    expect(chip).to_have_class("file-chip")
    other = open_browser(team.server, team.owner)
    other.goto(f"/t/{topic}")
    chip = message(other, "The report").get_by_role("link", name="Q3 report.pdf")
    with other.expect_download() as download:
        chip.click()
    assert download.value.suggested_filename == "Q3 report.pdf"
    fetched = other.request.get(chip.get_attribute("href") or "")
    assert fetched.ok and fetched.body() == PDF
    assert fetched.headers["content-disposition"].startswith("attachment;")
    assert fetched.headers["content-type"] == "application/pdf"


DROP_TEXT = """() => {
  const data = new DataTransfer();
  data.setData("text/plain", "dragged words");
  const drop = new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: data});
  return document.getElementById("composer-body").dispatchEvent(drop);
}"""


def test_text_dropped_on_the_composer_is_left_to_the_browser(
    team: Team, open_browser: Opener
) -> None:
    topic = new_topic(team, "Dragged text")
    page = open_browser(team.server, team.member)
    page.goto(f"/t/{topic}")
    assert page.evaluate(DROP_TEXT) is True  # not cancelled: the text box takes it
    expect(page.locator("#composer-attachments li")).to_have_count(0)
