"""Passwords outside the writer, token ids and who may revoke them, e-mail forms,
and invitations that do not tell who is a member; over HTTP, on both databases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support import PASSWORD, Team
from tidings.store.tx import Tx

NEW_PASSWORD = "a brand new passphrase"
ZERO_WIDTH = "\u200b"


@pytest.fixture
def anon(team: Team) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{team.server.url}/api/v1", timeout=30) as client:
        yield client


def _login(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/auth/login", json={"email": email, "password": password})


# Passwords are checked outside the writer


@pytest.fixture
def busy_writer(team: Team) -> Iterator[None]:
    """The writer is stuck in a long transaction for the duration of the test."""
    started, release = threading.Event(), threading.Event()
    team.member.get("/users/me")  # its activity is recorded now, not during the test

    def hold(tx: Tx) -> None:
        started.set()
        release.wait(30)

    held = team.server.db.writer.submit(hold)
    assert started.wait(10)
    try:
        yield
    finally:
        release.set()
        held.result(30)


def test_a_wrong_password_is_answered_while_the_writer_is_busy(
    team: Team, anon: httpx.Client, busy_writer: None
) -> None:
    response = anon.post(
        "/auth/login", json={"email": team.member.email, "password": "wrong"}, timeout=5
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    unknown = anon.post(
        "/auth/login", json={"email": f"nobody@{team.slug}.test", "password": "x"}, timeout=5
    )
    assert unknown.status_code == 401


def test_a_wrong_current_password_is_answered_while_the_writer_is_busy(
    team: Team, busy_writer: None
) -> None:
    response = team.member.patch(
        "/users/me",
        json={"password": NEW_PASSWORD, "current_password": "not it"},
        timeout=5,
    )
    assert response.status_code == 401
    assert response.json()["field"] == "current_password"


def test_a_password_change_still_works_and_the_old_password_stops(
    team: Team, anon: httpx.Client
) -> None:
    changed = team.member.patch(
        "/users/me", json={"password": NEW_PASSWORD, "current_password": PASSWORD}
    )
    assert changed.status_code == 200, changed.text
    assert _login(anon, team.member.email).status_code == 401
    assert _login(anon, team.member.email, NEW_PASSWORD).status_code == 200


def test_a_member_added_with_a_password_can_sign_in(team: Team, anon: httpx.Client) -> None:
    email = f"added@{team.slug}.test"
    added = team.admin.post(
        "/users", json={"email": email, "display_name": "Added", "password": NEW_PASSWORD}
    )
    assert added.status_code == 201, added.text
    assert _login(anon, email, NEW_PASSWORD).status_code == 200
    short = team.admin.post(
        "/users", json={"email": f"s@{team.slug}.test", "display_name": "S", "password": "short"}
    )
    assert short.status_code == 422
    assert short.json()["field"] == "password"


# Tokens: random public ids; revoked by their holder or someone who outranks them


def _token_of(person: Any, name: str = "laptop") -> dict[str, Any]:
    made = person.post("/tokens", json={"name": name})
    assert made.status_code == 201, made.text
    return dict(made.json())


def _works(team: Team, secret: str) -> bool:
    with httpx.Client(
        base_url=f"{team.server.url}/api/v1", headers={"Authorization": f"Bearer {secret}"}
    ) as client:
        return client.get("/users/me").status_code == 200


def test_token_ids_are_random_strings(team: Team) -> None:
    first, second = _token_of(team.member), _token_of(team.member)
    for token in (first, second):
        assert isinstance(token["id"], str) and len(token["id"]) >= 16
        assert not token["id"].isdigit()
        assert token["id"] not in token["token"]
    assert first["id"] != second["id"]
    listed = [t["id"] for t in team.member.get("/tokens").json()]
    assert first["id"] in listed and second["id"] in listed
    assert team.member.delete(f"/tokens/{first['id']}").status_code == 200
    assert not _works(team, first["token"]) and _works(team, second["token"])


def test_an_admin_cannot_sign_out_the_owner(team: Team, anon: httpx.Client) -> None:
    owner_login = _login(anon, team.owner.email).json()
    for token_id in (owner_login["id"], "1", "2", "3"):
        refused = team.admin.delete(f"/tokens/{token_id}")
        assert refused.status_code == 404
        assert refused.json()["code"] == "not_found"
    assert _works(team, owner_login["token"])


def test_revoking_needs_a_role_above_the_holders(team: Team) -> None:
    admins, members, guests = _token_of(team.admin), _token_of(team.member), _token_of(team.guest)
    assert team.member.delete(f"/tokens/{guests['id']}").status_code == 404
    assert team.guest.delete(f"/tokens/{members['id']}").status_code == 404
    assert team.outsider.delete(f"/tokens/{members['id']}").status_code == 404
    assert _works(team, guests["token"]) and _works(team, members["token"])
    assert team.admin.delete(f"/tokens/{members['id']}").status_code == 200
    assert team.owner.delete(f"/tokens/{admins['id']}").status_code == 200
    assert not _works(team, members["token"]) and not _works(team, admins["token"])


# E-mails: invisible characters refused; NFKC and case never make a second address


@pytest.mark.parametrize("hidden", [ZERO_WIDTH, "\u2060", "\u00ad", "\ufeff", "\u3164"])
def test_invisible_characters_in_an_email_are_refused(
    team: Team, anon: httpx.Client, hidden: str
) -> None:
    email = f"ne{hidden}w@{team.slug}.test"
    responses = [
        team.admin.post("/users", json={"email": email, "display_name": "N"}),
        team.owner.post("/invitations", json={"email": email}),
        _login(anon, f"{team.member.email[:2]}{hidden}{team.member.email[2:]}"),
    ]
    token = team.owner.post("/invitations", json={}).json()["token"]
    responses.append(
        anon.post(
            "/invitations/accept",
            json={"token": token, "email": email, "display_name": "N", "password": NEW_PASSWORD},
        )
    )
    for response in responses:
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "invalid_email"


def test_emails_compare_after_nfkc_and_without_case(team: Team, anon: httpx.Client) -> None:
    wide = "".join(chr(ord(ch) + 0xFEE0) if "a" <= ch <= "z" else ch for ch in "member")
    shown = team.member.email.replace("member", wide, 1).upper()
    signed = _login(anon, shown)
    assert signed.status_code == 200, signed.text
    assert signed.json()["member_id"] == team.member.id
    twin = team.admin.post("/users", json={"email": shown, "display_name": "Twin"})
    assert twin.status_code == 409
    assert twin.json()["code"] == "already_exists"
    email = f"Ｎｅｗ@{team.slug}.test"
    added = team.admin.post("/users", json={"email": email, "display_name": "New"})
    assert added.status_code == 201, added.text
    listed = {m["id"]: m for m in team.admin.get("/users").json()}
    assert listed[added.json()["id"]]["email"] == f"new@{team.slug}.test"


# Invitations: the answer never says whether an e-mail is a member


def _accept(anon: httpx.Client, token: str, email: str, password: str) -> httpx.Response:
    body = {"token": token, "email": email, "display_name": "Someone", "password": password}
    return anon.post("/invitations/accept", json=body)


def test_an_open_invitation_does_not_tell_who_is_a_member(team: Team, anon: httpx.Client) -> None:
    token = team.owner.post("/invitations", json={}).json()["token"]
    probe = _accept(anon, token, team.member.email, "guessing this one")
    wrong_password = _login(anon, f"nobody@{team.slug}.test", "guessing this one")
    assert probe.status_code == wrong_password.status_code == 401
    assert probe.json() == wrong_password.json()
    assert team.member.email not in probe.text and "member" not in probe.json()["detail"]
    # Used up: a link answers at most one question, as a successful join would.
    again = _accept(anon, token, f"fresh@{team.slug}.test", NEW_PASSWORD)
    assert again.status_code == 410


def test_a_member_accepting_with_their_own_password_is_signed_in(
    team: Team, anon: httpx.Client
) -> None:
    token = team.owner.post("/invitations", json={}).json()["token"]
    joined = _accept(anon, token, team.member.email.upper(), PASSWORD)
    assert joined.status_code == 201, joined.text
    body = joined.json()
    assert body["member"]["id"] == team.member.id and body["workspace"] == team.slug
    assert _works(team, body["token"])
    members = [m for m in team.admin.get("/users").json() if m["email"] == team.member.email]
    assert len(members) == 1
