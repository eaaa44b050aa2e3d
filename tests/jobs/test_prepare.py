"""A job kind's preparation step: slow work outside the transaction, its result
taking effect through the handler exactly once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.support import database_url_for
from tidings.clock import FrozenClock
from tidings.jobs import Worker
from tidings.store import jobs as store
from tidings.store.database import Database
from tidings.store.jobs import Job
from tidings.store.models import jobs, workspaces
from tidings.store.tx import Tx

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(database_kind: str, tmp_path: Path) -> Iterator[Database]:
    with database_url_for(database_kind, tmp_path) as url:
        database = Database(url, clock=FrozenClock(START), synchronous="normal")
        database.migrate()
        try:
            yield database
        finally:
            database.close()


def make_named(tx: Tx, job: Job) -> None:
    tx.insert(workspaces, slug=job.prepared, name=job.prepared, created_at=tx.now)


def test_the_handler_gets_what_the_preparation_made_outside_the_writer(db: Database) -> None:
    threads: list[str] = []

    def prepare(database: Any, job: Job) -> str:
        assert database is db
        threads.append(threading.current_thread().name)
        return f"made-{job.payload['n']}"

    worker = Worker(db, handlers={"t.make": make_named}, preparers={"t.make": prepare})
    db.write(lambda tx: store.enqueue(tx, "t.make", START, {"n": 7}))
    assert worker.run_due() == 1
    assert db.read(lambda c: c.execute(select(workspaces.c.slug)).scalars().all()) == ["made-7"]
    assert threads and all("writer" not in name.lower() for name in threads)


def test_a_failing_preparation_fails_the_attempt_and_is_retried(db: Database) -> None:
    def prepare(database: Any, job: Job) -> str:
        if job.attempts == 1:
            raise ConnectionError("site down")
        return "second-time"

    worker = Worker(db, handlers={"t.make": make_named}, preparers={"t.make": prepare})
    db.write(lambda tx: store.enqueue(tx, "t.make", START, {}))
    worker.run_due()
    state, error, run_at = db.read(
        lambda c: c.execute(select(jobs.c.state, jobs.c.last_error, jobs.c.run_at)).one()
    )
    assert state == "pending" and "site down" in error
    assert worker.run_due(run_at) == 1
    assert db.read(lambda c: c.execute(select(workspaces.c.slug)).scalars().all()) == [
        "second-time"
    ]


def test_the_async_loop_prepares_in_threads(db: Database) -> None:
    worker = Worker(
        db,
        handlers={"t.make": make_named},
        preparers={"t.make": lambda database, job: "from-a-thread"},
    )
    db.write(lambda tx: store.enqueue(tx, "t.make", START, {}))
    assert asyncio.run(worker.arun_due()) == 1
    assert db.read(lambda c: c.execute(select(workspaces.c.slug)).scalars().all()) == [
        "from-a-thread"
    ]
