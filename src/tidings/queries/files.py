"""Reading files: which stored bytes a member may fetch, and what a channel shared.

A file is reachable only through the message that carries it, so every fetch
asks the one access rule (``store.lookups.require_message_access``) about that
message, at the moment of the fetch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings.core.files import Kind, shown_inline
from tidings.core.permissions import require_read_channel
from tidings.core.roles import Actor, Role
from tidings.errors import NotFound
from tidings.queries.clips import CLIP_PARTS, clip_part, transcript_view
from tidings.queries.paging import check_limit, decode, page
from tidings.store.file_refs import THUMBNAIL, attachment_view, clip_facts_of
from tidings.store.lookups import channel_facts, require_message_access
from tidings.store.models import attachments, derived_files, members, messages


@dataclass(frozen=True)
class Served:
    """What to send for one download: which bytes, as what, under which name."""

    sha256: str
    size: int
    content_type: str
    filename: str
    inline: bool


def readable_attachment(conn: Connection, actor: Actor, file_id: int) -> Mapping[str, Any]:
    row = (
        conn.execute(
            select(attachments).where(
                attachments.c.id == file_id, attachments.c.workspace_id == actor.workspace_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such file")
    try:
        message = require_message_access(conn, actor, row["message_id"])
    except NotFound:
        raise NotFound("No such file") from None
    if message["expired_at"] is not None:
        raise NotFound("No such file")
    return row


def file_to_serve(conn: Connection, actor: Actor, file_id: int, part: str) -> Served:
    """The bytes of a file (``part`` "file") or of its thumbnail ("thumbnail"); an
    image without a thumbnail yet is served as itself. A clip's "poster" and
    "playable" parts are in ``queries.clips``."""
    row = readable_attachment(conn, actor, file_id)
    if part in CLIP_PARTS:
        return Served(*clip_part(conn, row, part), inline=True)
    if part == "file":
        inline = row["kind"] != Kind.FILE and shown_inline(row["content_type"])
        return Served(row["sha256"], row["size"], row["content_type"], row["filename"], inline)
    if row["kind"] != Kind.IMAGE:
        raise NotFound("This file has no thumbnail")
    thumb = conn.execute(
        select(derived_files.c.sha256).where(
            derived_files.c.source_sha256 == row["sha256"], derived_files.c.kind == THUMBNAIL
        )
    ).scalar()
    if not thumb:
        return Served(row["sha256"], row["size"], row["content_type"], row["filename"], True)
    stem = row["filename"].rsplit(".", 1)[0]
    return Served(thumb, -1, "image/webp", f"{stem}-thumbnail.webp", True)


def file_info(conn: Connection, actor: Actor, file_id: int) -> dict[str, Any]:
    row = readable_attachment(conn, actor, file_id)
    thumb = conn.execute(
        select(derived_files.c.sha256).where(
            derived_files.c.source_sha256 == row["sha256"], derived_files.c.kind == THUMBNAIL
        )
    ).scalar()
    return attachment_view(row, bool(thumb), clip_facts_of(conn, [row]).get(row["sha256"]))


def file_transcript(conn: Connection, actor: Actor, file_id: int) -> dict[str, Any]:
    return transcript_view(conn, readable_attachment(conn, actor, file_id))


def active_actor(conn: Connection, member_id: int) -> Actor:
    """The member a signed link was made for, as they are now."""
    row = conn.execute(select(members).where(members.c.id == member_id)).mappings().first()
    if row is None or not row["is_active"]:
        raise NotFound("No such file")
    return Actor(row["id"], row["workspace_id"], Role(row["role"]), row["handle"])


def channel_files(
    conn: Connection, actor: Actor, channel_id: int, *, cursor: str | None, limit: int
) -> dict[str, Any]:
    """Files shared in a channel, newest first."""
    require_read_channel(actor, channel_facts(conn, actor, channel_id))
    limit = check_limit(limit)
    thumb = derived_files.alias("thumb")
    query = (
        select(attachments, thumb.c.sha256.label("thumb_sha256"))
        .select_from(
            attachments.join(messages, messages.c.id == attachments.c.message_id).outerjoin(
                thumb,
                (thumb.c.source_sha256 == attachments.c.sha256) & (thumb.c.kind == THUMBNAIL),
            )
        )
        .where(
            messages.c.channel_id == channel_id,
            messages.c.workspace_id == actor.workspace_id,
            messages.c.expired_at.is_(None),
        )
        .order_by(attachments.c.id.desc())
        .limit(limit + 1)
    )
    before = decode(cursor)
    if before is not None:
        query = query.where(attachments.c.id < before)
    rows = conn.execute(query).mappings().all()
    clips = clip_facts_of(conn, rows)
    views = [attachment_view(r, bool(r["thumb_sha256"]), clips.get(r["sha256"])) for r in rows]
    return page(views, limit)
