"""The jobs table: enqueue, claim under a lease, complete, fail, cancel, reschedule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.support import database_url_for
from tidings.clock import FrozenClock
from tidings.store import jobs as store
from tidings.store.database import Database
from tidings.store.jobs import Job
from tidings.store.models import jobs
from tidings.store.tx import Tx

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def db(database_kind: str, tmp_path: Path, clock: FrozenClock) -> Iterator[Database]:
    with database_url_for(database_kind, tmp_path) as url:
        database = Database(url, clock=clock, synchronous="normal")
        database.migrate()
        try:
            yield database
        finally:
            database.close()


def _enqueue(db: Database, run_at: datetime, **kwargs: Any) -> int:
    return db.write(lambda tx: store.enqueue(tx, "test.kind", run_at, {"n": 1}, **kwargs))


def _claim(db: Database, lease: timedelta = LEASE, limit: int = 10) -> list[Job]:
    return db.write(lambda tx: store.claim_due(tx, tx.now, lease, limit))


def _row(db: Database, job_id: int) -> Any:
    return db.read(lambda c: c.execute(select(jobs).where(jobs.c.id == job_id)).one())


def test_enqueueing_a_taken_dedupe_key_changes_nothing(db: Database) -> None:
    first = _enqueue(db, START, dedupe_key="reminder:7")
    again = db.write(
        lambda tx: store.enqueue(
            tx, "other.kind", START + timedelta(days=1), {"n": 2}, dedupe_key="reminder:7"
        )
    )
    assert again == first
    rows = db.read(lambda c: c.execute(select(jobs)).all())
    assert len(rows) == 1
    assert (rows[0].kind, rows[0].payload, rows[0].run_at) == ("test.kind", '{"n":1}', START)
    assert _enqueue(db, START) != _enqueue(db, START)  # without a key, every job is new


def test_a_due_job_is_claimed_once_and_a_future_one_waits(db: Database, clock: FrozenClock) -> None:
    due = _enqueue(db, START)
    later = _enqueue(db, START + timedelta(hours=1))
    [claimed] = _claim(db, lease=timedelta(hours=2))
    assert (claimed.id, claimed.kind, claimed.payload, claimed.attempts) == (
        due,
        "test.kind",
        {"n": 1},
        1,
    )
    row = _row(db, due)
    assert (row.state, row.attempts, row.lease_until) == ("running", 1, START + timedelta(hours=2))
    assert _claim(db) == []
    clock.advance(timedelta(hours=1))
    assert [job.id for job in _claim(db)] == [later]


def test_claims_take_the_oldest_due_first_up_to_the_limit(db: Database) -> None:
    ids = [_enqueue(db, START - timedelta(minutes=m)) for m in (1, 3, 2)]
    assert [job.id for job in _claim(db, limit=2)] == [ids[1], ids[2]]
    assert [job.id for job in _claim(db, limit=2)] == [ids[0]]


def test_an_expired_lease_is_claimed_again_and_fences_the_first_attempt(
    db: Database, clock: FrozenClock
) -> None:
    job_id = _enqueue(db, START)
    [first] = _claim(db)
    clock.advance(LEASE - timedelta(seconds=1))
    assert _claim(db) == []
    clock.advance(timedelta(seconds=2))
    [second] = _claim(db)
    assert (second.id, second.attempts) == (job_id, 2)
    assert db.write(lambda tx: store.complete(tx, first)) is False
    assert db.write(lambda tx: store.fail(tx, first, "late")) is False
    assert db.write(lambda tx: store.complete(tx, second)) is True
    row = _row(db, job_id)
    assert (row.state, row.attempts, row.done_at, row.lease_until) == ("done", 2, clock.now(), None)


def test_a_lease_that_runs_out_on_the_last_attempt_fails_the_job(
    db: Database, clock: FrozenClock
) -> None:
    job_id = _enqueue(db, START, max_attempts=1)
    _claim(db)
    clock.advance(LEASE + timedelta(seconds=1))
    assert _claim(db) == []
    row = _row(db, job_id)
    assert (row.state, row.attempts, row.done_at) == ("failed", 1, clock.now())
    assert row.last_error == "the worker stopped during attempt 1 of 1"


def test_failures_back_off_exponentially_then_give_up(db: Database, clock: FrozenClock) -> None:
    job_id = _enqueue(db, START, max_attempts=3)
    for attempt, wait in ((1, 30), (2, 60)):
        [job] = _claim(db)
        assert job.attempts == attempt
        assert db.write(lambda tx, job=job: store.fail(tx, job, f"boom {job.attempts}"))
        row = _row(db, job_id)
        assert (row.state, row.run_at, row.lease_until) == (
            "pending",
            clock.now() + timedelta(seconds=wait),
            None,
        )
        assert row.last_error == f"boom {attempt}"
        clock.advance(timedelta(seconds=wait - 1))
        assert _claim(db) == []
        clock.advance(timedelta(seconds=1))
    [job] = _claim(db)
    db.write(lambda tx: store.fail(tx, job, "boom 3"))
    row = _row(db, job_id)
    assert (row.state, row.attempts, row.done_at, row.last_error) == (
        "failed",
        3,
        clock.now(),
        "boom 3",
    )
    clock.advance(timedelta(days=1))
    assert _claim(db) == []


def test_backoff_doubles_from_thirty_seconds_up_to_an_hour() -> None:
    waits = [store.backoff(n).total_seconds() for n in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_cancel_by_id_or_by_key_keeps_the_job_from_running(
    db: Database, clock: FrozenClock
) -> None:
    by_id = _enqueue(db, START)
    by_key = _enqueue(db, START, dedupe_key="digest:1")
    kept = _enqueue(db, START)
    assert db.write(lambda tx: store.cancel(tx, by_id)) is True
    assert db.write(lambda tx: store.cancel(tx, "digest:1")) is True
    assert db.write(lambda tx: store.cancel(tx, "digest:1")) is False
    assert db.write(lambda tx: store.cancel(tx, "no such key")) is False
    assert [job.id for job in _claim(db)] == [kept]
    row = _row(db, by_key)
    assert (row.state, row.done_at) == ("cancelled", clock.now())


def test_a_running_job_cancelled_can_no_longer_complete(db: Database) -> None:
    job_id = _enqueue(db, START)
    [job] = _claim(db)
    assert db.write(lambda tx: store.cancel(tx, job_id)) is True
    assert db.write(lambda tx: store.complete(tx, job)) is False
    assert _row(db, job_id).state == "cancelled"


def test_a_finished_job_cannot_be_cancelled(db: Database) -> None:
    job_id = _enqueue(db, START)
    [job] = _claim(db)
    db.write(lambda tx: store.complete(tx, job))
    assert db.write(lambda tx: store.cancel(tx, job_id)) is False
    assert _row(db, job_id).state == "done"


def test_reschedule_moves_only_a_pending_job(db: Database, clock: FrozenClock) -> None:
    soon = _enqueue(db, START + timedelta(hours=1), dedupe_key="due:soon")
    late = _enqueue(db, START, dedupe_key="due:late")
    assert db.write(lambda tx: store.reschedule(tx, "due:soon", START)) is True
    assert db.write(lambda tx: store.reschedule(tx, "due:late", START + timedelta(hours=2)))
    [job] = _claim(db)
    assert job.id == soon
    db.write(lambda tx: store.complete(tx, job))
    assert db.write(lambda tx: store.reschedule(tx, "due:soon", START + timedelta(days=1))) is False
    assert db.write(lambda tx: store.reschedule(tx, "no such key", START)) is False
    clock.advance(timedelta(hours=2))
    assert [job.id for job in _claim(db)] == [late]


def test_any_due_matches_what_a_claim_would_find(db: Database, clock: FrozenClock) -> None:
    def any_due() -> bool:
        return db.read(lambda c: store.any_due(c, clock.now()))

    assert not any_due()
    _enqueue(db, START + timedelta(minutes=1))
    assert not any_due()
    clock.advance(timedelta(minutes=1))
    assert any_due()
    _claim(db)
    assert not any_due()
    clock.advance(LEASE + timedelta(seconds=1))
    assert any_due()  # the lease ran out


def test_due_listeners_hear_of_jobs_due_now_only_after_commit(db: Database) -> None:
    heard: list[str] = []
    stop = store.listen_for_due(lambda: heard.append("due"))
    try:
        _enqueue(db, START + timedelta(minutes=1), dedupe_key="later")
        assert heard == []

        def enqueue_due(tx: Tx) -> None:
            store.enqueue(tx, "test.kind", START, {})
            assert heard == []

        db.write(enqueue_due)
        assert heard == ["due"]
        _enqueue(db, START, dedupe_key="later")  # taken: nothing new is due
        assert heard == ["due"]
        db.write(lambda tx: store.reschedule(tx, "later", START))
        assert heard == ["due", "due"]
    finally:
        stop()
    _enqueue(db, START)
    assert heard == ["due", "due"]


def test_postgresql_workers_skip_jobs_locked_by_another_claim(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite has a single writer")
    first, second = _enqueue(db, START), _enqueue(db, START)
    with db.read_engine.connect() as one, db.read_engine.connect() as other:
        holding = one.begin()
        assert [job.id for job in store.claim_due(one, START, LEASE, 1)] == [first]
        with other.begin():
            # Waiting for the lock would be the bug: fail fast instead of hanging.
            other.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
            assert [job.id for job in store.claim_due(other, START, LEASE, 10)] == [second]
        holding.rollback()
        with other.begin():
            assert [job.id for job in store.claim_due(other, START, LEASE, 10)] == [first]
