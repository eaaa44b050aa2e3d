"""The web UI's pages over plain HTTP: sign-in, sessions, CSRF and error pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.support import PASSWORD, LiveServer, Team


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


@contextmanager
def browser(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def sign_in(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/login")
    return client.post(
        "/login", data={"csrf_token": csrf_of(page.text), "email": email, "password": password}
    )


@contextmanager
def signed_in(server: LiveServer, email: str) -> Iterator[httpx.Client]:
    with browser(server) as client:
        assert sign_in(client, email).status_code == 303
        yield client


def test_pages_need_a_session_and_send_visitors_to_sign_in(server: LiveServer) -> None:
    response = httpx.get(f"{server.url}/c/1")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/c/1"


def test_sign_in_sets_an_httponly_lax_session_cookie(team: Team) -> None:
    with browser(team.server) as client:
        response = sign_in(client, team.member.email)
        cookie = response.headers["set-cookie"]
        assert "tidings_session=" in cookie and "HttpOnly" in cookie
        assert "samesite=lax" in cookie.lower()
        assert client.get("/").status_code == 200


def test_wrong_password_shows_the_reason_and_keeps_the_email(team: Team) -> None:
    with browser(team.server) as client:
        response = sign_in(client, team.member.email, "not the password")
        assert response.status_code == 401
        assert "Email or password is wrong" in response.text
        assert f'value="{team.member.email}"' in response.text


def test_a_form_without_the_csrf_token_is_refused(team: Team) -> None:
    general = team.channel_id("general")
    with signed_in(team.server, team.member.email) as client:
        response = client.post(f"/c/{general}/topics", data={"title": "Sneaky", "body": "x"})
        assert response.status_code == 403
        assert "This form has expired" in response.text
        forged = client.post(
            f"/c/{general}/topics", data={"title": "Sneaky", "body": "x", "csrf_token": "made-up"}
        )
        assert forged.status_code == 403
    topics = team.member.get(f"/channels/{general}/topics").json()["items"]
    assert all(topic["title"] != "Sneaky" for topic in topics)


def test_unknown_pages_and_hidden_channels_show_an_error_page_not_a_traceback(
    team: Team,
) -> None:
    secret = team.owner.post("/channels", json={"name": "secret", "is_private": True}).json()
    with signed_in(team.server, team.member.email) as client:
        for path in (f"/c/{secret['id']}", "/t/999999", "/nowhere", "/c/99999999999999999999999"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.headers["content-type"].startswith("text/html")
            assert "Traceback" not in response.text
            assert "Back to your Inbox" in response.text


def test_invitation_link_opens_a_join_form_that_posts_to_itself(team: Team) -> None:
    invitation = team.owner.post("/invitations", json={"role": "member"}).json()
    page = httpx.get(invitation["url"])
    assert page.status_code == 200
    assert f'action="/invite/{invitation["token"]}"' in page.text


def test_invitation_page_escapes_what_is_in_the_link(server: LiveServer) -> None:
    page = httpx.get(f"{server.url}/invite/%22%3E%3Cscript%3Ealert(1)%3C")
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text


def test_sign_out_revokes_the_session_token(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        token = client.cookies["tidings_session"]
        page = client.get("/")
        response = client.post("/logout", data={"csrf_token": csrf_of(page.text)})
        assert response.status_code == 303
    me = httpx.get(
        f"{team.server.url}/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.status_code == 401


def test_the_inbox_shows_who_wrote_and_the_first_words_not_markdown(team: Team) -> None:
    general = team.channel_id("general")
    made = team.owner.post(
        f"/channels/{general}/topics",
        json={"title": "Row words", "body": "Ship **it** <b>now</b>"},
    )
    assert made.status_code == 201, made.text
    conversation = team.owner.post("/conversations", json={"member_ids": [team.member.id]})
    said = team.owner.post(
        f"/conversations/{conversation.json()['id']}/messages", json={"body": "_psst_"}
    )
    assert said.status_code == 201, said.text
    with signed_in(team.server, team.member.email) as client:
        page = client.get("/").text
    row = page[page.index("Row words") :]
    row = row[: row.index("</a>")]
    assert "Olive Owner:</span> Ship it &lt;b&gt;now&lt;/b&gt;" in row
    assert "**" not in row and "<b>" not in row
    dm_row = page[page.index('class="inbox-item priority-normal" data-conversation') :]
    dm_row = dm_row[: dm_row.index("</li>")]
    assert "Olive Owner:</span> psst" in dm_row and "Direct message" not in dm_row


def test_a_topic_opens_with_a_divider_where_the_unread_messages_begin(team: Team) -> None:
    general = team.channel_id("general")
    made = team.owner.post(
        f"/channels/{general}/topics", json={"title": "Divided", "body": "seen already"}
    )
    topic_id = made.json()["id"]
    read = team.member.post("/read", json={"topic_id": topic_id})
    assert read.status_code == 200, read.text
    sent = [
        team.owner.post(f"/topics/{topic_id}/messages", json={"body": f"new {n}"}).json()
        for n in range(3)
    ]
    with signed_in(team.server, team.member.email) as client:
        page = client.get(f"/t/{topic_id}").text
        again = client.get(f"/t/{topic_id}").text  # not read yet: the page's script marks it
    divider = page.index('class="unread-divider" id="unread"')
    assert page.index(f'id="m{sent[0]["id"]}"') < divider < page.index("new 0")
    assert "3 new since" in page[divider : divider + 200]
    assert page.index("seen already") < divider
    assert 'href="#unread">Jump to the first unread (3 new)' in page
    assert "3 new since" in again
    team.member.post("/read", json={"topic_id": topic_id})
    with signed_in(team.server, team.member.email) as client:
        read_page = client.get(f"/t/{topic_id}").text
    assert "unread-divider" not in read_page and "Jump to the first unread" not in read_page
