"""Engines: one writer connection and a pool of readers.

SQLite: WAL, ``BEGIN IMMEDIATE`` on the writer so it never fails to upgrade a
read lock, plain ``BEGIN`` for readers, which run in parallel with the writer. The
writer of a file takes its turn among the processes sharing it (store/xlock.py).
PostgreSQL: an ordinary pool; the single writer per node still batches commits.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

from tidings.errors import TidingsError
from tidings.store.xlock import LockingConnection, WriteLock, lock_path


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def _install_sqlite_hooks(
    engine: Engine,
    begin: str,
    synchronous: str,
    busy_timeout_ms: int,
    *,
    writer: bool = False,
    lock: WriteLock | None = None,
) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        if lock is not None:
            dbapi_conn.write_lock = lock  # released by the connection when its transaction ends
        # Python's sqlite3 would otherwise open transactions implicitly and
        # defeat BEGIN IMMEDIATE; take over transaction control ourselves.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        if writer:
            # Freed pages and cells are zeroed, so a purged message (actions/expiry.py)
            # leaves no bytes behind in the file, only in the WAL until its checkpoint.
            cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    engine.dialect.do_begin = _beginning(begin, lock)  # type: ignore[method-assign]


def _beginning(begin: str, lock: WriteLock | None) -> Callable[[Any], None]:
    """How a transaction starts: ``begin`` itself (the driver's own would be deferred),
    after the write lock when there is one. Set on the engine's dialect rather than
    as a "begin" event: with any event on an engine SQLAlchemy dispatches events
    around every statement it runs, about a tenth of a send's time in the writer."""

    def do_begin(connection: Any) -> None:
        if lock is not None:
            lock.acquire()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(begin)
            finally:
                cursor.close()
        except BaseException:
            if lock is not None:
                lock.release()
            raise

    return do_begin


def create_engines(
    url: str, synchronous: str = "full", busy_timeout_ms: int = 10_000
) -> tuple[Engine, Engine]:
    """Return (writer, reader) engines for the database at ``url``."""
    url = normalize_url(url)
    if not url.startswith("sqlite"):
        writer = create_engine(url, pool_size=2, max_overflow=2, pool_pre_ping=True)
        reader = create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)
        return writer, reader
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TidingsError(
                f"cannot create the database's folder {path.parent}: {exc.strerror or exc}"
            ) from None
    args: dict[str, Any] = {"check_same_thread": False, "timeout": busy_timeout_ms / 1000}
    lock = None if path is None else WriteLock(lock_path(path))
    writer_args = args if lock is None else {**args, "factory": LockingConnection}
    writer = create_engine(url, connect_args=writer_args, pool_size=1, max_overflow=0)
    reader = create_engine(url, connect_args=args, pool_size=8, max_overflow=8)
    _install_sqlite_hooks(
        writer, "BEGIN IMMEDIATE", synchronous, busy_timeout_ms, writer=True, lock=lock
    )
    _install_sqlite_hooks(reader, "BEGIN", synchronous, busy_timeout_ms)
    return writer, reader
