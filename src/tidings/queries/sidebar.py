"""What the web UI's sidebar shows: joined channels and conversations with unread
counts, the Inbox totals, and the event-log head the page's live stream starts from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings.core.roles import Actor
from tidings.queries.channels import list_channels
from tidings.queries.inbox import inbox
from tidings.queries.messages import list_conversations
from tidings.store.models import workspaces


def event_head(conn: Connection, actor: Actor) -> int:
    return int(
        conn.execute(
            select(workspaces.c.event_seq).where(workspaces.c.id == actor.workspace_id)
        ).scalar_one()
    )


def sidebar(conn: Connection, actor: Actor) -> dict[str, Any]:
    # The head is read first: whatever commits after it reaches the page live.
    head = event_head(conn, actor)
    unread = inbox(conn, actor)
    by_channel: dict[int, dict[str, int]] = {}
    by_conversation: dict[int, dict[str, int]] = {}
    for item in unread["items"]:
        if item["kind"] == "topic":
            counts = by_channel.setdefault(item["channel_id"], {"unread": 0, "mentions": 0})
        else:
            counts = by_conversation.setdefault(
                item["conversation_id"], {"unread": 0, "mentions": 0}
            )
        counts["unread"] += item["unread"]
        counts["mentions"] += item["mentions"]
    none = {"unread": 0, "mentions": 0}
    channels = [
        {**channel, **by_channel.get(channel["id"], none)}
        for channel in list_channels(conn, actor)
        if channel["is_member"]
    ]
    conversations = [
        {**conversation, **by_conversation.get(conversation["id"], none)}
        for conversation in list_conversations(conn, actor)
    ]
    return {
        "event_head": head,
        "inbox": unread,
        "channels": channels,
        "conversations": conversations,
    }
