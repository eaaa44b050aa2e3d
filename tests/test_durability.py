"""Durability: kill the server with SIGKILL mid-stream and check nothing acknowledged is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import PASSWORD, database_url_for, free_port

pytestmark = pytest.mark.slow
WRITERS = 8
ACKS_BEFORE_KILL = 200


def tidings(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tidings", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


class ServerProcess:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.url = f"http://127.0.0.1:{port}/api/v1"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                # One process: a SIGKILL of it is the crash these tests are about.
                [sys.executable, "-m", "tidings", "serve", "--workers", "1"]
                + ["--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)


@pytest.fixture
def database_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    with database_url_for(database_kind, tmp_path) as url:
        yield url


def test_sigkill_mid_stream_loses_no_acknowledged_message(
    database_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "TIDINGS_DATABASE_URL": database_url,
        "TIDINGS_RATE_LIMIT_PER_MINUTE": "0",
        "TIDINGS_ACCESS_LOG": "false",
        "TIDINGS_SQLITE_SYNCHRONOUS": "full",
    }
    tidings(
        "init",
        "--workspace",
        "Durable",
        "--owner-email",
        "boss@durable.test",
        "--owner-password",
        PASSWORD,
        env=env,
    )
    server = ServerProcess(env, free_port(), tmp_path / "server.log")
    server.start()
    try:
        _run(server)
    finally:
        server.stop()


def _run(server: ServerProcess) -> None:
    token = httpx.post(
        f"{server.url}/auth/login", json={"email": "boss@durable.test", "password": PASSWORD}
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    channels = httpx.get(f"{server.url}/channels", headers=headers).json()
    general = next(c["id"] for c in channels if c["name"] == "general")
    topic = httpx.post(
        f"{server.url}/channels/{general}/topics",
        headers=headers,
        json={"title": "durability", "body": "start"},
    ).json()
    path = f"/topics/{topic['id']}/messages"
    acked: dict[str, int] = {}
    unknown: list[str] = []
    lock = threading.Lock()
    killed = threading.Event()

    def writer(n: int) -> None:
        with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
            for i in range(10_000):
                body = f"w{n}-{i}"
                try:
                    response = client.post(
                        path, json={"body": body}, headers={"Idempotency-Key": body}
                    )
                except httpx.HTTPError:
                    with lock:
                        unknown.append(body)
                    return
                assert response.status_code == 201, response.text
                with lock:
                    acked[body] = response.json()["id"]
                if killed.is_set():
                    return

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(acked) < ACKS_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()
    killed.set()
    for thread in threads:
        thread.join(30)
    assert len(acked) >= ACKS_BEFORE_KILL

    server.start()
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        counts = _bodies(client, path)
        lost = [body for body in acked if counts[body] != 1]
        assert lost == [], f"acknowledged but not stored exactly once: {lost[:5]}"
        assert all(count == 1 for count in counts.values())
        for body, message_id in acked.items():
            again = client.post(path, json={"body": body}, headers={"Idempotency-Key": body})
            assert again.status_code == 201
            assert again.json()["id"] == message_id
        for body in unknown:
            retried = client.post(path, json={"body": body}, headers={"Idempotency-Key": body})
            assert retried.status_code == 201
        counts = _bodies(client, path)
    assert all(counts[body] == 1 for body in [*acked, *unknown])
    assert sum(counts.values()) == len(acked) + len(unknown) + 1  # and the topic's first message


def _bodies(client: httpx.Client, path: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    cursor = None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = client.get(path, params=params).json()
        counts.update(message["body"] for message in page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return counts
