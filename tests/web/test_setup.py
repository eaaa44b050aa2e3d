"""First-run setup: a server with no workspace offers to create one, exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import LiveServer, server_settings
from tests.web.test_pages import csrf_of


@pytest.fixture
def empty_server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(server_settings(f"sqlite:///{tmp_path / 'fresh.db'}")).start()
    try:
        yield live
    finally:
        live.stop()


def test_first_run_creates_the_workspace_and_its_owner_then_closes(
    empty_server: LiveServer,
) -> None:
    with httpx.Client(base_url=empty_server.url, follow_redirects=True) as client:
        page = client.get("/")
        assert page.url.path == "/setup"
        form = {
            "csrf_token": csrf_of(page.text),
            "workspace": "Acme",
            "display_name": "Lena Hoffmann",
            "email": "lena@acme.test",
            "password": "long enough secret",
            "time_zone": "Europe/Berlim",
        }
        refused = client.post("/setup", data=form)
        assert refused.status_code == 422
        assert "time zone" in refused.text.lower()
        assert 'value="Lena Hoffmann"' in refused.text and 'value="Europe/Berlim"' in refused.text
        assert "long enough secret" not in refused.text

        done = client.post("/setup", data={**form, "time_zone": "Europe/Berlin"})
        assert done.status_code == 200 and done.url.path == "/"
        assert "Inbox" in done.text and "#general" in done.text

        again = client.get("/setup")
        assert again.url.path != "/setup"
        fresh = {"csrf_token": csrf_of(again.text)}  # renewed at sign-in
        second = client.post(
            "/setup", data={**form, **fresh, "workspace": "Other", "email": "x@y.test"}
        )
        assert second.status_code == 409
        assert "set up already" in second.text
