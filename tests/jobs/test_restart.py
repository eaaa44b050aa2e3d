"""Jobs survive a SIGKILL of ``tidings serve``: each one completes exactly once."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.support import database_url_for, free_port
from tests.test_durability import ServerProcess
from tidings.store.database import Database
from tidings.store.jobs import enqueue
from tidings.store.models import jobs

pytestmark = pytest.mark.slow
JOBS = 400
LEASE_SECONDS = 2


@pytest.fixture
def database_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    with database_url_for(database_kind, tmp_path) as url:
        yield url


def job_rows(db: Database) -> dict[int, Any]:
    rows = db.read(lambda c: c.execute(select(jobs)).all())
    return {row.id: row for row in rows}


def _states(db: Database) -> set[str]:
    return set(db.read(lambda c: c.execute(select(jobs.c.state).distinct()).scalars().all()))


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.001)


def test_sigkill_around_the_due_time_runs_every_job_exactly_once(
    database_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "TIDINGS_DATABASE_URL": database_url,
        "TIDINGS_ACCESS_LOG": "false",
        "TIDINGS_SQLITE_SYNCHRONOUS": "full",
        "TIDINGS_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    server = ServerProcess(env, free_port(), tmp_path / "server.log")
    server.start()  # it migrates the database
    db = Database(database_url)
    try:
        due = db.clock.now() + timedelta(seconds=2)
        ids = db.write(
            lambda tx: [enqueue(tx, "noop", due, {"n": n}, dedupe_key=f"n{n}") for n in range(JOBS)]
        )
        # Kill mid-run: with some jobs done and a batch claimed but not committed,
        # which is the usual moment to catch; or, failing that, once all are done.
        wait_for(lambda: {"done", "running"} <= _states(db) or _states(db) == {"done"}, 30, "work")
        server.kill()
        # A COMMIT sent just before the kill may still land on PostgreSQL's side.
        time.sleep(0.5)
        at_kill = job_rows(db)
        server.start()
        wait_for(lambda: _states(db) == {"done"}, 30, "every job is done")
        after = job_rows(db)
    finally:
        server.stop()
        db.close()

    assert sorted(after) == sorted(ids)
    for job_id, row in after.items():
        before = at_kill[job_id]
        assert row.last_error is None and row.done_at >= due
        if before.state == "done":  # finished before the kill: never touched again
            assert (row.attempts, row.done_at) == (1, before.done_at)
        elif before.state == "running":  # claimed, not committed: run again after the lease
            assert row.attempts == 2
            assert row.done_at >= before.lease_until
        else:
            assert before.state == "pending" and row.attempts == 1
