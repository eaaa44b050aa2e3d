"""Topics: titled threads inside a channel, created with their first message."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from tidings import views
from tidings.actions.messages import check_body, post_message
from tidings.actions.places import Place, topic_place
from tidings.core import names
from tidings.core.permissions import require_manage_channel, require_start_topic
from tidings.core.roles import Actor
from tidings.errors import AlreadyExists, Forbidden, InvalidInput
from tidings.store.lookups import channel_facts, topic_row
from tidings.store.models import topics
from tidings.store.tx import CHANNEL, Tx


def _existing(tx: Tx, channel_id: int, key: str, other_than: int | None = None) -> int | None:
    query = select(topics.c.id).where(topics.c.channel_id == channel_id, topics.c.title_key == key)
    if other_than is not None:
        query = query.where(topics.c.id != other_than)
    return tx.conn.execute(query).scalar()


def create_topic(
    tx: Tx, actor: Actor, channel_id: int, *, title: str, body: str, **fields: Any
) -> dict[str, Any]:
    """A new topic with its first message. Titles are unique per channel, ignoring case."""
    facts = channel_facts(tx.conn, actor, channel_id)
    require_start_topic(actor, facts)
    title = names.topic_title(title)
    check_body(body, fields.get("max_length", 20_000), files=bool(fields.get("attachments")))
    key = names.title_key(title)
    existing = _existing(tx, channel_id, key)
    if existing is not None:
        raise AlreadyExists(f'A topic "{title}" exists in this channel already', topic_id=existing)
    values = {
        "workspace_id": actor.workspace_id,
        "channel_id": channel_id,
        "title": title,
        "title_key": key,
        "is_resolved": False,
        "created_by": actor.member_id,
        "created_at": tx.now,
        "last_message_id": None,
        "last_message_at": None,
        "message_count": 0,
    }
    topic_id = tx.insert(topics, **values)
    topic = views.topic({**values, "id": topic_id})
    tx.emit(actor.workspace_id, "topic.created", topic, audience=CHANNEL, channel_id=channel_id)
    place = Place(actor.workspace_id, channel=facts, topic_id=topic_id)
    message = post_message(tx, actor, place, body=body, first_in_topic=True, title=title, **fields)
    topic = views.topic(topic_row(tx.conn, actor.workspace_id, topic_id))
    return {**topic, "first_message": message}


def _change(tx: Tx, actor: Actor, topic_id: int, type_: str, **values: Any) -> dict[str, Any]:
    place, row = topic_place(tx, actor, topic_id, posting=False)
    assert place.channel is not None
    tx.conn.execute(update(topics).where(topics.c.id == topic_id).values(**values))
    view = views.topic({**row, **values})
    tx.emit(actor.workspace_id, type_, view, audience=CHANNEL, channel_id=place.channel.id)
    return view


def rename_topic(tx: Tx, actor: Actor, topic_id: int, title: str) -> dict[str, Any]:
    """The topic's creator, the channel's manager or an admin may rename it."""
    place, row = topic_place(tx, actor, topic_id, posting=True)
    assert place.channel is not None
    if row["created_by"] != actor.member_id:
        try:
            require_manage_channel(actor, place.channel)
        except Forbidden:
            raise Forbidden(
                "Only the topic's creator or the channel's manager may rename it"
            ) from None
    title = names.topic_title(title)
    key = names.title_key(title)
    if _existing(tx, row["channel_id"], key, other_than=topic_id) is not None:
        raise AlreadyExists(f'A topic "{title}" exists in this channel already')
    return _change(tx, actor, topic_id, "topic.renamed", title=title, title_key=key)


def set_resolved(tx: Tx, actor: Actor, topic_id: int, resolved: bool) -> dict[str, Any]:
    """Any member who may post in the channel may resolve or reopen a topic."""
    topic_place(tx, actor, topic_id, posting=True)
    type_ = "topic.resolved" if resolved else "topic.unresolved"
    return _change(tx, actor, topic_id, type_, is_resolved=resolved)


def change_topic(
    tx: Tx,
    actor: Actor,
    topic_id: int,
    *,
    title: str | None = None,
    is_resolved: bool | None = None,
) -> dict[str, Any]:
    """Apply a partial change: a new title, resolving or reopening, or both."""
    if title is None and is_resolved is None:
        raise InvalidInput("Give a title or is_resolved to change")
    result: dict[str, Any] = {}
    if title is not None:
        result = rename_topic(tx, actor, topic_id, title)
    if is_resolved is not None:
        result = set_resolved(tx, actor, topic_id, is_resolved)
    return result
