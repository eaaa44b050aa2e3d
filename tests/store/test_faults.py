"""Storage faults in the writer: recognised from the real errors of both databases,
answered as ``StorageUnavailable``, and a dropped PostgreSQL connection retried once."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.support import PG_ENV, database_url_for
from tidings.errors import StorageUnavailable
from tidings.store.database import Database
from tidings.store.engine import normalize_url
from tidings.store.faults import FULL, LOST, READ_ONLY, storage_fault
from tidings.store.models import workspaces
from tidings.store.tx import Tx


def _error_of(conn: sqlite3.Connection, sql: str) -> sqlite3.Error:
    with pytest.raises(sqlite3.Error) as caught:
        conn.execute(sql)
    return caught.value


def test_sqlite_read_only_and_full_databases_are_storage_faults(tmp_path: Path) -> None:
    path = tmp_path / "faults.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (x)")
    read_only = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert storage_fault(_error_of(read_only, "INSERT INTO t VALUES (1)")) == READ_ONLY
    full = sqlite3.connect(path)
    full.execute("PRAGMA max_page_count = 2")  # the file may not grow: as on a full disk
    assert storage_fault(_error_of(full, "INSERT INTO t VALUES (randomblob(100000))")) == FULL
    assert storage_fault(_error_of(full, "SELECT * FROM missing")) is None
    read_only.close()
    full.close()


@pytest.fixture
def db(database_kind: str, tmp_path: Path) -> Iterator[Database]:
    with database_url_for(database_kind, tmp_path) as url:
        database = Database(url, synchronous="normal")
        database.migrate()
        try:
            yield database
        finally:
            database.close()


def _count(db: Database) -> int:
    return int(db.read(lambda c: c.execute(select(func.count()).select_from(workspaces)).scalar()))


def _dropping(times: int):  # type: ignore[no-untyped-def]
    """An action whose first ``times`` runs lose their connection mid-transaction:
    the server really ends the writer's session under it."""
    runs = []

    def action(tx: Tx) -> int:
        runs.append(1)
        workspace_id = tx.insert(workspaces, slug=f"w{len(runs)}", name="w", created_at=tx.now)
        if len(runs) <= times:
            tx.conn.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return workspace_id

    return action, runs


def test_a_connection_dropped_mid_transaction_is_retried_once(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("a SQLite connection is a file: it cannot drop")
    action, runs = _dropping(1)
    assert isinstance(db.write(action), int)
    assert len(runs) == 2
    assert _count(db) == 1  # the first run's insert died with its session
    assert db.storage_fault is None


def test_a_connection_dropped_twice_is_a_retryable_refusal_then_recovers(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("a SQLite connection is a file: it cannot drop")
    action, runs = _dropping(2)
    with pytest.raises(StorageUnavailable) as caught:
        db.write(action)
    assert caught.value.reason == LOST
    assert len(runs) == 2 and _count(db) == 0
    assert db.storage_fault == LOST
    assert isinstance(db.write(_dropping(0)[0]), int)
    assert db.storage_fault is None and _count(db) == 1


@pytest.fixture
def locked_db(database_kind: str, tmp_path: Path) -> Iterator[Database]:
    with database_url_for(database_kind, tmp_path) as url:
        database = Database(url, synchronous="normal", busy_timeout_ms=100)
        database.migrate()
        try:
            yield database
        finally:
            database.close()


@contextmanager
def _unwritable(db: Database) -> Iterator[None]:
    """SQLite: another connection holds BEGIN EXCLUSIVE. PostgreSQL: the database
    turns read-only for new sessions, and the current ones are ended."""
    url = make_url(db.url)
    if db.dialect == "sqlite":
        holder = sqlite3.connect(url.database or "", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.close()
        return
    admin = create_engine(normalize_url(os.environ[PG_ENV]), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = on')
        )
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": url.database},
        )
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = off')
            )
        admin.dispose()


def _reads_only(tx: Tx) -> int:
    return int(tx.conn.execute(select(func.count()).select_from(workspaces)).scalar_one())


def test_only_a_committed_write_ends_a_storage_fault(locked_db: Database) -> None:
    with _unwritable(locked_db):
        with pytest.raises(StorageUnavailable):
            locked_db.write(_dropping(0)[0])
        fault = locked_db.storage_fault
        assert fault is not None
        # An action that only reads would commit on a read-only database; while
        # degraded the writer adds a real write, so it cannot end the fault.
        with pytest.raises(StorageUnavailable):
            locked_db.write(_reads_only)
        assert locked_db.storage_fault == fault
    assert locked_db.write(_reads_only) == 0
    assert locked_db.storage_fault is None
