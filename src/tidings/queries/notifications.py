"""A member's notifications, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings.core.roles import Actor
from tidings.queries.paging import check_limit, decode, page
from tidings.store.models import notifications
from tidings.views import notification as view


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
        .where(notifications.c.member_id == actor.member_id)
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
