"""axe-core finds no serious or critical accessibility problem on the main pages,
and on a thread with an image, a voice note, a video clip and a link preview with
its image, the Record menu open; in the light and the dark colour scheme."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.support import LiveServer, Person, Team, make_team
from tests.unfurl.conftest import serve, server_with_previews, wait_for_previews
from tests.web.conftest import Opener, serious_violations


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_pages_have_no_serious_accessibility_violations(
    team: Team, open_browser: Opener, scheme: str
) -> None:
    general = team.channel_id("general")
    topic = team.owner.post(
        f"/channels/{general}/topics",
        json={"title": "Accessibility", "body": "Check **contrast** and labels, @member"},
    ).json()
    team.member.put(f"/messages/{topic['first_message']['id']}/reactions/👍")
    page = open_browser(team.server, team.admin, color_scheme=scheme)
    pages = [
        "/",
        f"/c/{general}",
        f"/t/{topic['id']}",
        "/search?q=contrast",
        "/channels",
        "/dm",
        "/people",
        "/groups",
        "/settings",
        "/admin",
        "/admin/channels",
    ]
    found = {}
    for path in pages:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        violations = serious_violations(page)
        if violations:
            found[path] = violations
    assert not found, found


@pytest.fixture(scope="module")
def previewing(
    database_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with server_with_previews(database_kind, tmp_path_factory.mktemp("a11y")) as live:
        yield live


def _voice_note() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\0" * 8000)
    return out.getvalue()


def _video_clip(tmp: Path) -> bytes:
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")
    target = tmp / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "testsrc=size=160x120:rate=10:duration=1", "-pix_fmt", "yuv420p", str(target)],
        check=True,
        timeout=60,
    )  # fmt: skip
    return target.read_bytes()


def _uploaded(person: Person, data: bytes, filename: str, alt_text: str = "") -> dict[str, object]:
    made = person.post("/uploads", json={"filename": filename, "size": len(data)}).json()
    done = person.patch(
        f"/uploads/{made['id']}",
        content=data,
        headers={"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert done.status_code == 200 and done.json()["state"] == "complete", done.text
    return {"upload_id": made["id"], "alt_text": alt_text}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_thread_with_media_and_the_record_menu_has_no_serious_violations(
    previewing: LiveServer, open_browser: Opener, scheme: str, tmp_path: Path
) -> None:
    crew = make_team(previewing)
    try:
        with serve() as site:
            general = crew.channel_id("general")
            picture = io.BytesIO()
            Image.new("RGB", (320, 200), (20, 120, 90)).save(picture, "PNG")
            files = [
                _uploaded(crew.member, picture.getvalue(), "chart.png", "Sales by month"),
                _uploaded(crew.member, _voice_note(), "Voice note.wav"),
                _uploaded(crew.member, _video_clip(tmp_path), "Walkthrough.mp4"),
            ]
            topic = crew.member.post(
                f"/channels/{general}/topics",
                json={"title": "Media", "body": f"Read {site.url}/article", "attachments": files},
            ).json()
            [preview] = wait_for_previews(crew.member, topic["first_message"]["id"])
            assert preview["image_url"]
        page = open_browser(crew.server, crew.owner, color_scheme=scheme)
        page.goto(f"/t/{topic['id']}")
        sent = page.locator("article.message").filter(has_text="Read")
        expect(sent.locator(".link-preview img")).to_have_js_property("naturalWidth", 480)
        expect(sent.locator("figure.file-clip audio")).to_have_count(1)
        expect(sent.locator("figure.file-clip video")).to_have_count(1)
        expect(sent.get_by_role("img", name="Sales by month")).to_be_visible()
        assert serious_violations(page) == []
        page.locator("details.record-buttons summary").click()
        expect(page.get_by_role("button", name="Screen + camera")).to_be_visible()
        assert serious_violations(page) == []
    finally:
        crew.close()
