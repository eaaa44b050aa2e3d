"""Helpers for tests over the real stack: databases, a running server, named users."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tidings.actions.auth import API, issue_token
from tidings.actions.members import insert_member
from tidings.actions.workspaces import create_workspace
from tidings.api.app import create_app
from tidings.api.serving import server_config
from tidings.clock import Clock
from tidings.config import Settings
from tidings.core.credentials import hash_password
from tidings.core.roles import Role
from tidings.store.database import Database
from tidings.store.engine import normalize_url

PG_ENV = "TIDINGS_TEST_DATABASE_URL"
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_url_or_skip() -> str:
    url = os.environ.get(PG_ENV)
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {PG_ENV} is not set: the PostgreSQL run must not skip")
    pytest.skip(f"PostgreSQL run skipped: set {PG_ENV}=postgresql://postgres@127.0.0.1/test")


REDIS_ENV = "TIDINGS_TEST_REDIS_URL"


def redis_url_or_skip() -> str:
    """A Redis for the tests, flushed of Tidings' keys; skips (never under CI) if none
    answers."""
    import redis

    url = os.environ.get(REDIS_ENV, "redis://127.0.0.1:6379/15")
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but Redis at {url} does not answer ({exc})")
        pytest.skip(f"Redis run skipped: nothing answers at {url} (set {REDIS_ENV})")
    for key in client.scan_iter("tidings:*"):
        client.delete(key)
    client.close()
    return url


@contextmanager
def fresh_postgres(base_url: str) -> Iterator[str]:
    """A new, empty database on the server ``base_url`` points at; dropped afterwards."""
    name = f"tidings_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalize_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(normalize_url(base_url))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def database_url_for(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'tidings.db'}"
        return
    with fresh_postgres(postgres_url_or_skip()) as url:
        yield url


class LiveServer:
    """uvicorn serving the real app on a real port, in a background thread."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.app = create_app(settings, clock)
        config = server_config(
            self.app, settings, log_level="warning", access_log=False, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{settings.port}"

    @property
    def db(self) -> Database:
        return self.app.state.services.db  # type: ignore[no-any-return]

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        # Its shutdown closes what it holds (streams, wake-ups, the database's
        # connections) before the test drops the database: wait for all of it.
        self.thread.join(60)


@contextmanager
def server_running_no_jobs(
    kind: str, tmp: Path, clock: Clock | None = None
) -> Iterator[LiveServer]:
    """A server with its files under ``tmp`` whose jobs (a clip's processing, its
    transcript) the test runs itself, when it chooses."""
    with database_url_for(kind, tmp) as url:
        settings = server_settings(url, storage_dir=str(tmp / "files"), run_jobs=False)
        live = LiveServer(settings, clock).start()
        try:
            yield live
        finally:
            live.stop()


def server_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "port": free_port(),
        "rate_limit_per_minute": 60_000,
        "rate_limit_burst": 10_000,
        "sqlite_synchronous": "normal",
        "heartbeat_seconds": 1.0,
    }
    if not database_url.startswith("sqlite:"):  # files beside the database otherwise
        values["storage_dir"] = tempfile.mkdtemp(prefix="tidings-files-")
    values.update(overrides)
    return Settings(**values)


@dataclass
class Person:
    id: int
    handle: str
    email: str
    token: str
    client: httpx.Client

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.get(path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.post(path, **kw)

    def patch(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.patch(path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.put(path, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.delete(path, **kw)

    def at_work_around_the_clock(self) -> None:
        """Working hours over the whole week: what is delivered in working hours is
        delivered at once, whatever the time and day the test runs at (these servers
        run on the real clock)."""
        day = [["00:00", "24:00"]]
        week = {name: day for name in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
        answer = self.put("/users/me/hours", json={"working_hours": week})
        assert answer.status_code == 200, answer.text


@dataclass
class Team:
    """A fresh workspace with owner, admin, member and guest, plus an outsider
    who belongs to a different workspace on the same server."""

    server: LiveServer
    slug: str
    people: dict[str, Person] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Person:
        try:
            return self.people[name]
        except KeyError:
            raise AttributeError(name) from None

    def channel_id(self, name: str) -> int:
        for channel in self.owner.get("/channels").json():
            if channel["name"] == name:
                return int(channel["id"])
        raise KeyError(name)

    def close(self) -> None:
        for person in self.people.values():
            person.client.close()


def _client(server: LiveServer, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server.url}/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def make_team(server: LiveServer, roles: dict[str, Role] | None = None) -> Team:
    """Create a workspace through the actions and sign its people in with API tokens."""
    slug = f"team-{uuid.uuid4().hex[:10]}"
    roles = roles or {"admin": Role.ADMIN, "member": Role.MEMBER, "guest": Role.GUEST}

    def build(tx: Any) -> dict[str, tuple[int, str, str, str]]:
        made = create_workspace(
            tx,
            name=slug,
            owner_email=f"owner@{slug}.test",
            owner_password_hash=hash_password(PASSWORD),
            owner_name="Olive Owner",
            owner_time_zone="Europe/Berlin",
        )
        workspace_id = made["id"]
        ids = {"owner": (made["owner_id"], f"owner@{slug}.test")}
        for name, role in roles.items():
            email = f"{name}@{slug}.test"
            member_id = insert_member(
                tx,
                workspace_id,
                email=email,
                password_hash=hash_password(PASSWORD),
                display_name=name.title(),
                role=role,
                time_zone="Europe/Lisbon",
            )
            ids[name] = (member_id, email)
        result = {}
        for name, (member_id, email) in ids.items():
            token = issue_token(tx, workspace_id, member_id, name="test", kind=API, lifetime=None)[
                "token"
            ]
            result[name] = (member_id, email.split("@")[0], email, token)
        return result

    def build_outsider(tx: Any) -> tuple[int, str, str, str]:
        other = f"{slug}-other"
        made = create_workspace(
            tx,
            name=other,
            owner_email=f"outsider@{other}.test",
            owner_password_hash=hash_password(PASSWORD),
        )
        token = issue_token(tx, made["id"], made["owner_id"], name="test", kind=API, lifetime=None)[
            "token"
        ]
        return made["owner_id"], "outsider", f"outsider@{other}.test", token

    team = Team(server, slug)
    built = server.db.write(build)
    built["outsider"] = server.db.write(build_outsider)
    for name, (member_id, handle, email, token) in built.items():
        team.people[name] = Person(member_id, handle, email, token, _client(server, token))
    return team
