"""The comments pinned to moments of a clip, as its reader may see them now."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings.core.clips import require_clip
from tidings.core.roles import Actor
from tidings.queries.files import readable_attachment
from tidings.queries.messages import _with_reactions
from tidings.store.access import readable_message
from tidings.store.models import messages

MAX_COMMENTS = 500


def clip_comments(conn: Connection, actor: Actor, file_id: int) -> dict[str, Any]:
    """Comments on the clip the reader may read, by moment then by time sent; deleted
    and expired ones are left out."""
    row = readable_attachment(conn, actor, file_id)
    require_clip(row["kind"])
    rows = (
        conn.execute(
            select(messages)
            .where(
                messages.c.clip_file_id == file_id,
                messages.c.workspace_id == actor.workspace_id,
                messages.c.deleted_at.is_(None),
                messages.c.expired_at.is_(None),
                readable_message(actor),
            )
            .order_by(messages.c.clip_at_ms, messages.c.id)
            .limit(MAX_COMMENTS)
        )
        .mappings()
        .all()
    )
    return {"items": _with_reactions(conn, list(rows), actor)}
