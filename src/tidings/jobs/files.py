"""Timed work for files: uploads that were never attached, and thumbnails."""

from __future__ import annotations

from tidings.actions.attachments import make_thumbnail
from tidings.actions.uploads import EXPIRE, THUMBNAIL, expire_upload
from tidings.jobs.registry import handler
from tidings.store.jobs import Job
from tidings.store.tx import Tx


@handler(EXPIRE)
def expire(tx: Tx, job: Job) -> None:
    """Drop the upload and its staging file; its bytes go unless a message has them."""
    expire_upload(tx, job.payload["upload_id"])


@handler(THUMBNAIL)
def thumbnail(tx: Tx, job: Job) -> None:
    """Record the image's thumbnail (once per distinct image), made now if need be."""
    make_thumbnail(tx, job.payload["sha256"], job.payload.get("made"))
