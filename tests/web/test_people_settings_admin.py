"""The directory, groups, one's own settings and the admin pages, over plain HTTP."""

from __future__ import annotations

import html
import re

import httpx

from tests.support import PASSWORD, Team
from tests.web.test_pages import csrf_of, sign_in, signed_in


def _post(client: httpx.Client, page: str, path: str, data: dict | None = None) -> httpx.Response:
    """Submit a form the way a browser does: with the CSRF token of the page it is on."""
    form = {"csrf_token": csrf_of(client.get(page).text), **(data or {})}
    return client.post(path, data=form)


def _api_me(team: Team, token: str) -> httpx.Response:
    return httpx.get(
        f"{team.server.url}/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}
    )


def test_directory_shows_each_members_local_time_and_zone(team: Team) -> None:
    team.member.patch("/users/me", json={"time_zone": "Asia/Manila", "title": "Support lead"})
    with signed_in(team.server, team.owner.email) as client:
        page = client.get("/people")
    assert page.status_code == 200
    assert re.search(r"\d\d:\d\d in Manila \(Asia/Manila\)", page.text)
    assert "Support lead" in page.text and "@member" in page.text
    assert f'href="/people/{team.member.id}"' in page.text


def test_message_button_opens_a_conversation(team: Team) -> None:
    with signed_in(team.server, team.owner.email) as client:
        response = _post(client, "/people", "/dm", {"member_id": str(team.member.id)})
        assert response.status_code == 303
        conversation = client.get(response.headers["location"])
    assert conversation.status_code == 200
    ids = [c["id"] for c in team.member.get("/conversations").json()]
    assert response.headers["location"] == f"/dm/{ids[0]}"


def test_profile_page_shows_name_handle_email_and_local_time(team: Team) -> None:
    team.member.patch("/users/me", json={"time_zone": "America/Sao_Paulo"})
    with signed_in(team.server, team.guest.email) as client:
        page = client.get(f"/people/{team.member.id}")
    assert page.status_code == 200
    assert "@member" in page.text and team.member.email in page.text
    assert re.search(r"\d\d:\d\d in Sao Paulo \(America/Sao_Paulo\)", page.text)


def test_unknown_or_foreign_person_is_not_found(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        for member_id in (999999, team.outsider.id):
            page = client.get(f"/people/{member_id}")
            assert page.status_code == 404
            assert "Back to your Inbox" in page.text


def test_profile_change_persists(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        fields = {"display_name": "Mina Member", "title": "Writer", "time_zone": "Asia/Tokyo"}
        response = _post(client, "/settings", "/settings/profile", fields)
        assert response.status_code == 303
        confirmed = client.get(response.headers["location"])
    assert 'role="status"' in confirmed.text and "profile is saved" in confirmed.text
    me = team.member.get("/users/me").json()
    assert (me["display_name"], me["title"], me["time_zone"]) == (
        "Mina Member",
        "Writer",
        "Asia/Tokyo",
    )


def test_bad_time_zone_shows_the_reason_and_keeps_what_was_typed(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        fields = {"display_name": "Typed Name", "title": "", "time_zone": "Mars/Base"}
        response = _post(client, "/settings", "/settings/profile", fields)
    assert response.status_code == 422
    assert "is not a time zone: use a city such as Berlin" in response.text
    assert 'value="Mars/Base"' in response.text and 'value="Typed Name"' in response.text
    me = team.member.get("/users/me").json()
    assert (me["display_name"], me["time_zone"]) == ("Member", "Europe/Lisbon")


def test_empty_display_name_is_refused(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        fields = {"display_name": "  ", "title": "", "time_zone": "Europe/Lisbon"}
        response = _post(client, "/settings", "/settings/profile", fields)
    assert response.status_code == 422
    assert "A display name needs 1 to 120 characters" in response.text


def test_wrong_current_password_is_refused_and_never_echoed(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        fields = {"current_password": "guess-guess", "password": "brand new secret"}
        response = _post(client, "/settings", "/settings/password", fields)
        assert response.status_code == 401
        assert "The current password is wrong" in response.text
        assert "guess-guess" not in response.text and "brand new secret" not in response.text
        assert client.get("/settings").status_code == 200, "the session survives"
    with httpx.Client(base_url=team.server.url, timeout=30) as other:
        assert sign_in(other, team.member.email, PASSWORD).status_code == 303


def test_password_change_works_with_the_current_password(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        fields = {"current_password": PASSWORD, "password": "brand new secret"}
        response = _post(client, "/settings", "/settings/password", fields)
        assert response.status_code == 303
    with httpx.Client(base_url=team.server.url, timeout=30) as other:
        assert sign_in(other, team.member.email, PASSWORD).status_code == 401
        assert sign_in(other, team.member.email, "brand new secret").status_code == 303


def test_api_token_is_shown_once_listed_and_revocable(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        made = _post(client, "/settings", "/settings/tokens", {"name": "deploy", "days": "30"})
        assert made.status_code == 201
        assert "will not be shown again" in made.text
        secret = re.search(r'id="new-token-secret">([^<]+)<', made.text)
        assert secret
        token = secret.group(1)
        assert _api_me(team, token).status_code == 200
        later = client.get("/settings")
        assert token not in later.text and "deploy" in later.text
        listed = [t for t in team.member.get("/tokens").json() if t["name"] == "deploy"]
        assert len(listed) == 1 and listed[0]["expires_at"]
        revoked = _post(client, "/settings", f"/settings/tokens/{listed[0]['id']}/revoke")
        assert revoked.status_code == 303
        assert "revoked" in client.get(revoked.headers["location"]).text
    assert _api_me(team, token).status_code == 401


def test_token_lifetime_out_of_range_is_refused_and_kept(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        response = _post(client, "/settings", "/settings/tokens", {"name": "ci", "days": "0"})
    assert response.status_code == 422
    assert "A token lives 1 to 3650 days" in response.text
    assert 'value="ci"' in response.text and 'value="0"' in response.text
    assert all(t["name"] != "ci" for t in team.member.get("/tokens").json())


def test_someone_elses_token_cannot_be_revoked(team: Team) -> None:
    theirs = team.admin.post("/tokens", json={"name": "admin-script"}).json()
    with signed_in(team.server, team.member.email) as client:
        response = _post(client, "/settings", f"/settings/tokens/{theirs['id']}/revoke")
    assert response.status_code == 404
    assert _api_me(team, theirs["token"]).status_code == 200


def test_admin_page_is_for_admins_and_owners_only(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        refused = client.get("/admin")
        assert refused.status_code == 403
        assert "Only admins may do this" in refused.text
        assert client.get("/admin/channels").status_code == 403
    for person in (team.admin, team.owner):
        with signed_in(team.server, person.email) as client:
            page = client.get("/admin")
            assert page.status_code == 200
            assert team.member.email in page.text


def test_invitation_link_is_shown_once_and_opens_the_join_form(team: Team) -> None:
    with signed_in(team.server, team.admin.email) as client:
        fields = {"role": "member", "email": "new@example.test", "hours": "48"}
        made = _post(client, "/admin", "/admin/invitations", fields)
        assert made.status_code == 201
        link = re.search(r'id="invitation-url">([^<]+)<', made.text)
        assert link and link.group(1).startswith(f"{team.server.url}/invite/inv")
        assert link.group(1) not in client.get("/admin").text
    join = httpx.get(link.group(1))
    assert join.status_code == 200
    assert 'action="/invite/' in join.text


def test_admin_cannot_invite_an_admin_and_keeps_the_form(team: Team) -> None:
    with signed_in(team.server, team.admin.email) as client:
        fields = {"role": "admin", "email": "boss@example.test", "hours": "24"}
        refused = _post(client, "/admin", "/admin/invitations", fields)
        assert refused.status_code == 403
        assert "Only an owner may invite admins or owners" in refused.text
        assert 'value="boss@example.test"' in refused.text
        bad_hours = _post(client, "/admin", "/admin/invitations", {"role": "guest", "hours": "0"})
        assert bad_hours.status_code == 422


def test_role_change_and_deactivation_are_reflected_by_the_api(team: Team) -> None:
    with signed_in(team.server, team.admin.email) as client:
        changed = _post(
            client, "/admin", f"/admin/members/{team.member.id}/role", {"role": "guest"}
        )
        assert changed.status_code == 303
        assert team.owner.get(f"/users/{team.member.id}").json()["role"] == "guest"
        gone = _post(client, "/admin", f"/admin/members/{team.guest.id}/deactivate")
        assert gone.status_code == 303
        page = client.get("/admin")
    assert team.owner.get(f"/users/{team.guest.id}").json()["is_active"] is False
    assert team.guest.get("/users/me").status_code == 401
    inactive = page.text.split('id="inactive-heading"', 1)[1]
    assert team.guest.email in inactive


def test_refused_role_change_shows_the_reason_on_the_admin_page(team: Team) -> None:
    with signed_in(team.server, team.admin.email) as client:
        response = _post(
            client, "/admin", f"/admin/members/{team.owner.id}/role", {"role": "guest"}
        )
    assert response.status_code == 403
    assert "Only an owner may grant or remove admin and owner roles" in response.text
    assert team.owner.get("/users/me").json()["role"] == "owner"


def test_a_member_cannot_change_roles_or_deactivate(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        csrf = csrf_of(client.get("/").text)
        role = client.post(
            f"/admin/members/{team.member.id}/role", data={"csrf_token": csrf, "role": "admin"}
        )
        assert role.status_code == 403
        assert "Back to your Inbox" in role.text
        gone = client.post(f"/admin/members/{team.guest.id}/deactivate", data={"csrf_token": csrf})
        assert gone.status_code == 403
    assert team.member.get("/users/me").json()["role"] == "member"
    assert team.guest.get("/users/me").status_code == 200


def _group(team: Team, handle: str) -> dict | None:
    return next((g for g in team.owner.get("/groups").json() if g["handle"] == handle), None)


def test_groups_can_be_created_changed_and_deleted_by_an_admin(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        fields = {"handle": "design", "name": "Design", "description": "Pixels", "member_id": []}
        fields["member_id"] = [str(team.member.id), str(team.guest.id)]
        assert _post(client, "/groups", "/groups", fields).status_code == 303
        made = _group(team, "design")
        assert made and made["member_ids"] == sorted([team.member.id, team.guest.id])
        assert "@design" in client.get("/groups").text
        change = {"name": "Design team", "description": "", "member_id": [str(team.admin.id)]}
        assert _post(client, "/groups", f"/groups/{made['id']}", change).status_code == 303
        changed = _group(team, "design")
        assert changed and changed["name"] == "Design team"
        assert changed["member_ids"] == [team.admin.id]
        unnamed = _post(client, "/groups", f"/groups/{made['id']}", {"name": " "})
        assert unnamed.status_code == 422
        assert "A display name needs 1 to 120 characters" in unnamed.text
        refused = _post(client, "/groups", f"/groups/{made['id']}/delete")
        assert refused.status_code == 403
    with signed_in(team.server, team.admin.email) as client:
        assert _post(client, "/groups", f"/groups/{made['id']}/delete").status_code == 303
    assert _group(team, "design") is None


def test_a_taken_group_handle_shows_the_reason_and_keeps_the_form(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        fields = {"handle": "admin", "name": "Admins", "member_id": str(team.owner.id)}
        response = _post(client, "/groups", "/groups", fields)
        assert response.status_code == 409
        assert 'The handle "@admin" is taken' in html.unescape(response.text)
        assert 'value="Admins"' in response.text
        create_form = response.text.split('id="group-form"', 1)[1]
        assert f'value="{team.owner.id}" checked' in create_form
        bad_name = _post(client, "/groups", "/groups", {"handle": "ops", "name": ""})
        assert bad_name.status_code == 422
    assert _group(team, "admin") is None and _group(team, "ops") is None


def test_admin_archives_and_unarchives_channels(team: Team) -> None:
    general = team.channel_id("general")
    with signed_in(team.server, team.admin.email) as client:
        page = client.get("/admin/channels")
        assert page.status_code == 200 and f'action="/c/{general}/archive"' in page.text
        archived = _post(client, "/admin/channels", f"/c/{general}/archive", {"archived": "1"})
        assert archived.status_code == 303
        assert team.owner.get(f"/channels/{general}").json()["is_archived"] is True
        assert "Unarchive #general" in client.get("/admin/channels").text
        restored = _post(client, "/admin/channels", f"/c/{general}/archive", {"archived": "0"})
        assert restored.status_code == 303
    assert team.owner.get(f"/channels/{general}").json()["is_archived"] is False


def test_settings_takes_a_city_for_the_time_zone_and_offers_the_zones(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        page = client.get("/settings")
        assert 'list="zone-names"' in page.text and '<datalist id="zone-names">' in page.text
        assert '<option value="Europe/Berlin">' in page.text
        fields = {"display_name": "Member", "title": "", "time_zone": "manila"}
        _post(client, "/settings", "/settings/profile", fields)
    assert team.member.get("/users/me").json()["time_zone"] == "Asia/Manila"
