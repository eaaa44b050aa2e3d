"""Signing in and out, API tokens, rate limits and invitations over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.support import (
    PASSWORD,
    LiveServer,
    Team,
    database_url_for,
    make_team,
    server_settings,
)
from tidings.actions.auth import API, issue_token
from tidings.actions.invitations import create_invitation
from tidings.actions.members import insert_member
from tidings.core.credentials import hash_password
from tidings.core.roles import Actor, Role
from tidings.store.models import members

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def anon(team: Team) -> Iterator[httpx.Client]:
    """A client that sends no credentials."""
    with httpx.Client(base_url=f"{team.server.url}/api/v1", timeout=30) as client:
        yield client


def _bearer(team: Team, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{team.server.url}/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def _me(team: Team, token: str) -> httpx.Response:
    with _bearer(team, token) as client:
        return client.get("/users/me")


def _workspace_id(team: Team, member_id: int) -> int:
    return int(
        team.server.db.read(
            lambda c: c.execute(
                select(members.c.workspace_id).where(members.c.id == member_id)
            ).scalar_one()
        )
    )


def _login(client: httpx.Client, email: str, password: str = PASSWORD, **extra: str):
    return client.post("/auth/login", json={"email": email, "password": password, **extra})


# Signing in and out


def test_login_returns_a_token_usable_as_bearer(team: Team, anon: httpx.Client) -> None:
    response = _login(anon, team.member.email)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["member_id"] == team.member.id
    assert body["workspace"] == team.slug
    assert body["kind"] == "login"
    assert body["expires_at"] is not None
    me = _me(team, body["token"])
    assert me.status_code == 200
    assert me.json()["id"] == team.member.id


def test_login_ignores_email_case_and_surrounding_space(team: Team, anon: httpx.Client) -> None:
    response = _login(anon, f"  {team.member.email.upper()} ")
    assert response.status_code == 200, response.text
    assert response.json()["member_id"] == team.member.id


def test_wrong_password_and_unknown_email_get_the_same_401(team: Team, anon: httpx.Client) -> None:
    wrong = _login(anon, team.member.email, "not the password")
    unknown = _login(anon, f"nobody@{team.slug}.test")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "invalid_credentials"
        assert "token" not in response.json()
    assert wrong.json() == unknown.json()


def test_email_in_two_workspaces_must_name_one(team: Team, anon: httpx.Client) -> None:
    other = _workspace_id(team, team.outsider.id)
    twin_id = team.server.db.write(
        lambda tx: insert_member(
            tx,
            other,
            email=team.member.email,
            password_hash=hash_password(PASSWORD),
            display_name="Twin",
            role=Role.MEMBER,
        )
    )
    ambiguous = _login(anon, team.member.email)
    assert ambiguous.status_code == 422
    assert ambiguous.json()["code"] == "invalid_input"
    assert ambiguous.json()["workspaces"] == sorted([team.slug, f"{team.slug}-other"])
    here = _login(anon, team.member.email, workspace=team.slug)
    assert here.status_code == 200, here.text
    assert here.json()["member_id"] == team.member.id
    there = _login(anon, team.member.email, workspace=f"{team.slug}-other")
    assert there.status_code == 200, there.text
    assert there.json()["member_id"] == twin_id
    assert _me(team, there.json()["token"]).json()["id"] == twin_id


def test_wrong_password_does_not_reveal_the_workspaces_of_an_email(
    team: Team, anon: httpx.Client
) -> None:
    other = _workspace_id(team, team.outsider.id)
    team.server.db.write(
        lambda tx: insert_member(
            tx,
            other,
            email=team.member.email,
            password_hash=hash_password(PASSWORD),
            display_name="Twin",
            role=Role.MEMBER,
        )
    )
    response = _login(anon, team.member.email, "not the password")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert "workspaces" not in response.json()
    assert team.slug not in response.text


def test_logout_revokes_the_token_at_once(team: Team, anon: httpx.Client) -> None:
    token = _login(anon, team.member.email).json()["token"]
    with _bearer(team, token) as client:
        assert client.get("/users/me").status_code == 200
        assert client.post("/auth/logout").status_code == 204
        after = client.get("/users/me")
    assert after.status_code == 401
    assert after.json()["code"] == "token_invalid"
    assert team.member.get("/users/me").status_code == 200


# API tokens


def test_api_token_secret_is_shown_once_and_works(team: Team) -> None:
    created = team.member.post("/tokens", json={"name": "ci", "days": 30})
    assert created.status_code == 201, created.text
    token = created.json()
    assert token["kind"] == "api" and token["name"] == "ci"
    assert token["token"].startswith("tdg_")
    assert token["expires_at"] is not None and token["revoked_at"] is None
    assert _me(team, token["token"]).json()["id"] == team.member.id
    listed = team.member.get("/tokens")
    assert listed.status_code == 200
    assert token["id"] in [t["id"] for t in listed.json()]
    assert all("token" not in t for t in listed.json())
    assert token["token"] not in listed.text


def test_token_list_shows_only_ones_own_tokens(team: Team) -> None:
    mine = team.member.post("/tokens", json={"name": "mine"}).json()
    for person in (team.admin, team.outsider):
        assert mine["id"] not in [t["id"] for t in person.get("/tokens").json()]


def test_revoked_token_is_refused_at_once(team: Team) -> None:
    token = team.member.post("/tokens", json={"name": "laptop"}).json()
    assert _me(team, token["token"]).status_code == 200
    revoked = team.member.delete(f"/tokens/{token['id']}")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    refused = _me(team, token["token"])
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_invalid"
    listed = {t["id"]: t for t in team.member.get("/tokens").json()}
    assert listed[token["id"]]["revoked_at"] is not None


def test_others_cannot_revoke_a_members_token_but_admins_can(team: Team) -> None:
    token = team.member.post("/tokens", json={"name": "laptop"}).json()
    for person in (team.guest, team.outsider):
        response = person.delete(f"/tokens/{token['id']}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert _me(team, token["token"]).status_code == 200
    assert team.admin.delete(f"/tokens/{token['id']}").status_code == 200
    assert _me(team, token["token"]).status_code == 401


@pytest.mark.parametrize("days", [0, -1, 3651])
def test_token_lifetime_must_be_sensible(team: Team, days: int) -> None:
    response = team.member.post("/tokens", json={"name": "odd", "days": days})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_expired_token_is_refused(team: Team) -> None:
    workspace_id = _workspace_id(team, team.member.id)
    token = team.server.db.write(
        lambda tx: issue_token(
            tx,
            workspace_id,
            team.member.id,
            name="stale",
            kind=API,
            lifetime=timedelta(seconds=-1),
        )
    )["token"]
    response = _me(team, token)
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Token tdg_x", "Basic dXNlcjpwYXNz", "tdg_x"]
)
def test_missing_or_garbled_authorization_is_not_authenticated(
    team: Team, anon: httpx.Client, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = anon.get("/users/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_unknown_bearer_token_is_invalid(team: Team, anon: httpx.Client) -> None:
    response = anon.get("/users/me", headers={"Authorization": "Bearer tdg_made_up"})
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    with database_url_for("sqlite", tmp_path) as url:
        # One request a minute refills the bucket: slow requests on a busy machine
        # cannot earn a fourth try, so the outcome does not depend on timing.
        settings = server_settings(url, rate_limit_per_minute=1, rate_limit_burst=3)
        live = LiveServer(settings).start()
        try:
            team = make_team(live)
            try:
                statuses = [team.member.get("/users/me").status_code for _ in range(4)]
                assert statuses == [200, 200, 200, 429]
                limited = team.member.get("/users/me")
                assert limited.status_code == 429
                assert limited.json()["code"] == "rate_limited"
                assert 1 <= int(limited.headers["Retry-After"]) <= 60
                assert limited.json()["retry_after"] == int(limited.headers["Retry-After"])
                # Each token has its own bucket.
                assert team.admin.get("/users/me").status_code == 200
            finally:
                team.close()
        finally:
            live.stop()


# Invitations


def _accept(anon: httpx.Client, token: str, email: str, **extra: str) -> httpx.Response:
    body = {
        "token": token,
        "email": email,
        "display_name": "New Person",
        "password": NEW_PASSWORD,
        "time_zone": "America/New_York",
        **extra,
    }
    return anon.post("/invitations/accept", json=body)


def test_invited_person_joins_and_can_log_in(team: Team, anon: httpx.Client) -> None:
    invited = team.owner.post("/invitations", json={"role": "member"})
    assert invited.status_code == 201, invited.text
    invitation = invited.json()
    assert invitation["role"] == "member" and invitation["email"] is None
    assert invitation["url"] == f"{team.server.url}/invite/{invitation['token']}"
    email = f"newbie@{team.slug}.test"
    accepted = _accept(anon, invitation["token"], email)
    assert accepted.status_code == 201, accepted.text
    joined = accepted.json()
    assert joined["workspace"] == team.slug
    assert joined["member"]["email"] == email
    assert joined["member"]["role"] == "member"
    assert joined["member"]["time_zone"] == "America/New_York"
    assert _me(team, joined["token"]).json()["id"] == joined["member"]["id"]
    login = _login(anon, email, NEW_PASSWORD)
    assert login.status_code == 200, login.text
    assert login.json()["member_id"] == joined["member"]["id"]
    assert joined["member"]["id"] in [m["id"] for m in team.owner.get("/users").json()]
    assert joined["member"]["id"] not in [m["id"] for m in team.outsider.get("/users").json()]


def test_used_invitation_is_gone(team: Team, anon: httpx.Client) -> None:
    token = team.owner.post("/invitations", json={}).json()["token"]
    assert _accept(anon, token, f"first@{team.slug}.test").status_code == 201
    again = _accept(anon, token, f"second@{team.slug}.test")
    assert again.status_code == 410
    assert again.json()["code"] == "gone"
    assert _login(anon, f"second@{team.slug}.test", NEW_PASSWORD).status_code == 401


def test_expired_invitation_is_gone(team: Team, anon: httpx.Client) -> None:
    owner = Actor(team.owner.id, _workspace_id(team, team.owner.id), Role.OWNER, "owner")
    token = team.server.db.write(
        lambda tx: create_invitation(
            tx, owner, role=Role.MEMBER, email=None, lifetime=timedelta(seconds=-1)
        )
    )["token"]
    response = _accept(anon, token, f"late@{team.slug}.test")
    assert response.status_code == 410
    assert response.json()["code"] == "gone"


def test_unknown_invitation_is_not_found(team: Team, anon: httpx.Client) -> None:
    response = _accept(anon, "inv_made_up", f"x@{team.slug}.test")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_invitation_bound_to_an_email_refuses_another(team: Team, anon: httpx.Client) -> None:
    bound = f"bound@{team.slug}.test"
    token = team.owner.post("/invitations", json={"email": bound}).json()["token"]
    wrong = _accept(anon, token, f"other@{team.slug}.test")
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "invalid_input"
    assert wrong.json()["field"] == "email"
    right = _accept(anon, token, bound.upper())
    assert right.status_code == 201, right.text
    assert right.json()["member"]["email"] == bound


def test_refused_acceptance_for_a_wrong_email_keeps_the_invitation(
    team: Team, anon: httpx.Client
) -> None:
    bound = f"bound@{team.slug}.test"
    token = team.owner.post("/invitations", json={"email": bound}).json()["token"]
    assert _accept(anon, token, f"other@{team.slug}.test").status_code == 422
    assert _accept(anon, token, bound).status_code == 201


def test_members_and_guests_cannot_invite(team: Team) -> None:
    for person in (team.member, team.guest):
        response = person.post("/invitations", json={"role": "member"})
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


def test_admins_invite_members_but_only_owners_invite_admins(
    team: Team, anon: httpx.Client
) -> None:
    assert team.admin.post("/invitations", json={"role": "member"}).status_code == 201
    refused = team.admin.post("/invitations", json={"role": "admin"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    invited = team.owner.post("/invitations", json={"role": "admin"})
    assert invited.status_code == 201
    joined = _accept(anon, invited.json()["token"], f"boss@{team.slug}.test")
    assert joined.json()["member"]["role"] == "admin"


def test_nobody_invites_an_owner(team: Team) -> None:
    response = team.owner.post("/invitations", json={"role": "owner"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
