"""A member's notifications, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from tidings.core.roles import Actor
from tidings.queries.paging import check_limit, decode, page
from tidings.store.access import readable_message_id
from tidings.store.models import notifications
from tidings.views import notification as view


def about_readable(actor: Actor) -> ColumnElement[bool]:
    """Notifications about a message show only while the member may still read it."""
    return or_(
        notifications.c.message_id.is_(None),
        readable_message_id(actor, notifications.c.message_id),
    )


def list_notifications(
    conn: Connection,
    actor: Actor,
    *,
    delivered: bool = True,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """Delivered ones by default; ``delivered=False`` lists those held or in the digest,
    each with the reason it is waiting."""
    limit = check_limit(limit)
    query = (
        select(notifications)
        .where(notifications.c.member_id == actor.member_id, about_readable(actor))
        .order_by(notifications.c.id.desc())
        .limit(limit + 1)
    )
    if delivered:
        query = query.where(notifications.c.delivered_at.is_not(None))
    else:
        query = query.where(notifications.c.delivered_at.is_(None))
    before = decode(cursor)
    if before is not None:
        query = query.where(notifications.c.id < before)
    return page([view(row) for row in conn.execute(query).mappings()], limit)
