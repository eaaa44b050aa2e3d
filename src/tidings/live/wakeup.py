"""Telling the other processes and nodes of a deployment that a commit happened.

The database stays the only source of truth: a wake-up carries no events, only
which workspaces' logs moved on (so their feeds read past their heads) and which
cached sign-ins went stale (revoked tokens, changed or deactivated members). A
lost wake-up delays delivery until the next poll; it never loses an event.

Backends: Redis pub/sub when ``redis_url`` is set; otherwise PostgreSQL
``LISTEN/NOTIFY`` on PostgreSQL; otherwise, between the processes using one SQLite
file on one machine (``tidings serve``, its ``--workers``, operator commands), Unix
datagram sockets; otherwise none.
Publishing happens on a thread of its own, so the writer never waits on the
network, and wake-ups queued meanwhile go out as one message.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import queue
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson

from tidings.store.engine import sqlite_path
from tidings.store.tx import PendingEvent

log = logging.getLogger(__name__)
CHANNEL = "tidings_commits"
# PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more; Redis has no such
# limit, but a message this big is a burst anyway: past it, "drop every cached
# sign-in" is cheaper to send and just as correct.
MAX_PAYLOAD = 7000
RECONNECT_SECONDS = 1.0
STALE_SIGN_INS = ("member.updated", "member.deactivated")


@dataclass(frozen=True)
class Commit:
    """What one or more commits tell the other nodes."""

    workspace_ids: frozenset[int] = frozenset()
    tokens: frozenset[str] = frozenset()
    members: frozenset[int] = frozenset()
    all_sign_ins: bool = False

    @classmethod
    def of(cls, pending: Iterable[PendingEvent]) -> Commit:
        workspace_ids, tokens, members = set(), set(), set()
        for event in pending:
            workspace_ids.add(event.workspace_id)
            if event.type == "token.revoked":
                tokens.add(event.payload["token_hash"])
            elif event.type in STALE_SIGN_INS:
                members.add(event.payload["id"])
        return cls(frozenset(workspace_ids), frozenset(tokens), frozenset(members))

    def merge(self, other: Commit) -> Commit:
        return Commit(
            self.workspace_ids | other.workspace_ids,
            self.tokens | other.tokens,
            self.members | other.members,
            self.all_sign_ins or other.all_sign_ins,
        )

    def encode(self, node: str) -> bytes:
        body: dict[str, object] = {"n": node, "w": sorted(self.workspace_ids)}
        if self.all_sign_ins:
            body["a"] = 1
        else:
            body["t"], body["m"] = sorted(self.tokens), sorted(self.members)
        data = orjson.dumps(body)
        if len(data) > MAX_PAYLOAD:
            data = orjson.dumps({"n": node, "w": sorted(self.workspace_ids), "a": 1})
        if len(data) > MAX_PAYLOAD:  # thousands of workspaces at once: wake them all
            data = orjson.dumps({"n": node, "w": "*", "a": 1})
        return data


@dataclass(frozen=True)
class Heard:
    """A wake-up from another node; ``workspace_ids`` None means every workspace."""

    workspace_ids: frozenset[int] | None
    tokens: frozenset[str]
    members: frozenset[int]
    all_sign_ins: bool


def decode(data: bytes | str, own_node: str) -> Heard | None:
    """The wake-up in ``data``, or None for our own or a malformed one."""
    try:
        body = orjson.loads(data)
        if not isinstance(body, dict) or body.get("n") == own_node:
            return None
        raw = body.get("w", "*")
        workspaces = None if raw == "*" else frozenset(int(w) for w in raw)
        return Heard(
            workspaces,
            frozenset(str(t) for t in body.get("t", ())),
            frozenset(int(m) for m in body.get("m", ())),
            bool(body.get("a")),
        )
    except (orjson.JSONDecodeError, TypeError, ValueError):
        log.warning("ignoring a malformed wake-up")
        return None


class Wakeups(Protocol):
    name: str

    def announce(self, pending: list[PendingEvent]) -> None:
        """From the writer thread, after commit; must not block."""

    async def listen(self, heard: Callable[[Heard], None]) -> None:
        """Call ``heard`` (on the event loop) for each wake-up from elsewhere; runs
        until cancelled, reconnecting after failures."""

    def close(self) -> None: ...


_Sender = Callable[[bytes], object]


@dataclass(eq=False)
class _Publisher:
    """A thread that sends what the writer announces, merging what queued up."""

    send: _Sender
    node: str
    _queue: queue.SimpleQueue[Commit | None] = field(default_factory=queue.SimpleQueue)
    _thread: threading.Thread | None = None

    def put(self, commit: Commit) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="wakeups", daemon=True)
            self._thread.start()
        self._queue.put(commit)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            stop = False
            while not self._queue.empty():
                more = self._queue.get()
                if more is None:
                    stop = True
                    break
                item = item.merge(more)
            self._send(item)
            if stop:
                return

    def _send(self, commit: Commit) -> None:
        try:
            self.send(commit.encode(self.node))
        except Exception:  # the next poll still finds the events
            log.warning("could not announce a commit to other nodes", exc_info=True)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)


class RedisWakeups:
    """Redis pub/sub (``redis_url``): any number of nodes, with or without PostgreSQL."""

    name = "redis"

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self.node = uuid.uuid4().hex
        self._client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._publisher = _Publisher(lambda data: self._client.publish(CHANNEL, data), self.node)

    def announce(self, pending: list[PendingEvent]) -> None:
        self._publisher.put(Commit.of(pending))

    async def listen(self, heard: Callable[[Heard], None]) -> None:
        import redis.asyncio

        while True:
            client = redis.asyncio.Redis.from_url(self.url, socket_connect_timeout=5)
            try:
                async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    heard(Heard(None, frozenset(), frozenset(), True))  # missed while away
                    async for message in pubsub.listen():
                        found = decode(message["data"], self.node)
                        if found is not None:
                            heard(found)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("lost the Redis wake-up channel; reconnecting", exc_info=True)
            finally:
                await client.aclose()
            await asyncio.sleep(RECONNECT_SECONDS)

    def close(self) -> None:
        self._publisher.close()
        self._client.close()


class PostgresWakeups:
    """PostgreSQL ``LISTEN/NOTIFY``: several nodes on one PostgreSQL, no Redis."""

    name = "postgresql"

    def __init__(self, url: str) -> None:
        self.dsn = _libpq_dsn(url)
        self.node = uuid.uuid4().hex
        self._conn: Any = None
        self._closed = False
        self._publisher = _Publisher(self._notify, self.node)

    def _notify(self, data: bytes) -> None:
        import psycopg

        for attempt in (1, 2):  # a connection that dropped since is made again once
            try:
                if self._conn is None or self._conn.closed:
                    if self._closed:  # a send that outlived close() opens nothing new
                        return
                    self._conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=5)
                self._conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, data.decode()))
                return
            except psycopg.OperationalError:
                if self._conn is not None:
                    with contextlib.suppress(Exception):
                        self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise

    def announce(self, pending: list[PendingEvent]) -> None:
        self._publisher.put(Commit.of(pending))

    async def listen(self, heard: Callable[[Heard], None]) -> None:
        import psycopg

        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.dsn, autocommit=True, connect_timeout=5
                )
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    heard(Heard(None, frozenset(), frozenset(), True))  # missed while away
                    async for notice in conn.notifies():
                        found = decode(notice.payload, self.node)
                        if found is not None:
                            heard(found)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("lost the PostgreSQL wake-up channel; reconnecting", exc_info=True)
            await asyncio.sleep(RECONNECT_SECONDS)

    def close(self) -> None:
        self._publisher.close()
        self._closed = True
        if self._conn is not None:
            self._conn.close()


class LocalWakeups:
    """Processes using one SQLite file on one machine (``serve``, its ``--workers``,
    operator commands): each that listens binds a Unix datagram socket in the file's
    meeting folder, and each that commits tells every other socket there. Datagrams
    between local sockets are not lost while the receiver keeps up; one that finds
    its receiver's buffer full is dropped (the poll then finds the events).

    Sockets are made when first needed: one to send with at the first commit, one to
    listen with when ``listen`` starts. A process that only writes (an operator
    command) never listens, and an application that is never started holds none."""

    name = "local"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.node = uuid.uuid4().hex
        self.path = folder / f"{os.getpid()}-{self.node[:8]}.sock"
        self._inbox: socket.socket | None = None
        self._outbox: socket.socket | None = None  # used by the publisher's thread only
        self._publisher = _Publisher(self._send, self.node)

    def _bind(self) -> socket.socket:
        inbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self.folder.mkdir(mode=0o700, exist_ok=True)
            try:
                inbox.bind(str(self.path))
            except FileNotFoundError:  # the last process to leave just removed the folder
                self.folder.mkdir(mode=0o700, exist_ok=True)
                inbox.bind(str(self.path))
        except BaseException:
            inbox.close()
            raise
        inbox.setblocking(False)
        return inbox

    def _send(self, data: bytes) -> None:
        if self._outbox is None:
            self._outbox = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._outbox.setblocking(False)
        for peer in self.folder.glob("*.sock"):  # none when nobody listens (no folder)
            if peer == self.path:
                continue
            try:
                self._outbox.sendto(data, str(peer))
            except ConnectionRefusedError:  # a process that died: its socket stays behind
                with contextlib.suppress(OSError):
                    peer.unlink()
            except (BlockingIOError, FileNotFoundError):
                pass

    def announce(self, pending: list[PendingEvent]) -> None:
        self._publisher.put(Commit.of(pending))

    async def listen(self, heard: Callable[[Heard], None]) -> None:
        try:
            self._inbox = inbox = self._bind()
        except OSError as exc:  # another user's folder, a full disk: polling still works
            log.warning("no wake-ups from other processes (%s): polling the log", exc)
            return
        loop = asyncio.get_running_loop()
        arrived = asyncio.Event()
        loop.add_reader(inbox.fileno(), arrived.set)
        try:
            while True:
                await arrived.wait()
                arrived.clear()
                while True:
                    try:
                        data = inbox.recv(65536)
                    except BlockingIOError:
                        break
                    found = decode(data, self.node)
                    if found is not None:
                        heard(found)
        finally:
            loop.remove_reader(inbox.fileno())

    def close(self) -> None:
        self._publisher.close()
        if self._outbox is not None:
            self._outbox.close()
        if self._inbox is None:
            return
        self._inbox.close()
        with contextlib.suppress(OSError):
            self.path.unlink()
        with contextlib.suppress(OSError):  # the last to leave tidies up
            self.folder.rmdir()


def _libpq_dsn(url: str) -> str:
    """The SQLAlchemy URL as libpq takes it (no ``+psycopg`` driver suffix)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def meeting_folder(database_url: str) -> Path | None:
    """Where every process using one SQLite file on this machine meets to wake the
    others: a folder in the temporary directory named by the file's absolute path
    (short enough for socket names, and found by an operator command too); None for
    a database that is not a local file."""
    path = sqlite_path(database_url)
    if path is None:
        return None
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"tidings-wake-{digest}"


def wakeups_for(
    database_url: str, redis_url: str | None, local_folder: Path | None = None
) -> Wakeups | None:
    """Redis when the deployment has one; else PostgreSQL's own notices; else, for
    the processes of one SQLite file (``serve``, its ``--workers``, operator
    commands), local sockets in ``local_folder`` or the file's meeting folder.
    None when none of these can be had: the processes then poll the log."""
    if redis_url:
        return RedisWakeups(redis_url)
    if database_url.startswith("postgresql"):
        return PostgresWakeups(database_url)
    folder = local_folder or meeting_folder(database_url)
    return None if folder is None else LocalWakeups(folder)
