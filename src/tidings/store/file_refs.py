"""Who refers to stored bytes: the rows that keep a digest alive, and the views of
attachments that go with messages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.engine import Connection

from tidings.core.files import Kind
from tidings.store.clips import DONE, ClipFacts, clip_facts
from tidings.store.models import attachments, derived_files, link_previews, uploads

THUMBNAIL = "thumbnail"


def referenced(conn: Connection, digests: Iterable[str]) -> set[str]:
    """Those of ``digests`` that some row still names."""
    wanted = sorted(set(digests))
    if not wanted:
        return set()
    named = union_all(
        select(uploads.c.sha256.label("d")).where(uploads.c.sha256.in_(wanted)),
        select(attachments.c.sha256.label("d")).where(attachments.c.sha256.in_(wanted)),
        select(derived_files.c.sha256.label("d")).where(derived_files.c.sha256.in_(wanted)),
        select(link_previews.c.image_sha256.label("d")).where(
            link_previews.c.image_sha256.in_(wanted)
        ),
    ).subquery()
    return {row for row in conn.execute(select(named.c.d).distinct()).scalars() if row}


def derived_of(conn: Connection, digests: Iterable[str]) -> list[Mapping[str, Any]]:
    wanted = sorted(set(digests))
    if not wanted:
        return []
    return list(
        conn.execute(select(derived_files).where(derived_files.c.source_sha256.in_(wanted)))
        .mappings()
        .all()
    )


def attachment_view(
    row: Mapping[str, Any], has_thumbnail: bool, clip: ClipFacts | None = None
) -> dict[str, Any]:
    url = f"/api/v1/files/{row['id']}"
    return {
        "id": row["id"],
        "message_id": row["message_id"],
        "filename": row["filename"],
        "size": row["size"],
        "content_type": row["content_type"],
        "kind": row["kind"],
        "width": row["width"],
        "height": row["height"],
        "duration_ms": row["duration_ms"],
        "alt_text": row["alt_text"],
        "url": url,
        "thumbnail_url": f"{url}/thumbnail" if row["kind"] == Kind.IMAGE else None,
        "has_thumbnail": has_thumbnail,
        **clip_view(row, url, clip or ClipFacts()),
    }


def clip_view(row: Mapping[str, Any], url: str, clip: ClipFacts) -> dict[str, Any]:
    """A clip's processing state and the links to what was made from it."""
    is_clip = row["kind"] in Kind.CLIPS
    done = is_clip and clip.transcript == DONE
    return {
        "processing": row["processing"],
        "poster_url": f"{url}/poster" if is_clip and clip.has_poster else None,
        "playable_url": f"{url}/playable" if is_clip else None,
        "has_transcript": done,
        "transcript_url": f"{url}/transcript" if done else None,
    }


def clip_facts_of(conn: Connection, rows: Iterable[Mapping[str, Any]]) -> dict[str, ClipFacts]:
    return clip_facts(conn, (r["sha256"] for r in rows if r["kind"] in Kind.CLIPS))


def attachments_by_message(
    conn: Connection, message_ids: Iterable[int]
) -> dict[int, list[dict[str, Any]]]:
    ids = sorted(set(message_ids))
    if not ids:
        return {}
    thumb = derived_files.alias("thumb")
    query = (
        select(attachments, func.coalesce(thumb.c.sha256, "").label("thumb_sha256"))
        .select_from(
            attachments.outerjoin(
                thumb,
                (thumb.c.source_sha256 == attachments.c.sha256) & (thumb.c.kind == THUMBNAIL),
            )
        )
        .where(attachments.c.message_id.in_(ids))
        .order_by(attachments.c.message_id, attachments.c.position, attachments.c.id)
    )
    found: dict[int, list[dict[str, Any]]] = {}
    rows = conn.execute(query).mappings().all()
    clips = clip_facts_of(conn, rows)
    for row in rows:
        found.setdefault(row["message_id"], []).append(
            attachment_view(row, bool(row["thumb_sha256"]), clips.get(row["sha256"]))
        )
    return found
