"""Recording that a member was here, cheaply: callers throttle it (see
``tidings.api.activity``), so it runs once every few minutes per member."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from tidings.actions import digests
from tidings.core.roles import Actor
from tidings.store.models import member_activity
from tidings.store.tx import Tx

# Seen again after this long: a new visit, and the previous one ended when last seen.
VISIT_GAP = timedelta(minutes=30)


def touch_activity(tx: Tx, actor: Actor) -> None:
    """Note that the member is here now; a new visit remembers when the last ended.
    Also makes sure their next digest is scheduled."""
    row = tx.conn.execute(
        select(member_activity).where(member_activity.c.member_id == actor.member_id)
    ).first()
    if row is None:
        tx.conn.execute(
            member_activity.insert(),
            {"member_id": actor.member_id, "last_seen_at": tx.now, "visit_started_at": tx.now},
        )
    elif tx.now - row.last_seen_at > VISIT_GAP:
        tx.conn.execute(
            update(member_activity)
            .where(member_activity.c.member_id == actor.member_id)
            .values(last_seen_at=tx.now, visit_started_at=tx.now, away_since=row.last_seen_at)
        )
    elif tx.now > row.last_seen_at:
        tx.conn.execute(
            update(member_activity)
            .where(member_activity.c.member_id == actor.member_id)
            .values(last_seen_at=tx.now)
        )
    digests.ensure_scheduled(tx, actor.workspace_id, actor.member_id)
