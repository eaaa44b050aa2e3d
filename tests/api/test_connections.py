"""Connection limits and timeouts of the HTTP server: a client that never finishes its
request headers is cut off, and the number of connections is capped."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import LiveServer, server_settings

HEADER_TIMEOUT = 1.0


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[LiveServer]:
    settings = server_settings(
        f"sqlite:///{tmp_path / 'tidings.db'}",
        header_timeout_seconds=HEADER_TIMEOUT,
        keep_alive_seconds=5,
        max_header_bytes=4096,
        max_connections=4,
    )
    live = LiveServer(settings).start()
    try:
        yield live
    finally:
        live.stop()


def _connect(live: LiveServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", live.settings.port), timeout=10)
    return sock


def _closed_after(sock: socket.socket) -> float:
    """Seconds until the server closes ``sock`` (waits on the server's own timer)."""
    started = time.monotonic()
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    assert b"200 OK" not in received
    return time.monotonic() - started


def test_a_request_line_never_finished_is_closed_at_the_header_timeout(
    guarded: LiveServer,
) -> None:
    with _connect(guarded) as sock:
        sock.sendall(b"GET /api/v1/health HT")
        waited = _closed_after(sock)
    assert HEADER_TIMEOUT * 0.8 <= waited < HEADER_TIMEOUT + 2


def test_headers_trickled_byte_by_byte_do_not_extend_the_deadline(guarded: LiveServer) -> None:
    """A slow-loris client sends one header byte every 0.1 s: each byte used to stop
    uvicorn's only timer; now the deadline counts from the request's first byte."""
    with _connect(guarded) as sock:
        sock.settimeout(0.1)  # paces the trickle
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\n")
        started = time.monotonic()
        closed = False
        while not closed and time.monotonic() - started < HEADER_TIMEOUT + 3:
            try:
                sock.sendall(b"X")
                closed = sock.recv(4096) == b""
            except TimeoutError:
                continue
            except OSError:
                closed = True
    assert closed
    assert time.monotonic() - started < HEADER_TIMEOUT + 1


def test_oversized_headers_are_refused(guarded: LiveServer) -> None:
    with _connect(guarded) as sock:
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nX-Big: " + b"a" * 8000)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400")


def test_complete_requests_on_a_kept_alive_connection_still_work(guarded: LiveServer) -> None:
    with httpx.Client(base_url=guarded.url) as client:
        for _ in range(3):
            assert client.get("/api/v1/health").status_code == 200


def test_connections_past_the_cap_get_503(guarded: LiveServer) -> None:
    # uvicorn counts the asking connection too: three others open, a fourth is refused.
    held = [_connect(guarded) for _ in range(3)]
    try:
        for sock in held:  # each is a connection the server has accepted
            sock.sendall(b"GET /api/v1/noop HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        with httpx.Client(base_url=guarded.url) as client:
            assert client.get("/api/v1/noop").status_code == 503
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + 5  # the server notices the closes asynchronously
    with httpx.Client(base_url=guarded.url) as client:
        while (status := client.get("/api/v1/noop").status_code) == 503:
            assert time.monotonic() < deadline
    assert status == 200
