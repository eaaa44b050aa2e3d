"""``tidings worker``: runs due jobs on its own and stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from tests.support import database_url_for
from tidings.cli import app
from tidings.store.database import Database
from tidings.store.jobs import enqueue
from tidings.store.models import jobs


@pytest.fixture
def database_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    with database_url_for(database_kind, tmp_path) as url:
        yield url


def test_an_invalid_setting_is_one_line_and_exit_1(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    result = CliRunner().invoke(
        app, ["worker", "--database-url", url], env={"TIDINGS_JOB_LEASE_SECONDS": "0"}
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: invalid setting job_lease_seconds: Input should be greater than or equal to 1\n"
    )
    assert not (tmp_path / "never.db").exists()


@pytest.mark.slow
def test_the_worker_runs_due_jobs_and_stops_on_sigterm(database_url: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tidings", "worker", "--database-url", database_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        db = Database(database_url)
        try:
            _wait_for_schema(db, proc)
            job_id = db.write(lambda tx: enqueue(tx, "noop", tx.now, {}))
            deadline = time.monotonic() + 20
            while _state(db, job_id) != "done":
                assert time.monotonic() < deadline, "the worker did not run the job"
                time.sleep(0.05)
        finally:
            db.close()
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "Tidings worker stopped" in out


def _wait_for_schema(db: Database, proc: subprocess.Popen[str]) -> None:
    """The worker migrates the database when it starts."""
    deadline = time.monotonic() + 20
    while True:
        assert proc.poll() is None, "the worker exited early"
        try:
            db.read(lambda c: c.execute(select(jobs.c.id).limit(1)).all())
            return
        except DBAPIError:  # no jobs table yet
            assert time.monotonic() < deadline, "the worker did not create the schema"
            time.sleep(0.05)


def _state(db: Database, job_id: int) -> str:
    query = select(jobs.c.state).where(jobs.c.id == job_id)
    return str(db.read(lambda c: c.execute(query).scalar_one()))
