"""One writer at a time across the processes that share a SQLite file, taking turns.

SQLite lets one connection write at a time. One that finds the file taken sleeps in
its busy handler and looks again: after 1, 2, 5 … then every 100 ms. Under steady
load the process holding the lock commits, drains its queue and takes the lock again
within a millisecond, long before a sleeper looks again, so the writes of one
``serve --workers`` process waited seconds while another committed batch after batch.

Here the writers of every process wait in the kernel instead, on ``flock`` of a file
beside the database (``tidings.db-lock``): a release wakes a waiter at once, and the
process that released is still answering its batch when the waiter takes the lock.
SQLite's own locking stays the truth. This lock only orders who asks SQLite next, so
it is never unsafe for it to be missing (a folder that cannot hold the file, a
program that writes the database without it): those writers fall back on the busy
handler. The kernel drops the lock of a process that dies holding it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + "-lock")


class WriteLock:
    """An exclusive lock on a file, taken and released by one thread at a time (the
    holder of the database's single write connection)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.held = False
        self._fd: int | None = None
        self._pid = 0  # the process that opened _fd: a forked child opens its own

    def acquire(self) -> None:
        """Wait until no other holder has it (blocking in the kernel)."""
        fd = self._open()
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self.held = True

    def release(self) -> None:
        if self.held:
            self.held = False
            if self._fd is not None and self._pid == os.getpid():
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Release and close the file (opened again by the next ``acquire``)."""
        self.release()
        if self._fd is not None and self._pid == os.getpid():
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fd = None

    def _open(self) -> int | None:
        if self._fd is not None and self._pid == os.getpid():
            return self._fd
        # flock belongs to the open file, which a forked child shares with its parent:
        # the child must not unlock the parent's, so it opens the file for itself.
        self._fd, self.held = None, False
        for flags in (os.O_RDWR | os.O_CREAT, os.O_RDONLY):
            try:
                self._fd = os.open(self.path, flags | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                error = exc
                continue
            self._pid = os.getpid()
            return self._fd
        log.debug("writing without %s (%s): SQLite's busy handler orders writers", self.path, error)
        return None


class LockingConnection(sqlite3.Connection):
    """A SQLite connection that releases ``write_lock`` once its transaction is over:
    after COMMIT or ROLLBACK has returned, or when it closes (which rolls back, and
    closes the lock's file)."""

    write_lock: WriteLock | None = None

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            # The lock's file too (opened again by the next connection's first write).
            if self.write_lock is not None:
                self.write_lock.close()

    def _release(self) -> None:
        if self.write_lock is not None:
            self.write_lock.release()
