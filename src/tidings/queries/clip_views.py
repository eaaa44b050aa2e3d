"""Who watched a clip: the summary each reader sees ("watched by 5 of 8 · 3
finished"), the reader's own progress, and the per-viewer list.

The audience of a clip is everyone who may read its message now, except its
author; a viewer counts only while they are in that audience, so the summary
never says more people watched than could. Summaries for a page of messages take
one query, and the reader's own progress one more, whatever the page holds."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from tidings import views
from tidings.core.clips import is_clip, require_clip
from tidings.core.roles import Actor, Role
from tidings.queries.files import readable_attachment
from tidings.store.models import (
    attachments,
    channel_members,
    channels,
    clip_views,
    conversation_members,
    members,
    messages,
)

EMPTY = {"watched": 0, "finished": 0, "audience": 0}


def _reads(member: Any, message: Any) -> ColumnElement[bool]:
    """True where ``member`` may read ``message`` now (``store.access`` for one member,
    turned around: here the member varies)."""
    in_conversation = exists(
        select(conversation_members.c.member_id).where(
            conversation_members.c.conversation_id == message.c.conversation_id,
            conversation_members.c.member_id == member.c.id,
        )
    )
    in_channel = exists(
        select(channel_members.c.member_id).where(
            channel_members.c.channel_id == message.c.channel_id,
            channel_members.c.member_id == member.c.id,
        )
    )
    public = exists(
        select(channels.c.id).where(
            channels.c.id == message.c.channel_id, channels.c.is_private.is_(False)
        )
    )
    return or_(
        in_conversation,
        and_(
            message.c.channel_id.is_not(None),
            or_(in_channel, and_(member.c.role != Role.GUEST.value, public)),
        ),
    )


def summaries(conn: Connection, file_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """{watched, finished, audience} of each clip, in one query."""
    ids = sorted(set(file_ids))
    if not ids:
        return {}
    seen = clip_views.alias("seen")
    query = (
        select(
            attachments.c.id,
            func.count(members.c.id).label("audience"),
            func.count(seen.c.member_id).label("watched"),
            func.count(seen.c.completed_at).label("finished"),
        )
        .select_from(
            attachments.join(messages, messages.c.id == attachments.c.message_id)
            .join(
                members,
                and_(
                    members.c.workspace_id == messages.c.workspace_id,
                    members.c.is_active.is_(True),
                    members.c.id != messages.c.author_id,
                ),
            )
            .outerjoin(
                seen,
                and_(seen.c.attachment_id == attachments.c.id, seen.c.member_id == members.c.id),
            )
        )
        .where(attachments.c.id.in_(ids), _reads(members, messages))
        .group_by(attachments.c.id)
    )
    found = {file_id: dict(EMPTY) for file_id in ids}
    for row in conn.execute(query):
        found[row.id] = {
            "watched": row.watched,
            "finished": row.finished,
            "audience": row.audience,
        }
    return found


def progress_of(conn: Connection, member_id: int, file_ids: Iterable[int]) -> dict[int, Any]:
    ids = sorted(set(file_ids))
    if not ids:
        return {}
    rows = conn.execute(
        select(clip_views).where(
            clip_views.c.member_id == member_id, clip_views.c.attachment_id.in_(ids)
        )
    ).mappings()
    return {row["attachment_id"]: progress_view(row) for row in rows}


def progress_view(row: Mapping[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"position_ms": 0, "furthest_ms": 0, "completed": False}
    return {
        "position_ms": row["position_ms"],
        "furthest_ms": row["furthest_ms"],
        "completed": row["completed_at"] is not None,
    }


def _name_pinned_clips(conn: Connection, shown: list[dict[str, Any]]) -> None:
    """A comment at a moment names its clip's file (``clip_filename``), for its chip."""
    pinned = [m for m in shown if m.get("clip_file_id") is not None]
    if not pinned:
        return
    ids = {m["clip_file_id"] for m in pinned}
    names = dict(
        conn.execute(
            select(attachments.c.id, attachments.c.filename).where(attachments.c.id.in_(ids))
        ).all()
    )
    for m in pinned:
        m["clip_filename"] = names.get(m["clip_file_id"])


def with_clip_views(
    conn: Connection, actor: Actor, shown: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Add ``views`` and ``my_progress`` to the clips of these message views, and the
    clip's file name to comments at a moment (in place)."""
    _name_pinned_clips(conn, shown)
    clips = [f for m in shown for f in m.get("attachments", ()) if is_clip(f["kind"])]
    if not clips:
        return shown
    ids = [f["id"] for f in clips]
    counts = summaries(conn, ids)
    mine = progress_of(conn, actor.member_id, ids)
    for f in clips:
        f["views"] = counts.get(f["id"], dict(EMPTY))
        f["my_progress"] = mine.get(f["id"]) or progress_view(None)
    return shown


def _may_list_viewers(conn: Connection, actor: Actor, message: Mapping[str, Any]) -> bool:
    """The author, and the members of the channel (in a conversation, its participants:
    everyone who reads it is one). Those who merely may read a public channel see the
    counts, not the names."""
    if actor.member_id == message["author_id"] or message["conversation_id"] is not None:
        return True
    found = conn.execute(
        select(channel_members.c.member_id).where(
            channel_members.c.channel_id == message["channel_id"],
            channel_members.c.member_id == actor.member_id,
        )
    ).first()
    return found is not None


def _viewer_rows(conn: Connection, file_id: int, message_id: int) -> list[dict[str, Any]]:
    query = (
        select(clip_views)
        .select_from(
            clip_views.join(members, members.c.id == clip_views.c.member_id).join(
                messages, messages.c.id == message_id
            )
        )
        .where(
            clip_views.c.attachment_id == file_id,
            members.c.is_active.is_(True),
            members.c.id != messages.c.author_id,
            _reads(members, messages),
        )
        .order_by(clip_views.c.started_at, clip_views.c.member_id)
    )
    return [
        {
            "member_id": row["member_id"],
            "started_at": views.iso(row["started_at"]),
            "last_watched_at": views.iso(row["last_watched_at"]),
            "furthest_ms": row["furthest_ms"],
            "completed_at": views.iso(row["completed_at"]),
        }
        for row in conn.execute(query).mappings()
    ]


def file_views(conn: Connection, actor: Actor, file_id: int) -> dict[str, Any]:
    """The clip's summary for any reader, with the per-viewer list (``viewers``) for
    the author and the channel's members; None for other readers."""
    row = readable_attachment(conn, actor, file_id)
    require_clip(row["kind"])
    message = (
        conn.execute(select(messages).where(messages.c.id == row["message_id"])).mappings().one()
    )
    listed = _may_list_viewers(conn, actor, message)
    return {
        "file_id": file_id,
        "message_id": row["message_id"],
        **summaries(conn, [file_id])[file_id],
        "my_progress": progress_of(conn, actor.member_id, [file_id]).get(file_id)
        or progress_view(None),
        "viewers": _viewer_rows(conn, file_id, row["message_id"]) if listed else None,
    }
