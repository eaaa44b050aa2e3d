"""The link preview job: fetch outside the transaction, store inside it."""

from __future__ import annotations

import dataclasses
from typing import Any

from tidings.actions.link_previews import UNFURL, save_previews
from tidings.jobs.registry import handler, preparer
from tidings.store.jobs import Job
from tidings.store.tx import Tx
from tidings.unfurl import unfurl
from tidings.unfurl.setup import setup_for


@preparer(UNFURL)
def fetch(db: Any, job: Job) -> list[dict[str, Any]]:
    """Fetch each link under this node's limits; nothing when previews were turned
    off since the job was queued."""
    setup = setup_for(db.write_engine)
    if setup is None:
        return []
    found = (unfurl(url, setup.policy) for url in job.payload["urls"])
    return [dataclasses.asdict(preview) for preview in found if preview is not None]


@handler(UNFURL)
def store(tx: Tx, job: Job) -> None:
    save_previews(tx, job.payload["message_id"], job.prepared or [])
