"""Live events over real WebSockets and Server-Sent Events."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.support import Person, Team
from tidings.actions.events import purge_events


def ws_url(team: Team, person: Person, since: int | None = None) -> str:
    url = team.server.url.replace("http://", "ws://") + f"/api/v1/events?token={person.token}"
    return url if since is None else f"{url}&since={since}"


def receive(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any] | None:
    """The next non-heartbeat event, or None if nothing arrives in time."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            event = json.loads(ws.recv(timeout=left))
        except TimeoutError:
            return None
        if event["type"] != "heartbeat":
            return event
    return None


def collect(ws: ClientConnection, wanted: int, timeout: float = 10.0) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(found) < wanted and time.monotonic() < deadline:
        event = receive(ws, deadline - time.monotonic())
        if event is None:
            break
        found.append(event)
    return found


def drain(ws: ClientConnection, quiet: float = 0.5) -> list[dict[str, Any]]:
    found = []
    while (event := receive(ws, quiet)) is not None:
        found.append(event)
    return found


def private_channel(team: Team, name: str = "secret") -> int:
    made = team.owner.post(
        "/channels", json={"name": name, "is_private": True, "member_ids": [team.admin.id]}
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def new_topic(person: Person, channel_id: int, title: str, body: str = "start") -> dict[str, Any]:
    made = person.post(f"/channels/{channel_id}/topics", json={"title": title, "body": body})
    assert made.status_code == 201, made.text
    return made.json()


def test_each_socket_gets_only_what_its_member_may_see_in_order(team: Team) -> None:
    secret = private_channel(team)
    general = team.channel_id("general")
    with (
        connect(ws_url(team, team.admin)) as admin_ws,
        connect(ws_url(team, team.member)) as member_ws,
        connect(ws_url(team, team.guest)) as guest_ws,
        connect(ws_url(team, team.outsider)) as outsider_ws,
    ):
        time.sleep(0.2)
        public = new_topic(team.owner, general, "open news", "public body")
        hidden = new_topic(team.owner, secret, "hidden plans", "private body")
        admin_events = drain(admin_ws)
        member_events = drain(member_ws)
        guest_events = drain(guest_ws)
        outsider_events = drain(outsider_ws)
    admin_topics = [e["data"]["id"] for e in admin_events if e["type"] == "topic.created"]
    member_topics = [e["data"]["id"] for e in member_events if e["type"] == "topic.created"]
    assert admin_topics == [public["id"], hidden["id"]]
    assert member_topics == [public["id"]]
    assert "private body" not in json.dumps(member_events)
    assert guest_events == [] and outsider_events == []
    ids = [e["id"] for e in admin_events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_a_public_channel_reaches_its_members_and_those_viewing_it_not_everyone(
    team: Team,
) -> None:
    made = team.owner.post(
        "/channels", json={"name": "news", "is_private": False, "member_ids": [team.admin.id]}
    )
    assert made.status_code == 201, made.text
    news = int(made.json()["id"])
    with (
        connect(ws_url(team, team.admin)) as joined,
        connect(ws_url(team, team.member)) as elsewhere,
        connect(ws_url(team, team.member) + f"&view={news}") as viewing,
        connect(ws_url(team, team.guest) + f"&view={news}") as guest,
        connect(ws_url(team, team.member)) as switching,
    ):
        time.sleep(0.2)
        first = new_topic(team.owner, news, "first", "hello")
        seen_by_joined = [receive(joined)]  # dispatched to every stream by now
        switching.send(json.dumps({"type": "view", "channel_ids": [news]}))
        switching.send("ping")  # answered after the view is applied: the order holds
        assert receive(switching) == {"type": "pong"}
        second = new_topic(team.owner, news, "second", "again")

        def topics(ws: ClientConnection) -> list[int]:
            return [e["data"]["id"] for e in drain(ws) if e["type"] == "topic.created"]

        assert seen_by_joined[0] is not None and seen_by_joined[0]["type"] == "topic.created"
        assert [seen_by_joined[0]["data"]["id"], *topics(joined)] == [first["id"], second["id"]]
        assert topics(viewing) == [first["id"], second["id"]]
        assert topics(elsewhere) == []  # the Inbox and counts tell them, not the stream
        assert topics(guest) == []  # a guest cannot read a channel they are not in
        assert topics(switching) == [second["id"]]


def test_a_topic_followed_from_outside_its_public_channel_still_streams_to_its_follower(
    team: Team,
) -> None:
    made = team.owner.post("/channels", json={"name": "desk", "member_ids": [team.admin.id]})
    assert made.status_code == 201, made.text
    desk = int(made.json()["id"])
    mentioned = new_topic(team.owner, desk, "for you", f"@{team.member.handle} a look?")
    other = new_topic(team.owner, desk, "not for you", "nothing here")
    with connect(ws_url(team, team.member)) as follower, connect(ws_url(team, team.guest)) as guest:
        time.sleep(0.2)
        for topic in (mentioned, other):
            reply = team.owner.post(f"/topics/{topic['id']}/messages", json={"body": "more"})
            assert reply.status_code == 201, reply.text
        created = [e["data"]["topic_id"] for e in drain(follower) if e["type"] == "message.created"]
        assert created == [mentioned["id"]]  # the followed topic only, though not in #desk
        assert drain(guest) == []


def test_the_message_whose_mention_makes_an_outsider_follow_reaches_them_live(
    team: Team,
) -> None:
    """Nobody followed the topic from outside #desk before this message; its mention of
    someone outside makes them follow, and the message itself already streams to them."""
    made = team.owner.post("/channels", json={"name": "desk", "member_ids": [team.admin.id]})
    assert made.status_code == 201, made.text
    topic = new_topic(team.owner, int(made.json()["id"]), "plans", "nothing for outsiders")
    with connect(ws_url(team, team.member)) as outsider:
        time.sleep(0.2)
        quiet = team.owner.post(f"/topics/{topic['id']}/messages", json={"body": "still quiet"})
        assert quiet.status_code == 201, quiet.text
        asked = f"@{team.member.handle} could you look?"
        sent = team.owner.post(f"/topics/{topic['id']}/messages", json={"body": asked})
        assert sent.status_code == 201, sent.text
        created = [e["data"]["id"] for e in drain(outsider) if e["type"] == "message.created"]
        assert created == [sent.json()["id"]]


def test_a_bad_view_is_refused_like_a_bad_since(team: Team) -> None:
    assert _closed_with(ws_url(team, team.member) + "&view=one,two")[0] == 4400
    answer = httpx.get(
        f"{team.server.url}/api/v1/events",
        params={"token": team.member.token, "view": ",".join(str(i) for i in range(1, 60))},
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid_input"


def test_joining_a_private_channel_starts_its_events(team: Team) -> None:
    secret = private_channel(team)
    with connect(ws_url(team, team.member)) as member_ws:
        time.sleep(0.2)
        new_topic(team.admin, secret, "before joining")
        assert (
            team.admin.post(
                f"/channels/{secret}/members", json={"member_ids": [team.member.id]}
            ).status_code
            == 200
        )
        new_topic(team.admin, secret, "after joining")
        events = drain(member_ws)
    kinds = [(e["type"], e["data"].get("title")) for e in events]
    assert ("topic.created", "before joining") not in kinds
    assert ("channel.member_added", None) in kinds
    assert ("topic.created", "after joining") in kinds


def test_resume_with_since_receives_everything_missed(team: Team) -> None:
    general = team.channel_id("general")
    topic = new_topic(team.owner, general, "resume")
    with connect(ws_url(team, team.member)) as ws:
        time.sleep(0.2)
        team.owner.post(f"/topics/{topic['id']}/messages", json={"body": "one"})
        first = collect(ws, 1)
    last_seen = first[-1]["id"]
    sent = [
        team.owner.post(f"/topics/{topic['id']}/messages", json={"body": f"missed {i}"}).json()
        for i in range(5)
    ]
    with connect(ws_url(team, team.member, since=last_seen)) as ws:
        replayed = collect(ws, 5)
    assert [e["data"]["id"] for e in replayed] == [m["id"] for m in sent]
    assert [e["id"] for e in replayed] == sorted(e["id"] for e in replayed)


def test_a_stream_says_after_which_event_it_starts(team: Team) -> None:
    """``X-Tidings-Since`` on the answer that opens a stream: without ``since`` the
    head when it opened, so a client that drops before the first event resumes there
    and misses nothing sent in between."""
    general = team.channel_id("general")
    topic = new_topic(team.owner, general, "opened at")
    with connect(ws_url(team, team.member)) as ws:
        assert ws.response is not None
        opened_at = int(ws.response.headers["X-Tidings-Since"])
    sent = team.owner.post(f"/topics/{topic['id']}/messages", json={"body": "after"}).json()
    with connect(ws_url(team, team.member, since=opened_at)) as ws:
        assert ws.response is not None
        assert ws.response.headers["X-Tidings-Since"] == str(opened_at)
        first = collect(ws, 1)[0]
    assert first["id"] > opened_at and first["data"]["id"] == sent["id"]
    with connect(ws_url(team, team.member, since=0)) as ws:
        replayed = [e for e in drain(ws) if e["id"] <= opened_at]
    assert any(e["type"] == "topic.created" and e["data"]["id"] == topic["id"] for e in replayed)
    headers = {"Authorization": f"Bearer {team.member.token}"}
    with (
        httpx.Client(base_url=f"{team.server.url}/api/v1", timeout=10) as client,
        client.stream("GET", "/events", headers=headers) as response,
    ):
        assert int(response.headers["X-Tidings-Since"]) >= first["id"]


def test_socket_dropped_twenty_times_during_500_messages_misses_nothing(team: Team) -> None:
    general = team.channel_id("general")
    topic = new_topic(team.owner, general, "firehose")
    total, drops = 500, 20
    sent_ids: list[int] = []

    def sender() -> None:
        with httpx.Client(
            base_url=f"{team.server.url}/api/v1",
            headers={"Authorization": f"Bearer {team.owner.token}"},
        ) as client:
            for i in range(total):
                response = client.post(f"/topics/{topic['id']}/messages", json={"body": f"m{i}"})
                assert response.status_code == 201
                sent_ids.append(response.json()["id"])

    with connect(ws_url(team, team.member)) as ws:
        time.sleep(0.2)
        last_seen = 0
        thread = threading.Thread(target=sender)
        thread.start()
        received: list[dict[str, Any]] = []
        per_connection = total // (drops + 1)
        received += collect(ws, per_connection)
    for _ in range(drops):
        last_seen = received[-1]["id"]
        with connect(ws_url(team, team.member, since=last_seen)) as ws:
            received += collect(ws, per_connection)
    thread.join(120)
    with connect(ws_url(team, team.member, since=received[-1]["id"])) as ws:
        received += drain(ws, quiet=1.5)
    created = [e["data"]["id"] for e in received if e["type"] == "message.created"]
    assert created == sent_ids
    seqs = [e["id"] for e in received]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))


def test_since_older_than_the_retained_log_gets_a_reset(team: Team) -> None:
    general = team.channel_id("general")
    new_topic(team.owner, general, "old news")
    with connect(ws_url(team, team.member)) as ws:
        time.sleep(0.2)
        new_topic(team.owner, general, "seen")
        seen = collect(ws, 1)[0]["id"]
    db = team.server.db
    db.write(lambda tx: purge_events(tx, tx.now + timedelta(seconds=1)))
    new_topic(team.owner, general, "after purge")
    with connect(ws_url(team, team.member, since=seen - 1)) as ws:
        first = receive(ws)
        assert first is not None and first["type"] == "reset"
        assert first["data"]["head"] >= seen


def test_since_beyond_the_head_gets_a_reset(team: Team) -> None:
    with connect(ws_url(team, team.member, since=10_000_000)) as ws:
        first = receive(ws)
    assert first is not None and first["type"] == "reset"


def test_idle_socket_receives_heartbeats(team: Team) -> None:
    with connect(ws_url(team, team.member)) as ws:
        frame = json.loads(ws.recv(timeout=5))
    assert frame["type"] == "heartbeat"


def _closed_with(url: str) -> tuple[int, str]:
    """The close code and reason of a socket the server accepts and then refuses."""
    with connect(url) as ws, pytest.raises(ConnectionClosed) as caught:
        ws.recv(timeout=5)
    assert caught.value.rcvd is not None, "the server did not send a close frame"
    return caught.value.rcvd.code, caught.value.rcvd.reason


def test_socket_with_a_bad_token_is_closed_with_4401(team: Team) -> None:
    url = team.server.url.replace("http://", "ws://") + "/api/v1/events?token=tdg_nope"
    assert _closed_with(url) == (4401, "The token is invalid, expired or revoked")


def test_socket_without_a_token_is_closed_with_4401(team: Team) -> None:
    url = team.server.url.replace("http://", "ws://") + "/api/v1/events"
    code, reason = _closed_with(url)
    assert code == 4401 and reason


def test_socket_with_a_bad_since_is_closed_with_4400(team: Team) -> None:
    assert _closed_with(ws_url(team, team.member) + "&since=yesterday") == (
        4400,
        "since must be an event id (an integer)",
    )
    assert _closed_with(ws_url(team, team.member) + "&since=-3") == (
        4400,
        "since must not be negative",
    )


def test_sse_with_a_bad_token_or_since_is_a_problem_like_the_socket(team: Team) -> None:
    events = f"{team.server.url}/api/v1/events"
    bad_token = httpx.get(events, params={"token": "tdg_nope"}, timeout=5)
    assert bad_token.status_code == 401
    assert bad_token.headers["content-type"] == "application/problem+json"
    assert bad_token.json()["detail"] == "The token is invalid, expired or revoked"
    bad_since = httpx.get(events, params={"token": team.member.token, "since": "x"}, timeout=5)
    # The documented pattern refuses it before the stream opens, as any bad parameter.
    assert bad_since.status_code == 422
    assert bad_since.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in bad_since.json()["errors"]] == ["query.since"]


def _sse_messages(response: httpx.Response, wanted: int) -> list[dict[str, Any]]:
    """The next ``wanted`` message.created events of an SSE stream, with their ids."""
    events: list[dict[str, Any]] = []
    current: dict[str, str] = {}
    for line in response.iter_lines():
        if line == "":
            if current.get("event") == "message.created":
                events.append({"id": int(current["id"]), "data": json.loads(current["data"])})
                if len(events) == wanted:
                    return events
            current = {}
        elif not line.startswith(":"):
            key, _, value = line.partition(": ")
            current[key] = value
    return events


def test_server_sent_events_stream_and_resume_with_last_event_id(team: Team) -> None:
    general = team.channel_id("general")
    topic = new_topic(team.owner, general, "sse")
    sent = [
        team.owner.post(f"/topics/{topic['id']}/messages", json={"body": f"s{i}"}).json()
        for i in range(4)
    ]
    with httpx.Client(base_url=f"{team.server.url}/api/v1", timeout=10) as client:
        headers = {"Authorization": f"Bearer {team.member.token}"}
        with client.stream("GET", "/events?since=0", headers=headers) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            created = _sse_messages(response, 5)
        assert [e["data"]["data"]["id"] for e in created[1:]] == [m["id"] for m in sent]
        cut = created[2]["id"]
        resume = {**headers, "Last-Event-ID": str(cut)}
        with client.stream("GET", "/events", headers=resume) as response:
            rest = _sse_messages(response, 2)
    assert [e["data"]["data"]["id"] for e in rest] == [m["id"] for m in sent[2:]]


def test_sse_without_a_token_is_a_problem(team: Team) -> None:
    response = httpx.get(f"{team.server.url}/api/v1/events", timeout=5)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_stream_ends_when_its_token_is_revoked(team: Team) -> None:
    made = team.member.post("/tokens", json={"name": "stream"}).json()
    person = Person(
        team.member.id, team.member.handle, team.member.email, made["token"], team.member.client
    )
    with connect(ws_url(team, person)) as ws:
        time.sleep(0.2)
        assert team.member.delete(f"/tokens/{made['id']}").status_code == 200
        with pytest.raises(ConnectionClosed):  # the server ends the stream
            for _ in range(20):
                ws.recv(timeout=5)
