"""Following and muting topics."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete

from tidings.actions.places import topic_place
from tidings.core.roles import Actor
from tidings.errors import InvalidInput
from tidings.store.models import topic_subscriptions
from tidings.store.tx import MEMBERS, Tx
from tidings.store.upsert import insert_ignore, upsert

FOLLOWING = "following"
MUTED = "muted"
NONE = "none"


def follow_topic(tx: Tx, topic_id: int, member_ids: Iterable[int]) -> None:
    """Posting in or being mentioned in a topic follows it; a mute stays a mute."""
    rows = [
        {"topic_id": topic_id, "member_id": member_id, "state": FOLLOWING}
        for member_id in set(member_ids)
    ]
    insert_ignore(tx.conn, topic_subscriptions, rows, ["topic_id", "member_id"])


def set_subscription(tx: Tx, actor: Actor, topic_id: int, state: str) -> dict[str, Any]:
    if state not in (FOLLOWING, MUTED, NONE):
        raise InvalidInput('state is one of "following", "muted", "none"', field="state")
    topic_place(tx, actor, topic_id, posting=False)
    if state == NONE:
        tx.conn.execute(
            delete(topic_subscriptions).where(
                topic_subscriptions.c.topic_id == topic_id,
                topic_subscriptions.c.member_id == actor.member_id,
            )
        )
    else:
        upsert(
            tx.conn,
            topic_subscriptions,
            {"topic_id": topic_id, "member_id": actor.member_id, "state": state},
            ["topic_id", "member_id"],
            ["state"],
        )
    payload = {"topic_id": topic_id, "member_id": actor.member_id, "state": state}
    tx.emit(
        actor.workspace_id,
        "topic.subscription",
        payload,
        audience=MEMBERS,
        member_ids=[actor.member_id],
    )
    return payload
