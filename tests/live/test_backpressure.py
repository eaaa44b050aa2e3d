"""A stream whose client stops reading is shed, with a code that says to resume, and
the streams of others go on; batched frames for clients that ask for them."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.live.test_events import new_topic, receive, ws_url
from tests.support import LiveServer, Team, database_url_for, make_team, server_settings
from tidings.api.routes.events import LAGGING_REASON

BACKLOG = 3  # events queued for a stalled stream before it is shed
BODY = "x" * 15_000  # each message.created carries it twice (body and html)


@pytest.fixture(scope="module")
def tight_server(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp: Path = tmp_path_factory.mktemp(f"backlog-{database_kind}")
    with database_url_for(database_kind, tmp) as url:
        live = LiveServer(server_settings(url, stream_backlog_limit=BACKLOG)).start()
        try:
            yield live
        finally:
            live.stop()


@pytest.fixture
def crew(tight_server: LiveServer) -> Iterator[Team]:
    made = make_team(tight_server)
    try:
        yield made
    finally:
        made.close()


def stalled_stream(team: Team, token: str, since: int) -> socket.socket:
    """A WebSocket opened by hand with a small receive buffer, which then reads nothing."""
    port = int(team.server.url.rsplit(":", 1)[1])
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /api/v1/events?token={token}&since={since} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = b""
    for _ in range(8192):  # byte by byte, so that no frame is read with the headers
        head += sock.recv(1)
        if head.endswith(b"\r\n\r\n"):
            break
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def _exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        assert chunk, "the connection ended before a close frame"
        data += chunk
    return data


def read_frames(sock: socket.socket) -> tuple[list[dict[str, Any]], tuple[int, str]]:
    """Every text frame until the close frame, and the close code and reason."""
    events = []
    for _ in range(100_000):
        first, second = _exactly(sock, 2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", _exactly(sock, 2))[0]
        elif length == 127:
            length = struct.unpack("!Q", _exactly(sock, 8))[0]
        payload = _exactly(sock, length)
        opcode = first & 0x0F
        if opcode == 0x8:
            code = struct.unpack("!H", payload[:2])[0]
            return events, (code, payload[2:].decode())
        if opcode == 0x1:
            events.append(json.loads(payload))
    raise AssertionError("no close frame")


def open_streams(team: Team, member_id: int) -> int:
    """The server's open event streams of a member (read from its hub)."""
    hub = team.server.app.state.services.hub
    return sum(
        1
        for feed in hub.feeds.values()
        for sub in feed.subscribers
        if sub.actor.member_id == member_id
    )


def messages_until(ws: Any, last_id: int, timeout: float = 20.0) -> list[dict[str, Any]]:
    """Events received until the message ``last_id`` (bounded by ``timeout``)."""
    deadline = time.monotonic() + timeout
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        event = receive(ws, deadline - time.monotonic())
        if event is None:
            break
        found.append(event)
        if event["type"] == "message.created" and event["data"]["id"] == last_id:
            break
    return found


def created_in(events: list[dict[str, Any]], topic: int) -> list[int]:
    return [
        e["data"]["id"]
        for e in events
        if e["type"] == "message.created" and e["data"]["topic_id"] == topic
    ]


def test_a_stream_that_stops_reading_is_shed_and_resumes_without_a_gap(crew: Team) -> None:
    general = crew.channel_id("general")
    topic = new_topic(crew.owner, general, "Backlog")["id"]
    # The reader buffers whatever comes (websockets stops reading at 16 frames otherwise).
    with connect(ws_url(crew, crew.admin, since=0), max_size=2**22, max_queue=None) as reader:
        stalled = stalled_stream(crew, crew.member.token, since=0)
        sent = []
        for n in range(400):  # bounded: the socket's buffers fill long before
            made = crew.owner.post(f"/topics/{topic}/messages", json={"body": f"{n} {BODY}"})
            assert made.status_code == 201, made.text
            sent.append(made.json()["id"])
            if open_streams(crew, crew.member.id) == 0:
                break
        assert open_streams(crew, crew.member.id) == 0, "the stalled stream was not shed"
        # The reader meanwhile got every message, in order (after the topic's first).
        assert created_in(messages_until(reader, sent[-1]), topic)[1:] == sent
    with stalled:
        events, (code, reason) = read_frames(stalled)
    assert (code, reason) == (1013, LAGGING_REASON)
    ids = [e["id"] for e in events]
    assert ids == sorted(set(ids))
    # Resuming after the last event it got, the member misses nothing.
    with connect(ws_url(crew, crew.member, since=ids[-1]), max_size=2**22) as again:
        rest = messages_until(again, sent[-1])
    assert created_in(events + rest, topic)[1:] == sent


def batched_url(team: Team, since: int | None = None) -> str:
    return ws_url(team, team.member, since) + "&batch=1"


def frames_until(ws: Any, done: Any, limit: int = 1000) -> list[Any]:
    """Parsed frames until ``done(frame)`` holds (at most ``limit``, 5 s each)."""
    frames = []
    for _ in range(limit):
        frames.append(json.loads(ws.recv(timeout=5)))
        if done(frames[-1]):
            break
    return frames


def test_batched_frames_are_arrays_of_the_same_events_in_the_same_order(team: Team) -> None:
    general = team.channel_id("general")
    topic = new_topic(team.owner, general, "Batched")["id"]
    sent = [
        team.owner.post(f"/topics/{topic}/messages", json={"body": f"m{n}"}).json()["id"]
        for n in range(6)
    ]

    def has_last(frame: Any) -> bool:
        items = frame if isinstance(frame, list) else [frame]
        return any(e["type"] == "message.created" and e["data"]["id"] == sent[-1] for e in items)

    # A replay queues many events at once: batched, they share frames...
    with connect(batched_url(team, since=0)) as ws:
        batched = frames_until(ws, has_last)
    assert all(isinstance(frame, list) and frame for frame in batched)
    events = [event for frame in batched for event in frame]
    assert len(batched) < len(events)
    # ...and without batch=1 each still comes alone, the same events in the same order.
    with connect(ws_url(team, team.member, since=0)) as ws:
        single = frames_until(ws, has_last)
    assert all(isinstance(frame, dict) for frame in single)
    assert [e for e in events if e["type"] != "heartbeat"] == [
        e for e in single if e["type"] != "heartbeat"
    ]
    assert created_in(events, topic)[1:] == sent


def test_batched_heartbeats_and_pongs_are_arrays_too(team: Team) -> None:
    with connect(batched_url(team)) as ws:
        assert json.loads(ws.recv(timeout=5)) == [{"type": "heartbeat"}]
        ws.send("ping")
        frames = frames_until(ws, lambda frame: frame == [{"type": "pong"}], limit=5)
    assert frames[-1] == [{"type": "pong"}]


def test_a_batch_other_than_0_or_1_is_refused_with_4400(team: Team) -> None:
    with (
        connect(ws_url(team, team.member) + "&batch=yes") as ws,
        pytest.raises(ConnectionClosed) as caught,
    ):
        ws.recv(timeout=5)
    assert caught.value.rcvd is not None
    assert (caught.value.rcvd.code, caught.value.rcvd.reason) == (4400, "batch must be 0 or 1")
