"""``tidings serve --workers 2`` on one SQLite file: both processes serve, each
one's live streams see every commit at once (the processes poll the log only once
an hour here, so what arrives came by a wake-up), numbering has no gaps, and a
process killed mid-load loses nothing acknowledged and is started again; a killed
supervisor takes its processes with it."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.api.test_metrics import scrape, value
from tests.cli.test_serve import _serve
from tests.live.test_events import new_topic, receive
from tests.support import LiveServer, Team, free_port, make_team
from tidings.actions.topics import create_topic
from tidings.cli.operator import owner_actor
from tidings.store.database import Database
from tidings.store.models import events, topics

pytestmark = pytest.mark.slow
SENDERS = 4
TOPICS_PER_SENDER = 8


@dataclass
class Workers:
    url: str
    db: Database  # the test's own connection to the same file, for setting up
    process: subprocess.Popen[str]

    def node(self) -> str:
        """Which process answers a fresh connection."""
        return str(httpx.get(f"{self.url}/api/v1/health").json()["node"])


def answering(workers: Workers, tries: int = 200) -> set[str]:
    """The processes that answer fresh connections, asked until both have (bounded):
    which process accepts a connection is the kernel's choice, and under load one may
    take many in a row."""
    seen: set[str] = set()
    for _ in range(tries):
        seen.add(workers.node())
        if len(seen) == 2:
            break
    return seen


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    url = f"sqlite:///{tmp_path / 'tidings.db'}"
    port = free_port()
    process = _serve(
        tmp_path, url, "--workers", "2", "--port", str(port), TIDINGS_LIVE_POLL_SECONDS="3600"
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Tidings is at"):
            assert "2 processes" in line
            break
    else:
        pytest.fail(f"the server did not start: {process.communicate(timeout=30)}")
    db = Database(url)
    try:
        yield Workers(f"http://127.0.0.1:{port}", db, process)
    finally:
        db.close()
        if process.returncode is None:  # the test did not kill it
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=60)
            assert process.returncode == 0, err
            assert "Traceback" not in err, err


@pytest.fixture
def team(workers: Workers) -> Iterator[Team]:
    made = make_team(cast(LiveServer, workers))
    try:
        yield made
    finally:
        made.close()


def socket_on_each_process(
    stack: ExitStack, workers: Workers, token: str, count: int = 2
) -> dict[str, ClientConnection]:
    """One open event stream per server process (bounded tries; the others stay
    open until ``stack`` closes)."""
    found: dict[str, ClientConnection] = {}
    url = workers.url.replace("http://", "ws://") + f"/api/v1/events?token={token}"
    for _ in range(60):
        ws = stack.enter_context(connect(url))
        found.setdefault(ws.response.headers["X-Tidings-Node"], ws)
        if len(found) == count:
            return found
    pytest.fail("new connections never reached a second process")


def fresh_client(team: Team, token: str) -> httpx.Client:
    """A client whose connection is new, so it may land on either process."""
    return httpx.Client(
        base_url=f"{team.server.url}/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def until_created(ws: ClientConnection, titles: set[str]) -> list[dict[str, Any]]:
    """Events until every topic in ``titles`` was created (bounded)."""
    got: list[dict[str, Any]] = []
    created: set[str] = set()
    deadline = time.monotonic() + 20
    while not titles <= created and (event := receive(ws, deadline - time.monotonic())):
        got.append(event)
        if event["type"] == "topic.created":
            created.add(event["data"]["title"])
    return got


def test_both_processes_serve_and_see_every_commit_in_order(workers: Workers, team: Team) -> None:
    """Senders at once on both processes, and a third process writing as the operator
    commands do: every acknowledged write is stored, each stream sees each of them
    once and in one order, and numbering has no gaps."""
    general = team.channel_id("general")
    acknowledged: dict[int, str] = {}
    failures: list[str] = []

    def send(sender: int) -> None:
        for i in range(TOPICS_PER_SENDER):
            title = f"s{sender}-t{i}"
            with fresh_client(team, team.owner.token) as client:  # either process
                made = client.post(
                    f"/channels/{general}/topics", json={"title": title, "body": "hello"}
                )
            if made.status_code == 201:
                acknowledged[made.json()["id"]] = title
            else:
                failures.append(made.text)

    def operate() -> None:  # this test's process, through the same writer as `tidings ...`
        for i in range(TOPICS_PER_SENDER):
            title = f"operator-t{i}"
            made = workers.db.write(
                lambda tx, title=title: create_topic(
                    tx, owner_actor(tx, team.slug), general, title=title, body="hello"
                )
            )
            acknowledged[made["id"]] = title

    with ExitStack() as stack:
        streams = socket_on_each_process(stack, workers, team.member.token)
        time.sleep(0.2)
        senders = [threading.Thread(target=send, args=(n,)) for n in range(SENDERS)]
        senders.append(threading.Thread(target=operate))
        for sender in senders:
            sender.start()
        writers = answering(workers)
        for sender in senders:
            sender.join(60)
        # The servers learn of the operator's writes from the log when a commit of
        # theirs wakes them (or at their next poll, an hour away here).
        send(SENDERS)
        assert not failures and len(acknowledged) == (SENDERS + 2) * TOPICS_PER_SENDER
        assert len(writers) == 2  # fresh connections land on both processes
        seen = {}
        for node, ws in streams.items():
            got = until_created(ws, set(acknowledged.values()))
            ids = [e["id"] for e in got]
            assert ids == sorted(set(ids)), node  # each event once, in the log's order
            seen[node] = [e["data"]["title"] for e in got if e["type"] == "topic.created"]
        first, second = seen.values()
        assert first == second and sorted(first) == sorted(acknowledged.values())
    route = "/api/v1/channels/{channel_id}/topics"
    for _ in range(4):  # whichever process answers, it counts both processes' requests
        found = value(scrape(workers.url), "tidings_http_requests_total", route=route)
        assert found == (SENDERS + 1) * TOPICS_PER_SENDER
    in_general = select(topics.c.id).where(topics.c.channel_id == general)
    stored = workers.db.read(lambda c: set(c.execute(in_general).scalars()))
    assert set(acknowledged) <= stored
    logs: dict[int, list[int]] = {}
    for workspace_id, seq in workers.db.read(
        lambda c: c.execute(select(events.c.workspace_id, events.c.seq).order_by(events.c.seq))
    ):
        logs.setdefault(workspace_id, []).append(seq)
    for seqs in logs.values():  # each workspace's log is numbered without gaps
        assert seqs == list(range(1, len(seqs) + 1))


def test_a_killed_process_loses_nothing_acknowledged_and_comes_back(
    workers: Workers, team: Team
) -> None:
    general = team.channel_id("general")
    topic = new_topic(team.owner, general, "under load")
    acknowledged: list[int] = []
    failures: list[Any] = []
    stop = threading.Event()

    def send() -> None:
        for i in range(300):  # bounded
            if stop.is_set():
                return
            try:
                with fresh_client(team, team.member.token) as client:
                    made = client.post(f"/topics/{topic['id']}/messages", json={"body": f"m{i}"})
            except httpx.HTTPError as exc:  # the connection died with the process
                failures.append(exc)
                continue
            if made.status_code == 201:
                acknowledged.append(made.json()["id"])

    sender = threading.Thread(target=send)
    sender.start()
    try:
        while len(acknowledged) < 20 and sender.is_alive():
            time.sleep(0.01)
        victim = workers.node()
        os.kill(int(victim.rsplit(":", 1)[1]), signal.SIGKILL)
        started = len(acknowledged)
        while len(acknowledged) < started + 20 and sender.is_alive():
            time.sleep(0.01)
    finally:
        stop.set()
        sender.join(60)
    nodes = set()
    for _ in range(60):
        nodes.add(workers.node())
        if len(nodes) == 2 and victim not in nodes:
            break
        time.sleep(0.05)
    assert victim not in nodes and len(nodes) == 2  # started again, with a new pid
    with fresh_client(team, team.owner.token) as client:
        stored: set[int] = set()
        cursor = None
        for _ in range(20):  # bounded paging
            params: dict[str, Any] = {"limit": 100}
            if cursor:
                params["cursor"] = cursor
            page = client.get(f"/topics/{topic['id']}/messages", params=params).json()
            stored |= {m["id"] for m in page["items"]}
            if not (cursor := page["next_cursor"]):
                break
    assert set(acknowledged) <= stored


def test_a_token_revoked_in_one_process_ends_its_stream_in_the_other_within_a_second(
    workers: Workers, team: Team
) -> None:
    made = team.member.post("/tokens", json={"name": "stream"}).json()
    with ExitStack() as stack:
        streams = socket_on_each_process(stack, workers, made["token"])
        time.sleep(0.2)
        with fresh_client(team, team.member.token) as client:  # reaches either process
            assert client.delete(f"/tokens/{made['id']}").status_code == 200
        revoked_at = time.monotonic()
        for node, ws in streams.items():  # the stream in each process ends, this one too
            with pytest.raises(ConnectionClosed):
                while time.monotonic() - revoked_at < 5:
                    ws.recv(timeout=5)
            assert time.monotonic() - revoked_at < 1.0, node


def test_the_processes_stop_when_the_supervisor_is_killed(workers: Workers) -> None:
    workers.process.kill()
    # Every process holds the supervisor's output open: this ends once all have stopped.
    workers.process.communicate(timeout=60)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{workers.url}/api/v1/health", timeout=5)
