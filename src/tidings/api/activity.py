"""Noting that members are here, at most once per interval per member on this node."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from tidings.actions.activity import touch_activity
from tidings.core.roles import Actor
from tidings.errors import StorageUnavailable
from tidings.store.database import Database

log = logging.getLogger(__name__)
INTERVAL = timedelta(minutes=5)


class ActivityThrottle:
    def __init__(self, interval: timedelta = INTERVAL) -> None:
        self.interval = interval
        self._last: dict[int, datetime] = {}

    def due(self, member_id: int, now: datetime) -> bool:
        last = self._last.get(member_id)
        if last is not None and now - last < self.interval:
            return False
        self._last[member_id] = now
        return True

    def forget(self, member_id: int) -> None:
        self._last.pop(member_id, None)

    async def touch(self, db: Database, actor: Actor, now: datetime) -> None:
        """A failure here must not fail the request that merely passed by."""
        if not self.due(actor.member_id, now):
            return
        try:
            await db.awrite(lambda tx: touch_activity(tx, actor))
        except Exception as exc:
            self.forget(actor.member_id)
            # A storage fault is logged once by the writer; anything else is news.
            trace = not isinstance(exc, StorageUnavailable)
            log.warning("recording activity of member %d failed", actor.member_id, exc_info=trace)
