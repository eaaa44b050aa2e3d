"""The link previews of messages, for the views that show those messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings import views
from tidings.store.models import link_previews


def previews_of(conn: Connection, message_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The previews of these messages, each message's in the order of its links."""
    by_message: dict[int, list[dict[str, Any]]] = {}
    if not message_ids:
        return by_message
    found = conn.execute(
        select(link_previews)
        .where(link_previews.c.message_id.in_(message_ids))
        .order_by(link_previews.c.message_id, link_previews.c.position)
    ).mappings()
    for item in found:
        by_message.setdefault(item["message_id"], []).append(views.link_preview(item))
    return by_message
