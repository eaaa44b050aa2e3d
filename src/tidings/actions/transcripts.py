"""Recording a clip's transcript: what the engine heard, time-aligned, by the
media's digest; the clips' messages become findable by it."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select

from tidings.actions.attachments import filenames
from tidings.actions.clips import announce, upsert_transcript
from tidings.actions.messages import searchable
from tidings.core.markdown import ParsedBody
from tidings.store.clips import DONE, FAILED, NONE, transcript_row
from tidings.store.models import attachments, messages, transcript_segments
from tidings.store.search_index import reindex_message
from tidings.store.tx import Tx

log = logging.getLogger(__name__)
MAX_ERROR_CHARS = 300


def record_transcript(tx: Tx, digest: str, outcome: Mapping[str, Any]) -> bool:
    """Store the transcript the engine made (``segments``, ``engine``, ``language``)
    or why there is none (``failed``, or ``none`` for a clip without speech), index
    the clips' messages with it, and tell their readers. A no-op once the media's
    bytes are gone (its transcript row with them) or the transcript is done."""
    current = transcript_row(tx.conn, digest)
    if current is None or current["state"] == DONE:
        return False
    if outcome.get("failed") or outcome.get("none"):
        _record_missing(tx, digest, outcome)
        return False
    segments = [_segment(s) for s in outcome["segments"]]
    upsert_transcript(
        tx,
        digest,
        {
            "state": DONE,
            "engine": outcome["engine"],
            "language": outcome["language"],
            "text": " ".join(s["text"] for s in segments if s["text"]),
            "finished_at": tx.now,
        },
    )
    tx.conn.execute(
        transcript_segments.delete().where(transcript_segments.c.source_sha256 == digest)
    )
    if segments:
        rows = [{"source_sha256": digest, "position": i, **s} for i, s in enumerate(segments)]
        tx.conn.execute(transcript_segments.insert(), rows)
    message_ids = set(
        tx.conn.execute(
            select(attachments.c.message_id).where(attachments.c.sha256 == digest)
        ).scalars()
    )
    reindex_messages(tx, message_ids)
    announce(tx, message_ids)
    return True


def _record_missing(tx: Tx, digest: str, outcome: Mapping[str, Any]) -> None:
    state = FAILED if outcome.get("failed") else NONE
    reason = str(outcome.get("failed") or outcome.get("none"))[:MAX_ERROR_CHARS]
    if state == FAILED:
        log.warning("could not transcribe the clip %s: %s", digest, reason)
    upsert_transcript(tx, digest, {"state": state, "error": reason, "finished_at": tx.now})


def _segment(found: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "start_ms": int(found["start_ms"]),
        "end_ms": int(found["end_ms"]),
        "text": str(found["text"]),
    }


def reindex_messages(tx: Tx, message_ids: Iterable[int]) -> None:
    """Index these messages again (live ones only): body, file names, transcripts."""
    ids = sorted(set(message_ids))
    if not ids:
        return
    rows = tx.conn.execute(
        select(messages.c.id, messages.c.body).where(
            messages.c.id.in_(ids), messages.c.deleted_at.is_(None), messages.c.expired_at.is_(None)
        )
    )
    for message_id, body in rows.all():
        text = searchable(ParsedBody(body), filenames(tx, message_id))
        reindex_message(tx.conn, message_id, text)
