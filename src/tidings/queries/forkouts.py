"""Forkouts and, per recipient, whether the message was delivered, read and replied to."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from tidings import views
from tidings.core.roles import Actor
from tidings.errors import NotFound
from tidings.store.models import (
    conversation_reads,
    forkout_recipients,
    forkouts,
    messages,
    notifications,
)


def forkout_status(conn: Connection, actor: Actor, forkout_id: int) -> dict[str, Any]:
    """Only its author sees a forkout; to anyone else it does not exist."""
    row = (
        conn.execute(
            select(forkouts).where(
                forkouts.c.id == forkout_id,
                forkouts.c.workspace_id == actor.workspace_id,
                forkouts.c.author_id == actor.member_id,
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such forkout")
    reply = (
        select(func.min(messages.c.id))
        .where(
            messages.c.conversation_id == forkout_recipients.c.conversation_id,
            messages.c.author_id == forkout_recipients.c.member_id,
            messages.c.id > forkout_recipients.c.message_id,
            messages.c.deleted_at.is_(None),
        )
        .scalar_subquery()
    )
    notified = (
        select(func.min(notifications.c.delivered_at))
        .where(
            notifications.c.member_id == forkout_recipients.c.member_id,
            notifications.c.message_id == forkout_recipients.c.message_id,
        )
        .scalar_subquery()
    )
    rows = conn.execute(
        select(
            forkout_recipients,
            conversation_reads.c.last_read_id,
            reply.label("replied"),
            notified.label("notified_at"),
        )
        .outerjoin(
            conversation_reads,
            and_(
                conversation_reads.c.conversation_id == forkout_recipients.c.conversation_id,
                conversation_reads.c.member_id == forkout_recipients.c.member_id,
            ),
        )
        .where(forkout_recipients.c.forkout_id == forkout_id)
        .order_by(forkout_recipients.c.member_id)
    ).mappings()
    recipients = [
        {
            "member_id": r["member_id"],
            "conversation_id": r["conversation_id"],
            "message_id": r["message_id"],
            "notified_at": views.iso(r["notified_at"]),
            "read": r["last_read_id"] is not None and r["last_read_id"] >= r["message_id"],
            "replied_message_id": r["replied"],
            "followup_message_id": r["followup_message_id"],
        }
        for r in rows
    ]
    return {
        "id": row["id"],
        "body": row["body"],
        "priority": row["priority"],
        "created_at": views.iso(row["created_at"]),
        "followed_up_at": views.iso(row["followed_up_at"]),
        "recipients": recipients,
        "replied": sum(1 for r in recipients if r["replied_message_id"] is not None),
        "read": sum(1 for r in recipients if r["read"]),
    }


def list_forkouts(conn: Connection, actor: Actor) -> list[dict[str, Any]]:
    ids = conn.execute(
        select(forkouts.c.id)
        .where(
            forkouts.c.workspace_id == actor.workspace_id, forkouts.c.author_id == actor.member_id
        )
        .order_by(forkouts.c.id.desc())
        .limit(100)
    ).scalars()
    return [forkout_status(conn, actor, forkout_id) for forkout_id in ids]
