"""Screenshots of the main pages of the web UI, desktop and phone width, light and dark.

Starts a server on the demo workspace in a temporary directory, signs in as a demo
member in Debian's Chromium and writes PNGs to docs/screenshots/. Run: make screenshots
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SIZES = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}
PORT = 8791
URL = f"http://127.0.0.1:{PORT}"


def start_server(data: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TIDINGS_DATABASE_URL": f"sqlite:///{data / 'tidings.db'}",
        "TIDINGS_ACCESS_LOG": "false",
    }
    command = [sys.executable, "-m", "tidings", "serve", "--demo", "--port", str(PORT)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{URL}/api/v1/health").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def pages(page: Page) -> dict[str, str]:
    """Name -> path of the pages worth showing, found from the demo's own data."""
    page.goto(f"{URL}/")
    topic = page.locator(".inbox-open").first.get_attribute("href") or "/"
    channel = page.locator("#sidebar a[data-channel]").nth(1).get_attribute("href") or "/"
    return {
        "inbox": "/",
        "channel": channel,
        "topic": topic.split("#")[0],
        "search": "/search?q=roadmap",
        "people": "/people",
        "settings": "/settings",
    }


def capture(page: Page, name: str, path: str, suffix: str) -> None:
    page.goto(f"{URL}{path}")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}-{suffix}.png"))
    print(f"wrote docs/screenshots/{name}-{suffix}.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data, sync_playwright() as driver:
        server = start_server(Path(data))
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        try:
            for size, viewport in SIZES.items():
                for scheme in ("light", "dark"):
                    context = browser.new_context(
                        viewport=viewport, color_scheme=scheme, timezone_id="Europe/Berlin"
                    )
                    page = context.new_page()
                    page.goto(f"{URL}/login")
                    page.get_by_label("E-mail").fill("lena@acme.example")
                    page.get_by_label("Password").fill("tidings-demo")
                    page.get_by_role("button", name="Sign in").click()
                    page.wait_for_url(f"{URL}/")
                    for name, path in pages(page).items():
                        capture(page, name, path, f"{size}-{scheme}")
                    context.close()
        finally:
            browser.close()
            server.terminate()
            server.wait(15)


if __name__ == "__main__":
    main()
