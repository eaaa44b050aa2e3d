"""Chromium never runs what someone uploaded: an HTML page or an SVG with script,
opened at its download address (signed link, no token), is saved, not shown."""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import Browser, Error

from tests.support import LiveServer, Person, Team

PAGES = {
    "invoice.html": b"<!DOCTYPE html><html><head><title>x</title></head><body>"
    b"<script>document.title='pwned';fetch('/pwned-html')</script></body></html>",
    "logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'/pwned-onload\')">'
    b"<script>fetch('/pwned-svg')</script><rect width='10' height='10'/></svg>",
    "photo.png": b"<html><body><img src=x onerror=\"fetch('/pwned-img')\"></body></html>",
}


def _upload(person: Person, name: str, data: bytes) -> int:
    made = person.post(
        "/uploads",
        json={"filename": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
    ).json()
    done = person.patch(
        f"/uploads/{made['id']}", content=data, headers={"Upload-Offset": "0"}
    ).json()
    assert done["state"] == "complete"
    return int(done["id"])


@pytest.mark.parametrize("name", sorted(PAGES))
def test_an_uploaded_page_never_runs_in_the_browser(
    server: LiveServer, team: Team, chromium: Browser, name: str
) -> None:
    general = team.channel_id("general")
    topic = team.member.post(
        f"/channels/{general}/topics",
        json={
            "title": f"Look at {name}",
            "body": "x",
            "attachments": [_upload(team.member, name, PAGES[name])],
        },
    ).json()
    file = topic["first_message"]["attachments"][0]
    assert file["kind"] == "file"
    link = team.owner.get(f"/files/{file['id']}/link").json()
    context = chromium.new_context(base_url=server.url, accept_downloads=True)
    ran: list[str] = []
    context.on("request", lambda r: ran.append(r.url) if "pwned" in r.url else None)
    page = context.new_page()
    try:
        with page.expect_download() as download:
            try:
                page.goto(link["url"])
            except Error as exc:  # Chromium reports the navigation became a download
                assert "Download is starting" in str(exc)
        saved = download.value
        assert saved.suggested_filename == name
        assert page.title() != "pwned"
        page.goto("about:blank")
        assert ran == []
    finally:
        context.close()
