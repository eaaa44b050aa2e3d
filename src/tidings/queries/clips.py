"""Reading what was made from a clip: its poster, its playable rendition, its
transcript, and where in a clip a search matched. Access is the file's own,
checked by the caller (``queries.files.readable_attachment``) at each request."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings.core.files import Kind
from tidings.errors import NotFound
from tidings.store.clips import DONE, NONE, POSTER, RENDITION, derived_digest, transcript_row
from tidings.store.clips import segments_of as stored_segments
from tidings.store.models import attachments, transcript_segments, transcripts

POSTER_PART, PLAYABLE_PART, TRANSCRIPT_PART = "poster", "playable", "transcript"
CLIP_PARTS = (POSTER_PART, PLAYABLE_PART)
POSTER_TYPE = "image/jpeg"
RENDITION_TYPES = {Kind.VIDEO: "video/mp4", Kind.AUDIO: "audio/mp4"}


def clip_part(conn: Connection, row: Mapping[str, Any], part: str) -> tuple[str, int, str, str]:
    """The poster (video only) or the playable bytes: the rendition, or the original
    when browsers play it as it is (or nothing was made yet); as (digest, size or -1,
    content type, file name)."""
    if row["kind"] not in Kind.CLIPS:
        raise NotFound("This file is not a clip")
    stem = row["filename"].rsplit(".", 1)[0]
    if part == POSTER_PART:
        poster = derived_digest(conn, row["sha256"], POSTER)
        if poster is None:
            raise NotFound("This clip has no poster")
        return poster, -1, POSTER_TYPE, f"{stem}-poster.jpg"
    rendition = derived_digest(conn, row["sha256"], RENDITION)
    if rendition is None:
        return row["sha256"], row["size"], row["content_type"], row["filename"]
    return rendition, -1, RENDITION_TYPES[row["kind"]], f"{stem}.mp4"


def transcript_view(conn: Connection, row: Mapping[str, Any]) -> dict[str, Any]:
    """The clip's transcript as the API shows it; state "none" when there is none."""
    found = transcript_row(conn, row["sha256"]) if row["kind"] in Kind.CLIPS else None
    if found is None:
        return {"state": NONE, "engine": "", "language": "", "text": "", "segments": []}
    done = found["state"] == DONE
    return {
        "state": found["state"],
        "engine": found["engine"],
        "language": found["language"],
        "text": found["text"] if done else "",
        "segments": stored_segments(conn, row["sha256"]) if done else [],
    }


_WORD = re.compile(r"\w+", re.UNICODE)


def spoken_matches(
    conn: Connection, message_ids: Iterable[int], words: Iterable[str]
) -> dict[int, tuple[int, int]]:
    """Per message, the first clip (file id) whose transcript has a segment saying one
    of ``words``, and where that segment starts."""
    wanted = {w.lower() for phrase in words for w in _WORD.findall(phrase)}
    ids = sorted(set(message_ids))
    if not wanted or not ids:
        return {}
    rows = conn.execute(
        select(
            attachments.c.message_id,
            attachments.c.id,
            transcript_segments.c.start_ms,
            transcript_segments.c.text,
        )
        .select_from(
            attachments.join(transcripts, transcripts.c.source_sha256 == attachments.c.sha256).join(
                transcript_segments,
                transcript_segments.c.source_sha256 == attachments.c.sha256,
            )
        )
        .where(attachments.c.message_id.in_(ids), transcripts.c.state == DONE)
        .order_by(
            attachments.c.message_id,
            attachments.c.position,
            attachments.c.id,
            transcript_segments.c.position,
        )
    )
    found: dict[int, tuple[int, int]] = {}
    for message_id, file_id, start_ms, text in rows:
        if message_id not in found and _says(text, wanted):
            found[message_id] = (file_id, start_ms)
    return found


def _says(text: str, wanted: set[str]) -> bool:
    # A word in the query matches a spoken word it begins (as stemming would let
    # "budget" find "budgets"), or equals.
    spoken = {w.lower() for w in _WORD.findall(text)}
    return any(s.startswith(w) for s in spoken for w in wanted)
