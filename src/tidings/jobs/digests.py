"""The daily digest job."""

from __future__ import annotations

import logging

from tidings.actions import digests
from tidings.jobs.registry import handler
from tidings.store.jobs import Job
from tidings.store.tx import Tx

log = logging.getLogger(__name__)


@handler(digests.SEND)
def send(tx: Tx, job: Job) -> None:
    outcome = digests.send_digest(tx, job.payload["member_id"], job.payload["local_date"])
    log.info(
        "digest for member %s on %s: %s",
        job.payload["member_id"],
        job.payload["local_date"],
        outcome,
    )
