"""The link previews of messages, for the views that show those messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings import views
from tidings.core.roles import Actor
from tidings.errors import NotFound
from tidings.store.lookups import require_message_access
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


def preview_image(conn: Connection, actor: Actor, message_id: int, position: int) -> str:
    """The digest of the image of the message's ``position``-th previewed link, if the
    actor may read the message now; NotFound for everyone else, as for a missing one."""
    try:
        message = require_message_access(conn, actor, message_id)
    except NotFound:
        raise NotFound("No such preview image") from None
    if message["deleted_at"] is not None or message["expired_at"] is not None:
        raise NotFound("No such preview image")
    digest = conn.execute(
        select(link_previews.c.image_sha256).where(
            link_previews.c.message_id == message_id, link_previews.c.position == position
        )
    ).scalar()
    if not digest:
        raise NotFound("No such preview image")
    return str(digest)
