"""The pages served before the web client exists."""

from __future__ import annotations

import httpx

from tests.support import LiveServer, Team


def test_landing_page_links_to_the_api_docs(server: LiveServer) -> None:
    page = httpx.get(f"{server.url}/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'href="/api/v1/docs"' in page.text
    assert httpx.get(f"{server.url}/api/v1/docs").status_code == 200


def test_invitation_link_opens_a_join_form_for_its_token(team: Team) -> None:
    invitation = team.owner.post("/invitations", json={"role": "member"}).json()
    page = httpx.get(invitation["url"])
    assert page.status_code == 200
    assert f'data-token="{invitation["token"]}"' in page.text
    assert "/api/v1/invitations/accept" in page.text


def test_invitation_page_escapes_what_is_in_the_link(server: LiveServer) -> None:
    page = httpx.get(f"{server.url}/invite/%22%3E%3Cscript%3Ealert(1)%3C")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;" in page.text
