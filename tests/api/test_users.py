"""Members over HTTP: the directory, one's own profile, roles and deactivation."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support import PASSWORD, Team

NEW_PASSWORD = "another long passphrase"


@pytest.fixture
def anon(team: Team) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{team.server.url}/api/v1", timeout=30) as client:
        yield client


def _login(anon: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    return anon.post("/auth/login", json={"email": email, "password": password})


def _ids(response: httpx.Response) -> set[int]:
    assert response.status_code == 200, response.text
    return {member["id"] for member in response.json()}


def _role(team: Team, member_id: int) -> str:
    return str(team.owner.get(f"/users/{member_id}").json()["role"])


# The directory


def test_users_lists_the_workspaces_active_members_only(team: Team) -> None:
    everyone = {team.owner.id, team.admin.id, team.member.id, team.guest.id}
    for person in (team.owner, team.member, team.guest):
        assert _ids(person.get("/users")) == everyone
    listed = team.member.get("/users").json()
    assert team.outsider.email not in {m["email"] for m in listed}
    assert {m["handle"] for m in listed} == {"owner", "admin", "member", "guest"}


def test_outsider_sees_only_their_own_workspace(team: Team) -> None:
    assert _ids(team.outsider.get("/users")) == {team.outsider.id}
    assert _ids(team.outsider.get("/users", params={"include_inactive": True})) == {
        team.outsider.id
    }


def test_outsider_gets_404_for_a_member_of_this_workspace(team: Team) -> None:
    for path in (f"/users/{team.member.id}", f"/users/{team.owner.id}"):
        response = team.outsider.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert team.member.email not in response.text
    role = team.outsider.put(f"/users/{team.member.id}/role", json={"role": "guest"})
    assert role.status_code == 404
    gone = team.outsider.post(f"/users/{team.member.id}/deactivate")
    assert gone.status_code == 404
    assert _role(team, team.member.id) == "member"


def test_users_me_is_the_caller(team: Team) -> None:
    me = team.member.get("/users/me")
    assert me.status_code == 200
    body = me.json()
    assert body["id"] == team.member.id
    assert body["email"] == team.member.email
    assert body["role"] == "member"
    assert body["is_active"] is True
    assert "password_hash" not in body


def test_a_member_is_found_by_id(team: Team) -> None:
    response = team.guest.get(f"/users/{team.admin.id}")
    assert response.status_code == 200
    assert response.json()["handle"] == "admin"


# Profile


def test_profile_changes_name_title_and_time_zone(team: Team) -> None:
    changed = team.member.patch(
        "/users/me",
        json={"display_name": "  Mia   Member ", "title": "Designer", "time_zone": "Asia/Tokyo"},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["display_name"] == "Mia Member"
    assert body["title"] == "Designer"
    assert body["time_zone"] == "Asia/Tokyo"
    seen = team.owner.get(f"/users/{team.member.id}").json()
    assert (seen["display_name"], seen["title"], seen["time_zone"]) == (
        "Mia Member",
        "Designer",
        "Asia/Tokyo",
    )


def test_profile_change_leaves_unnamed_fields_alone(team: Team) -> None:
    team.member.patch("/users/me", json={"title": "Designer"})
    changed = team.member.patch("/users/me", json={"time_zone": "America/Sao_Paulo"})
    assert changed.json()["title"] == "Designer"
    assert changed.json()["display_name"] == "Member"


def test_invalid_time_zone_is_refused(team: Team) -> None:
    response = team.member.patch("/users/me", json={"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_time_zone"
    assert team.member.get("/users/me").json()["time_zone"] == "Europe/Lisbon"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("São Paulo", "America/Sao_Paulo"),
        ("  asia/manila ", "Asia/Manila"),
        ("Indianapolis", "America/Indiana/Indianapolis"),  # the old name is a link to it
        ("UTC", "UTC"),
    ],
)
def test_a_time_zone_may_be_given_as_its_city(team: Team, typed: str, stored: str) -> None:
    response = team.member.patch("/users/me", json={"time_zone": typed})
    assert response.status_code == 200, response.text
    assert response.json()["time_zone"] == stored
    assert team.member.get("/users/me").json()["time_zone"] == stored
    team.member.patch("/users/me", json={"time_zone": "Europe/Lisbon"})


def test_a_misspelt_city_is_refused_with_what_it_may_mean(team: Team) -> None:
    response = team.member.patch("/users/me", json={"time_zone": "Berln"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_time_zone"
    assert response.json()["detail"].endswith("did you mean Berlin?")


@pytest.mark.parametrize(
    "body",
    [
        {"display_name": "   "},
        {"password": "short"},
        {"role": "owner"},
        {"email": "me@elsewhere.test"},
        {"title": 42},
    ],
)
def test_invalid_profile_changes_are_refused(team: Team, body: dict) -> None:
    response = team.member.patch("/users/me", json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    me = team.member.get("/users/me").json()
    assert me["role"] == "member" and me["email"] == team.member.email


def test_password_change_needs_the_current_password(team: Team, anon: httpx.Client) -> None:
    for current in (None, "not the password"):
        body = {"password": NEW_PASSWORD, "current_password": current}
        refused = team.member.patch("/users/me", json=body)
        assert refused.status_code == 401
        assert refused.json()["code"] == "invalid_credentials"
    assert _login(anon, team.member.email, PASSWORD).status_code == 200


def test_password_change_takes_effect_for_login(team: Team, anon: httpx.Client) -> None:
    changed = team.member.patch(
        "/users/me", json={"password": NEW_PASSWORD, "current_password": PASSWORD}
    )
    assert changed.status_code == 200
    assert "password" not in changed.json()
    old = _login(anon, team.member.email, PASSWORD)
    assert old.status_code == 401
    assert old.json()["code"] == "invalid_credentials"
    new = _login(anon, team.member.email, NEW_PASSWORD)
    assert new.status_code == 200, new.text
    assert new.json()["member_id"] == team.member.id


# Roles


def test_owner_makes_someone_admin_and_it_applies_at_once(team: Team) -> None:
    assert team.member.post("/invitations", json={}).status_code == 403
    promoted = team.owner.put(f"/users/{team.member.id}/role", json={"role": "admin"})
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["role"] == "admin"
    assert _role(team, team.member.id) == "admin"
    assert team.member.post("/invitations", json={}).status_code == 201


def test_admin_cannot_make_an_owner_or_touch_one(team: Team) -> None:
    for member_id, role in ((team.member.id, "owner"), (team.owner.id, "member")):
        response = team.admin.put(f"/users/{member_id}/role", json={"role": role})
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    assert _role(team, team.member.id) == "member"
    assert _role(team, team.owner.id) == "owner"


def test_admin_manages_members_and_guests(team: Team) -> None:
    demoted = team.admin.put(f"/users/{team.member.id}/role", json={"role": "guest"})
    assert demoted.status_code == 200
    assert demoted.json()["role"] == "guest"
    assert team.member.post("/channels", json={"name": "mine"}).status_code == 403


def test_member_cannot_change_roles(team: Team) -> None:
    response = team.member.put(f"/users/{team.guest.id}/role", json={"role": "member"})
    assert response.status_code == 403
    assert _role(team, team.guest.id) == "guest"


def test_the_last_owner_cannot_be_demoted(team: Team) -> None:
    response = team.owner.put(f"/users/{team.owner.id}/role", json={"role": "admin"})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert _role(team, team.owner.id) == "owner"
    assert team.owner.put(f"/users/{team.admin.id}/role", json={"role": "owner"}).status_code == 200
    stepped_down = team.owner.put(f"/users/{team.owner.id}/role", json={"role": "admin"})
    assert stepped_down.status_code == 200
    assert _role(team, team.owner.id) == "admin"


def test_unknown_role_is_invalid(team: Team) -> None:
    response = team.owner.put(f"/users/{team.member.id}/role", json={"role": "emperor"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


# Deactivation


def test_deactivated_member_is_locked_out_at_once(team: Team, anon: httpx.Client) -> None:
    assert team.member.get("/users/me").status_code == 200
    gone = team.admin.post(f"/users/{team.member.id}/deactivate")
    assert gone.status_code == 200, gone.text
    assert gone.json()["is_active"] is False
    refused = team.member.get("/users/me")
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_invalid"
    assert _login(anon, team.member.email).status_code == 401


def test_deactivated_member_leaves_the_directory_but_not_history(team: Team) -> None:
    team.owner.post(f"/users/{team.member.id}/deactivate")
    assert team.member.id not in _ids(team.owner.get("/users"))
    everyone = team.owner.get("/users", params={"include_inactive": True}).json()
    listed = {m["id"]: m for m in everyone}
    assert listed[team.member.id]["is_active"] is False
    assert team.owner.get(f"/users/{team.member.id}").json()["is_active"] is False


def test_member_cannot_deactivate_anyone(team: Team) -> None:
    for target in (team.guest, team.admin, team.owner):
        response = team.member.post(f"/users/{target.id}/deactivate")
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    assert _ids(team.owner.get("/users")) >= {team.guest.id, team.admin.id, team.owner.id}
    assert team.guest.get("/users/me").status_code == 200


def test_admin_cannot_deactivate_an_owner_and_nobody_themselves(team: Team) -> None:
    assert team.admin.post(f"/users/{team.owner.id}/deactivate").status_code == 403
    assert team.owner.post(f"/users/{team.owner.id}/deactivate").status_code == 403
    assert team.owner.get("/users/me").status_code == 200


def test_deactivated_member_cannot_be_messaged_or_added(team: Team) -> None:
    team.owner.post(f"/users/{team.member.id}/deactivate")
    dm = team.admin.post("/conversations", json={"member_ids": [team.member.id]})
    assert dm.status_code == 422
    channel = team.admin.post("/channels", json={"name": "late", "member_ids": [team.member.id]})
    assert channel.status_code == 422
