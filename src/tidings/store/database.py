"""The database as the rest of the program sees it: parallel reads, one writer."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

from tidings.clock import Clock, SystemClock
from tidings.store.engine import create_engines
from tidings.store.faults import connection_lost
from tidings.store.schema import migrate
from tidings.store.tx import PendingEvent, Tx
from tidings.store.writer import TOUCH, Writer

T = TypeVar("T")


class Database:
    def __init__(
        self,
        url: str,
        *,
        clock: Clock | None = None,
        synchronous: str = "full",
        batch_max: int = 128,
        busy_timeout_ms: int = 10_000,
        on_commit: Callable[[list[PendingEvent]], None] | None = None,
    ) -> None:
        self.url = url
        self.clock = clock or SystemClock()
        self.write_engine, self.read_engine = create_engines(url, synchronous, busy_timeout_ms)
        self.dialect = self.write_engine.dialect.name
        self._commit_listeners: list[Callable[[list[PendingEvent]], None]] = []
        if on_commit is not None:
            self._commit_listeners.append(on_commit)
        self._probe: Future[None] | None = None
        self.writer = Writer(self.write_engine, self.clock, self._committed, batch_max)
        self._reading = 0  # reads in progress, in any thread
        self._reads_done = threading.Condition()

    def add_commit_listener(self, listener: Callable[[list[PendingEvent]], None]) -> None:
        """Called from the writer thread, after commit, with the events just committed."""
        self._commit_listeners.append(listener)

    def _committed(self, committed: list[PendingEvent]) -> None:
        for listener in self._commit_listeners:
            listener(committed)

    def migrate(self) -> tuple[str | None, str | None]:
        return migrate(self.write_engine)

    @property
    def storage_fault(self) -> str | None:
        """Why writes are failing, until one succeeds again; ``None`` when they work."""
        return self.writer.fault

    def check_writable(self) -> None:
        """Write for real and change nothing, outside the writer (for start-up, before
        anything else writes); the database's error if it fails."""
        with self.write_engine.begin() as conn:
            conn.execute(TOUCH)

    async def aprobe(self, timeout: float) -> str | None:
        """After a storage fault, have the writer try one real write (at most one at
        a time) and say whether storage still fails; waits at most ``timeout`` s."""
        if self.writer.fault is None:
            return None
        if self._probe is None or self._probe.done():
            self._probe = self.writer.submit(_nothing)  # the writer adds its probe
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(self._probe)), timeout)
        return self.writer.fault

    def write(self, fn: Callable[[Tx], T]) -> T:
        return self.writer.run(fn)

    async def awrite(self, fn: Callable[[Tx], T]) -> T:
        return await asyncio.wrap_future(self.writer.submit(fn))

    def read(self, fn: Callable[[Connection], T], *, snapshot: bool = False) -> T:
        """Run ``fn`` in a read transaction; ``snapshot`` makes every statement in it
        see the same committed state (SQLite transactions always do)."""
        try:
            return self._read(fn, snapshot)
        except DBAPIError as exc:
            if not connection_lost(exc):
                raise
            return self._read(fn, snapshot)  # once more, on a fresh connection

    def _read(self, fn: Callable[[Connection], T], snapshot: bool) -> T:
        with self._reads_done:
            self._reading += 1
        try:
            with self.read_engine.connect() as conn:
                if snapshot and self.dialect == "postgresql":
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    return fn(conn)
        finally:
            with self._reads_done:
                self._reading -= 1
                self._reads_done.notify_all()

    async def aread(self, fn: Callable[[Connection], T], *, snapshot: bool = False) -> T:
        return await run_in_threadpool(lambda: self.read(fn, snapshot=snapshot))

    def close(self, reads_timeout: float = 10.0) -> None:
        """Commit what the writer holds, let reads in progress finish (up to
        ``reads_timeout`` s: a connection still checked out when its pool is disposed
        is never closed), then close every connection."""
        self.writer.close()
        self.write_engine.dispose()
        with self._reads_done:
            self._reads_done.wait_for(lambda: self._reading == 0, timeout=reads_timeout)
        self.read_engine.dispose()


def _nothing(tx: Tx) -> None:
    pass
