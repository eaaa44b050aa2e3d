"""The worker: claims due jobs, then runs each in the transaction that completes it.

Exactly once: a handler runs inside the same writer transaction that marks its
job done, so its effects and the completion commit together or not at all. A
crash before that commit leaves the job claimed, with none of its effects,
until the lease runs out; then any worker claims it again. A handler that
raises rolls back alone (a savepoint), and the failure is recorded in the same
transaction instead. A kind's slow preparation step (see ``registry``) runs
between the claim and that transaction, outside both.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from tidings import mail
from tidings.clock import FrozenClock
from tidings.config import Settings
from tidings.errors import StorageUnavailable
from tidings.jobs.registry import PREPARERS, Handler, Preparer, load_handlers
from tidings.media import setup as speech
from tidings.store.blobs import attach_from_settings
from tidings.store.database import Database
from tidings.store.jobs import Job, any_due, claim_due, complete, fail, listen_for_due
from tidings.store.tx import Tx
from tidings.unfurl import setup as link_previews

log = logging.getLogger(__name__)
DEFAULT_LEASE = timedelta(minutes=5)
DEFAULT_BATCH = 20
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class _NotPrepared:
    """A preparation step that raised: the attempt fails with its error."""

    error: Exception


class Worker:
    def __init__(
        self,
        db: Database,
        *,
        handlers: Mapping[str, Handler] | None = None,
        preparers: Mapping[str, Preparer] | None = None,
        lease: timedelta = DEFAULT_LEASE,
        batch: int = DEFAULT_BATCH,
    ) -> None:
        self.db = db
        self.handlers = load_handlers() if handlers is None else handlers
        self.preparers = (PREPARERS if handlers is None else {}) if preparers is None else preparers
        self.lease = lease
        self.batch = batch

    @classmethod
    def from_settings(cls, db: Database, settings: Settings) -> Worker:
        mail.attach(db, settings)  # handlers send e-mail through it, after commit
        link_previews.attach(db, settings)
        speech.attach(db, settings)
        attach_from_settings(db.write_engine, settings)  # and reach file bytes through it
        return cls(db, lease=timedelta(seconds=settings.job_lease_seconds))

    def run_due(self, now: datetime | None = None) -> int:
        """Run every job due at ``now`` (by default the database clock's time) and
        wait for the outcomes; returns how many jobs were attempted."""
        attempted = 0
        while True:
            claimed = [self._prepare(job) for job in self.db.write(lambda tx: self._claim(tx, now))]
            for future in [self.db.writer.submit(self._runner(job)) for job in claimed]:
                future.result()
            attempted += len(claimed)
            if len(claimed) < self.batch:
                return attempted

    async def arun_due(self) -> int:
        """Run one batch of due jobs without blocking the event loop.

        The batch goes to the writer whole (group commit usually takes it in
        one transaction, a savepoint per job), each job once its preparation
        step, if any, is done in a thread; all of that is shielded, so a
        cancelled caller leaves no job in hand: the writer finishes them all,
        even while the database closes."""
        now = self.db.clock.now()
        if not await self.db.aread(lambda conn: any_due(conn, now)):
            return 0
        claimed = await self.db.awrite(lambda tx: self._claim(tx, None))
        outcomes = await asyncio.shield(self._prepare_and_run(claimed))
        for job, outcome in zip(claimed, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                log.error("job %d (%s) did not commit: %s", job.id, job.kind, outcome)
        return len(claimed)

    async def _prepare_and_run(self, claimed: list[Job]) -> list[object]:
        runs = (self._prepare_then_run(job) for job in claimed)
        return await asyncio.gather(*runs, return_exceptions=True)

    async def _prepare_then_run(self, job: Job) -> bool:
        """A job without a preparation step goes to the writer at once; one with a
        step goes when it is ready, so a slow fetch holds up no other job's commit."""
        if job.kind in self.preparers:
            job = await asyncio.to_thread(self._prepare, job)
        return await asyncio.wrap_future(self.db.writer.submit(self._runner(job)))

    def _prepare(self, job: Job) -> Job:
        """The job with what its preparation step made, or the reason it could not."""
        step = self.preparers.get(job.kind)
        if step is None:
            return job
        try:
            return replace(job, prepared=step(self.db, job))
        except Exception as exc:
            return replace(job, prepared=_NotPrepared(exc))

    async def run_forever(self, poll_seconds: float = POLL_SECONDS) -> None:
        """Run due jobs until cancelled: every ``poll_seconds``, and at once when a
        commit in this process makes a job due. Cancellation lands between
        batches; the batch in hand is finished (see ``arun_due``)."""
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()

        def due_now() -> None:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(wake.set)

        stop_listening = listen_for_due(due_now)
        try:
            while True:
                wake.clear()
                if await self._pass() < self.batch:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), poll_seconds)
        finally:
            stop_listening()

    async def _pass(self) -> int:
        try:
            return await self.arun_due()
        except StorageUnavailable as exc:  # the writer logs when writes fail and recover
            log.debug("running due jobs failed: %s", exc.reason)
            return 0
        except Exception:  # the database may come back: keep polling
            log.exception("running due jobs failed")
            return 0

    def _claim(self, tx: Tx, now: datetime | None) -> list[Job]:
        return claim_due(tx, now or tx.now, self.lease, self.batch)

    def _runner(self, job: Job) -> Callable[[Tx], bool]:
        return lambda tx: self._attempt(tx, job)

    def _attempt(self, tx: Tx, job: Job) -> bool:
        """Complete ``job`` with its handler's effects, or record why it failed."""
        conn = tx.conn
        conn.exec_driver_sql("SAVEPOINT tidings_job")
        try:
            if not complete(tx, job):
                conn.exec_driver_sql("RELEASE SAVEPOINT tidings_job")
                log.info("job %d (%s) was cancelled or taken over: not run", job.id, job.kind)
                return False
            step = self._handle(tx, job)
        except Exception as exc:
            conn.exec_driver_sql("ROLLBACK TO SAVEPOINT tidings_job")
            conn.exec_driver_sql("RELEASE SAVEPOINT tidings_job")
            self._record_failure(tx, job, exc)
            return False
        conn.exec_driver_sql("RELEASE SAVEPOINT tidings_job")
        tx.committed_events.extend(step.committed_events)
        tx.after_commit(step.run_after_commit)
        return True

    def _handle(self, tx: Tx, job: Job) -> Tx:
        handler = self.handlers.get(job.kind)
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        if isinstance(job.prepared, _NotPrepared):
            raise job.prepared.error
        # A Tx of its own, so that a failure drops the events and after-commit
        # hooks the handler queued along with its rows.
        step = Tx(tx.conn, FrozenClock(tx.now))
        handler(step, job)
        step.flush_events()
        return step

    @staticmethod
    def _record_failure(tx: Tx, job: Job, exc: Exception) -> None:
        final = job.attempts >= job.max_attempts
        log.warning(
            "job %d (%s) failed on attempt %d of %d%s",
            job.id,
            job.kind,
            job.attempts,
            job.max_attempts,
            ", giving up" if final else "",
            exc_info=exc,
        )
        fail(tx, job, f"{type(exc).__name__}: {exc}")
