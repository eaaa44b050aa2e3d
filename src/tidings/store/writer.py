"""Group commit: one writer thread takes several queued actions into one
transaction, a savepoint each, and answers each only after the commit that
holds it. A failing action rolls back alone; a failing commit fails them all.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

from tidings.clock import Clock
from tidings.store.tx import PendingEvent, Tx

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class _Work:
    fn: Callable[[Tx], Any]
    future: Future[Any]


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
        self._thread = threading.Thread(target=self._loop, name="tidings-writer", daemon=True)
        self._thread.start()
        self.batches = 0
        self.actions = 0

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
        outcomes: list[tuple[_Work, Tx | None, Any, BaseException | None]] = []
        try:
            with self._engine.connect() as conn, conn.begin():
                for work in batch:
                    outcomes.append(self._run_one(conn, work))
        except BaseException as exc:  # the commit itself failed: nobody is durable
            log.exception("commit of %d actions failed", len(batch))
            for work in batch:
                if not work.future.done():
                    work.future.set_exception(exc)
            return
        self.batches += 1
        self.actions += len(batch)
        # Listeners (cache invalidation, live wake-up) run before any caller
        # hears back, so a revoked token is refused by the very next request.
        committed = [event for _, tx, _, _ in outcomes if tx for event in tx.committed_events]
        if committed:
            self._notify(committed)
        for work, tx, result, error in outcomes:
            if error is not None:
                work.future.set_exception(error)
                continue
            assert tx is not None
            self._after(tx)
            work.future.set_result(result)

    def _notify(self, committed: list[PendingEvent]) -> None:
        try:
            self._on_commit(committed)
        except Exception:
            log.exception("commit listener failed")

    def _run_one(
        self, conn: Any, work: _Work
    ) -> tuple[_Work, Tx | None, Any, BaseException | None]:
        # Plain SQL savepoints: the same on SQLite and PostgreSQL, and a fifth of
        # the cost of the ORM-level nested transaction objects on this hot path.
        conn.exec_driver_sql("SAVEPOINT tidings_action")
        try:
            tx = Tx(conn, self._clock)
            result = work.fn(tx)
            tx.flush_events()
            conn.exec_driver_sql("RELEASE SAVEPOINT tidings_action")
            return work, tx, result, None
        except Exception as exc:  # an action's own failure rolls back only its savepoint
            conn.exec_driver_sql("ROLLBACK TO SAVEPOINT tidings_action")
            conn.exec_driver_sql("RELEASE SAVEPOINT tidings_action")
            return work, None, None, exc

    @staticmethod
    def _after(tx: Tx) -> None:
        try:
            tx.run_after_commit()
        except Exception:
            log.exception("after-commit hook failed")
