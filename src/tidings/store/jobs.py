"""The jobs table: durable timed work, claimed under a lease.

A job is ``pending`` until a worker claims it: ``running``, with a lease and
one more attempt counted. Then it is ``done``; or, after a failure, ``pending``
again with a later ``run_at``, or ``failed`` once its attempts are spent.
``cancelled`` jobs never run. A job whose lease ran out (its worker died) can
be claimed again.

The attempt number fences every outcome: ``complete`` and ``fail`` change the
row only while it is still ``running`` under the same attempt, so a worker
whose job was cancelled or re-claimed cannot finish it, and its transaction,
with the handler's effects, rolls back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from tidings.store.models import jobs
from tidings.store.tx import Tx

PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"
DEFAULT_MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
MAX_ERROR_CHARS = 2000

_due_listeners: list[Callable[[], None]] = []


@dataclass(frozen=True)
class Job:
    """A claimed job. ``attempts`` includes the current one and fences its outcome."""

    id: int
    kind: str
    payload: dict[str, Any]
    workspace_id: int | None
    run_at: datetime
    attempts: int
    max_attempts: int
    dedupe_key: str | None
    # What the kind's preparation step (jobs/registry.py) returned, made outside
    # the transaction before the handler runs.
    prepared: Any = None


def enqueue(
    tx: Tx,
    kind: str,
    run_at: datetime,
    payload: dict[str, Any],
    *,
    workspace_id: int | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> int:
    """Add a job that runs ``kind``'s handler at ``run_at``; returns its id.

    A ``dedupe_key`` names one piece of work for good: if a job already has it,
    whatever its state, nothing changes and that job's id is returned. Put
    whatever makes the work new (a due time, a version) into the key.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    values = {
        "workspace_id": workspace_id,
        "kind": kind,
        "dedupe_key": dedupe_key,
        "payload": orjson.dumps(payload).decode(),
        "run_at": run_at,
        "state": PENDING,
        "attempts": 0,
        "max_attempts": max_attempts,
        "created_at": tx.now,
    }
    new_id = tx.conn.execute(_insert_unless_key_taken(tx.dialect), values).scalar()
    if new_id is None:
        taken = select(jobs.c.id).where(jobs.c.dedupe_key == dedupe_key)
        return int(tx.conn.execute(taken).scalar_one())
    _announce_if_due(tx, run_at)
    return int(new_id)


def enqueue_many(
    tx: Tx,
    kind: str,
    work: list[tuple[datetime, dict[str, Any], str]],
    *,
    workspace_id: int | None = None,
) -> None:
    """``enqueue`` for many jobs of one kind at once — (run_at, payload, dedupe_key)
    each — in one statement; keys already taken are skipped the same way."""
    if not work:
        return
    rows = [
        {
            "workspace_id": workspace_id,
            "kind": kind,
            "dedupe_key": key,
            "payload": orjson.dumps(payload).decode(),
            "run_at": run_at,
            "state": PENDING,
            "attempts": 0,
            "max_attempts": DEFAULT_MAX_ATTEMPTS,
            "created_at": tx.now,
        }
        for run_at, payload, key in work
    ]
    module = postgresql if tx.dialect == "postgresql" else sqlite
    tx.conn.execute(module.insert(jobs).on_conflict_do_nothing(index_elements=["dedupe_key"]), rows)
    _announce_if_due(tx, min(run_at for run_at, _, _ in work))


@cache
def _insert_unless_key_taken(dialect: str) -> Any:
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(jobs).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return statement.returning(jobs.c.id)


def cancel(tx: Tx, job: int | str) -> bool:
    """Cancel a job that has not finished, by id or by dedupe key.

    A running job's worker can then no longer complete it, so whatever its
    handler did rolls back, unless it already committed."""
    which = jobs.c.dedupe_key == job if isinstance(job, str) else jobs.c.id == job
    cancelled = tx.conn.execute(
        update(jobs)
        .where(which, jobs.c.state.in_((PENDING, RUNNING)))
        .values(state=CANCELLED, done_at=tx.now, lease_until=None)
    )
    return bool(cancelled.rowcount)


def reschedule(tx: Tx, dedupe_key: str, run_at: datetime) -> bool:
    """Move a pending job to ``run_at``; False if none is pending under that key."""
    moved = tx.conn.execute(
        update(jobs)
        .where(jobs.c.dedupe_key == dedupe_key, jobs.c.state == PENDING)
        .values(run_at=run_at)
    )
    if not moved.rowcount:
        return False
    _announce_if_due(tx, run_at)
    return True


def any_due(conn: Connection, now: datetime) -> bool:
    """Whether ``claim_due`` would find something: a cheap check for idle polls."""
    return bool(conn.execute(select(exists().where(_due(now)))).scalar())


def claim_due(db: Tx | Connection, now: datetime, lease: timedelta, limit: int) -> list[Job]:
    """Claim up to ``limit`` jobs due at ``now``, or whose lease ran out, for ``lease``.

    Each claim is a guarded update that goes ahead only if it changed exactly
    the row that was read, so two workers never hold the same attempt. On
    PostgreSQL the candidates are locked ``FOR UPDATE SKIP LOCKED`` as well, so
    workers on other nodes take different jobs instead of waiting. A job whose
    lease ran out on its last attempt is failed instead of claimed.
    """
    conn = db.conn if isinstance(db, Tx) else db
    candidates = (
        select(*_CANDIDATE_COLUMNS).where(_due(now)).order_by(jobs.c.run_at, jobs.c.id).limit(limit)
    )
    if conn.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = []
    for row in conn.execute(candidates).all():
        if row.state == RUNNING and row.attempts >= row.max_attempts:
            _give_up(conn, row, now)
        elif _take(conn, row, now, lease):
            claimed.append(_job(row))
    return claimed


def complete(tx: Tx, job: Job) -> bool:
    """Mark the job done; False, changing nothing, if this attempt no longer holds it."""
    done = tx.conn.execute(
        update(jobs)
        .where(_held(job))
        .values(state=DONE, done_at=tx.now, lease_until=None, last_error=None)
    )
    return done.rowcount == 1


def fail(tx: Tx, job: Job, error: str) -> bool:
    """Record a failed attempt: retry after a backoff, or give up on the last attempt."""
    if job.attempts >= job.max_attempts:
        outcome: dict[str, Any] = {"state": FAILED, "done_at": tx.now}
    else:
        outcome = {"state": PENDING, "run_at": tx.now + backoff(job.attempts)}
    failed = tx.conn.execute(
        update(jobs)
        .where(_held(job))
        .values(**outcome, lease_until=None, last_error=error[:MAX_ERROR_CHARS])
    )
    return failed.rowcount == 1


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 30 s, 1 min, 2 min, … at most 1 h."""
    return min(BACKOFF_BASE * 2 ** (attempts - 1), BACKOFF_CAP)


def listen_for_due(listener: Callable[[], None]) -> Callable[[], None]:
    """Call ``listener`` after each commit that makes a job due at once (from the
    writer thread, in any database of this process); returns the way to stop."""
    _due_listeners.append(listener)
    return lambda: _due_listeners.remove(listener)


def _announce_if_due(tx: Tx, run_at: datetime) -> None:
    if run_at <= tx.now:
        tx.after_commit(_announce_due)


def _announce_due() -> None:
    for listener in tuple(_due_listeners):
        listener()


_CANDIDATE_COLUMNS = (
    jobs.c.id,
    jobs.c.kind,
    jobs.c.payload,
    jobs.c.workspace_id,
    jobs.c.run_at,
    jobs.c.state,
    jobs.c.attempts,
    jobs.c.max_attempts,
    jobs.c.dedupe_key,
)


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(jobs.c.state == PENDING, jobs.c.run_at <= now),
        and_(jobs.c.state == RUNNING, jobs.c.lease_until < now),
    )


def _take(conn: Connection, row: Any, now: datetime, lease: timedelta) -> bool:
    taken = conn.execute(
        update(jobs)
        .where(
            jobs.c.id == row.id,
            jobs.c.state == row.state,
            jobs.c.attempts == row.attempts,
            or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < now),
        )
        .values(state=RUNNING, attempts=jobs.c.attempts + 1, lease_until=now + lease)
    )
    return taken.rowcount == 1


def _give_up(conn: Connection, row: Any, now: datetime) -> None:
    conn.execute(
        update(jobs)
        .where(
            jobs.c.id == row.id,
            jobs.c.state == RUNNING,
            jobs.c.attempts == row.attempts,
            jobs.c.lease_until < now,
        )
        .values(
            state=FAILED,
            done_at=now,
            lease_until=None,
            last_error=f"the worker stopped during attempt {row.attempts} of {row.max_attempts}",
        )
    )


def _held(job: Job) -> ColumnElement[bool]:
    return and_(jobs.c.id == job.id, jobs.c.state == RUNNING, jobs.c.attempts == job.attempts)


def _job(row: Any) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        payload=orjson.loads(row.payload),
        workspace_id=row.workspace_id,
        run_at=row.run_at,
        attempts=row.attempts + 1,
        max_attempts=row.max_attempts,
        dedupe_key=row.dedupe_key,
    )
