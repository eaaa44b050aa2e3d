"""The write lock of a SQLite file across processes: one holder at a time, dropped by
the kernel when its holder dies, and held by a database's writer exactly while one of
its transactions is open (readers never take it)."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.synchronize import Event
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tidings.store.database import Database
from tidings.store.models import workspaces
from tidings.store.tx import Tx
from tidings.store.writer import TOUCH
from tidings.store.xlock import WriteLock, lock_path

SPAWN = multiprocessing.get_context("spawn")
ROUNDS = 40


def _take_turns(path: str, log: str, start: Event) -> None:
    """Write "<pid> in" and "<pid> out" around each hold, with a yield between."""
    lock = WriteLock(Path(path))
    start.wait(60)
    with open(log, "a", buffering=1) as out:
        for _ in range(ROUNDS):
            lock.acquire()
            out.write(f"{os.getpid()} in\n")
            os.sched_yield()
            out.write(f"{os.getpid()} out\n")
            lock.release()


def _hold_until_killed(path: str, held: Event) -> None:
    lock = WriteLock(Path(path))
    lock.acquire()
    held.set()
    threading.Event().wait(120)  # bounded: the test kills it long before


def taken(path: Path) -> bool:
    """Whether another open file holds the lock (a probe that never waits)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_processes_hold_the_lock_one_at_a_time(tmp_path: Path) -> None:
    path, log = tmp_path / "tidings.db-lock", tmp_path / "turns.log"
    start = SPAWN.Event()
    processes = [
        SPAWN.Process(target=_take_turns, args=(str(path), str(log), start)) for _ in range(3)
    ]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    lines = log.read_text().splitlines()
    assert len(lines) == 3 * ROUNDS * 2
    for entered, left in zip(lines[::2], lines[1::2], strict=True):
        pid = entered.removesuffix(" in")
        assert left == f"{pid} out"  # nobody came in between


def test_the_lock_of_a_killed_holder_is_free_at_once(tmp_path: Path) -> None:
    path = tmp_path / "tidings.db-lock"
    held = SPAWN.Event()
    holder = SPAWN.Process(target=_hold_until_killed, args=(str(path), held))
    holder.start()
    try:
        assert held.wait(60)
        assert taken(path)
    finally:
        os.kill(holder.pid or 0, signal.SIGKILL)
        holder.join(30)
    assert holder.exitcode == -signal.SIGKILL
    assert not taken(path)
    lock = WriteLock(path)
    lock.acquire()  # and a waiter would not wait
    lock.close()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'tidings.db'}", synchronous="normal")
    database.migrate()
    try:
        yield database
    finally:
        database.close()


def test_the_writer_holds_the_lock_only_inside_its_transaction(db: Database) -> None:
    path = lock_path(Path(db.write_engine.url.database or ""))

    def inside(tx: Tx) -> bool:
        return taken(path)

    assert db.write(inside)
    assert not taken(path)
    with pytest.raises(RuntimeError), db.write_engine.begin():
        assert taken(path)
        raise RuntimeError("rolled back")
    assert not taken(path)


@contextmanager
def held_elsewhere(path: Path) -> Iterator[None]:
    other = WriteLock(path)
    other.acquire()
    try:
        yield
    finally:
        other.close()


def test_readers_go_on_while_another_holds_the_lock(db: Database) -> None:
    path = lock_path(Path(db.write_engine.url.database or ""))
    with held_elsewhere(path):
        count = select(func.count()).select_from(workspaces)
        assert db.read(lambda c: c.execute(count).scalar()) == 0
        waiting = db.writer.submit(lambda tx: tx.conn.execute(TOUCH).rowcount)
        with pytest.raises(TimeoutError):
            waiting.result(0.2)  # the writer waits its turn
    assert waiting.result(30) == 1


def test_a_lock_file_that_cannot_be_made_leaves_writes_to_sqlite(tmp_path: Path) -> None:
    database = tmp_path / "tidings.db"
    lock_path(database).symlink_to(tmp_path / "missing" / "lock")
    db = Database(f"sqlite:///{database}", synchronous="normal")
    try:
        db.migrate()
        assert db.write(lambda tx: tx.conn.execute(TOUCH).rowcount) == 1
    finally:
        db.close()
