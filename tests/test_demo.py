"""The demo workspace: seeded through the actions, readable over HTTP, seeded once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.support import LiveServer
from tidings.demo import DEMO_PASSWORD, seed_demo


@pytest.fixture
def logins(server: LiveServer) -> list[tuple[str, str, str]]:
    return seed_demo(server.db)


@pytest.fixture
def sign_in(server: LiveServer) -> Iterator[Callable[[str], httpx.Client]]:
    clients: list[httpx.Client] = []

    def as_(email: str) -> httpx.Client:
        response = httpx.post(
            f"{server.url}/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 200, response.text
        assert response.json()["workspace"] == "acme"
        client = httpx.Client(
            base_url=f"{server.url}/api/v1",
            headers={"Authorization": f"Bearer {response.json()['token']}"},
        )
        clients.append(client)
        return client

    yield as_
    for client in clients:
        client.close()


def _channels(client: httpx.Client) -> dict[str, dict]:
    return {channel["name"]: channel for channel in client.get("/channels").json()}


def _topic(client: httpx.Client, channel: str, title: str) -> dict:
    channel_id = _channels(client)[channel]["id"]
    found = client.get(f"/channels/{channel_id}/topics", params={"title": title}).json()
    assert len(found["items"]) == 1
    return found["items"][0]


def _everything(client: httpx.Client) -> dict[str, list[tuple[str, int]]]:
    """What the member can see: channels with their topics and message counts."""
    seen = {}
    for name, channel in _channels(client).items():
        topics = client.get(f"/channels/{channel['id']}/topics").json()["items"]
        seen[name] = sorted((t["title"], t["message_count"]) for t in topics)
    seen["@"] = [
        (str(c["member_ids"]), c["last_message_id"]) for c in client.get("/conversations").json()
    ]
    return seen


def test_logins_list_the_owner_first_in_six_cities(logins: list[tuple[str, str, str]]) -> None:
    assert logins[0] == ("Lena Hoffmann", "lena@acme.example", "Europe/Berlin")
    assert len(logins) == 8
    assert {zone for _, _, zone in logins} == {
        "Europe/Berlin",
        "Europe/Lisbon",
        "America/New_York",
        "America/Chicago",
        "Asia/Manila",
        "Australia/Sydney",
    }


def test_a_member_signs_in_and_reads_a_thread_with_history(logins, sign_in) -> None:
    marcus = sign_in("marcus@acme.example")
    channels = _channels(marcus)
    assert {"general", "design", "engineering", "support", "leadership"} <= set(channels)
    assert channels["support"]["kind"] == "support"
    assert channels["leadership"]["is_private"] is True
    topic = _topic(marcus, "general", "Q3 roadmap")
    messages = marcus.get(f"/topics/{topic['id']}/messages").json()["items"]
    assert len(messages) == topic["message_count"] >= 4
    assert messages[1]["reply_to_id"] == messages[0]["id"]
    assert messages[-1]["edited_at"] is not None
    assert any(r["emoji"] == "👍" for r in messages[-1]["reactions"])
    times = [datetime.fromisoformat(m["created_at"]) for m in messages]
    assert times == sorted(times)
    assert times[-1] - times[0] > timedelta(days=1), "a thread spans days, not seconds"
    assert times[-1] < datetime.now(UTC)
    users = {u["handle"]: u for u in marcus.get("/users").json()}
    assert users["lena"]["role"] == "owner" and users["lena"]["title"] == "Team lead"
    assert users["bea"]["role"] == "guest"


def test_the_incident_is_resolved_and_started_urgent(logins, sign_in) -> None:
    dana = sign_in("dana@acme.example")
    topic = _topic(dana, "engineering", "Incident: sign-in failures after 2.14")
    assert topic["is_resolved"] is True
    first = dana.get(f"/topics/{topic['id']}/messages").json()["items"][0]
    assert first["priority"] == "urgent"


def test_the_design_review_renders_a_table_and_code_for_the_design_group(logins, sign_in) -> None:
    mia = sign_in("mia@acme.example")
    topic = _topic(mia, "design", "Design review: Inbox 2.0 list")
    first = mia.get(f"/topics/{topic['id']}/messages").json()["items"][0]
    assert "<table>" in first["html"] and "<pre><code" in first["html"]
    assert 'data-kind="group"' in first["html"]
    group = {g["handle"]: g for g in mia.get("/groups").json()}["design"]
    assert len(group["member_ids"]) == 4


def test_someone_mentioned_finds_it_in_the_inbox(logins, sign_in) -> None:
    bea = sign_in("bea@acme.example")
    inbox = bea.get("/inbox").json()
    assert inbox["total_mentions"] >= 1
    assert {entry["kind"] for entry in inbox["items"]} == {"topic", "conversation"}
    hits = bea.get("/search", params={"q": "from:@mia paper boat"}).json()["items"]
    assert hits, "the guest finds what she may read"


def test_the_guest_sees_design_but_not_leadership(logins, sign_in) -> None:
    bea = sign_in("bea@acme.example")
    names = set(_channels(bea))
    assert "design" in names
    assert "leadership" not in names
    leadership = _channels(sign_in("ana@acme.example"))["leadership"]["id"]
    assert bea.get(f"/channels/{leadership}").status_code == 404


def test_direct_conversations_hold_a_one_to_one_and_a_group(logins, sign_in) -> None:
    lena = sign_in("lena@acme.example")
    marcus = sign_in("marcus@acme.example")
    assert [c["kind"] for c in lena.get("/conversations").json()] == ["dm"]
    assert [c["kind"] for c in marcus.get("/conversations").json()] == ["group"]


def test_seeding_twice_changes_nothing(server: LiveServer, logins, sign_in) -> None:
    lena = sign_in("lena@acme.example")
    before = _everything(lena)
    users = len(lena.get("/users").json())
    assert seed_demo(server.db) == logins
    assert _everything(lena) == before
    assert len(lena.get("/users").json()) == users == 8
