"""Timed work for self-destructing messages."""

from __future__ import annotations

from tidings.actions.expiry import EXPIRE, expire_message
from tidings.jobs.registry import handler
from tidings.store.jobs import Job
from tidings.store.tx import Tx


@handler(EXPIRE)
def expire(tx: Tx, job: Job) -> None:
    """Purge the message; a no-op if it already expired or is not due (yet)."""
    expire_message(tx, job.payload["message_id"])
