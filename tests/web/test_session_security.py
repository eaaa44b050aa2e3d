"""The CSRF token changes whenever who is signed in changes; the web revokes tokens by
their public ids."""

from __future__ import annotations

import httpx

from tests.support import PASSWORD, Team
from tests.web.test_pages import csrf_of

CSRF_COOKIE = "tidings_csrf"


def _set_cookie(response: httpx.Response, name: str) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        key, _, rest = header.partition("=")
        if key == name:
            return rest.split(";")[0]
    return None


def test_signing_in_and_out_issues_a_fresh_csrf_token(team: Team) -> None:
    with httpx.Client(base_url=team.server.url, timeout=30) as client:
        before = csrf_of(client.get("/login").text)
        assert client.cookies[CSRF_COOKIE] == before
        signed = client.post(
            "/login", data={"csrf_token": before, "email": team.member.email, "password": PASSWORD}
        )
        assert signed.status_code == 303
        after = _set_cookie(signed, CSRF_COOKIE)
        assert after and after != before
        # A token known before sign-in (planted or read by someone else) is refused now.
        stale = client.post("/settings/profile", data={"csrf_token": before, "title": "x"})
        assert stale.status_code == 403
        current = csrf_of(client.get("/settings").text)
        assert current == after
        profile = {"display_name": "Member", "title": "Lead", "time_zone": "Europe/Lisbon"}
        saved = client.post("/settings/profile", data={"csrf_token": current, **profile})
        assert saved.status_code == 303
        out = client.post("/logout", data={"csrf_token": current})
        assert out.status_code == 303
        renewed = _set_cookie(out, CSRF_COOKIE)
        assert renewed and renewed != current


def test_the_settings_page_revokes_a_token_by_its_public_id(team: Team) -> None:
    made = team.member.post("/tokens", json={"name": "deploy"}).json()
    with httpx.Client(base_url=team.server.url, timeout=30) as client:
        page = client.get("/login")
        client.post(
            "/login",
            data={
                "csrf_token": csrf_of(page.text),
                "email": team.member.email,
                "password": PASSWORD,
            },
        )
        settings = client.get("/settings")
        assert f"/settings/tokens/{made['id']}/revoke" in settings.text
        revoked = client.post(
            f"/settings/tokens/{made['id']}/revoke", data={"csrf_token": csrf_of(settings.text)}
        )
        assert revoked.status_code == 303
    assert next(t for t in team.member.get("/tokens").json() if t["id"] == made["id"])["revoked_at"]


def test_the_invitation_page_does_not_tell_who_is_a_member(team: Team) -> None:
    token = team.owner.post("/invitations", json={}).json()["token"]
    with httpx.Client(base_url=team.server.url, timeout=30) as client:
        page = client.get(f"/invite/{token}")
        form = {
            "csrf_token": csrf_of(page.text),
            "display_name": "Probe",
            "email": team.member.email,
            "password": "some guess here",
            "time_zone": "UTC",
        }
        probed = client.post(f"/invite/{token}", data=form)
        assert probed.status_code == 401
        assert "is a member" not in probed.text and "already" not in probed.text
        fresh = {**form, "email": f"fresh@{team.slug}.test"}
        assert client.post(f"/invite/{token}", data=fresh).status_code == 410
