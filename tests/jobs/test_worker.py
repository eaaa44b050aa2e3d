"""The worker: each job's effects and its completion commit together, exactly once."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import tidings
from tests.support import database_url_for
from tidings.clock import FrozenClock
from tidings.jobs import HANDLERS, Worker, builtin, handler, load_handlers
from tidings.jobs.registry import HANDLER_MODULES
from tidings.store import jobs as store
from tidings.store.database import Database
from tidings.store.jobs import Job
from tidings.store.models import events, jobs, workspaces
from tidings.store.tx import PendingEvent, Tx

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make_workspace(tx: Tx, job: Job) -> None:
    """A handler with real effects: a row and an event."""
    slug = job.payload["slug"]
    workspace_id = tx.insert(workspaces, slug=slug, name=slug, created_at=tx.now)
    tx.emit(workspace_id, "test.job_ran", {"job": job.id})


def make_workspace_then_fail(tx: Tx, job: Job) -> None:
    make_workspace(tx, job)
    raise RuntimeError(f"boom on attempt {job.attempts}")


HANDLED = {"test.make": make_workspace, "test.fail": make_workspace_then_fail}


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def database_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    with database_url_for(database_kind, tmp_path) as url:
        yield url


def open_db(url: str, clock: FrozenClock) -> Database:
    db = Database(url, clock=clock, synchronous="normal")
    db.migrate()
    return db


@pytest.fixture
def db(database_url: str, clock: FrozenClock) -> Iterator[Database]:
    database = open_db(database_url, clock)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def worker(db: Database) -> Worker:
    return Worker(db, handlers=HANDLED)


def enqueue(db: Database, kind: str, slug: str, run_at: datetime = START, **kw: Any) -> int:
    return db.write(lambda tx: store.enqueue(tx, kind, run_at, {"slug": slug}, **kw))


def job_row(db: Database, job_id: int) -> Any:
    return db.read(lambda c: c.execute(select(jobs).where(jobs.c.id == job_id)).one())


def slugs(db: Database) -> list[str]:
    return list(db.read(lambda c: c.execute(select(workspaces.c.slug)).scalars().all()))


def event_count(db: Database) -> int:
    return int(db.read(lambda c: c.execute(select(func.count()).select_from(events)).scalar_one()))


def test_due_jobs_run_and_future_ones_wait_for_the_clock(
    db: Database, worker: Worker, clock: FrozenClock
) -> None:
    due = enqueue(db, "test.make", "now")
    later = enqueue(db, "test.make", "later", START + timedelta(hours=1))
    assert worker.run_due() == 1
    assert slugs(db) == ["now"]
    row = job_row(db, due)
    assert (row.state, row.attempts, row.done_at, row.lease_until) == ("done", 1, START, None)
    assert worker.run_due() == 0
    clock.advance(timedelta(minutes=59))
    assert worker.run_due() == 0
    clock.advance(timedelta(minutes=1))
    assert worker.run_due() == 1
    assert sorted(slugs(db)) == ["later", "now"]
    assert job_row(db, later).state == "done"


def test_run_due_works_through_more_jobs_than_one_batch(db: Database) -> None:
    for n in range(7):
        enqueue(db, "test.make", f"ws-{n}")
    assert Worker(db, handlers=HANDLED, batch=3).run_due() == 7
    assert len(slugs(db)) == 7


def test_a_handlers_events_commit_with_its_job(db: Database, worker: Worker) -> None:
    heard: list[PendingEvent] = []
    db.add_commit_listener(heard.extend)
    job_id = enqueue(db, "test.make", "evented")
    worker.run_due()
    assert [(e.type, e.payload) for e in heard] == [("test.job_ran", {"job": job_id})]
    assert event_count(db) == 1


def test_a_failing_handler_rolls_back_and_retries_with_backoff_until_it_gives_up(
    db: Database, worker: Worker, clock: FrozenClock
) -> None:
    heard: list[PendingEvent] = []
    db.add_commit_listener(heard.extend)
    job_id = enqueue(db, "test.fail", "doomed", max_attempts=3)
    for attempt, wait in ((1, 30), (2, 60)):
        assert worker.run_due() == 1
        row = job_row(db, job_id)
        assert (row.state, row.attempts) == ("pending", attempt)
        assert row.run_at == clock.now() + timedelta(seconds=wait)
        assert row.last_error == f"RuntimeError: boom on attempt {attempt}"
        clock.advance(timedelta(seconds=wait - 1))
        assert worker.run_due() == 0
        clock.advance(timedelta(seconds=1))
    assert worker.run_due() == 1
    row = job_row(db, job_id)
    assert (row.state, row.attempts, row.done_at) == ("failed", 3, clock.now())
    assert row.last_error == "RuntimeError: boom on attempt 3"
    clock.advance(timedelta(days=1))
    assert worker.run_due() == 0
    assert slugs(db) == [] and event_count(db) == 0 and heard == []


def test_a_database_error_in_a_handler_rolls_back_alone(db: Database, worker: Worker) -> None:
    enqueue(db, "test.make", "taken")
    worker.run_due()
    duplicate = enqueue(db, "test.make", "taken")  # the slug is unique: the insert fails
    fine = enqueue(db, "test.make", "fine")
    assert worker.run_due() == 2
    row = job_row(db, duplicate)
    assert (row.state, row.attempts) == ("pending", 1)
    assert "IntegrityError" in row.last_error
    assert job_row(db, fine).state == "done"
    assert sorted(slugs(db)) == ["fine", "taken"]


def test_a_job_whose_worker_died_runs_once_the_lease_runs_out(
    db: Database, worker: Worker, clock: FrozenClock
) -> None:
    job_id = enqueue(db, "test.make", "orphan")
    # A worker claims it and dies before its transaction commits.
    db.write(lambda tx: store.claim_due(tx, tx.now, worker.lease, 10))
    assert worker.run_due() == 0
    clock.advance(worker.lease + timedelta(seconds=1))
    assert worker.run_due() == 1
    row = job_row(db, job_id)
    assert (row.state, row.attempts) == ("done", 2)
    assert slugs(db) == ["orphan"]


def test_a_job_cancelled_after_its_claim_does_not_run(db: Database, worker: Worker) -> None:
    job_id = enqueue(db, "test.make", "stopped")
    [job] = db.write(lambda tx: store.claim_due(tx, tx.now, worker.lease, 10))
    db.write(lambda tx: store.cancel(tx, job_id))
    assert db.write(lambda tx: worker._attempt(tx, job)) is False
    assert job_row(db, job_id).state == "cancelled"
    assert slugs(db) == []


def test_cancelled_jobs_never_run_and_rescheduled_ones_run_at_their_new_time(
    db: Database, worker: Worker, clock: FrozenClock
) -> None:
    enqueue(db, "test.make", "cancelled", dedupe_key="cancel-me")
    moved = enqueue(db, "test.make", "moved", dedupe_key="move-me")
    db.write(lambda tx: store.cancel(tx, "cancel-me"))
    db.write(lambda tx: store.reschedule(tx, "move-me", START + timedelta(hours=3)))
    assert worker.run_due() == 0
    clock.advance(timedelta(hours=3))
    assert worker.run_due() == 1
    assert slugs(db) == ["moved"]
    assert job_row(db, moved).state == "done"


def test_the_same_dedupe_key_runs_once(db: Database, worker: Worker) -> None:
    for _ in range(3):
        enqueue(db, "test.make", "once", dedupe_key="only-once")
    assert worker.run_due() == 1
    assert slugs(db) == ["once"]


def test_an_unknown_kind_fails_with_a_message_naming_it(db: Database, worker: Worker) -> None:
    job_id = enqueue(db, "test.nobody", "x", max_attempts=1)
    worker.run_due()
    row = job_row(db, job_id)
    assert row.state == "failed"
    assert row.last_error == "LookupError: no handler for job kind 'test.nobody'"


def test_two_workers_claiming_at_once_never_run_a_job_twice(
    database_url: str, clock: FrozenClock
) -> None:
    ran: list[int] = []

    def record(tx: Tx, job: Job) -> None:
        ran.append(job.id)
        make_workspace(tx, job)

    databases = [open_db(database_url, clock) for _ in range(2)]
    try:
        ids = {enqueue(databases[0], "test.record", f"ws-{n}") for n in range(60)}
        workers = [Worker(db, handlers={"test.record": record}, batch=4) for db in databases]
        start = threading.Barrier(len(workers))

        def work(worker: Worker) -> None:
            start.wait()
            worker.run_due()

        threads = [threading.Thread(target=work, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert Counter(ran) == Counter(ids)
        rows = databases[0].read(lambda c: c.execute(select(jobs.c.state, jobs.c.attempts)).all())
        assert {tuple(row) for row in rows} == {("done", 1)}
        assert len(slugs(databases[0])) == len(ids)
    finally:
        for db in databases:
            db.close()


def test_noop_is_built_in_and_a_kind_takes_one_handler(db: Database) -> None:
    job_id = db.write(lambda tx: store.enqueue(tx, "noop", START, {}))
    assert Worker(db).run_due() == 1
    assert job_row(db, job_id).state == "done"
    assert HANDLERS["noop"] is builtin.noop
    with pytest.raises(ValueError, match="already has a handler"):
        handler("noop")(make_workspace)
    assert handler("noop")(builtin.noop) is builtin.noop  # registering again is harmless


def test_every_module_with_handlers_is_loaded_by_every_worker() -> None:
    """A module missing from ``HANDLER_MODULES`` would go unimported by ``tidings worker``."""
    package = Path(tidings.__file__).parent
    defining = {
        ".".join(path.relative_to(package.parent).with_suffix("").parts)
        for path in package.rglob("*.py")
        if re.search(r"^@handler\(", path.read_text(encoding="utf-8"), re.MULTILINE)
    }
    assert defining <= set(HANDLER_MODULES)
    assert "noop" in load_handlers()


def test_run_forever_runs_a_job_enqueued_due_at_once_without_waiting_to_poll(
    db: Database, worker: Worker
) -> None:
    async def scenario() -> float:
        task = asyncio.create_task(worker.run_forever(poll_seconds=60))
        await asyncio.sleep(0.2)  # the loop is now waiting for its next poll
        began = time.monotonic()
        job_id = await db.awrite(
            lambda tx: store.enqueue(tx, "test.make", tx.now, {"slug": "woken"})
        )
        while (await db.aread(lambda c: _state(c, job_id))) != "done":
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - began

    assert asyncio.run(asyncio.wait_for(scenario(), 10)) < 5


def test_a_cancelled_run_forever_still_finishes_the_job_in_hand(
    database_url: str, clock: FrozenClock
) -> None:
    """As at server shutdown: the task is cancelled, then the database closes."""
    started, release = threading.Event(), threading.Event()

    def slow(tx: Tx, job: Job) -> None:
        started.set()
        release.wait(10)
        make_workspace(tx, job)

    db = open_db(database_url, clock)
    job_id = enqueue(db, "test.slow", "finished")
    worker = Worker(db, handlers={"test.slow": slow})

    async def shutdown_mid_job() -> None:
        task = asyncio.create_task(worker.run_forever(poll_seconds=0.05))
        assert await asyncio.to_thread(started.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The lifespan then closes the database, blocking the loop meanwhile.
        threading.Timer(0.2, release.set).start()
        db.close()

    asyncio.run(shutdown_mid_job())
    again = open_db(database_url, clock)
    try:
        row = job_row(again, job_id)
        assert (row.state, row.attempts) == ("done", 1)
        assert slugs(again) == ["finished"]
    finally:
        again.close()


def _state(conn: Any, job_id: int) -> str:
    return str(conn.execute(select(jobs.c.state).where(jobs.c.id == job_id)).scalar_one())
