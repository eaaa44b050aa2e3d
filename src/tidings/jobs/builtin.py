"""Job kinds that come with Tidings itself."""

from __future__ import annotations

from tidings.jobs.registry import handler
from tidings.store.jobs import Job
from tidings.store.tx import Tx


@handler("noop")
def noop(tx: Tx, job: Job) -> None:
    """Does nothing: the job's own row, marked done, is its only effect. Useful to
    check that a worker is running and that jobs survive restarts."""
