"""The Inbox: unread topics and conversations, mentions first, then priority, then age.

Cost grows with what the member has unread, not with history: the scan starts
at each read pointer and only topics whose last message is past it qualify.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Connection

from tidings import views
from tidings.core.roles import Actor
from tidings.queries.channels import read_pointer
from tidings.store.models import (
    channel_members,
    channels,
    conversation_members,
    conversation_reads,
    conversations,
    mentions,
    messages,
    topic_reads,
    topic_subscriptions,
    topics,
)

PRIORITY_RANK = case(
    (messages.c.priority == "urgent", 2), (messages.c.priority == "high", 1), else_=0
)
PRIORITY_NAME = {0: "normal", 1: "high", 2: "urgent"}


def _unread_columns() -> tuple[list[Any], Any]:
    mention = mentions.alias("mn")
    return [
        func.count(messages.c.id).label("unread"),
        func.count(mention.c.member_id).label("mentions"),
        func.max(PRIORITY_RANK).label("priority"),
        func.min(messages.c.created_at).label("oldest_unread_at"),
        func.min(messages.c.id).label("first_unread_id"),
    ], mention


def _unread_join(pointer: Any, actor: Actor, mention: Any) -> tuple[Any, Any]:
    on_message = and_(
        messages.c.id > pointer,
        messages.c.author_id != actor.member_id,
        messages.c.deleted_at.is_(None),
    )
    on_mention = and_(mention.c.message_id == messages.c.id, mention.c.member_id == actor.member_id)
    return on_message, on_mention


def _topic_rows(conn: Connection, actor: Actor) -> list[Any]:
    read = topic_reads.alias("r")
    sub = topic_subscriptions.alias("s")
    pointer = read_pointer(read.c.last_read_id, channel_members.c.read_floor)
    columns, mention = _unread_columns()
    on_message, on_mention = _unread_join(pointer, actor, mention)
    query = (
        select(
            topics.c.id,
            topics.c.title,
            channels.c.id.label("channel_id"),
            channels.c.name.label("channel_name"),
            *columns,
        )
        .select_from(
            topics.join(channels, channels.c.id == topics.c.channel_id)
            .join(
                channel_members,
                and_(
                    channel_members.c.channel_id == topics.c.channel_id,
                    channel_members.c.member_id == actor.member_id,
                ),
            )
            .outerjoin(
                read, and_(read.c.topic_id == topics.c.id, read.c.member_id == actor.member_id)
            )
            .outerjoin(sub, and_(sub.c.topic_id == topics.c.id, sub.c.member_id == actor.member_id))
            .join(messages, and_(messages.c.topic_id == topics.c.id, on_message))
            .outerjoin(mention, on_mention)
        )
        .where(
            topics.c.last_message_id > pointer,
            func.coalesce(sub.c.state, "none") != "muted",
        )
        .group_by(
            topics.c.id, topics.c.title, channels.c.id, channels.c.name, channel_members.c.is_muted
        )
        # A muted channel stays out unless the member is mentioned in it.
        .having(or_(channel_members.c.is_muted.is_(False), columns[1] > 0))
    )
    return conn.execute(query).mappings().all()


def _conversation_rows(conn: Connection, actor: Actor) -> list[Any]:
    read = conversation_reads.alias("r")
    pointer = func.coalesce(read.c.last_read_id, 0)
    columns, mention = _unread_columns()
    on_message, on_mention = _unread_join(pointer, actor, mention)
    query = (
        select(conversations.c.id, *columns)
        .select_from(
            conversations.join(
                conversation_members,
                and_(
                    conversation_members.c.conversation_id == conversations.c.id,
                    conversation_members.c.member_id == actor.member_id,
                ),
            )
            .outerjoin(
                read,
                and_(
                    read.c.conversation_id == conversations.c.id,
                    read.c.member_id == actor.member_id,
                ),
            )
            .join(messages, and_(messages.c.conversation_id == conversations.c.id, on_message))
            .outerjoin(mention, on_mention)
        )
        .where(conversations.c.last_message_id > pointer)
        .group_by(conversations.c.id)
    )
    return conn.execute(query).mappings().all()


def _entry(kind: str, row: Any) -> dict[str, Any]:
    entry = {
        "kind": kind,
        "unread": row["unread"],
        "mentions": row["mentions"],
        "priority": PRIORITY_NAME[row["priority"] or 0],
        "oldest_unread_at": views.iso(row["oldest_unread_at"]),
        "first_unread_id": row["first_unread_id"],
    }
    if kind == "topic":
        entry.update(
            topic_id=row["id"],
            title=row["title"],
            channel_id=row["channel_id"],
            channel_name=row["channel_name"],
        )
    else:
        entry["conversation_id"] = row["id"]
    return entry


def inbox(conn: Connection, actor: Actor) -> dict[str, Any]:
    entries = [_entry("topic", row) for row in _topic_rows(conn, actor)]
    entries += [_entry("conversation", row) for row in _conversation_rows(conn, actor)]
    rank = {"urgent": 2, "high": 1, "normal": 0}
    # Message ids grow with time, so the first unread id orders by age exactly.
    entries.sort(key=lambda e: (e["mentions"] == 0, -rank[e["priority"]], e["first_unread_id"]))
    return {
        "items": entries,
        "total_unread": sum(e["unread"] for e in entries),
        "total_mentions": sum(e["mentions"] for e in entries),
    }
