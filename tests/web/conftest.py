"""Real Chromium (Debian's, at /usr/bin/chromium) driven by Playwright against the
running test server; axe-core from npm for accessibility checks.

Every page opened here fails its test on a script error, on a Content-Security-Policy
violation, and on any request to a host other than the local test server: the web UI
must work under its CSP and fetch nothing from the internet."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Route,
    expect,
    sync_playwright,
)

from tests.support import PASSWORD, LiveServer, Person

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__tests__/axe.min.js"
expect.set_options(timeout=10_000)
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Requests to any other host; as a pattern, so that local requests are not paused.
NOT_LOCAL = re.compile(r"^(?!(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/)")
# Reports each CSP violation on the console, where the listener below collects it.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`csp-violation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""


def _require(path: Path, what: str) -> None:
    if path.exists():
        return
    message = f"{what} is missing at {path}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {message}: .ci/run and `make test` install it")
    pytest.skip(f"browser tests skipped: {message} (apt-get install chromium; npm ci)")


# Per module, not per session: Playwright's synchronous driver keeps an event loop
# running in the main thread while it lives, and later tests that call asyncio.run()
# (the job worker's) must not find one.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    _require(CHROMIUM, "Chromium")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


Opener = Callable[..., Page]


@pytest.fixture
def open_browser(chromium: Browser) -> Iterator[Opener]:
    """Open a fresh browser profile (its own cookies and storage) on the server;
    ``person`` signs in first. Pages record script errors, CSP violations and requests
    to other hosts (which are refused), and any of them fails the test."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []
    violations: list[str] = []
    outside: list[str] = []

    def only_local(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def on_console(message: ConsoleMessage) -> None:
        if "csp-violation" in message.text or "Content Security Policy" in message.text:
            violations.append(message.text)

    def open_(server: LiveServer, person: Person | None = None, **options: object) -> Page:
        options.setdefault("viewport", {"width": 1280, "height": 860})
        context = chromium.new_context(base_url=server.url, **options)  # type: ignore[arg-type]
        contexts.append(context)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.route(NOT_LOCAL, only_local)
        context.on("console", on_console)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        if person is not None:
            sign_in(page, person.email)
            expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
            page.wait_for_load_state()  # the page's scripts have run
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, f"script errors in the page: {errors}"
    assert not violations, f"Content-Security-Policy violations: {violations}"
    assert not outside, f"requests to hosts other than the server: {outside}"


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def serious_violations(page: Page) -> list[dict[str, object]]:
    """axe-core's serious and critical findings for the page as it is now."""
    _require(AXE, "axe-core")
    # An inline script would break the CSP: load it from the page's own origin instead,
    # answered by the browser straight from node_modules.
    page.route(AXE_URL, lambda route: route.fulfill(path=AXE, content_type="text/javascript"))
    page.add_script_tag(url=AXE_URL)
    page.unroute(AXE_URL)
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
