"""Voice notes and video clips after they are attached: the processing job's
outcome (duration, poster, playable rendition) and the transcript's.

Both jobs work by the media's digest, so equal files share what was made. The
slow part of each (ffmpeg, the speech engine) runs outside any transaction, in
the job's preparation step (``tidings.jobs.clips``); these functions record its
result in one short write transaction and tell the open pages."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select, update

from tidings.actions.blobs import release
from tidings.core.files import Kind
from tidings.media.setup import speech_for
from tidings.store import jobs
from tidings.store.clips import (
    FAILED,
    PENDING,
    POSTER,
    READY,
    RENDITION,
    transcript_row,
)
from tidings.store.file_refs import attachments_by_message
from tidings.store.lookups import conversation_member_ids
from tidings.store.models import attachments, derived_files, messages, transcripts
from tidings.store.tx import CHANNEL, MEMBERS, Tx
from tidings.store.upsert import insert_ignore, upsert

log = logging.getLogger(__name__)

PROCESS = "file.process"
TRANSCRIBE = "file.transcribe"
FILES_CHANGED = "message.files_changed"


def queue_processing(tx: Tx, workspace_id: int, message_id: int) -> None:
    """In the transaction that attaches them: a processing job for each of the
    message's clips still pending."""
    files = tx.conn.execute(
        select(attachments.c.id, attachments.c.sha256, attachments.c.kind).where(
            attachments.c.message_id == message_id, attachments.c.processing == PENDING
        )
    ).mappings()
    for file in files.all():
        jobs.enqueue(
            tx,
            PROCESS,
            tx.now,
            {"file_id": file["id"], "sha256": file["sha256"], "kind": file["kind"]},
            workspace_id=workspace_id,
        )


def record_processing(tx: Tx, digest: str, made: Mapping[str, Any]) -> int:
    """Record what the processing step made of the media ``digest``: ``made`` holds
    either ``failed`` (a reason) or ``duration_ms``, ``width``, ``height`` and the
    stored ``poster`` and ``rendition`` ([digest, width, height] or None). Every
    attachment of those bytes still pending becomes ready (or failed). Returns how
    many attachments changed."""
    pending = _pending_attachments(tx, digest)
    if pending:
        _mark(tx, digest, pending, made)
    # What this attempt stored and no row names now (the clip went meanwhile, or an
    # equal file's job recorded its own first) is deleted after commit.
    release(tx, [made[k][0] for k in (POSTER, RENDITION) if made.get(k)])
    return len(pending)


def _mark(tx: Tx, digest: str, pending: list[Any], made: Mapping[str, Any]) -> None:
    if made.get("failed"):
        log.warning("could not process the clip %s: %s", digest, made["failed"])
        changes: dict[str, Any] = {"processing": FAILED}
    else:
        _record_derived(tx, digest, made)
        duration = made.get("duration_ms") or _known_duration(tx, digest)
        changes = {"processing": READY, "duration_ms": duration}
        if made.get("width"):
            changes.update(width=made["width"], height=made["height"])
    ids = [row["id"] for row in pending]
    tx.conn.execute(update(attachments).where(attachments.c.id.in_(ids)).values(**changes))
    if made.get("has_video") is False:
        _sound_only(tx, ids)
    if not made.get("failed"):
        request_transcript(tx, digest, pending[0]["workspace_id"])
    announce(tx, {row["message_id"] for row in pending})


def _known_duration(tx: Tx, digest: str) -> int | None:
    """An equal file's duration, measured on its rendition when its header had none
    (as in MediaRecorder's WebM); this job found the rendition made and did not."""
    return tx.conn.execute(
        select(attachments.c.duration_ms)
        .where(attachments.c.sha256 == digest, attachments.c.duration_ms.is_not(None))
        .limit(1)
    ).scalar()


def _sound_only(tx: Tx, ids: list[int]) -> None:
    """A WebM or MP4 holding only sound (a voice note from a browser) looks like video
    by its first bytes; the probe knows better: it is audio, played as such."""
    rows = tx.conn.execute(
        select(attachments.c.id, attachments.c.content_type).where(
            attachments.c.id.in_(ids), attachments.c.kind == Kind.VIDEO
        )
    ).all()
    for file_id, content_type in rows:
        sound = "audio/" + content_type.split("/", 1)[1]
        tx.conn.execute(
            update(attachments)
            .where(attachments.c.id == file_id)
            .values(kind=Kind.AUDIO, content_type=sound, width=None, height=None)
        )


def _pending_attachments(tx: Tx, digest: str) -> list[Any]:
    return list(
        tx.conn.execute(
            select(attachments.c.id, attachments.c.message_id, attachments.c.workspace_id).where(
                attachments.c.sha256 == digest, attachments.c.processing == PENDING
            )
        )
        .mappings()
        .all()
    )


def _record_derived(tx: Tx, digest: str, made: Mapping[str, Any]) -> None:
    rows = [
        {
            "source_sha256": digest,
            "kind": kind,
            "sha256": made[kind][0],
            "width": made[kind][1],
            "height": made[kind][2],
            "created_at": tx.now,
        }
        for kind in (POSTER, RENDITION)
        if made.get(kind)
    ]
    if rows:
        insert_ignore(tx.conn, derived_files, rows, ["source_sha256", "kind"])


def request_transcript(tx: Tx, digest: str, workspace_id: int) -> bool:
    """Ask for the transcript of ``digest`` unless transcription is off on this node
    or it was asked for already (equal files share it)."""
    if speech_for(tx.conn.engine) is None or transcript_row(tx.conn, digest) is not None:
        return False
    upsert_transcript(tx, digest, {"state": PENDING})
    jobs.enqueue(
        tx,
        TRANSCRIBE,
        tx.now,
        {"sha256": digest},
        workspace_id=workspace_id,
        dedupe_key=f"transcribe:{digest}:{tx.now.isoformat()}",
        max_attempts=2,
    )
    return True


def upsert_transcript(tx: Tx, digest: str, values: Mapping[str, Any]) -> None:
    row = {
        "source_sha256": digest,
        "state": PENDING,
        "engine": "",
        "language": "",
        "text": "",
        "error": "",
        "created_at": tx.now,
        "finished_at": None,
        **values,
    }
    upsert(
        tx.conn,
        transcripts,
        row,
        ["source_sha256"],
        ["state", "engine", "language", "text", "error", "finished_at"],
    )


def announce(tx: Tx, message_ids: Iterable[int]) -> None:
    """``message.files_changed`` to the readers of each (live) message."""
    ids = sorted(set(message_ids))
    if not ids:
        return
    rows = tx.conn.execute(
        select(messages).where(
            messages.c.id.in_(ids), messages.c.deleted_at.is_(None), messages.c.expired_at.is_(None)
        )
    ).mappings()
    found = attachments_by_message(tx.conn, ids)
    for row in rows:
        payload = {"id": row["id"], "attachments": found.get(row["id"], [])}
        if row["channel_id"] is not None:
            tx.emit(
                row["workspace_id"],
                FILES_CHANGED,
                payload,
                audience=CHANNEL,
                channel_id=row["channel_id"],
            )
        else:
            readers = sorted(conversation_member_ids(tx.conn, row["conversation_id"]))
            tx.emit(
                row["workspace_id"], FILES_CHANGED, payload, audience=MEMBERS, member_ids=readers
            )
