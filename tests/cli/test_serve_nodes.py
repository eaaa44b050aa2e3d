"""Three ``tidings serve`` nodes on one PostgreSQL, with Redis and without it
(LISTEN/NOTIFY): live delivery across nodes in order and once, a revoked token
ending a stream on another node within a second, and a node killed under load
losing nothing acknowledged while scheduled messages are still sent once.

The nodes look at the event log only once an hour here: what arrives in time came
by a wake-up."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.cli.test_serve import _serve
from tests.live.test_events import collect, drain
from tests.support import (
    LiveServer,
    Person,
    Team,
    free_port,
    fresh_postgres,
    make_team,
    postgres_url_or_skip,
    redis_url_or_skip,
)
from tidings.store.database import Database

pytestmark = pytest.mark.slow


@dataclass
class Node:
    url: str
    process: subprocess.Popen[str]


@dataclass
class Cluster:
    nodes: list[Node]
    db: Database
    url: str  # for make_team: the first node

    def client(self, index: int, person: Person) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.nodes[index].url}/api/v1",
            headers={"Authorization": f"Bearer {person.token}"},
            timeout=30,
        )

    def ws(self, index: int, person: Person) -> str:
        base = self.nodes[index].url.replace("http://", "ws://")
        return f"{base}/api/v1/events?token={person.token}"


def _started(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Tidings is at"):
            return
    pytest.fail(f"a node did not start: {process.communicate(timeout=30)}")


@pytest.fixture(scope="module", params=["redis", "notify"])
def cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp(f"nodes-{request.param}")
    extra = {"TIDINGS_LIVE_POLL_SECONDS": "3600", "TIDINGS_STORAGE_DIR": str(tmp / "files")}
    if request.param == "redis":
        extra["TIDINGS_REDIS_URL"] = redis_url_or_skip()
    with fresh_postgres(postgres_url_or_skip()) as url:
        db = Database(url)
        db.migrate()
        nodes = []
        try:
            for _ in range(3):
                port = free_port()
                process = _serve(tmp, url, "--port", str(port), **extra)
                nodes.append(Node(f"http://127.0.0.1:{port}", process))
            for node in nodes:
                _started(node.process)
            yield Cluster(nodes, db, nodes[0].url)
        finally:
            for node in nodes:
                if node.process.poll() is None:
                    node.process.send_signal(signal.SIGTERM)
            for node in nodes:
                node.process.communicate(timeout=60)
            db.close()


@pytest.fixture(scope="module")
def team(cluster: Cluster) -> Iterator[Team]:
    made = make_team(cast(LiveServer, cluster))
    try:
        yield made
    finally:
        made.close()


def test_nodes_deliver_each_others_messages_live_and_end_revoked_streams(
    cluster: Cluster, team: Team
) -> None:
    general = team.channel_id("general")
    with ExitStack() as stack:
        clients = [stack.enter_context(cluster.client(i, team.owner)) for i in range(3)]
        b = stack.enter_context(connect(cluster.ws(1, team.member)))
        c = stack.enter_context(connect(cluster.ws(2, team.admin)))
        time.sleep(0.2)
        titles = [f"node {i % 3} says {i}" for i in range(9)]
        for i, title in enumerate(titles):
            made = clients[i % 3].post(
                f"/channels/{general}/topics", json={"title": title, "body": "hi"}
            )
            assert made.status_code == 201, made.text
        for ws in (b, c):
            got = collect(ws, 18, timeout=10)
            assert [e["data"]["title"] for e in got if e["type"] == "topic.created"] == titles
            ids = [e["id"] for e in got]
            assert ids == sorted(set(ids))
            assert drain(ws, 0.3) == []

        made = clients[0].post("/tokens", json={"name": "stream"}).json()
        holder = replace(team.owner, token=made["token"])
        stream = stack.enter_context(connect(cluster.ws(2, holder)))
        time.sleep(0.2)
        assert clients[0].delete(f"/tokens/{made['id']}").status_code == 200
        revoked_at = time.monotonic()
        with pytest.raises(ConnectionClosed):
            while time.monotonic() - revoked_at < 5:
                stream.recv(timeout=5)
        assert time.monotonic() - revoked_at < 1.0


def test_a_node_killed_under_load_loses_nothing_acknowledged_and_jobs_run_once(
    cluster: Cluster, team: Team
) -> None:
    general = team.channel_id("general")
    with cluster.client(1, team.owner) as owner:
        topic = owner.post(
            f"/channels/{general}/topics", json={"title": "load", "body": "start"}
        ).json()
        send_at = (datetime.now(UTC) + timedelta(seconds=3)).isoformat()
        scheduled = []
        for i in range(6):
            made = owner.post(
                "/scheduled",
                json={"topic_id": topic["id"], "body": f"scheduled {i}", "send_at": send_at},
            )
            assert made.status_code == 201, made.text
            scheduled.append(made.json()["id"])
    acknowledged: list[int] = []
    stop = threading.Event()

    def send() -> None:
        for i in range(400):  # bounded
            if stop.is_set():
                return
            index = i % 3
            if cluster.nodes[index].process.poll() is not None:
                index = (index + 1) % 3
            try:
                with cluster.client(index, team.member) as client:
                    made = client.post(f"/topics/{topic['id']}/messages", json={"body": f"m{i}"})
            except httpx.HTTPError:  # the connection died with its node
                continue
            if made.status_code == 201:
                acknowledged.append(made.json()["id"])

    sender = threading.Thread(target=send)
    sender.start()
    try:
        while len(acknowledged) < 30 and sender.is_alive():
            time.sleep(0.01)
        os.kill(cluster.nodes[0].process.pid, signal.SIGKILL)  # around the jobs' time
        cluster.nodes[0].process.wait(30)
        reached = len(acknowledged)
        while len(acknowledged) < reached + 30 and sender.is_alive():
            time.sleep(0.01)
    finally:
        stop.set()
        sender.join(60)
    with cluster.client(2, team.owner) as owner:
        for _ in range(200):  # the survivors send what is due (bounded)
            states = {s["id"]: s["state"] for s in owner.get("/scheduled?all=true").json()["items"]}
            if all(states.get(i) == "sent" for i in scheduled):
                break
            time.sleep(0.1)
        assert all(states.get(i) == "sent" for i in scheduled), states
        bodies: list[str] = []
        stored: set[int] = set()
        cursor = None
        for _ in range(20):  # bounded paging
            params: dict[str, Any] = {"limit": 200}
            if cursor:
                params["cursor"] = cursor
            page = owner.get(f"/topics/{topic['id']}/messages", params=params).json()
            bodies += [m["body"] for m in page["items"]]
            stored |= {m["id"] for m in page["items"]}
            if not (cursor := page["next_cursor"]):
                break
    assert set(acknowledged) <= stored
    for i in range(6):
        assert bodies.count(f"scheduled {i}") == 1  # sent once, though a node died
