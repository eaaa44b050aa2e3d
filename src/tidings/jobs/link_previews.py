"""The link preview job: fetch outside the transaction, store inside it."""

from __future__ import annotations

import dataclasses
from typing import Any

from tidings.actions.link_previews import UNFURL, save_previews
from tidings.jobs.registry import handler, preparer
from tidings.store.blobs import BlobStore, store_for
from tidings.store.jobs import Job
from tidings.store.tx import Tx
from tidings.unfurl import Preview, unfurl
from tidings.unfurl.fetch import FetchPolicy
from tidings.unfurl.image import preview_image
from tidings.unfurl.setup import setup_for


@preparer(UNFURL)
def fetch(db: Any, job: Job) -> list[dict[str, Any]]:
    """Fetch each link under this node's limits, and its image into the blob store;
    nothing when previews were turned off since the job was queued.

    Storing the image here is safe to repeat (the store is content-addressed), and
    the handler lets go of any image it does not keep."""
    setup = setup_for(db.write_engine)
    if setup is None:
        return []
    store = store_for(db.write_engine)
    found = (unfurl(url, setup.policy) for url in job.payload["urls"])
    return [_with_image(p, setup.policy, store) for p in found if p is not None]


def _with_image(preview: Preview, policy: FetchPolicy, store: BlobStore | None) -> dict[str, Any]:
    item: dict[str, Any] = {
        **dataclasses.asdict(preview),
        "image_sha256": None,
        "image_width": None,
        "image_height": None,
    }
    if preview.image_url is None or store is None:
        return item
    image = preview_image(preview.image_url, policy)
    if image is not None:
        item.update(
            image_sha256=store.put_bytes(image.data),
            image_width=image.width,
            image_height=image.height,
        )
    return item


@handler(UNFURL)
def store(tx: Tx, job: Job) -> None:
    save_previews(tx, job.payload["message_id"], job.prepared or [])
