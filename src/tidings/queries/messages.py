"""Messages in a topic or conversation, one message, and its edit history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings import views
from tidings.core.roles import Actor
from tidings.errors import NotFound
from tidings.queries.channels import get_topic
from tidings.queries.clip_views import with_clip_views
from tidings.queries.link_previews import previews_of
from tidings.queries.paging import check_limit, decode, page
from tidings.store.file_refs import attachments_by_message
from tidings.store.lookups import is_conversation_member, require_message_access
from tidings.store.models import (
    conversation_members,
    conversations,
    message_edits,
    messages,
    reactions,
)


def _with_reactions(
    conn: Connection, rows: list[Any], actor: Actor | None = None
) -> list[dict[str, Any]]:
    """The views of these messages, with their reactions and link previews; for a
    reader (``actor``), also who watched their clips and where the reader is in them."""
    ids = [row["id"] for row in rows]
    by_message: dict[int, list[Any]] = {}
    if ids:
        found = conn.execute(
            select(reactions.c.message_id, reactions.c.emoji, reactions.c.member_id)
            .where(reactions.c.message_id.in_(ids))
            .order_by(reactions.c.created_at)
        ).mappings()
        for reaction in found:
            by_message.setdefault(reaction["message_id"], []).append(reaction)
    previews = previews_of(conn, ids)
    files = attachments_by_message(conn, ids)
    shown = [
        views.message(
            row,
            by_message.get(row["id"], []),
            files.get(row["id"], []),
            previews.get(row["id"], []),
        )
        for row in rows
    ]
    return shown if actor is None else with_clip_views(conn, actor, shown)


def _page(
    conn: Connection, actor: Actor, where: Any, cursor: str | None, limit: int, newest: bool
) -> dict[str, Any]:
    """Oldest first from ``cursor``; or, with ``newest``, the latest ``limit`` messages."""
    limit = check_limit(limit)
    query = select(messages).where(where)
    after = decode(cursor)
    if after is not None:
        query = query.where(messages.c.id > after)
    if newest and after is None:
        rows = conn.execute(query.order_by(messages.c.id.desc()).limit(limit)).mappings().all()
        return {"items": _with_reactions(conn, list(reversed(rows)), actor), "next_cursor": None}
    rows = conn.execute(query.order_by(messages.c.id).limit(limit + 1)).mappings().all()
    return page(_with_reactions(conn, list(rows), actor), limit)


def topic_messages(
    conn: Connection,
    actor: Actor,
    topic_id: int,
    *,
    cursor: str | None = None,
    limit: int = 100,
    newest: bool = False,
) -> dict[str, Any]:
    get_topic(conn, actor, topic_id)
    return _page(conn, actor, messages.c.topic_id == topic_id, cursor, limit, newest)


def conversation_messages(
    conn: Connection,
    actor: Actor,
    conversation_id: int,
    *,
    cursor: str | None = None,
    limit: int = 100,
    newest: bool = False,
) -> dict[str, Any]:
    if not is_conversation_member(conn, conversation_id, actor.member_id):
        raise NotFound("No such conversation")
    return _page(conn, actor, messages.c.conversation_id == conversation_id, cursor, limit, newest)


def get_message(conn: Connection, actor: Actor, message_id: int) -> dict[str, Any]:
    row = require_message_access(conn, actor, message_id)
    return _with_reactions(conn, [row], actor)[0]


def message_history(conn: Connection, actor: Actor, message_id: int) -> list[dict[str, Any]]:
    """Every version of the body, oldest first; the last is the current one."""
    row = require_message_access(conn, actor, message_id)
    edits = conn.execute(
        select(message_edits)
        .where(message_edits.c.message_id == message_id)
        .order_by(message_edits.c.id)
    ).mappings()
    versions = []
    written_at = row["created_at"]
    for edit in edits:
        versions.append({"body": edit["body"], "written_at": views.iso(written_at)})
        written_at = edit["replaced_at"]
    if row["deleted_at"] is None and row["expired_at"] is None:
        versions.append({"body": row["body"], "written_at": views.iso(written_at)})
    return versions


def list_conversations(conn: Connection, actor: Actor) -> list[dict[str, Any]]:
    mine = select(conversation_members.c.conversation_id).where(
        conversation_members.c.member_id == actor.member_id
    )
    rows = (
        conn.execute(
            select(conversations)
            .where(conversations.c.id.in_(mine))
            # NULLS LAST spelled out: PostgreSQL would put silent conversations first.
            .order_by(
                conversations.c.last_message_id.desc().nulls_last(), conversations.c.id.desc()
            )
        )
        .mappings()
        .all()
    )
    links = conn.execute(
        select(conversation_members).where(
            conversation_members.c.conversation_id.in_([r["id"] for r in rows])
        )
    ).all()
    by_conversation: dict[int, list[int]] = {}
    for link in links:
        by_conversation.setdefault(link.conversation_id, []).append(link.member_id)
    return [views.conversation(r, by_conversation.get(r["id"], [])) for r in rows]


def get_conversation(conn: Connection, actor: Actor, conversation_id: int) -> dict[str, Any]:
    if not is_conversation_member(conn, conversation_id, actor.member_id):
        raise NotFound("No such conversation")
    row = (
        conn.execute(select(conversations).where(conversations.c.id == conversation_id))
        .mappings()
        .one()
    )
    ids = conn.execute(
        select(conversation_members.c.member_id).where(
            conversation_members.c.conversation_id == conversation_id
        )
    ).scalars()
    return views.conversation(row, ids)
