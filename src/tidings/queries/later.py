"""Reading a member's Later list and their scheduled messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from tidings import views
from tidings.core.roles import Actor
from tidings.errors import NotFound
from tidings.store.access import readable_message, readable_message_id
from tidings.store.models import (
    later_marks,
    messages,
    scheduled_messages,
    topics,
)

EXCERPT = 200
SHOWN = 200


def later_count(conn: Connection, actor: Actor) -> dict[str, int]:
    """For the sidebar: how many messages wait on the Later list, among those the
    member may still read."""
    count = conn.execute(
        select(func.count()).where(
            later_marks.c.member_id == actor.member_id,
            later_marks.c.cleared_at.is_(None),
            readable_message_id(actor, later_marks.c.message_id),
        )
    ).scalar_one()
    return {"later_count": int(count)}


def list_later(conn: Connection, actor: Actor) -> dict[str, Any]:
    """Active marks, soonest reminder first (those without one last), each with where
    its message is and the start of its text."""
    rows = (
        conn.execute(
            select(
                later_marks,
                messages.c.author_id,
                messages.c.channel_id,
                messages.c.topic_id,
                messages.c.conversation_id,
                messages.c.body,
                messages.c.deleted_at,
                topics.c.title.label("topic_title"),
            )
            .join(messages, messages.c.id == later_marks.c.message_id)
            .outerjoin(topics, topics.c.id == messages.c.topic_id)
            .where(
                later_marks.c.member_id == actor.member_id,
                later_marks.c.cleared_at.is_(None),
                readable_message(actor),
            )
            .order_by(later_marks.c.id)
            .limit(SHOWN)
        )
        .mappings()
        .all()
    )
    items = [
        {
            **views.later_mark(row),
            "author_id": row["author_id"],
            "channel_id": row["channel_id"],
            "topic_id": row["topic_id"],
            "topic_title": row["topic_title"],
            "conversation_id": row["conversation_id"],
            "excerpt": "" if row["deleted_at"] is not None else row["body"][:EXCERPT],
        }
        for row in rows
    ]
    items.sort(key=lambda item: (item["remind_at"] is None, item["remind_at"] or "", item["id"]))
    return {"items": items}


def list_scheduled(conn: Connection, actor: Actor, include_done: bool = False) -> dict[str, Any]:
    """The member's messages waiting to be sent, soonest first; with ``include_done``
    also those sent, cancelled or failed (newest first after the waiting ones)."""
    query = select(scheduled_messages).where(scheduled_messages.c.author_id == actor.member_id)
    if not include_done:
        query = query.where(scheduled_messages.c.state == "scheduled")
    rows = conn.execute(query.order_by(scheduled_messages.c.id.desc()).limit(SHOWN)).mappings()
    items = [views.scheduled_message(row) for row in rows]
    items.sort(key=lambda item: (item["state"] != "scheduled", item["send_at"]))
    return {"items": items}


def get_scheduled(conn: Connection, actor: Actor, scheduled_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            select(scheduled_messages).where(
                scheduled_messages.c.id == scheduled_id,
                scheduled_messages.c.author_id == actor.member_id,
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such scheduled message")
    return views.scheduled_message(row)
