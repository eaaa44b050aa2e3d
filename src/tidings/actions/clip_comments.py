"""Comments pinned to a moment of a clip: ordinary messages that also name an audio
or video file in the same topic or conversation and a time in it."""

from __future__ import annotations

from typing import Any

from tidings.actions.places import Place
from tidings.core.clips import BadClipComment, check_moment, is_clip
from tidings.core.roles import Actor
from tidings.errors import NotFound
from tidings.queries.files import readable_attachment
from tidings.store.lookups import message_row
from tidings.store.tx import Tx

FIELD = "clip_file_id"


def check_clip_pin(
    tx: Tx, actor: Actor, place: Place, clip_file_id: int | None, clip_at_ms: int | None
) -> dict[str, Any]:
    """The message's ``clip_file_id`` and ``clip_at_ms`` columns: both or neither; the
    file a clip the author may read now, on a message in the same place; the moment
    within it when its length is known."""
    if clip_file_id is None and clip_at_ms is None:
        return {"clip_file_id": None, "clip_at_ms": None}
    if clip_file_id is None or clip_at_ms is None:
        raise BadClipComment("Give both clip_file_id and clip_at_ms, or neither", field=FIELD)
    try:
        row = readable_attachment(tx.conn, actor, clip_file_id)
    except NotFound:
        raise BadClipComment(f"No clip {clip_file_id} to comment on", field=FIELD) from None
    if not is_clip(row["kind"]):
        raise BadClipComment("Only audio and video files take comments at a moment", field=FIELD)
    carrier = message_row(tx.conn, actor.workspace_id, row["message_id"])
    here = {"topic_id": place.topic_id, "conversation_id": place.conversation_id}
    there = {"topic_id": carrier["topic_id"], "conversation_id": carrier["conversation_id"]}
    if here != there:
        raise BadClipComment(
            "A comment on a clip goes in the clip's own topic or conversation",
            field=FIELD,
        )
    moment = check_moment(clip_at_ms, row["duration_ms"])
    return {"clip_file_id": clip_file_id, "clip_at_ms": moment}
