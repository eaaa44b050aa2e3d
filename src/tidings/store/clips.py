"""What was made from a clip's bytes: its poster, its playable rendition and its
transcript, all by the media's digest, so equal files share them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from tidings.store.models import attachments, derived_files, transcript_segments, transcripts

POSTER = "poster"
RENDITION = "rendition"
PENDING, READY, FAILED = "pending", "ready", "failed"
DONE, NONE = "done", "none"  # transcript states besides pending and failed


@dataclass(frozen=True)
class ClipFacts:
    has_poster: bool = False
    has_rendition: bool = False
    transcript: str = NONE


def clip_facts(conn: Connection, digests: Iterable[str]) -> dict[str, ClipFacts]:
    """Per media digest, what has been made from it; digests with nothing are left out."""
    wanted = sorted(set(digests))
    if not wanted:
        return {}
    made: dict[str, set[str]] = {}
    rows = conn.execute(
        select(derived_files.c.source_sha256, derived_files.c.kind).where(
            derived_files.c.source_sha256.in_(wanted),
            derived_files.c.kind.in_([POSTER, RENDITION]),
            derived_files.c.sha256.is_not(None),
        )
    )
    for digest, kind in rows:
        made.setdefault(digest, set()).add(kind)
    states = dict(
        conn.execute(
            select(transcripts.c.source_sha256, transcripts.c.state).where(
                transcripts.c.source_sha256.in_(wanted)
            )
        ).all()
    )
    return {
        digest: ClipFacts(
            POSTER in made.get(digest, ()),
            RENDITION in made.get(digest, ()),
            states.get(digest, NONE),
        )
        for digest in set(made) | set(states)
    }


def derived_digest(conn: Connection, digest: str, kind: str) -> str | None:
    found = conn.execute(
        select(derived_files.c.sha256).where(
            derived_files.c.source_sha256 == digest, derived_files.c.kind == kind
        )
    ).scalar()
    return found or None


def transcript_row(conn: Connection, digest: str) -> Mapping[str, Any] | None:
    return (
        conn.execute(select(transcripts).where(transcripts.c.source_sha256 == digest))
        .mappings()
        .first()
    )


def segments_of(conn: Connection, digest: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(
            transcript_segments.c.start_ms,
            transcript_segments.c.end_ms,
            transcript_segments.c.text,
        )
        .where(transcript_segments.c.source_sha256 == digest)
        .order_by(transcript_segments.c.position)
    )
    return [{"start_ms": start, "end_ms": end, "text": text} for start, end, text in rows]


def transcripts_of_messages(conn: Connection, message_ids: Iterable[int]) -> dict[int, list[str]]:
    """The finished transcripts' text of each message's clips, in attachment order."""
    ids = sorted(set(message_ids))
    if not ids:
        return {}
    rows = conn.execute(
        select(attachments.c.message_id, transcripts.c.text)
        .select_from(
            attachments.join(transcripts, transcripts.c.source_sha256 == attachments.c.sha256)
        )
        .where(attachments.c.message_id.in_(ids), transcripts.c.state == DONE)
        .order_by(attachments.c.message_id, attachments.c.position, attachments.c.id)
    )
    found: dict[int, list[str]] = {}
    for message_id, text in rows:
        if text:
            found.setdefault(message_id, []).append(text)
    return found


def forget_transcripts(conn: Connection, digests: Iterable[str]) -> None:
    """Delete the transcripts (and their segments) of media whose bytes go."""
    gone = sorted(set(digests))
    if gone:
        conn.execute(
            delete(transcript_segments).where(transcript_segments.c.source_sha256.in_(gone))
        )
        conn.execute(delete(transcripts).where(transcripts.c.source_sha256.in_(gone)))
