"""Storage faults over HTTP, on SQLite and on PostgreSQL: while the database refuses
writes, clients get a retryable 503 on a connection that stays open and health says
``degraded``; once it takes writes again, writing resumes without a restart and
nothing acknowledged is lost."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support import (
    PASSWORD,
    PG_ENV,
    LiveServer,
    Team,
    database_url_for,
    fresh_postgres,
    make_team,
    server_settings,
)
from tests.web.test_pages import csrf_of
from tidings.store.engine import normalize_url


@pytest.fixture
def breakable(database_kind: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A server of its own: these tests break its storage."""
    with database_url_for(database_kind, tmp_path) as url:
        live = LiveServer(server_settings(url, sqlite_busy_timeout_ms=200)).start()
        try:
            yield live
        finally:
            live.stop()


@contextmanager
def sqlite_locked(url: str) -> Iterator[None]:
    """Another process holds the database with ``BEGIN EXCLUSIVE``: every write of
    the server waits its busy timeout, then SQLite refuses it ("database is locked"),
    the same error path as a read-only or full database (a chmod would not do it:
    tests may run as root). Readers go on, as WAL allows."""
    holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextmanager
def postgres_read_only(url: str) -> Iterator[None]:
    """The database turns read-only (as after a fail-over to a standby, or an operator
    fencing it): new sessions refuse every write, and existing ones are cut so that
    the server's next connections are such sessions. Then it turns writable again."""
    name = make_url(url).database
    admin = create_engine(normalize_url(os.environ[PG_ENV]), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off'))
        admin.dispose()


def storage_down(live: LiveServer) -> AbstractContextManager[None]:
    url = live.settings.database_url
    return sqlite_locked(url) if live.settings.is_sqlite else postgres_read_only(url)


def _topic(team: Team) -> int:
    made = team.owner.post(
        f"/channels/{team.channel_id('general')}/topics", json={"title": "log", "body": "start"}
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _send(team: Team, topic_id: int, n: int) -> int:
    response = team.member.post(
        f"/topics/{topic_id}/messages",
        json={"body": f"message {n}"},
        headers={"Idempotency-Key": f"message-{n}"},
    )
    return response.status_code


def test_writes_refused_with_503_while_storage_is_down_then_resume(
    breakable: LiveServer,
) -> None:
    team = make_team(breakable)
    try:
        topic_id = _topic(team)
        assert [_send(team, topic_id, n) for n in (1, 2, 3)] == [201, 201, 201]
        with storage_down(breakable):
            refused = team.member.post(
                f"/topics/{topic_id}/messages",
                json={"body": "message 4"},
                headers={"Idempotency-Key": "message-4"},
            )
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.headers["retry-after"] == "5"
            assert refused.json()["code"] == "storage_unavailable"
            health = team.member.get("/health").json()
            assert health["status"] == "degraded"
            assert health["reason"].startswith("writes fail: the database is")
        health = team.member.get("/health").json()
        assert health["status"] == "ok", health  # a real write was tried and succeeded
        assert [_send(team, topic_id, n) for n in (4, 5)] == [201, 201]
        listed = team.member.get(f"/topics/{topic_id}/messages").json()["items"]
        bodies = [m["body"] for m in listed]
        assert bodies == ["start", *(f"message {n}" for n in range(1, 6))]
    finally:
        team.close()


def test_a_refused_write_keeps_the_connection_open(breakable: LiveServer) -> None:
    team = make_team(breakable)
    try:
        topic_id = _topic(team)
        conn = http.client.HTTPConnection("127.0.0.1", breakable.settings.port, timeout=30)
        headers = {
            "Authorization": f"Bearer {team.member.token}",
            "Content-Type": "application/json",
        }
        body = json.dumps({"body": "while down"})
        with storage_down(breakable):
            conn.request("POST", f"/api/v1/topics/{topic_id}/messages", body, headers)
            refused = conn.getresponse()
            refused.read()
            assert refused.status == 503
            assert refused.getheader("connection") != "close"
            sock = conn.sock
            conn.request("GET", "/api/v1/health")
            health = conn.getresponse()
            assert json.loads(health.read())["status"] == "degraded"
            assert conn.sock is sock  # the same connection answered both
        conn.close()
    finally:
        team.close()


def test_web_pages_say_to_try_again_and_keep_the_text(breakable: LiveServer) -> None:
    team = make_team(breakable)
    try:
        topic_id = _topic(team)
        message_id = team.member.get(f"/topics/{topic_id}/messages").json()["items"][0]["id"]
        with httpx.Client(base_url=breakable.url, timeout=30) as browser:
            login = browser.get("/login")
            form = {"email": team.member.email, "password": PASSWORD}
            signed = browser.post("/login", data={"csrf_token": csrf_of(login.text), **form})
            assert signed.status_code == 303
            csrf = csrf_of(browser.get(f"/t/{topic_id}").text)
            with storage_down(breakable):
                composed = browser.post(
                    f"/t/{topic_id}/messages", data={"csrf_token": csrf, "body": "kept words"}
                )
                reacted = browser.post(
                    f"/messages/{message_id}/reactions", data={"csrf_token": csrf, "emoji": "👍"}
                )
        assert composed.status_code == 503
        assert composed.headers["retry-after"] == "5"
        assert "Changes cannot be saved right now" in composed.text
        assert "kept words" in composed.text
        assert reacted.status_code == 503
        assert reacted.headers["content-type"].startswith("text/html")
        assert reacted.headers["retry-after"] == "5"
        assert "Tidings cannot save changes right now" in reacted.text
        assert "Traceback" not in reacted.text
    finally:
        team.close()


def test_postgres_connections_cut_under_an_idle_server_cost_no_write(
    breakable: LiveServer,
) -> None:
    """Every session of the server is ended by the database (as on a restart or a
    fail-over); the next writes and reads go through on fresh connections."""
    if breakable.settings.is_sqlite:
        pytest.skip("a SQLite connection is a file: it cannot drop")
    team = make_team(breakable)
    try:
        topic_id = _topic(team)
        name = make_url(breakable.settings.database_url).database
        admin = create_engine(normalize_url(os.environ[PG_ENV]), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            cut = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).scalar()
        admin.dispose()
        assert cut >= 2  # the writer's and at least one reader's
        assert _send(team, topic_id, 1) == 201
        assert team.member.get("/health").json()["status"] == "ok"
    finally:
        team.close()


class CuttableLink:
    """A TCP relay between the server and PostgreSQL that the test can cut: the
    network edge, where a real outage happens (a switch, a fail-over, a restart)."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()  # refused, as by a host that is down
                continue
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.open += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.up = False
        with self.lock:
            for sock in self.open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.open.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


def test_postgres_out_of_reach_is_503_never_500_and_writing_resumes(
    database_kind: str,
) -> None:
    if database_kind != "postgresql":
        pytest.skip("a SQLite database has no network")
    base = make_url(normalize_url(os.environ[PG_ENV]))
    link = CuttableLink((base.host or "127.0.0.1", base.port or 5432))
    with fresh_postgres(os.environ[PG_ENV]) as url:
        via_link = make_url(url).set(host="127.0.0.1", port=link.port)
        settings = server_settings(via_link.render_as_string(hide_password=False), run_jobs=False)
        live = LiveServer(settings).start()
        team = make_team(live)
        try:
            topic_id = _topic(team)
            assert _send(team, topic_id, 1) == 201
            link.cut()
            refused = team.member.post(
                f"/topics/{topic_id}/messages",
                json={"body": "message 2"},
                headers={"Idempotency-Key": "message-2"},
            )
            assert refused.status_code == 503, refused.text
            assert refused.json()["code"] == "storage_unavailable"
            assert refused.headers["retry-after"] == "5"
            assert team.member.get(f"/topics/{topic_id}/messages").status_code == 503
            link.restore()
            assert _send(team, topic_id, 2) == 201
            assert team.member.get("/health").json()["status"] == "ok"
            listed = team.member.get(f"/topics/{topic_id}/messages").json()["items"]
            assert [m["body"] for m in listed] == ["start", "message 1", "message 2"]
        finally:
            team.close()
            live.stop()
            link.close()
