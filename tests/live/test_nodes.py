"""Several nodes on one PostgreSQL: a commit on one wakes the live streams of all,
through Redis pub/sub or, without Redis, PostgreSQL LISTEN/NOTIFY.

The nodes poll the log only once an hour here, so everything that arrives in
time arrived by a wake-up."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.live.test_events import collect, drain, new_topic, receive
from tests.support import (
    PASSWORD,
    LiveServer,
    Person,
    Team,
    fresh_postgres,
    make_team,
    postgres_url_or_skip,
    redis_url_or_skip,
    server_settings,
)
from tidings.clock import FrozenClock

NO_POLL = 3600.0


@pytest.fixture(params=["redis", "notify"])
def nodes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[LiveServer]]:
    redis_url = redis_url_or_skip() if request.param == "redis" else None
    with fresh_postgres(postgres_url_or_skip()) as url:
        storage = str(tmp_path / "files")
        started = [
            LiveServer(
                server_settings(
                    url, redis_url=redis_url, live_poll_seconds=NO_POLL, storage_dir=storage
                )
            ).start()
            for _ in range(3)
        ]
        try:
            yield started
        finally:
            for node in started:
                node.stop()


@pytest.fixture
def team(nodes: list[LiveServer]) -> Iterator[Team]:
    made = make_team(nodes[0])
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def on() -> Iterator[Callable[[LiveServer, Person], Person]]:
    """``on(node, person)``: the same person, talking to another node."""
    clients: list[httpx.Client] = []

    def elsewhere(node: LiveServer, person: Person) -> Person:
        client = httpx.Client(
            base_url=f"{node.url}/api/v1",
            headers={"Authorization": f"Bearer {person.token}"},
            timeout=30,
        )
        clients.append(client)
        return Person(person.id, person.handle, person.email, person.token, client)

    yield elsewhere
    for client in clients:
        client.close()


OnNode = Callable[[LiveServer, Person], Person]


def ws_on(node: LiveServer, person: Person, since: int | None = None) -> str:
    url = node.url.replace("http://", "ws://") + f"/api/v1/events?token={person.token}"
    return url if since is None else f"{url}&since={since}"


def test_a_message_sent_on_one_node_reaches_sockets_on_the_others_in_order_once(
    nodes: list[LiveServer], team: Team, on: OnNode
) -> None:
    general = team.channel_id("general")
    senders = [on(node, team.owner) for node in nodes]
    with connect(ws_on(nodes[1], team.member)) as b, connect(ws_on(nodes[2], team.admin)) as c:
        time.sleep(0.2)
        titles = [f"from node {i % 3}: {i}" for i in range(12)]
        for i, title in enumerate(titles):
            new_topic(senders[i % 3], general, title)
        for ws in (b, c):
            events = collect(ws, 24, timeout=10)
            created = [e["data"]["title"] for e in events if e["type"] == "topic.created"]
            assert created == titles
            ids = [e["id"] for e in events]
            assert ids == sorted(set(ids))  # in log order, each once
            assert drain(ws, 0.3) == []


def test_a_client_bounced_between_nodes_with_since_misses_nothing(
    nodes: list[LiveServer], team: Team, on: OnNode
) -> None:
    general = team.channel_id("general")
    writer = on(nodes[0], team.owner)
    seen: list[str] = []
    last: int | None = None

    def read_until(ws: ClientConnection, title: str) -> None:
        nonlocal last
        while not seen or seen[-1] != title:
            event = receive(ws, 10)
            assert event is not None, f"{title!r} never arrived; saw {seen}"
            last = event["id"]
            if event["type"] == "topic.created":
                seen.append(event["data"]["title"])

    for round_ in range(3):
        with connect(ws_on(nodes[(round_ + 1) % 3], team.member, since=last)) as ws:
            if last is None:
                time.sleep(0.2)
            new_topic(writer, general, f"round {round_}")
            read_until(ws, f"round {round_}")
        new_topic(writer, general, f"between {round_}")  # sent while disconnected
    with connect(ws_on(nodes[1], team.member, since=last)) as ws:
        read_until(ws, "between 2")
        assert [e["type"] for e in drain(ws, 0.3)] == ["message.created"]  # its first post
    assert seen == [name for r in range(3) for name in (f"round {r}", f"between {r}")]


def test_a_token_revoked_on_one_node_ends_its_stream_on_another_within_a_second(
    nodes: list[LiveServer], team: Team, on: OnNode
) -> None:
    made = on(nodes[0], team.member).post("/tokens", json={"name": "stream"}).json()
    third = on(nodes[2], replace(team.member, token=made["token"]))
    assert third.get("/users/me/availability").status_code == 200  # cached on node C now
    with connect(ws_on(nodes[2], third)) as ws:
        time.sleep(0.2)
        assert on(nodes[0], team.member).delete(f"/tokens/{made['id']}").status_code == 200
        revoked_at = time.monotonic()
        with pytest.raises(ConnectionClosed):
            while time.monotonic() - revoked_at < 5:
                ws.recv(timeout=5)
        assert time.monotonic() - revoked_at < 1.0
    assert third.get("/users/me/availability").status_code == 401  # and node C's cache forgot it


def test_deactivating_a_member_on_one_node_signs_them_out_on_the_others(
    nodes: list[LiveServer], team: Team, on: OnNode
) -> None:
    elsewhere = on(nodes[1], team.member)
    assert elsewhere.get("/users/me/availability").status_code == 200
    with connect(ws_on(nodes[1], team.member)) as ws:
        time.sleep(0.2)
        gone = on(nodes[0], team.owner).post(f"/users/{team.member.id}/deactivate")
        assert gone.status_code == 200, gone.text
        with pytest.raises(ConnectionClosed):
            for _ in range(5):
                ws.recv(timeout=2)
    assert elsewhere.get("/users/me/availability").status_code == 401


def test_sign_in_failures_count_on_every_node_that_shares_redis(tmp_path: Path) -> None:
    """Guessing spread over two nodes waits as if it were one node; the wait ends on
    the servers' clock, which travels here instead of the test waiting."""
    redis_url = redis_url_or_skip()
    clock = FrozenClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    with fresh_postgres(postgres_url_or_skip()) as url:
        limits = {"login_pair_failures": 2, "redis_url": redis_url, "live_poll_seconds": NO_POLL}
        storage = str(tmp_path / "files")
        a = LiveServer(server_settings(url, storage_dir=storage, **limits), clock).start()
        b = LiveServer(server_settings(url, storage_dir=storage, **limits), clock).start()
        team = make_team(a)
        try:
            with (
                httpx.Client(base_url=f"{a.url}/api/v1") as to_a,
                httpx.Client(base_url=f"{b.url}/api/v1") as to_b,
            ):
                tries = [to_a, to_b, to_a]
                answers = [
                    c.post("/auth/login", json={"email": team.member.email, "password": "no"})
                    for c in tries
                ]
                assert [r.status_code for r in answers] == [401, 401, 401]
                refused = to_b.post(
                    "/auth/login", json={"email": team.member.email, "password": PASSWORD}
                )
                assert refused.status_code == 429, refused.text
                assert refused.json()["code"] == "login_throttled"
                clock.advance(timedelta(seconds=int(refused.headers["Retry-After"])))
                signed_in = to_a.post(
                    "/auth/login", json={"email": team.member.email, "password": PASSWORD}
                )
                assert signed_in.status_code == 200, signed_in.text
        finally:
            team.close()
            a.stop()
            b.stop()


def test_the_request_rate_limit_is_shared_by_nodes_that_share_redis(tmp_path: Path) -> None:
    redis_url = redis_url_or_skip()
    with fresh_postgres(postgres_url_or_skip()) as url:
        limits = {"redis_url": redis_url, "live_poll_seconds": NO_POLL}
        storage = str(tmp_path / "files")
        a, b = (
            LiveServer(
                server_settings(url, storage_dir=storage, rate_limit_per_minute=6, **limits)
            ).start()
            for _ in range(2)
        )
        team = make_team(a)
        try:
            answers = []
            for i in range(8):
                node = (a, b)[i % 2]
                with httpx.Client(
                    base_url=f"{node.url}/api/v1",
                    headers={"Authorization": f"Bearer {team.member.token}"},
                ) as client:
                    answers.append(client.get("/channels"))
            assert [r.status_code for r in answers] == [200] * 6 + [429, 429]
            refused = answers[-1]
            assert refused.json()["code"] == "rate_limited"
            assert 1 <= int(refused.headers["Retry-After"]) <= 60
        finally:
            team.close()
            a.stop()
            b.stop()


def test_a_token_revoked_by_the_operator_command_ends_streams_at_once(
    nodes: list[LiveServer], team: Team, on: OnNode
) -> None:
    from typer.testing import CliRunner

    from tidings.cli import app

    made = on(nodes[0], team.member).post("/tokens", json={"name": "ops"}).json()
    holder = replace(team.member, token=made["token"])
    env = {"COLUMNS": "200"}
    if nodes[0].settings.redis_url:
        env["TIDINGS_REDIS_URL"] = nodes[0].settings.redis_url
    with connect(ws_on(nodes[1], holder)) as ws:
        time.sleep(0.2)
        revoked = CliRunner().invoke(
            app,
            [
                "token",
                "revoke",
                made["id"],
                "--workspace",
                team.slug,
                "--database-url",
                nodes[0].settings.database_url,
            ],
            env=env,
        )
        assert revoked.exit_code == 0, revoked.output
        revoked_at = time.monotonic()
        with pytest.raises(ConnectionClosed):
            while time.monotonic() - revoked_at < 5:
                ws.recv(timeout=5)
        assert time.monotonic() - revoked_at < 1.0
