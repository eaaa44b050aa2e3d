"""Timed work for respond-later reminders and scheduled messages."""

from __future__ import annotations

from datetime import datetime

from tidings.actions import later, scheduled
from tidings.jobs.registry import handler
from tidings.store.jobs import Job
from tidings.store.tx import Tx


@handler(later.REMIND)
def remind(tx: Tx, job: Job) -> None:
    later.remind(tx, job.payload["mark_id"], datetime.fromisoformat(job.payload["remind_at"]))


@handler(scheduled.SEND)
def send(tx: Tx, job: Job) -> None:
    send_at = datetime.fromisoformat(job.payload["send_at"])
    scheduled.send_scheduled(tx, job.payload["scheduled_id"], send_at)
