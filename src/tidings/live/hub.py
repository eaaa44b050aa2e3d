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
from collections import deque
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
QUEUE_LIMIT = 20_000  # events queued for one stream, at most
STALLED_LIMIT = 500  # ... while its client reads nothing
HAND_OUT_SLICE = 64


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
    """One stream's view of the log: the events it may see, queued in order.

    The queue is bounded. A stream whose client reads slower than its events come is
    shed: once ``stalled_limit`` events wait while the stream cannot write (the
    client's socket is full: ``stalled``), or ``limit`` wait in any case, its queue is
    dropped and the stream ends with ``lagging`` set, at no cost to the other streams.
    The client resumes from the last id it got and misses nothing. (Streams that are
    behind because the server is, all at once, have empty sockets: they are not shed.)
    """

    actor: Actor
    token_hash: str = ""
    viewing: frozenset[int] = frozenset()  # public channels open in the client
    limit: int = QUEUE_LIMIT
    stalled_limit: int = STALLED_LIMIT
    items: deque[Delivered] = field(default_factory=deque)
    cursor: int = 0
    catching_up: bool = True
    pending: list[Delivered] = field(default_factory=list)
    closed: bool = False
    lagging: bool = False
    stalled: bool = False  # set by the stream while its client's socket is full
    on_shed: Callable[[], None] | None = None  # the stream's way to close at once
    replay: asyncio.Task[None] | None = None
    _waiter: asyncio.Future[None] | None = None  # the stream, waiting for events
    _room: asyncio.Future[None] | None = None  # a replay, waiting for the stream
    _beat: asyncio.TimerHandle | None = None
    _active_at: float = 0.0

    def offer(self, item: Delivered) -> None:
        if self.closed or item.seq <= self.cursor:
            return
        if self.catching_up:
            self.pending.append(item)
            return
        self._put(item)

    def offer_all(self, items: Iterable[Delivered]) -> None:
        for item in items:
            self.offer(item)

    def put_first(self, item: Delivered) -> None:
        """An item ahead of all events (a ``reset``)."""
        self.items.append(item)
        _resolve(self._waiter)

    async def replayed(self, item: Delivered) -> None:
        """An event of the replay, behind those already queued."""
        await self.room()
        if not self.closed:
            self.items.append(item)
            _resolve(self._waiter)

    def _put(self, item: Delivered) -> None:
        if len(self.items) >= (self.stalled_limit if self.stalled else self.limit):
            log.warning("shedding a lagging event stream of member %s", self.actor.member_id)
            self.lagging = True
            self.items.clear()  # the client resumes from the last id it got
            self.close()
            if self.on_shed is not None:
                self.on_shed()
            return
        self.items.append(item)
        self.cursor = item.seq
        _resolve(self._waiter)

    async def room(self) -> None:
        """Wait while the queue is at its limit: a replay goes no faster than its stream."""
        while len(self.items) >= self.limit and not self.closed:
            self._room = asyncio.get_running_loop().create_future()
            await self._room

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
            if self._beat is not None:
                self._beat.cancel()
                self._beat = None
            _resolve(self._waiter)
            _resolve(self._room)

    async def next_batch(self, idle: float) -> list[Delivered] | None:
        """Everything queued, in order, waiting for something if nothing is. ``[]`` when
        ``idle`` seconds passed since the last batch with nothing new (time for a
        heartbeat); ``None`` once the stream is closed and what it had queued is taken."""
        loop = asyncio.get_running_loop()
        if not self.items and not self.closed:
            if not self._active_at:
                self._active_at = loop.time()
            if self._beat is None:
                self._beat = loop.call_at(self._active_at + idle, self._beat_due, idle)
            # A future per wait: asyncio.Queue.get under wait_for (a task and a timer
            # per call) cost a sixth of the server's time under fan-out.
            self._waiter = loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        self._active_at = loop.time()
        if self.items:
            taken = list(self.items)
            self.items.clear()
            _resolve(self._room)
            return taken
        return None if self.closed else []

    def _beat_due(self, idle: float) -> None:
        """One timer per idle period rather than one per wait: due ``idle`` seconds
        after the last batch, it wakes the stream only if nothing came since."""
        self._beat = None
        if self._waiter is None:
            return  # busy sending: its next wait arms the timer again
        loop = asyncio.get_running_loop()
        due = self._active_at + idle
        if loop.time() < due:
            self._beat = loop.call_at(due, self._beat_due, idle)
        else:
            _resolve(self._waiter)


def _resolve(future: asyncio.Future[None] | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


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
            await self._hand_out(*self._route(rows))
            if len(rows) < READ_CHUNK:
                return

    async def _ensure_channels(self, rows: Iterable[Any]) -> None:
        wanted = {row.channel_id for row in rows if row.channel_id is not None}
        missing = self.access.missing_channels(wanted)
        if missing:
            await self.hub.db.aread(lambda c: self.access.load_channels(c, missing))

    def _route(self, rows: list[Any]) -> tuple[dict[Subscriber, list[Delivered]], list[Subscriber]]:
        """Which subscriber gets which of ``rows``, in order, and which streams end after
        them (a revoked token, a deactivated member). Each row's audience is decided with
        the access state as of that row; the feed's head then moves past all of them."""
        subscribers = list(self.subscribers)
        batches: dict[Subscriber, list[Delivered]] = {}
        ending: list[Subscriber] = []
        for row in rows:
            payload = orjson.loads(row.payload)
            self.access.apply(row.type, payload)
            audience, channel_id, member_ids = _audience(row)
            item = Delivered.of(row)
            for sub in subscribers:
                if self.access.may_receive(
                    sub.actor.member_id, audience, channel_id, member_ids, sub.viewing
                ):
                    batches.setdefault(sub, []).append(item)
            if self.hub.on_delivered is not None:
                self.hub.on_delivered(row.created_at, self.hub.db.clock.now())
            ended = self._ended_by(row.type, payload, subscribers)
            if ended:
                ending += ended
                subscribers = [sub for sub in subscribers if sub not in ended]
            self.head = row.seq
        return batches, ending

    async def _hand_out(
        self, batches: dict[Subscriber, list[Delivered]], ending: list[Subscriber]
    ) -> None:
        """Queue each subscriber's events, a slice of subscribers at a time: each slice
        wakes its streams, and yielding between slices lets requests (the sender's POST
        among them) take turns with the fan-out instead of waiting behind all of it.
        Subscribers that join meanwhile start after the head, or replay up to it."""
        for n, (sub, items) in enumerate(batches.items(), start=1):
            sub.offer_all(items)
            if n % HAND_OUT_SLICE == 0:
                await asyncio.sleep(0)
        for sub in ending:
            sub.close()

    def _ended_by(
        self, type_: str, payload: Any, subscribers: list[Subscriber]
    ) -> list[Subscriber]:
        """A stream opened with a revoked token ends with it; a deactivated member's too."""
        if type_ == "token.revoked":
            return [sub for sub in subscribers if sub.token_hash == payload["token_hash"]]
        if type_ == "member.deactivated":
            return [sub for sub in subscribers if sub.actor.member_id == payload["id"]]
        return []

    def visible(self, sub: Subscriber, row: Any) -> bool:
        audience, channel_id, member_ids = _audience(row)
        return self.access.may_receive(
            sub.actor.member_id, audience, channel_id, member_ids, sub.viewing
        )


class Hub:
    def __init__(
        self,
        db: Database,
        on_delivered: Callable[[datetime, datetime], None] | None = None,
        stalled_limit: int = STALLED_LIMIT,
    ) -> None:
        self.db = db
        self.stalled_limit = stalled_limit
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
        sub = Subscriber(actor, token_hash, viewing, stalled_limit=self.stalled_limit)
        feed.subscribers.add(sub)
        oldest, head = await self.db.aread(lambda c: _log_bounds(c, actor.workspace_id))
        if since is None:
            sub.cursor = head
        elif since + 1 < oldest or since > head:
            sub.put_first(_reset(head))
            sub.cursor = head
        else:
            # Replay in the background: the stream drains the bounded queue meanwhile.
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
                    await sub.replayed(Delivered.of(row))
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
