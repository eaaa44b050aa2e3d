"""Reactions: the way to say "got it" without a message."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from tidings.actions.expectations import settle_by_reaction
from tidings.actions.places import place_of_message
from tidings.core import names
from tidings.core.roles import Actor
from tidings.errors import Gone
from tidings.store.lookups import message_row
from tidings.store.models import reactions
from tidings.store.tx import Tx
from tidings.store.upsert import insert_ignore


def _target(tx: Tx, actor: Actor, message_id: int) -> Any:
    row = message_row(tx.conn, actor.workspace_id, message_id)
    place = place_of_message(tx, actor, row)
    if row["deleted_at"] is not None:
        raise Gone("The message was deleted")
    if row["expired_at"] is not None:
        raise Gone("The message expired")
    return place


def _payload(actor: Actor, message_id: int, emoji: str, place: Any) -> dict[str, Any]:
    return {"message_id": message_id, "member_id": actor.member_id, "emoji": emoji, **place.columns}


def add_reaction(tx: Tx, actor: Actor, message_id: int, emoji: str) -> dict[str, Any]:
    emoji = names.emoji(emoji)
    place = _target(tx, actor, message_id)
    row = {
        "message_id": message_id,
        "member_id": actor.member_id,
        "emoji": emoji,
        "created_at": tx.now,
    }
    added = insert_ignore(tx.conn, reactions, [row], ["message_id", "member_id", "emoji"])
    payload = _payload(actor, message_id, emoji, place)
    if added:
        place.emit(tx, "reaction.added", payload)
        settle_by_reaction(tx, actor, message_id, emoji)
    return payload


def remove_reaction(tx: Tx, actor: Actor, message_id: int, emoji: str) -> dict[str, Any]:
    emoji = names.emoji(emoji)
    place = _target(tx, actor, message_id)
    removed = tx.conn.execute(
        delete(reactions).where(
            reactions.c.message_id == message_id,
            reactions.c.member_id == actor.member_id,
            reactions.c.emoji == emoji,
        )
    ).rowcount
    payload = _payload(actor, message_id, emoji, place)
    if removed:
        place.emit(tx, "reaction.removed", payload)
    return payload
