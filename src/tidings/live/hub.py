"""The fan-out: tail each workspace's event log and push to subscribed sockets.

The database stays the single source of truth. A commit (or a wake-up from
another node) only tells a workspace's feed to read past its head; the feed
reads each new event once, decides its audience from memory, encodes it once
and hands the same bytes to every subscriber allowed to see it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from tidings.core.roles import Actor
from tidings.live.access import WorkspaceAccess
from tidings.store.access import readable_message
from tidings.store.database import Database
from tidings.store.models import events, messages, workspaces
from tidings.views import iso

log = logging.getLogger(__name__)
READ_CHUNK = 1000
QUEUE_LIMIT = 20_000


@dataclass
class Delivered:
    """One event, encoded once for all sockets."""

    seq: int
    type: str
    json: bytes

    @functools.cached_property
    def text(self) -> str:
        return self.json.decode()

    @classmethod
    def of(cls, row: Any) -> Delivered:
        body = orjson.dumps(
            {
                "id": row.seq,
                "type": row.type,
                "at": iso(row.created_at),
                "data": orjson.Fragment(row.payload),
            }
        )
        return cls(row.seq, row.type, body)


@dataclass(eq=False)
class Subscriber:
    actor: Actor
    token_hash: str = ""
    viewing: frozenset[int] = frozenset()  # public channels open in the client
    queue: asyncio.Queue[Delivered | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_LIMIT)
    )
    cursor: int = 0
    catching_up: bool = True
    pending: list[Delivered] = field(default_factory=list)
    closed: bool = False
    replay: asyncio.Task[None] | None = None

    def offer(self, item: Delivered) -> None:
        if self.closed or item.seq <= self.cursor:
            return
        if self.catching_up:
            self.pending.append(item)
            return
        self._put(item)

    def _put(self, item: Delivered) -> None:
        try:
            self.queue.put_nowait(item)
            self.cursor = item.seq
        except asyncio.QueueFull:
            # A reader this far behind resumes from its last id on reconnect.
            log.warning("closing a lagging event stream of member %s", self.actor.member_id)
            self.close()

    def go_live(self) -> None:
        pending, self.pending = self.pending, []
        self.catching_up = False
        for item in pending:
            if item.seq > self.cursor:
                self._put(item)

    def close(self) -> None:
        if self.replay is not None and not self.replay.done():
            self.replay.cancel()
        if not self.closed:
            self.closed = True
            if self.queue.full():
                # The end marker must get through: the client then resumes from its
                # last id and misses nothing, instead of idling on heartbeats.
                self.queue.get_nowait()
            self.queue.put_nowait(None)


def _event_rows(conn: Connection, workspace_id: int, after: int, limit: int) -> list[Any]:
    return list(
        conn.execute(
            select(events)
            .where(events.c.workspace_id == workspace_id, events.c.seq > after)
            .order_by(events.c.seq)
            .limit(limit)
        ).all()
    )


def _log_bounds(conn: Connection, workspace_id: int) -> tuple[int, int]:
    """(oldest kept seq, newest seq) of a workspace's log."""
    oldest = conn.execute(
        select(func.min(events.c.seq)).where(events.c.workspace_id == workspace_id)
    ).scalar()
    head = conn.execute(
        select(workspaces.c.event_seq).where(workspaces.c.id == workspace_id)
    ).scalar()
    return int(oldest or (head or 0) + 1), int(head or 0)


def _out_of_reach(conn: Connection, actor: Actor, rows: Iterable[Any]) -> set[int]:
    """Replayed notifications about messages the member can no longer read: they were
    theirs when sent, but access is the current one (one query per replayed chunk)."""
    about: dict[int, int] = {}
    for row in rows:
        if row.type == "notification":
            message_id = orjson.loads(row.payload).get("message_id")
            if message_id is not None:
                about[row.seq] = message_id
    if not about:
        return set()
    readable = set(
        conn.execute(
            select(messages.c.id).where(
                messages.c.id.in_(set(about.values())), readable_message(actor)
            )
        ).scalars()
    )
    return {seq for seq, message_id in about.items() if message_id not in readable}


def _audience(row: Any) -> tuple[str, int | None, frozenset[int]]:
    ids = frozenset(orjson.loads(row.member_ids)) if row.member_ids else frozenset()
    return row.audience, row.channel_id, ids


class Feed:
    """One workspace's tail of the log and its subscribers on this node."""

    def __init__(self, hub: Hub, workspace_id: int, head: int, access: WorkspaceAccess) -> None:
        self.hub = hub
        self.workspace_id = workspace_id
        self.head = head
        self.access = access
        self.subscribers: set[Subscriber] = set()
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            try:
                await self.catch_up()
            except Exception:
                log.exception("event feed of workspace %s failed; retrying", self.workspace_id)
                await asyncio.sleep(1)
                self.wake.set()

    async def catch_up(self) -> None:
        while True:
            rows = await self.hub.db.aread(
                lambda c: _event_rows(c, self.workspace_id, self.head, READ_CHUNK)
            )
            if not rows:
                return
            await self._ensure_channels(rows)
            for row in rows:
                self._dispatch(row)
            if len(rows) < READ_CHUNK:
                return

    async def _ensure_channels(self, rows: Iterable[Any]) -> None:
        wanted = {row.channel_id for row in rows if row.channel_id is not None}
        missing = self.access.missing_channels(wanted)
        if missing:
            await self.hub.db.aread(lambda c: self.access.load_channels(c, missing))

    def _dispatch(self, row: Any) -> None:
        payload = orjson.loads(row.payload)
        self.access.apply(row.type, payload)
        audience, channel_id, member_ids = _audience(row)
        item = Delivered.of(row)
        for sub in list(self.subscribers):
            if self.access.may_receive(
                sub.actor.member_id, audience, channel_id, member_ids, sub.viewing
            ):
                sub.offer(item)
        if self.hub.on_delivered is not None:
            self.hub.on_delivered(row.created_at, self.hub.db.clock.now())
        if row.type == "token.revoked":
            self._close_token(payload["token_hash"])
        if row.type == "member.deactivated":
            self._close_member(payload["id"])
        self.head = row.seq

    def _close_token(self, token_hash: str) -> None:
        """A stream opened with a revoked token ends with it."""
        for sub in list(self.subscribers):
            if sub.token_hash == token_hash:
                sub.close()

    def _close_member(self, member_id: int) -> None:
        for sub in list(self.subscribers):
            if sub.actor.member_id == member_id:
                sub.close()

    def visible(self, sub: Subscriber, row: Any) -> bool:
        audience, channel_id, member_ids = _audience(row)
        return self.access.may_receive(
            sub.actor.member_id, audience, channel_id, member_ids, sub.viewing
        )


class Hub:
    def __init__(
        self, db: Database, on_delivered: Callable[[datetime, datetime], None] | None = None
    ) -> None:
        self.db = db
        self.on_delivered = on_delivered  # (committed at, now) of each event fed
        self.feeds: dict[int, Feed] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self.loop = asyncio.get_running_loop()

    def committed(self, workspace_ids: Iterable[int]) -> None:
        """Called from any thread after a commit: wake the feeds of these workspaces."""
        if self.loop is None or self.loop.is_closed():
            return
        ids = set(workspace_ids)
        with contextlib.suppress(RuntimeError):  # the loop is shutting down
            self.loop.call_soon_threadsafe(self._wake, ids)

    def wake(self, workspace_ids: Iterable[int] | None) -> None:
        """On the event loop: these workspaces' logs (None: all) may have moved on."""
        self._wake(set(self.feeds) if workspace_ids is None else set(workspace_ids))

    def _wake(self, workspace_ids: set[int]) -> None:
        for workspace_id in workspace_ids:
            feed = self.feeds.get(workspace_id)
            if feed is not None:
                feed.wake.set()

    async def poll(self, interval: float) -> None:
        """Look at the log now and then, for writes made by other processes or nodes."""
        while True:
            await asyncio.sleep(interval)
            self._wake(set(self.feeds))

    async def _feed(self, workspace_id: int) -> Feed:
        feed = self.feeds.get(workspace_id)
        if feed is None:
            access = WorkspaceAccess(workspace_id)

            def start(conn: Connection) -> int:
                # The head and the access state come from one snapshot, so the
                # events after the head are exactly the changes still to apply.
                head = _log_bounds(conn, workspace_id)[1]
                access.load(conn)
                return head

            head = await self.db.aread(start, snapshot=True)
            feed = self.feeds.get(workspace_id)
            if feed is None:
                feed = Feed(self, workspace_id, head, access)
                self.feeds[workspace_id] = feed
                feed.task = asyncio.create_task(feed.run(), name=f"feed-{workspace_id}")
        return feed

    async def subscribe(
        self,
        actor: Actor,
        since: int | None,
        token_hash: str = "",
        viewing: frozenset[int] = frozenset(),
    ) -> Subscriber:
        """A subscriber that receives every visible event after ``since``, in order.

        If ``since`` is older than the retained log (or newer than its head),
        the first item is a ``reset`` event: the client must refetch state.
        """
        feed = await self._feed(actor.workspace_id)
        sub = Subscriber(actor, token_hash, viewing)
        feed.subscribers.add(sub)
        oldest, head = await self.db.aread(lambda c: _log_bounds(c, actor.workspace_id))
        if since is None:
            sub.cursor = head
        elif since + 1 < oldest or since > head:
            sub.queue.put_nowait(_reset(head))
            sub.cursor = head
        else:
            # Replay in the background: the caller drains the bounded queue meanwhile.
            sub.cursor = since
            sub.replay = asyncio.create_task(self._replay(feed, sub))
            return sub
        sub.go_live()
        feed.wake.set()
        return sub

    async def _replay(self, feed: Feed, sub: Subscriber) -> None:
        try:
            await self._backfill(feed, sub)
        except Exception:
            log.exception("replay for member %s failed", sub.actor.member_id)
            sub.close()
            return
        sub.go_live()
        feed.wake.set()

    async def _backfill(self, feed: Feed, sub: Subscriber) -> None:
        while True:
            after = sub.cursor
            rows = await self.db.aread(
                lambda c, after=after: _event_rows(c, feed.workspace_id, after, READ_CHUNK)
            )
            await feed._ensure_channels(rows)
            hidden = await self.db.aread(lambda c, rows=rows: _out_of_reach(c, sub.actor, rows))
            for row in rows:
                if row.seq > feed.head:
                    return  # the feed delivers the rest live, in order
                if feed.visible(sub, row) and row.seq not in hidden:
                    await sub.queue.put(Delivered.of(row))
                sub.cursor = row.seq
            if len(rows) < READ_CHUNK:
                return

    def unsubscribe(self, sub: Subscriber) -> None:
        feed = self.feeds.get(sub.actor.workspace_id)
        if feed is not None:
            feed.subscribers.discard(sub)
        sub.close()

    def end_streams(self) -> None:
        """From any thread: close every subscriber, so their streams finish."""
        if self.loop is not None and not self.loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._end_streams)

    def _end_streams(self) -> None:
        for feed in self.feeds.values():
            for sub in list(feed.subscribers):
                sub.close()

    async def close(self) -> None:
        for feed in self.feeds.values():
            for sub in list(feed.subscribers):
                sub.close()
            if feed.task is not None:
                feed.task.cancel()
        for feed in self.feeds.values():
            if feed.task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await feed.task


def _reset(head: int) -> Delivered:
    body = orjson.dumps({"id": head, "type": "reset", "at": None, "data": {"head": head}})
    return Delivered(head, "reset", body)
