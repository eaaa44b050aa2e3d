"""Who may read a message or topic now, as SQL: the one filter that every query
showing a message or a topic applies, whatever joined it in (an expectation, a
Later mark, a notification, a digest). It states in SQL what
``core.permissions.can_read_channel`` states for one channel: a channel's
messages are readable by its members, and by every non-guest when it is public;
a conversation's by its participants. Access is always the current one, so a
member removed from a channel stops seeing what they had bookmarked or owed
there, old and new text alike.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, false, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from tidings.core.roles import Actor, Role
from tidings.store.models import channel_members, channels, conversation_members, members, messages


def visible_channel_ids(actor: Actor) -> Any:
    """A subquery of the channel ids this member may read."""
    mine = select(channel_members.c.channel_id).where(
        channel_members.c.member_id == actor.member_id
    )
    public = false() if actor.is_guest else channels.c.is_private.is_(False)
    return select(channels.c.id).where(
        channels.c.workspace_id == actor.workspace_id, or_(public, channels.c.id.in_(mine))
    )


def conversation_ids(actor: Actor) -> Any:
    """A subquery of the conversations this member takes part in."""
    return select(conversation_members.c.conversation_id).where(
        conversation_members.c.member_id == actor.member_id
    )


def readable_message(actor: Actor, table: Any = messages) -> ColumnElement[bool]:
    """True for rows of ``table`` (messages, or an alias of it) the member may read now."""
    return or_(
        table.c.channel_id.in_(visible_channel_ids(actor)),
        table.c.conversation_id.in_(conversation_ids(actor)),
    )


def readable_message_id(actor: Actor, column: Any) -> ColumnElement[bool]:
    """True where ``column`` (a message id in another table) names a message the
    member may read now."""
    seen = messages.alias("readable")
    return exists(select(seen.c.id).where(seen.c.id == column, readable_message(actor, seen)))


def readable_topic(actor: Actor, topic_channel_id: Any) -> ColumnElement[bool]:
    return topic_channel_id.in_(visible_channel_ids(actor))  # type: ignore[no-any-return]


def actor_of(conn: Connection, member_id: int) -> Actor | None:
    """The member as an actor, for work done on their behalf later (jobs); None once
    they are deactivated or gone."""
    row = conn.execute(
        select(members.c.id, members.c.workspace_id, members.c.role, members.c.handle).where(
            members.c.id == member_id, members.c.is_active.is_(True)
        )
    ).first()
    if row is None:
        return None
    return Actor(row.id, row.workspace_id, Role(row.role), row.handle)


def may_read_message(conn: Connection, member_id: int, message_id: int) -> bool:
    """Whether the member may read the message now: asked by jobs when they fire."""
    actor = actor_of(conn, member_id)
    if actor is None:
        return False
    found = conn.execute(
        select(messages.c.id).where(messages.c.id == message_id, readable_message(actor))
    ).first()
    return found is not None
