"""Files on messages: attaching finished uploads, alt text, thumbnails, and
removing a message's files (on request when it is deleted; always when it expires)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select, update

from tidings.actions.blobs import release
from tidings.actions.clips import queue_processing
from tidings.actions.places import place_of_message
from tidings.actions.uploads import COMPLETE, THUMBNAIL, upload_row
from tidings.core.files import Kind, clean_alt_text
from tidings.core.permissions import require_edit_message
from tidings.core.roles import Actor
from tidings.errors import Gone, InvalidInput, NotFound, UploadIncomplete
from tidings.media.sniff import thumbnail
from tidings.store.blobs import store_for
from tidings.store.file_refs import THUMBNAIL as THUMBNAIL_KIND
from tidings.store.file_refs import attachments_by_message
from tidings.store.lookups import message_row
from tidings.store.models import attachments, derived_files, uploads
from tidings.store.tx import Tx
from tidings.store.upsert import insert_ignore

MAX_PER_MESSAGE = 10


def check_refs(refs: Iterable[Any]) -> list[dict[str, Any]]:
    """``[7, {"upload_id": 8, "alt_text": "…"}]`` as a list of dicts."""
    checked = []
    for ref in refs:
        if isinstance(ref, Mapping):
            item = dict(ref)
        elif isinstance(ref, int) and not isinstance(ref, bool):
            item = {"upload_id": ref}
        else:
            raise InvalidInput("An attachment is an upload id", field="attachments")
        if not isinstance(item.get("upload_id"), int):
            raise InvalidInput("An attachment names its upload_id", field="attachments")
        item["alt_text"] = clean_alt_text(item.get("alt_text") or "")
        checked.append(item)
    if len(checked) > MAX_PER_MESSAGE:
        raise InvalidInput(
            f"A message carries at most {MAX_PER_MESSAGE} files", field="attachments"
        )
    return checked


def finished_uploads(
    tx: Tx, actor: Actor, refs: Iterable[Mapping[Any, Any]]
) -> list[Mapping[Any, Any]]:
    """The actor's finished, unexpired uploads these refs name, in order."""
    rows = []
    for ref in refs:
        row = upload_row(tx.conn, actor, ref["upload_id"])
        if row["expires_at"] <= tx.now:
            raise Gone(f"Upload {row['id']} expired; upload the file again")
        if row["state"] != COMPLETE:
            raise UploadIncomplete(f"Upload {row['id']} is not complete yet", upload_id=row["id"])
        rows.append(row)
    return rows


def attach_uploads(
    tx: Tx, actor: Actor, message_id: int, refs: Iterable[Mapping[Any, Any]]
) -> list[dict[str, Any]]:
    """Put the files of finished uploads on a new message; each is a reference of
    its own to the stored bytes, so the message keeps them after the upload ends."""
    refs = list(refs)
    if not refs:  # most messages: nothing to attach, nothing to read back
        return []
    rows = finished_uploads(tx, actor, refs)
    values = [
        {
            "workspace_id": actor.workspace_id,
            "message_id": message_id,
            "upload_id": row["id"],
            "uploader_id": actor.member_id,
            "position": position,
            "sha256": row["sha256"],
            "size": row["stored_size"],
            "filename": row["filename"],
            "content_type": row["content_type"],
            "kind": row["kind"],
            "width": row["width"],
            "height": row["height"],
            "duration_ms": row["duration_ms"],
            "alt_text": ref["alt_text"],
            "created_at": tx.now,
            # A clip waits for its processing job (queued below, in this transaction).
            "processing": "pending" if row["kind"] in Kind.CLIPS else "ready",
        }
        for position, (row, ref) in enumerate(zip(rows, refs, strict=True))
    ]
    if values:
        tx.conn.execute(attachments.insert(), values)
        queue_processing(tx, actor.workspace_id, message_id)
    return attachments_by_message(tx.conn, [message_id]).get(message_id, [])


def filenames(tx: Tx, message_id: int) -> list[str]:
    return list(
        tx.conn.execute(
            select(attachments.c.filename)
            .where(attachments.c.message_id == message_id)
            .order_by(attachments.c.position)
        ).scalars()
    )


def attachment_row(tx: Tx, actor: Actor, file_id: int) -> Mapping[Any, Any]:
    row = (
        tx.conn.execute(
            select(attachments).where(
                attachments.c.id == file_id, attachments.c.workspace_id == actor.workspace_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such file")
    return row


def set_alt_text(tx: Tx, actor: Actor, file_id: int, alt_text: str) -> dict[str, Any]:
    """The message's author describes an image for those who cannot see it."""
    row = attachment_row(tx, actor, file_id)
    message = message_row(tx.conn, actor.workspace_id, row["message_id"])
    try:
        place = place_of_message(tx, actor, message)
    except NotFound:
        raise NotFound("No such file") from None
    require_edit_message(actor, message["author_id"])
    if message["expired_at"] is not None:
        raise Gone("The message expired")
    text = clean_alt_text(alt_text)
    tx.conn.execute(update(attachments).where(attachments.c.id == file_id).values(alt_text=text))
    found = attachments_by_message(tx.conn, [row["message_id"]])[row["message_id"]]
    view = next(item for item in found if item["id"] == file_id)
    place.emit(tx, "message.files_changed", {"id": row["message_id"], "attachments": found})
    return view


def remove_files(tx: Tx, message_ids: Iterable[int]) -> int:
    """Remove the files of these messages, the uploads they came from, and the bytes
    and thumbnails nothing else names. Returns how many files."""
    ids = sorted(set(message_ids))
    if not ids:
        return 0
    rows = (
        tx.conn.execute(
            select(attachments.c.sha256, attachments.c.upload_id).where(
                attachments.c.message_id.in_(ids)
            )
        )
        .mappings()
        .all()
    )
    if not rows:
        return 0
    tx.conn.execute(delete(attachments).where(attachments.c.message_id.in_(ids)))
    upload_ids = [r["upload_id"] for r in rows if r["upload_id"] is not None]
    if upload_ids:
        tx.conn.execute(delete(uploads).where(uploads.c.id.in_(upload_ids)))
    release(tx, [r["sha256"] for r in rows])
    return len(rows)


def make_thumbnail(tx: Tx, digest: str, made: list[Any] | None = None) -> bool:
    """The job after an image upload: record its thumbnail, once per distinct image.
    ``made`` is the one the upload made and stored off the writer; if it is missing
    (or its bytes are), the thumbnail is made here. A no-op if it exists, or if
    nothing names the image any more."""
    done = tx.conn.execute(
        select(derived_files.c.sha256).where(
            derived_files.c.source_sha256 == digest, derived_files.c.kind == THUMBNAIL_KIND
        )
    ).first()
    store = store_for(tx.conn.engine)
    if done is not None or store is None or not store.exists(digest):
        return False
    values: dict[str, Any] = {"sha256": None, "width": None, "height": None}
    if made and store.exists(made[0]):
        values = {"sha256": made[0], "width": made[1], "height": made[2]}
    else:
        fresh = thumbnail(b"".join(store.read(digest)))
        if fresh is not None:
            data, width, height = fresh
            values = {"sha256": store.put_bytes(data), "width": width, "height": height}
    insert_ignore(
        tx.conn,
        derived_files,
        [{"source_sha256": digest, "kind": THUMBNAIL_KIND, "created_at": tx.now, **values}],
        ["source_sha256", "kind"],
    )
    return values["sha256"] is not None


__all__ = ["THUMBNAIL", "attach_uploads", "make_thumbnail", "remove_files", "set_alt_text"]
