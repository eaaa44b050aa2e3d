"""Read state: last-read pointers per topic and conversation. They only move forward."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tidings.actions.expiry import expire_when_read
from tidings.actions.places import conversation_place, place_of_message, topic_place
from tidings.core.permissions import require_read_channel
from tidings.core.roles import Actor
from tidings.store.lookups import channel_facts, message_row
from tidings.store.models import (
    channel_members,
    conversation_members,
    conversation_reads,
    conversations,
    topic_reads,
    topics,
)
from tidings.store.tx import MEMBERS, Tx
from tidings.store.upsert import raise_pointer


def _topic_pointer(tx: Tx, actor: Actor, topic_id: int, message_id: int) -> None:
    raise_pointer(
        tx.conn,
        topic_reads,
        {"member_id": actor.member_id, "topic_id": topic_id, "last_read_id": message_id},
        ["member_id", "topic_id"],
        "last_read_id",
    )


def _conversation_pointer(tx: Tx, actor: Actor, conversation_id: int, message_id: int) -> None:
    raise_pointer(
        tx.conn,
        conversation_reads,
        {
            "member_id": actor.member_id,
            "conversation_id": conversation_id,
            "last_read_id": message_id,
        },
        ["member_id", "conversation_id"],
        "last_read_id",
    )


def _announce(tx: Tx, actor: Actor, payload: dict[str, Any]) -> dict[str, Any]:
    tx.emit(
        actor.workspace_id, "read.updated", payload, audience=MEMBERS, member_ids=[actor.member_id]
    )
    return payload


def mark_message_read(tx: Tx, actor: Actor, message_id: int) -> dict[str, Any]:
    """Everything up to and including this message in its topic or conversation is read."""
    row = message_row(tx.conn, actor.workspace_id, message_id)
    place = place_of_message(tx, actor, row)
    if place.topic_id is not None:
        _topic_pointer(tx, actor, place.topic_id, message_id)
        expire_when_read(tx, actor.workspace_id, topic_ids=[place.topic_id])
    else:
        _conversation_pointer(tx, actor, row["conversation_id"], message_id)
        expire_when_read(tx, actor.workspace_id, conversation_ids=[row["conversation_id"]])
    return _announce(tx, actor, {**place.columns, "up_to": message_id})


def mark_topic_read(tx: Tx, actor: Actor, topic_id: int) -> dict[str, Any]:
    _, row = topic_place(tx, actor, topic_id, posting=False)
    if row["last_message_id"]:
        _topic_pointer(tx, actor, topic_id, row["last_message_id"])
        expire_when_read(tx, actor.workspace_id, topic_ids=[topic_id])
    return _announce(tx, actor, {"topic_id": topic_id, "up_to": row["last_message_id"]})


def mark_conversation_read(tx: Tx, actor: Actor, conversation_id: int) -> dict[str, Any]:
    conversation_place(tx, actor, conversation_id)
    last = tx.conn.execute(
        select(conversations.c.last_message_id).where(conversations.c.id == conversation_id)
    ).scalar()
    if last:
        _conversation_pointer(tx, actor, conversation_id, last)
        expire_when_read(tx, actor.workspace_id, conversation_ids=[conversation_id])
    return _announce(tx, actor, {"conversation_id": conversation_id, "up_to": last})


def mark_channel_read(tx: Tx, actor: Actor, channel_id: int) -> dict[str, Any]:
    require_read_channel(actor, channel_facts(tx.conn, actor, channel_id))
    rows = tx.conn.execute(
        select(topics.c.id, topics.c.last_message_id).where(
            topics.c.channel_id == channel_id, topics.c.last_message_id.is_not(None)
        )
    ).all()
    for row in rows:
        _topic_pointer(tx, actor, row.id, row.last_message_id)
    expire_when_read(tx, actor.workspace_id, topic_ids=[row.id for row in rows])
    return _announce(tx, actor, {"channel_id": channel_id, "topics": len(rows)})


def mark_all_read(tx: Tx, actor: Actor) -> dict[str, Any]:
    """Every topic in the member's channels and every conversation of theirs."""
    topic_rows = tx.conn.execute(
        select(topics.c.id, topics.c.last_message_id)
        .join(channel_members, channel_members.c.channel_id == topics.c.channel_id)
        .where(
            channel_members.c.member_id == actor.member_id,
            topics.c.last_message_id.is_not(None),
        )
    ).all()
    for row in topic_rows:
        _topic_pointer(tx, actor, row.id, row.last_message_id)
    conversation_rows = tx.conn.execute(
        select(conversations.c.id, conversations.c.last_message_id)
        .join(conversation_members)
        .where(
            conversation_members.c.member_id == actor.member_id,
            conversations.c.last_message_id.is_not(None),
        )
    ).all()
    for row in conversation_rows:
        _conversation_pointer(tx, actor, row.id, row.last_message_id)
    expire_when_read(
        tx,
        actor.workspace_id,
        topic_ids=[row.id for row in topic_rows],
        conversation_ids=[row.id for row in conversation_rows],
    )
    return _announce(
        tx, actor, {"all": True, "topics": len(topic_rows), "conversations": len(conversation_rows)}
    )
