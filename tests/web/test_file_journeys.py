"""Files in the web UI: attach in the composer, see images inline with their alt
text and a lightbox, other files as download chips."""

from __future__ import annotations

import io

from PIL import Image
from playwright.sync_api import expect

from tests.api.test_files import upload
from tests.support import Team
from tests.web.conftest import Opener
from tests.web.test_journeys import message, new_topic


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (30, 90, 200)).save(out, "PNG")
    return out.getvalue()


def test_attach_an_image_and_a_file_in_the_composer(team: Team, open_browser: Opener) -> None:
    topic = new_topic(team, "Screens")
    page = open_browser(team.server, team.member)
    page.goto(f"/t/{topic}")
    page.get_by_label("Attach files").set_input_files(
        [
            {"name": "screen.png", "mimeType": "image/png", "buffer": _png()},
            {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"meeting notes"},
        ]
    )
    expect(page.locator("#composer input[name=attachment]")).to_have_count(2)
    page.get_by_label("Alt text").fill("The new sign-in screen")
    page.get_by_label("Message", exact=True).fill("Two files")
    page.get_by_role("button", name="Send").click()
    sent = message(page, "Two files")
    image = sent.get_by_role("img", name="The new sign-in screen")
    expect(image).to_be_visible()
    expect(sent.get_by_role("link", name="notes.txt")).to_be_visible()
    expect(page.locator("#composer-attachments li")).to_have_count(0)
    assert image.evaluate("img => img.naturalWidth") == 120  # the signed link loaded
    image.click()
    dialog = page.get_by_role("dialog", name="Image")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    other = open_browser(team.server, team.owner)
    other.goto(f"/t/{topic}")
    chip = message(other, "Two files").get_by_role("link", name="notes.txt")
    with other.expect_download() as download:
        chip.click()
    assert download.value.suggested_filename == "notes.txt"


def test_deleting_a_message_with_files_asks_whether_they_go_too(
    team: Team, open_browser: Opener
) -> None:
    topic = new_topic(team, "Drafts")
    sent: dict[str, tuple[int, int]] = {}  # body: (message id, file id)
    for body, data in (("Keep the file", b"keep me"), ("Drop the file", b"drop me")):
        upload_id = upload(team.member, data, "notes.txt")["id"]
        made = team.member.post(
            f"/topics/{topic}/messages", json={"body": body, "attachments": [upload_id]}
        )
        assert made.status_code == 201, made.text
        sent[body] = (made.json()["id"], made.json()["attachments"][0]["id"])
    page = open_browser(team.server, team.member)
    page.goto(f"/t/{topic}")
    for body, choice in (
        ("Keep the file", "Delete it, keep the file"),
        ("Drop the file", "Delete it and its file"),
    ):
        shown = page.locator(f"#m{sent[body][0]}")
        shown.locator("summary", has_text="Delete").click()
        shown.get_by_role("button", name=choice).click()
        expect(shown).to_contain_text("This message was deleted.")
    assert team.member.get(f"/files/{sent['Keep the file'][1]}").status_code == 200
    assert team.member.get(f"/files/{sent['Drop the file'][1]}").status_code == 404
