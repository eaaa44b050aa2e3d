"""Channels and their topics, as the member may see them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from tidings import views
from tidings.core import names
from tidings.core.permissions import require_read_channel
from tidings.core.roles import Actor
from tidings.errors import NotFound
from tidings.queries.paging import check_limit, decode, page
from tidings.store.access import visible_channel_ids
from tidings.store.lookups import channel_facts
from tidings.store.models import (
    channel_members,
    channel_responders,
    channels,
    members,
    messages,
    topic_reads,
    topic_subscriptions,
    topics,
    user_group_members,
)


def read_pointer(last_read_id: Any, read_floor: Any) -> Any:
    """The later of a topic's read pointer and the channel's read floor, else 0.

    The floor is the newest message when the member joined; a pointer left from
    reading a public channel before joining must not bring that history back."""
    later = case((last_read_id > read_floor, last_read_id), else_=read_floor)
    return func.coalesce(later, last_read_id, 0)


def list_channels(
    conn: Connection, actor: Actor, include_archived: bool = False
) -> list[dict[str, Any]]:
    membership = channel_members.alias("mine")
    query = (
        select(channels, membership.c.member_id.label("me"), membership.c.is_muted)
        .select_from(
            channels.outerjoin(
                membership,
                and_(
                    membership.c.channel_id == channels.c.id,
                    membership.c.member_id == actor.member_id,
                ),
            )
        )
        .where(channels.c.id.in_(visible_channel_ids(actor)))
        .order_by(channels.c.name)
    )
    if not include_archived:
        query = query.where(channels.c.is_archived.is_(False))
    return [
        {
            **views.channel(row, is_member=row["me"] is not None),
            "is_muted": bool(row["is_muted"]),
        }
        for row in conn.execute(query).mappings()
    ]


def get_channel(conn: Connection, actor: Actor, channel_id: int) -> dict[str, Any]:
    facts = channel_facts(conn, actor, channel_id)
    require_read_channel(actor, facts)
    row = conn.execute(select(channels).where(channels.c.id == channel_id)).mappings().one()
    count = conn.execute(
        select(func.count()).where(channel_members.c.channel_id == channel_id)
    ).scalar_one()
    return {**views.channel(row, is_member=facts.is_member), "member_count": count}


def is_channel_muted(conn: Connection, actor: Actor, channel_id: int) -> bool:
    return bool(
        conn.execute(
            select(channel_members.c.is_muted).where(
                channel_members.c.channel_id == channel_id,
                channel_members.c.member_id == actor.member_id,
            )
        ).scalar()
    )


def channel_member_ids(conn: Connection, actor: Actor, channel_id: int) -> list[dict[str, Any]]:
    require_read_channel(actor, channel_facts(conn, actor, channel_id))
    rows = conn.execute(
        select(channel_members.c.member_id, channel_members.c.can_post_topics)
        .where(channel_members.c.channel_id == channel_id)
        .order_by(channel_members.c.member_id)
    ).all()
    return [{"member_id": r.member_id, "can_post_topics": bool(r.can_post_topics)} for r in rows]


def list_topics(
    conn: Connection,
    actor: Actor,
    channel_id: int,
    *,
    title: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """Topics by latest activity, with the member's unread count and follow state."""
    facts = channel_facts(conn, actor, channel_id)
    require_read_channel(actor, facts)
    limit = check_limit(limit)
    read = topic_reads.alias("r")
    sub = topic_subscriptions.alias("s")
    floor = (
        select(channel_members.c.read_floor)
        .where(
            channel_members.c.channel_id == channel_id,
            channel_members.c.member_id == actor.member_id,
        )
        .scalar_subquery()
    )
    pointer = read_pointer(read.c.last_read_id, floor)
    unread = (
        select(func.count())
        .where(
            messages.c.topic_id == topics.c.id,
            messages.c.id > pointer,
            messages.c.author_id != actor.member_id,
            messages.c.deleted_at.is_(None),
        )
        .scalar_subquery()
    )
    activity = func.coalesce(topics.c.last_message_id, 0)
    query = (
        select(topics, sub.c.state, unread.label("unread"))
        .select_from(
            topics.outerjoin(
                read, and_(read.c.topic_id == topics.c.id, read.c.member_id == actor.member_id)
            ).outerjoin(
                sub, and_(sub.c.topic_id == topics.c.id, sub.c.member_id == actor.member_id)
            )
        )
        .where(topics.c.channel_id == channel_id)
        .order_by(activity.desc(), topics.c.id.desc())
        .limit(limit + 1)
    )
    if title is not None:
        query = query.where(topics.c.title_key == names.title_key(title))
    after = decode(cursor)
    if after is not None:
        query = query.where(activity < after)
    rows = conn.execute(query).mappings().all()
    items = [
        {**views.topic(row), "unread": row["unread"], "subscription": row["state"] or "none"}
        for row in rows
    ]
    return page(items, limit, lambda topic: int(topic["last_message_id"] or 0))


def get_topic(conn: Connection, actor: Actor, topic_id: int) -> dict[str, Any]:
    row = (
        conn.execute(
            select(topics).where(
                topics.c.id == topic_id, topics.c.workspace_id == actor.workspace_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such topic")
    try:
        require_read_channel(actor, channel_facts(conn, actor, row["channel_id"]))
    except NotFound:
        raise NotFound("No such topic") from None
    state = conn.execute(
        select(topic_subscriptions.c.state).where(
            topic_subscriptions.c.topic_id == topic_id,
            topic_subscriptions.c.member_id == actor.member_id,
        )
    ).scalar()
    return {**views.topic(row), "subscription": state or "none"}


def responder_ids(conn: Connection, channel_id: int) -> set[int]:
    """The channel's responders now: named members plus the members of named groups,
    as long as they are active members of the channel."""
    rows = conn.execute(
        select(channel_responders.c.member_id, channel_responders.c.group_id).where(
            channel_responders.c.channel_id == channel_id
        )
    ).all()
    ids = {r.member_id for r in rows if r.member_id is not None}
    groups = [r.group_id for r in rows if r.group_id is not None]
    if groups:
        ids |= set(
            conn.execute(
                select(user_group_members.c.member_id).where(
                    user_group_members.c.group_id.in_(groups)
                )
            ).scalars()
        )
    in_channel = set(
        conn.execute(
            select(channel_members.c.member_id)
            .join(members, members.c.id == channel_members.c.member_id)
            .where(channel_members.c.channel_id == channel_id, members.c.is_active.is_(True))
        ).scalars()
    )
    return ids & in_channel
