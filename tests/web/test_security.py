"""Security headers on every response, and every page of the web UI working under the
Content-Security-Policy with nothing fetched from another host (the browser fixture
fails a test on any CSP violation or outside request)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi import FastAPI
from playwright.sync_api import Page, expect

from tests.support import LiveServer, Team
from tests.web.conftest import Opener
from tests.web.test_pages import signed_in
from tidings.api.headers import CONTENT_SECURITY_POLICY

FIXED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}


def assert_secured(response: httpx.Response) -> None:
    policy = response.headers.get("content-security-policy", "")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'", policy
    assert directives["style-src"] == "'self'", policy
    assert directives["connect-src"] == "'self'", policy
    assert directives["frame-ancestors"] == "'none'", policy
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"
    for name, value in FIXED.items():
        assert response.headers.get(name) == value, (name, response.url)
    assert "strict-transport-security" not in response.headers


def test_every_kind_of_response_carries_the_security_headers(team: Team) -> None:
    url = team.server.url
    with httpx.Client(base_url=url, timeout=30) as anonymous:
        responses = [
            anonymous.get("/login"),
            anonymous.get("/c/1"),  # redirect to sign in
            anonymous.get("/static/app.css"),
            anonymous.get("/static/vendor/htmx.min.js"),
            anonymous.get("/api/v1/docs"),
            anonymous.get("/api/v1/openapi.json"),
            anonymous.get("/api/v1/health"),
            anonymous.get("/api/v1/users/me"),  # 401 problem
            anonymous.get("/no/such/page"),  # 404
            anonymous.delete("/login"),  # 405
            anonymous.post("/api/v1/auth/login", content=b"x" * 2_000_000),  # 413
        ]
    responses += [
        team.member.get("/users/me"),
        team.member.post("/channels", json={"name": ""}),  # 422 problem
    ]
    with signed_in(team.server, team.member.email) as client:
        responses += [client.get("/"), client.get("/t/999999"), client.get("/static/nope.js")]
    statuses = {r.status_code for r in responses}
    assert {200, 303, 401, 404, 405, 413, 422} <= statuses
    for response in responses:
        assert_secured(response)


def test_hsts_only_when_the_request_came_over_tls(server: LiveServer) -> None:
    # uvicorn trusts X-Forwarded-Proto from 127.0.0.1, as from a local reverse proxy.
    behind_tls = httpx.get(f"{server.url}/login", headers={"X-Forwarded-Proto": "https"})
    assert behind_tls.headers["strict-transport-security"].startswith("max-age=")
    assert "strict-transport-security" not in httpx.get(f"{server.url}/login").headers


def test_the_policy_allows_no_inline_script_or_style() -> None:
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY


# --- every page in the browser ------------------------------------------------------------

SKIPPED = re.compile(r"^/(parts|static|api)/|^/next$")


def page_paths(app: FastAPI) -> list[str]:
    """Every GET path of the web UI, from the routes (fragments and redirects left out)."""
    paths = []
    for path, route in _flatten(list(app.routes)):
        if "GET" in (getattr(route, "methods", None) or ()) and not SKIPPED.match(path):
            paths.append(path)
    return sorted(set(paths))


def _flatten(routes: list[Any]) -> Iterator[tuple[str, Any]]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is None:
            yield route.path, route
            continue
        prefix = getattr(getattr(route, "include_context", None), "prefix", "")
        yield from ((prefix + path, inner) for path, inner in _flatten(included.routes))


def filled_paths(team: Team) -> list[str]:
    """The web UI's pages with their ids filled in from a small workspace."""
    general = team.channel_id("general")
    topic = team.owner.post(
        f"/channels/{general}/topics", json={"title": "Layout", "body": "A first message"}
    ).json()
    conversation = team.owner.post("/conversations", json={"member_ids": [team.member.id]}).json()
    forkout = team.owner.post(
        "/forkouts", json={"body": "Which week suits you?", "member_ids": [team.member.id]}
    ).json()
    invitation = team.owner.post("/invitations", json={"role": "member"}).json()
    ids = {
        "topic_id": topic["id"],
        "channel_id": general,
        "conversation_id": conversation["id"],
        "member_id": team.member.id,
        "message_id": topic["first_message"]["id"],
        "forkout_id": forkout["id"],
        "token": invitation["url"].rsplit("/", 1)[-1],
    }
    paths = []
    for path in page_paths(team.server.app):
        filled = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)
        paths.append(filled)
    assert len(paths) >= 25 and f"/t/{topic['id']}" in paths
    return paths


def visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status < 500, (path, response)
    page.wait_for_load_state("load")


def test_every_page_works_under_the_content_security_policy(
    team: Team, open_browser: Opener
) -> None:
    paths = filled_paths(team)
    page = open_browser(team.server, team.owner)
    for path in (*paths, "/no/such/page", "/t/999999"):  # error pages too
        visit(page, path)
    page.goto(paths[paths.index("/")])
    expect(page.locator("body")).to_have_attribute("data-live", "up")  # the socket connects
    signed_out = open_browser(team.server)
    for path in ("/login", "/setup", *(p for p in paths if p.startswith("/invite/"))):
        visit(signed_out, path)


def test_every_page_fits_a_phone_screen(team: Team, open_browser: Opener) -> None:
    paths = filled_paths(team)
    page = open_browser(team.server, team.owner, viewport={"width": 390, "height": 844})
    wide = []
    for path in paths:
        visit(page, path)
        if not fits(page):
            wide.append(path)
    assert not wide, f"pages that scroll sideways at 390 px: {wide}"
    visit(page, next(p for p in paths if p.startswith("/t/")))
    for picker in ("Later", "React"):
        page.locator("details.picker > summary", has_text=picker).first.click()
        expect(page.locator("details.picker[open] .picker-panel")).to_be_visible()
        assert fits(page), f"the open {picker} picker runs off the screen"
        page.keyboard.press("Escape")


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_api_docs_render_from_the_package_alone(
    server: LiveServer, open_browser: Opener
) -> None:
    page = open_browser(server)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/channels").first).to_be_visible()
    assert requested and all(url.startswith(server.url) for url in requested), requested
