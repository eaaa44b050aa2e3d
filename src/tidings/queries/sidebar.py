"""What the web UI's sidebar shows: joined channels and conversations with unread
counts, the Inbox totals, the event-log head the page's live stream starts from, and
the member's own status and count of replies owed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from tidings import views
from tidings.core.availability import AVAILABLE, Status
from tidings.core.expectations import UNSETTLED
from tidings.core.roles import Actor
from tidings.queries.channels import list_channels
from tidings.queries.inbox import inbox
from tidings.queries.messages import list_conversations
from tidings.store.models import expectations, member_availability, members, workspaces


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


def standing(conn: Connection, actor: Actor, now: datetime) -> dict[str, Any]:
    """My status as it reads at ``now`` and how many replies I owe, in one read: every
    page's sidebar shows both."""
    owed = (
        select(func.count())
        .where(
            expectations.c.workspace_id == actor.workspace_id,
            expectations.c.debtor_id == actor.member_id,
            expectations.c.state.in_(UNSETTLED),
        )
        .scalar_subquery()
    )
    row = conn.execute(
        select(
            owed.label("owed"),
            member_availability.c.status,
            member_availability.c.status_until,
            member_availability.c.status_text,
        )
        .select_from(members)
        .outerjoin(member_availability, member_availability.c.member_id == members.c.id)
        .where(members.c.id == actor.member_id)
    ).one()
    status = Status(row.status or AVAILABLE, None, row.status_until, row.status_text or "")
    state = status.at(now)
    shown = state != AVAILABLE
    return {
        "owed_count": int(row.owed),
        "my_status": {
            "state": state,
            "until": views.iso(status.until) if shown else None,
            "text": status.text if shown else "",
        },
    }
