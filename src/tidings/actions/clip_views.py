"""Recording how far a reader got in a clip. Players report often (every few
seconds while playing, on pause, at the end), so a report is one read of the
viewer's row and one write; the summary is computed and sent only when it
changes: a viewer's first start or first finish."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update

from tidings.actions.expectations import settle_by_watching
from tidings.actions.places import place_of_message
from tidings.core.clips import checked_position, reached_end, require_clip
from tidings.core.roles import Actor
from tidings.queries.clip_views import progress_view, summaries
from tidings.queries.files import readable_attachment
from tidings.store.lookups import message_row
from tidings.store.models import clip_views
from tidings.store.tx import Tx

VIEWS_EVENT = "file.views"


def _current(tx: Tx, file_id: int, member_id: int) -> Any:
    return (
        tx.conn.execute(
            select(clip_views).where(
                clip_views.c.attachment_id == file_id, clip_views.c.member_id == member_id
            )
        )
        .mappings()
        .first()
    )


def _store(
    tx: Tx, actor: Actor, file_id: int, before: Mapping[str, Any] | None, values: dict[str, Any]
) -> None:
    if before is None:
        tx.conn.execute(
            clip_views.insert().values(
                attachment_id=file_id,
                member_id=actor.member_id,
                workspace_id=actor.workspace_id,
                started_at=tx.now,
                **values,
            )
        )
        return
    tx.conn.execute(
        update(clip_views)
        .where(clip_views.c.attachment_id == file_id, clip_views.c.member_id == actor.member_id)
        .values(**values)
    )


def record_progress(
    tx: Tx, actor: Actor, file_id: int, position_ms: int, *, ended: bool = False
) -> dict[str, Any]:
    """Where the reader is in the clip (where to resume), how far they got, and
    whether they reached the end (which, once reached, stays). A reader's first
    start or first finish updates the clip's summary for everyone who may read its
    message (``file.views``); finishing also meets the replies they owed on that
    message, as if they had replied. The author's own viewing counts for neither."""
    row = readable_attachment(tx.conn, actor, file_id)
    require_clip(row["kind"])
    position = checked_position(position_ms, row["duration_ms"])
    before = _current(tx, file_id, actor.member_id)
    furthest = max(position, before["furthest_ms"] if before else 0)
    completed_at = before["completed_at"] if before else None
    first_finish = completed_at is None and reached_end(furthest, row["duration_ms"], ended)
    if first_finish:
        completed_at = tx.now
    values = {
        "last_watched_at": tx.now,
        "position_ms": position,
        "furthest_ms": furthest,
        "completed_at": completed_at,
    }
    _store(tx, actor, file_id, before, values)
    if actor.member_id != row["uploader_id"] and (before is None or first_finish):
        _announce(tx, actor, row, finished=first_finish)
    return progress_view(values)


def _announce(tx: Tx, actor: Actor, row: Mapping[str, Any], *, finished: bool) -> None:
    message = message_row(tx.conn, actor.workspace_id, row["message_id"])
    place = place_of_message(tx, actor, message)
    summary = summaries(tx.conn, [row["id"]])[row["id"]]
    place.emit(
        tx, VIEWS_EVENT, {"id": row["id"], "message_id": row["message_id"], "views": summary}
    )
    if finished:
        settle_by_watching(tx, actor, row["message_id"])
