"""Direct conversations: one-to-one and small groups."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from tidings import views
from tidings.core.roles import Actor
from tidings.errors import InvalidInput
from tidings.store.lookups import active_member_ids
from tidings.store.models import conversation_members, conversations
from tidings.store.tx import MEMBERS, Tx

MAX_PARTICIPANTS = 8


def open_conversation(tx: Tx, actor: Actor, member_ids: Iterable[int]) -> dict[str, Any]:
    """The conversation among exactly these people (you included), created if new."""
    ids = sorted({actor.member_id, *member_ids})
    if len(ids) > MAX_PARTICIPANTS:
        raise InvalidInput(
            f"A conversation has at most {MAX_PARTICIPANTS} people; use a private channel",
            field="member_ids",
        )
    active_member_ids(tx.conn, actor.workspace_id, ids)
    key = ",".join(map(str, ids))
    row = (
        tx.conn.execute(
            select(conversations).where(
                conversations.c.workspace_id == actor.workspace_id,
                conversations.c.member_key == key,
            )
        )
        .mappings()
        .first()
    )
    if row is not None:
        return {**views.conversation(row, ids), "created": False}
    values = {
        "workspace_id": actor.workspace_id,
        "member_key": key,
        "created_at": tx.now,
        "last_message_id": None,
        "last_message_at": None,
    }
    conversation_id = tx.insert(conversations, **values)
    tx.conn.execute(
        conversation_members.insert(),
        [{"conversation_id": conversation_id, "member_id": i} for i in ids],
    )
    view = views.conversation({**values, "id": conversation_id}, ids)
    tx.emit(actor.workspace_id, "conversation.created", view, audience=MEMBERS, member_ids=ids)
    return {**view, "created": True}
