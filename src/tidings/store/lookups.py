"""Fetches that actions and queries share, each scoped to one workspace."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.engine import Connection, RowMapping

from tidings.core.permissions import ChannelFacts, can_read_channel
from tidings.core.roles import Actor
from tidings.errors import InvalidInput, NotFound
from tidings.store.models import (
    channel_members,
    channels,
    conversation_members,
    members,
    messages,
    topics,
)

_FACT_COLUMNS = (
    channels.c.id,
    channels.c.workspace_id,
    channels.c.is_private,
    channels.c.is_archived,
    channels.c.kind,
    channels.c.created_by,
    channels.c.response_minutes,
    channels.c.allow_urgent,
    channels.c.urgent_budget,
    channel_members.c.member_id,
    channel_members.c.can_post_topics,
)
_WITH_MEMBERSHIP = channels.outerjoin(
    channel_members,
    and_(
        channel_members.c.channel_id == channels.c.id,
        channel_members.c.member_id == bindparam("member_id"),
    ),
)
_CHANNEL_FACTS = (
    select(*_FACT_COLUMNS)
    .select_from(_WITH_MEMBERSHIP)
    .where(channels.c.id == bindparam("channel_id"), channels.c.workspace_id == bindparam("ws"))
)
_TOPIC_COLUMNS = tuple(column.name for column in topics.c)
# A topic and its channel's facts in one statement (every message sent reads them).
_TOPIC_AND_CHANNEL = (
    select(topics, *(column.label(f"facts_{column.name}") for column in _FACT_COLUMNS))
    .select_from(topics.join(_WITH_MEMBERSHIP, channels.c.id == topics.c.channel_id))
    .where(topics.c.id == bindparam("id"), topics.c.workspace_id == bindparam("ws"))
)


def _facts(row: Any, prefix: str = "") -> ChannelFacts:
    return ChannelFacts(
        id=row[f"{prefix}id"],
        workspace_id=row[f"{prefix}workspace_id"],
        is_private=row[f"{prefix}is_private"],
        is_archived=row[f"{prefix}is_archived"],
        kind=row[f"{prefix}kind"],
        created_by=row[f"{prefix}created_by"],
        is_member=row[f"{prefix}member_id"] is not None,
        can_post_topics=bool(row[f"{prefix}can_post_topics"]),
        response_minutes=row[f"{prefix}response_minutes"],
        allow_urgent=bool(row[f"{prefix}allow_urgent"]),
        urgent_budget=row[f"{prefix}urgent_budget"],
    )


def channel_facts(conn: Connection, actor: Actor, channel_id: int) -> ChannelFacts:
    row = (
        conn.execute(
            _CHANNEL_FACTS,
            {"member_id": actor.member_id, "channel_id": channel_id, "ws": actor.workspace_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such channel")
    return _facts(row)


def topic_and_channel(
    conn: Connection, actor: Actor, topic_id: int
) -> tuple[dict[str, Any], ChannelFacts]:
    """The topic's row and its channel's facts as the actor sees them."""
    row = (
        conn.execute(
            _TOPIC_AND_CHANNEL,
            {"id": topic_id, "ws": actor.workspace_id, "member_id": actor.member_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such topic")
    return {name: row[name] for name in _TOPIC_COLUMNS}, _facts(row, "facts_")


def channel_id_by_name(conn: Connection, workspace_id: int, name: str) -> int:
    found = conn.execute(
        select(channels.c.id).where(
            channels.c.workspace_id == workspace_id, channels.c.name == name.lstrip("#").lower()
        )
    ).scalar()
    if found is None:
        raise NotFound(f'No channel named "#{name.lstrip("#")}"')
    return int(found)


_TOPIC = select(topics).where(
    topics.c.id == bindparam("id"), topics.c.workspace_id == bindparam("ws")
)


def topic_row(conn: Connection, workspace_id: int, topic_id: int) -> RowMapping:
    row = conn.execute(_TOPIC, {"id": topic_id, "ws": workspace_id}).mappings().first()
    if row is None:
        raise NotFound("No such topic")
    return row


def message_row(conn: Connection, workspace_id: int, message_id: int) -> RowMapping:
    row = (
        conn.execute(
            select(messages).where(
                messages.c.id == message_id, messages.c.workspace_id == workspace_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such message")
    return row


def member_row(conn: Connection, workspace_id: int, member_id: int) -> RowMapping:
    row = (
        conn.execute(
            select(members).where(members.c.id == member_id, members.c.workspace_id == workspace_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such member")
    return row


def is_conversation_member(conn: Connection, conversation_id: int, member_id: int) -> bool:
    return (
        conn.execute(
            select(conversation_members.c.member_id).where(
                conversation_members.c.conversation_id == conversation_id,
                conversation_members.c.member_id == member_id,
            )
        ).first()
        is not None
    )


def conversation_member_ids(conn: Connection, conversation_id: int) -> list[int]:
    return list(
        conn.execute(
            select(conversation_members.c.member_id).where(
                conversation_members.c.conversation_id == conversation_id
            )
        ).scalars()
    )


def require_message_access(conn: Connection, actor: Actor, message_id: int) -> RowMapping:
    """The message, if the actor may read where it lives; NotFound otherwise."""
    row = message_row(conn, actor.workspace_id, message_id)
    if row["conversation_id"] is not None:
        if not is_conversation_member(conn, row["conversation_id"], actor.member_id):
            raise NotFound("No such message")
    elif not can_read_channel(actor, channel_facts(conn, actor, row["channel_id"])):
        raise NotFound("No such message")
    return row


def active_member_ids(conn: Connection, workspace_id: int, ids: Iterable[int]) -> list[int]:
    """The given ids, sorted and deduplicated, if each is an active member of the workspace."""
    wanted = sorted(set(ids))
    found = set(
        conn.execute(
            select(members.c.id).where(
                members.c.workspace_id == workspace_id,
                members.c.id.in_(wanted),
                members.c.is_active.is_(True),
            )
        ).scalars()
    )
    missing = [i for i in wanted if i not in found]
    if missing:
        raise InvalidInput(f"No active member with id {missing[0]}", field="member_ids")
    return wanted
