"""Resumable uploads: start one, record it finished, cancel it, let it expire.

The bytes go to a staging file outside any transaction (``api/routes/uploads.py``
streams them); these actions keep the rows. A finished upload holds a reference
to its stored bytes until it expires; attaching it to a message makes references
of the message's own (``actions/attachments.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.engine import Connection

from tidings import views
from tidings.actions.blobs import discard_staged, release
from tidings.core.files import Kind, clean_filename
from tidings.core.roles import Actor
from tidings.errors import FileTooLarge, Gone, InvalidInput, NotFound, QuotaExceeded
from tidings.store import jobs
from tidings.store.blobs import store_for
from tidings.store.models import attachments, uploads
from tidings.store.tx import Tx

OPEN = "open"
# Open, with its length still unknown (a recording): ``size`` holds the bytes
# received so far, so the quota counts them, until a chunk declares the length.
GROWING = "growing"
COMPLETE = "complete"
EXPIRE = "upload.expire"
THUMBNAIL = "file.thumbnail"


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    quota_bytes: int  # 0: no quota
    session_hours: int = 24


@dataclass(frozen=True)
class Finished:
    """What the bytes turned out to be, once checked and stored."""

    sha256: str
    size: int
    content_type: str
    kind: str
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    # A thumbnail made and stored beside the upload, off the writer: (digest, w, h).
    thumbnail: tuple[str, int, int] | None = None


def upload_view(row: Mapping[Any, Any]) -> dict[str, Any]:
    growing = row["state"] == GROWING
    return {
        "id": row["id"],
        "filename": row["filename"],
        "size": None if growing else row["size"],
        "state": OPEN if growing else row["state"],
        "length_deferred": growing,
        "sha256": row["sha256"],
        "content_type": row["content_type"],
        "kind": row["kind"],
        "width": row["width"],
        "height": row["height"],
        "duration_ms": row["duration_ms"],
        "created_at": views.iso(row["created_at"]),
        "expires_at": views.iso(row["expires_at"]),
    }


def workspace_usage(tx: Tx, workspace_id: int) -> int:
    """Bytes a workspace holds: each distinct file on its messages once, plus the
    uploads not attached yet (those in progress at their declared size)."""
    attached = (
        select(attachments.c.sha256, func.max(attachments.c.size).label("size"))
        .where(attachments.c.workspace_id == workspace_id)
        .group_by(attachments.c.sha256)
        .subquery()
    )
    files = tx.conn.execute(select(func.coalesce(func.sum(attached.c.size), 0))).scalar_one()
    not_attached = ~exists().where(
        and_(attachments.c.workspace_id == workspace_id, attachments.c.upload_id == uploads.c.id)
    )
    pending = tx.conn.execute(
        select(func.coalesce(func.sum(uploads.c.size), 0)).where(
            uploads.c.workspace_id == workspace_id, not_attached
        )
    ).scalar_one()
    return int(files) + int(pending)


def _check_sha(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise InvalidInput("sha256 is 64 hexadecimal digits", field="sha256")
    return value


def start_upload(
    tx: Tx,
    actor: Actor,
    *,
    filename: str,
    size: int | None,
    limits: Limits,
    sha256: str | None = None,
) -> dict[str, Any]:
    """Open an upload of ``size`` bytes; refused if the file is over the size limit or
    would take the workspace past its quota. Without a size the length is deferred:
    the limits are checked as the bytes arrive, and a later chunk declares it."""
    growing = size is None
    size = 0 if size is None else size
    if not isinstance(size, int) or size < 0:
        raise InvalidInput("size is a number of bytes", field="size")
    if size > limits.max_file_bytes:
        raise FileTooLarge(
            f"Files are limited to {limits.max_file_bytes} bytes; this one has {size}",
            limit=limits.max_file_bytes,
        )
    if limits.quota_bytes:
        used = workspace_usage(tx, actor.workspace_id)
        if used + size > limits.quota_bytes:
            raise QuotaExceeded(
                f"The workspace holds {used} of its {limits.quota_bytes} bytes; "
                f"{size} more do not fit",
                quota=limits.quota_bytes,
                used=used,
            )
    values = {
        "workspace_id": actor.workspace_id,
        "member_id": actor.member_id,
        "filename": clean_filename(filename),
        "size": size,
        "expected_sha256": _check_sha(sha256),
        "state": GROWING if growing else OPEN,
        "sha256": None,
        "stored_size": None,
        "content_type": None,
        "kind": None,
        "width": None,
        "height": None,
        "duration_ms": None,
        "created_at": tx.now,
        "expires_at": tx.now + timedelta(hours=limits.session_hours),
    }
    upload_id = tx.insert(uploads, **values)
    _schedule_expiry(tx, actor.workspace_id, upload_id, values["expires_at"])
    return upload_view({**values, "id": upload_id})


def room_to_grow(tx: Tx, actor: Actor, upload_id: int, received: int, limits: Limits) -> int:
    """How many more bytes an upload of unknown length may take, past the ``received``
    ones: up to the file size limit and what is left of the workspace's quota.
    Refused with ``file_too_large`` or ``quota_exceeded`` when none."""
    row = upload_row(tx.conn, actor, upload_id)
    room = limits.max_file_bytes - received
    if room <= 0:
        raise FileTooLarge(
            f"Files are limited to {limits.max_file_bytes} bytes", limit=limits.max_file_bytes
        )
    if limits.quota_bytes:
        used = workspace_usage(tx, actor.workspace_id) - int(row["size"]) + received
        left = limits.quota_bytes - used
        if left <= 0:
            raise QuotaExceeded(
                f"The workspace holds {used} of its {limits.quota_bytes} bytes",
                quota=limits.quota_bytes,
                used=used,
            )
        room = min(room, left)
    return room


def record_growth(tx: Tx, actor: Actor, upload_id: int, received: int) -> None:
    """Count the bytes an upload of unknown length holds so far against the quota."""
    upload_row(tx.conn, actor, upload_id)
    tx.conn.execute(
        update(uploads)
        .where(uploads.c.id == upload_id, uploads.c.state == GROWING)
        .values(size=received)
    )


def declare_length(
    tx: Tx, actor: Actor, upload_id: int, length: int, received: int, limits: Limits
) -> dict[str, Any]:
    """Fix the length of an upload that had none (``received`` bytes are in): it
    becomes an ordinary open upload, which the chunk reaching ``length`` completes."""
    row = upload_row(tx.conn, actor, upload_id)
    if row["state"] != GROWING:
        if row["size"] != length:
            raise InvalidInput("Upload-Length differs from the upload's", field="Upload-Length")
        return dict(row)
    if length < received:
        raise InvalidInput(
            f"Upload-Length is less than the {received} bytes received", field="Upload-Length"
        )
    room = room_to_grow(tx, actor, upload_id, received, limits) if length > received else 0
    if length - received > room:
        if length > limits.max_file_bytes:
            raise FileTooLarge(
                f"Files are limited to {limits.max_file_bytes} bytes; this one has {length}",
                limit=limits.max_file_bytes,
            )
        raise QuotaExceeded(
            f"{length - received} more bytes do not fit in the workspace's quota",
            quota=limits.quota_bytes,
            used=workspace_usage(tx, actor.workspace_id),
        )
    tx.conn.execute(
        update(uploads)
        .where(uploads.c.id == upload_id, uploads.c.state == GROWING)
        .values(size=length, state=OPEN)
    )
    return {**row, "size": length, "state": OPEN}


def _schedule_expiry(tx: Tx, workspace_id: int, upload_id: int, when: Any) -> None:
    jobs.enqueue(
        tx,
        EXPIRE,
        when,
        {"upload_id": upload_id},
        workspace_id=workspace_id,
        dedupe_key=f"upload:{upload_id}:expire:{when.isoformat()}",
    )


def upload_row(conn: Connection, actor: Actor, upload_id: int) -> Mapping[Any, Any]:
    """The actor's own upload; others' uploads are not found."""
    row = (
        conn.execute(
            select(uploads).where(
                uploads.c.id == upload_id,
                uploads.c.member_id == actor.member_id,
                uploads.c.workspace_id == actor.workspace_id,
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such upload")
    return row


def finish_upload(
    tx: Tx, actor: Actor, upload_id: int, done: Finished, staged: Path
) -> dict[str, Any]:
    """Record the checked bytes. Runs after they were put in the store; should a
    concurrent purge have removed equal bytes meanwhile, they are put back from
    ``staged`` right after commit."""
    row = upload_row(tx.conn, actor, upload_id)
    if row["state"] != OPEN:
        return upload_view(row)
    if row["expires_at"] <= tx.now:
        raise Gone("The upload expired")
    changes = {
        "state": COMPLETE,
        "sha256": done.sha256,
        "stored_size": done.size,
        "content_type": done.content_type,
        "kind": done.kind,
        "width": done.width,
        "height": done.height,
        "duration_ms": done.duration_ms,
    }
    claimed = tx.conn.execute(
        update(uploads).where(uploads.c.id == upload_id, uploads.c.state == OPEN).values(**changes)
    )
    if claimed.rowcount != 1:
        raise Gone("The upload is no longer open")
    store = store_for(tx.conn.engine)
    if store is not None:
        tx.after_commit(lambda: store.put_file(done.sha256, staged))
    if done.kind == Kind.IMAGE:
        jobs.enqueue(
            tx,
            THUMBNAIL,
            tx.now,
            {"sha256": done.sha256, "made": list(done.thumbnail) if done.thumbnail else None},
            workspace_id=actor.workspace_id,
            dedupe_key=f"thumbnail:{done.sha256}:{upload_id}",
        )
    return upload_view({**row, **changes})


def cancel_upload(tx: Tx, actor: Actor, upload_id: int) -> None:
    row = upload_row(tx.conn, actor, upload_id)
    _drop(tx, row)


def _drop(tx: Tx, row: Mapping[Any, Any]) -> None:
    tx.conn.execute(delete(uploads).where(uploads.c.id == row["id"]))
    discard_staged(tx, row["id"])
    if row["sha256"]:
        release(tx, [row["sha256"]])


def expire_upload(tx: Tx, upload_id: int) -> bool:
    """The job at an upload's end: its row goes, and its bytes unless a message has
    them. A no-op if it is gone already or was given longer (a scheduled send)."""
    row = tx.conn.execute(select(uploads).where(uploads.c.id == upload_id)).mappings().first()
    if row is None or row["expires_at"] > tx.now:
        return False
    _drop(tx, row)
    return True


def keep_until(tx: Tx, row: Mapping[Any, Any], until: Any) -> None:
    """Keep an upload at least until ``until`` (a scheduled send attaches it then)."""
    if row["expires_at"] >= until:
        return
    tx.conn.execute(update(uploads).where(uploads.c.id == row["id"]).values(expires_at=until))
    _schedule_expiry(tx, row["workspace_id"], row["id"], until)
