"""Link previews over HTTP, on a server that makes them: part of the message, read
only through it."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from tests.support import LiveServer, Team, make_team
from tests.unfurl.conftest import Site, serve, server_with_previews, wait_for_previews


@pytest.fixture(scope="module")
def previewing(
    database_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with server_with_previews(database_kind, tmp_path_factory.mktemp("previews")) as live:
        yield live


@pytest.fixture
def crew(previewing: LiveServer) -> Iterator[Team]:
    made = make_team(previewing)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def web() -> Iterator[Site]:
    with serve() as site:
        yield site


def test_a_sent_link_is_previewed_in_the_message_json(crew: Team, web: Site) -> None:
    topic = crew.owner.post(
        f"/channels/{crew.channel_id('general')}/topics",
        json={"title": "Budget", "body": f"Please read {web.url}/article before Friday"},
    )
    assert topic.status_code == 201, topic.text
    sent = topic.json()["first_message"]
    assert sent["previews"] == []  # fetched after the send is answered
    [preview] = wait_for_previews(crew.member, sent["id"])
    assert preview == {
        "url": f"{web.url}/article",
        "title": "Q3 budget & plan",
        "description": "What we spend, and why .",
        "site_name": "Acme Docs",
        "image_url": f"/api/v1/messages/{sent['id']}/previews/0/image",
        "image_width": 480,
        "image_height": 320,
    }
    listed = crew.member.get(f"/topics/{topic.json()['id']}/messages").json()["items"]
    assert listed[0]["previews"] == [preview]


def test_previews_are_read_only_through_their_message(crew: Team, web: Site) -> None:
    room = crew.owner.post("/channels", json={"name": "board", "is_private": True})
    assert room.status_code == 201, room.text
    topic = crew.owner.post(
        f"/channels/{room.json()['id']}/topics",
        json={"title": "Offer", "body": f"Draft: {web.url}/article"},
    ).json()
    message_id = topic["first_message"]["id"]
    assert wait_for_previews(crew.owner, message_id)
    for stranger in (crew.member, crew.outsider):
        assert stranger.get(f"/messages/{message_id}").status_code == 404


def test_a_deleted_message_keeps_no_preview(crew: Team, web: Site) -> None:
    topic = crew.owner.post(
        f"/channels/{crew.channel_id('general')}/topics",
        json={"title": "Gone", "body": f"See {web.url}/head-only"},
    ).json()
    message_id = topic["first_message"]["id"]
    assert wait_for_previews(crew.owner, message_id)
    assert crew.owner.delete(f"/messages/{message_id}").status_code == 200
    assert crew.member.get(f"/messages/{message_id}").json()["previews"] == []


def test_the_preview_image_comes_from_this_server_to_readers_only(crew: Team, web: Site) -> None:
    room = crew.owner.post("/channels", json={"name": "design", "is_private": True}).json()
    topic = crew.owner.post(
        f"/channels/{room['id']}/topics", json={"title": "Cover", "body": f"{web.url}/article"}
    ).json()
    message_id = topic["first_message"]["id"]
    [preview] = wait_for_previews(crew.owner, message_id)
    image = preview["image_url"].removeprefix("/api/v1")
    got = crew.owner.get(image)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "image/webp"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert got.headers["cross-origin-resource-policy"] == "same-origin"
    assert got.headers["content-disposition"].startswith("inline")
    with Image.open(io.BytesIO(got.content)) as picture:
        assert picture.size == (480, 320)
    again = crew.owner.get(image, headers={"If-None-Match": got.headers["etag"]})
    assert again.status_code == 304
    for stranger in (crew.member, crew.outsider):
        assert stranger.get(image).status_code == 404
    assert crew.owner.get(f"/messages/{message_id}/previews/1/image").status_code == 404
    assert crew.owner.delete(f"/messages/{message_id}").status_code == 200
    assert crew.owner.get(image).status_code == 404
