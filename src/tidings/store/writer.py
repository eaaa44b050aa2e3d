"""Group commit: one writer thread takes several queued actions into one
transaction, a savepoint each, and answers each only after the commit that
holds it. A failing action rolls back alone; a failing commit fails them all.
Storage faults (store/faults.py) reach callers as ``StorageUnavailable``, and the
writer remembers the last one until a write succeeds again.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from tidings.clock import Clock
from tidings.errors import StorageUnavailable
from tidings.store.faults import connection_lost, storage_fault
from tidings.store.tx import PendingEvent, Tx, event_rows, write_events

log = logging.getLogger(__name__)
T = TypeVar("T")
# Rewrites the schema version with itself: a real write on both databases (a
# read-only or full database refuses it) that leaves nothing changed.
TOUCH = text("UPDATE alembic_version SET version_num = version_num")
# On PostgreSQL the writers of every node sharing the database take turns, one
# transaction at a time (SQLite's BEGIN IMMEDIATE does the same for processes on one
# file). Two nodes' batches lock topic, channel and workspace rows in whatever order
# their actions come; without turns, opposite orders deadlock. The lock is scoped to
# the transaction, so a node that dies mid-batch releases it with its connection.
WRITE_TURN_KEY = 0x74696469_6E677331  # "tidings1"
TAKE_TURN = text(f"SELECT pg_advisory_xact_lock({WRITE_TURN_KEY})")


@dataclass
class _Work:
    fn: Callable[[Tx], Any]
    future: Future[Any]


# (work, its Tx if it succeeded, result, error, its events with their log rows)
_Outcome = tuple[
    _Work, Tx | None, Any, BaseException | None, tuple[list[PendingEvent], list[dict[str, Any]]]
]
_NO_EVENTS: tuple[list[PendingEvent], list[dict[str, Any]]] = ([], [])


class Writer:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        on_commit: Callable[[list[PendingEvent]], None],
        batch_max: int = 128,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._on_commit = on_commit
        self._batch_max = batch_max
        self._queue: queue.SimpleQueue[_Work | None] = queue.SimpleQueue()
        self.batches = 0
        self.actions = 0
        self.on_batch: Callable[[int], None] | None = None  # told each batch's size
        # Why the last write failed on storage; cleared by the next that succeeds.
        self.fault: str | None = None
        self._thread = threading.Thread(target=self._loop, name="tidings-writer", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[[Tx], T]) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put(_Work(fn, future))
        return future

    def run(self, fn: Callable[[Tx], T]) -> T:
        """Run ``fn`` in the writer and wait for its commit (blocking)."""
        return self.submit(fn).result()

    def close(self, timeout: float = 10.0) -> None:
        """Finish what is queued, then stop."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, stop = self._drain(first)
            self._commit(batch)
            if stop:
                return

    def _drain(self, first: _Work) -> tuple[list[_Work], bool]:
        batch = [first]
        while len(batch) < self._batch_max:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _commit(self, batch: list[_Work]) -> None:
        # A caller that gave up (its task was cancelled) is skipped, never half-answered.
        batch = [work for work in batch if work.future.set_running_or_notify_cancel()]
        if not batch:
            return
        probing = self.fault is not None
        try:
            outcomes = self._transaction(batch, probing)
        except BaseException as exc:  # the commit itself failed: nobody is durable
            self._failed(batch, exc)
            return
        self.batches += 1
        self.actions += len(batch)
        if self.on_batch is not None:
            self.on_batch(len(batch))
        if probing:  # its real write committed: storage takes writes again
            self._recovered()
        # Listeners (cache invalidation, live wake-up) run before any caller
        # hears back, so a revoked token is refused by the very next request.
        committed = [event for _, tx, *_ in outcomes if tx for event in tx.committed_events]
        if committed:
            self._notify(committed)
        for work, tx, result, error, _ in outcomes:
            if error is not None:
                work.future.set_exception(self._storage_error(error) or error)
                continue
            assert tx is not None
            self._after(tx)
            work.future.set_result(result)

    def _transaction(self, batch: list[_Work], probing: bool) -> list[_Outcome]:
        """Run the batch in one transaction. A connection lost before COMMIT was
        sent runs it once more on a fresh connection: nothing of it was durable.
        One lost during COMMIT is not retried, since the commit may have landed.
        ``probing`` (after a storage fault) adds one real write that changes nothing,
        so that a commit proves storage takes writes again, even if the batch's
        actions happen only to read."""
        for attempt in (1, 2):
            conn = self._engine.connect()
            committing = False
            try:
                trans = conn.begin()
                if conn.dialect.name == "postgresql":
                    conn.execute(TAKE_TURN)
                if probing:
                    conn.execute(TOUCH)
                outcomes = [self._run_one(conn, work) for work in batch]
                self._write_events(conn, outcomes)
                committing = True
                trans.commit()
            except BaseException as exc:
                self._discard(conn)
                if attempt == 1 and not committing and connection_lost(exc):
                    log.warning("database connection lost; running %d actions again", len(batch))
                    continue
                raise
            if any(error is not None and storage_fault(error) for *_, error, _ in outcomes):
                self._discard(conn)  # a fresh session sees the database as it is now
            else:
                conn.close()
            return outcomes
        raise AssertionError("unreachable")

    @staticmethod
    def _discard(conn: Connection) -> None:
        with contextlib.suppress(Exception):
            conn.invalidate()
        with contextlib.suppress(Exception):
            conn.close()

    def _failed(self, batch: list[_Work], exc: BaseException) -> None:
        error = self._storage_error(exc)
        if error is None:
            log.exception("commit of %d actions failed", len(batch))
        for work in batch:
            if not work.future.done():
                work.future.set_exception(error or exc)

    def _storage_error(self, exc: BaseException) -> StorageUnavailable | None:
        """A storage fault becomes the caller's retryable error, and health's reason."""
        if isinstance(exc, StorageUnavailable):
            return exc
        reason = storage_fault(exc)
        if reason is None:
            return None
        if self.fault is None:
            log.warning("writes are failing: %s", reason)
        self.fault = reason
        error = StorageUnavailable(reason)
        error.__cause__ = exc
        return error

    def _recovered(self) -> None:
        if self.fault is not None:
            log.warning("writes succeed again (after: %s)", self.fault)
            self.fault = None

    def _notify(self, committed: list[PendingEvent]) -> None:
        try:
            self._on_commit(committed)
        except Exception:
            log.exception("commit listener failed")

    def _run_one(self, conn: Any, work: _Work) -> _Outcome:
        # Plain SQL savepoints: the same on SQLite and PostgreSQL, and a fifth of
        # the cost of the ORM-level nested transaction objects on this hot path.
        conn.exec_driver_sql("SAVEPOINT tidings_action")
        try:
            tx = Tx(conn, self._clock)
            result = work.fn(tx)
            pending = tx.take_events()
            rows = event_rows(pending, tx.now)  # encoded here: a bad payload fails its action
            conn.exec_driver_sql("RELEASE SAVEPOINT tidings_action")
            return work, tx, result, None, (pending, rows)
        except Exception as exc:  # an action's own failure rolls back only its savepoint
            conn.exec_driver_sql("ROLLBACK TO SAVEPOINT tidings_action")
            conn.exec_driver_sql("RELEASE SAVEPOINT tidings_action")
            return work, None, None, exc, _NO_EVENTS

    @staticmethod
    def _write_events(conn: Any, outcomes: list[_Outcome]) -> None:
        """The batch's events in one go, in the order of its actions: one number
        allocation per workspace and one insert, not two statements per action."""
        write_events(conn, [row for *_, (_, rows) in outcomes for row in rows])
        for _, tx, _, _, (pending, _) in outcomes:
            if tx is not None:
                tx.committed_events.extend(pending)

    @staticmethod
    def _after(tx: Tx) -> None:
        try:
            tx.run_after_commit()
        except Exception:
            log.exception("after-commit hook failed")
