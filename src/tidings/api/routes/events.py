"""The live event stream, as WebSocket and as Server-Sent Events.

Both resume with ``since=<event id>`` (SSE also honours ``Last-Event-ID``).
Browsers cannot set headers on either, so the token may come as ``?token=``, or
from the web UI's session cookie when the request comes from this site's own pages.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import orjson
from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from starlette.requests import HTTPConnection
from starlette.responses import StreamingResponse

from tidings.api.authn import bearer, digest_of
from tidings.api.deps import authenticate, client_address, services
from tidings.api.metrics import STREAMS
from tidings.errors import InvalidInput, TidingsError
from tidings.live.hub import Delivered, Subscriber
from tidings.web.session import session_token

router = APIRouter(tags=["events"])
HEARTBEAT = b'{"type":"heartbeat"}'
HEARTBEAT_TEXT = HEARTBEAT.decode()
PONG_TEXT = orjson.dumps({"type": "pong"}).decode()
CLOSE_UNAUTHENTICATED = 4401
CLOSE_BAD_REQUEST = 4400
# "Try again later": the stream fell too far behind its events and was shed.
CLOSE_LAGGING = 1013
LAGGING_REASON = "too far behind; reconnect with since=<the last id received>"
# On the answer that opens a stream: the stream sends the events after this id. A
# client that opened it without ``since`` resumes from here if it drops before the
# first event (else from the last id received), so nothing in between is missed.
SINCE_HEADER = "X-Tidings-Since"

SSE_EVENT = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9]+$"},
        "event": {"type": "string"},
        "data": {"type": "string", "contentMediaType": "application/json"},
    },
    "required": ["event", "data"],
}


def _token(connection: HTTPConnection) -> str:
    query = connection.query_params.get("token")
    if query:
        return query
    header = connection.headers.get("authorization")
    cookie = session_token(connection)
    if header is None and cookie is not None and _same_origin(connection):
        return cookie
    return bearer(header)


def _same_origin(connection: HTTPConnection) -> bool:
    """A cookie rides along on cross-site WebSocket handshakes too; only our pages count."""
    origin = connection.headers.get("origin")
    if origin is None:
        return connection.scope["type"] == "http"  # same-origin EventSource sends none
    return origin.split("://", 1)[-1] == connection.headers.get("host")


def _since(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        since = int(value)
    except ValueError:
        raise TidingsError("since must be an event id (an integer)", field="since") from None
    if since < 0:
        raise TidingsError("since must not be negative", field="since")
    return since


MAX_VIEWING = 50


def _viewing(value: str | None) -> frozenset[int]:
    """``view=3,17``: the public channels the client has open (their events come even
    to members who have not joined them)."""
    if not value:
        return frozenset()
    try:
        ids = frozenset(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise InvalidInput("view must list channel ids: view=3,17", field="view") from None
    return _checked_viewing(ids)


def _checked_viewing(ids: frozenset[int]) -> frozenset[int]:
    if len(ids) > MAX_VIEWING:
        raise InvalidInput(f"view lists at most {MAX_VIEWING} channels", field="view")
    if any(i < 1 for i in ids):
        raise InvalidInput("view must list channel ids: view=3,17", field="view")
    return ids


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "An endless stream of events; heartbeats keep it open",
            # Each event, as parsed from the stream: "id" is absent on heartbeats.
            "content": {"text/event-stream": {"schema": SSE_EVENT}},
        }
    },
)
async def events_sse(
    request: Request,
    since: str | None = Query(
        None, pattern=r"^\d{0,19}$", description="Resume after this event id"
    ),
    token: str | None = Query(None, description="Bearer token, for clients without headers"),
    view: str | None = Query(
        None,
        pattern=r"^[0-9,]{0,600}$",
        description="Public channels the client has open, comma-separated: their "
        "events come even if the member has not joined them (channel members get "
        "their channels' events anyway)",
    ),
) -> StreamingResponse:
    """Server-Sent Events; ``id:`` carries the event id to resume from."""
    svc = services(request)
    token = _token(request)
    actor = await authenticate(svc, token, client_address(request))
    start = _since(since if since is not None else request.headers.get("last-event-id"))
    sub = await svc.hub.subscribe(actor, start, digest_of(token), _viewing(view))
    heartbeat = svc.settings.heartbeat_seconds

    async def stream() -> AsyncIterator[bytes]:
        STREAMS.inc()
        try:
            yield b": connected\n\n"
            while (batch := await sub.next_batch(heartbeat)) is not None:
                chunk = b"".join(
                    b"id: %d\nevent: %s\ndata: %s\n\n" % (item.seq, item.type.encode(), item.json)
                    for item in batch
                )
                # Suspended here only while the client's socket is full.
                sub.stalled = True
                yield chunk or b"event: heartbeat\ndata: {}\n\n"
                sub.stalled = False
        finally:
            STREAMS.dec()
            svc.hub.unsubscribe(sub)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
            SINCE_HEADER: str(sub.cursor),
        },
    )


@router.websocket("/events")
async def events_ws(websocket: WebSocket) -> None:
    """One JSON event per text frame: {"id", "type", "at", "data"}."""
    svc = websocket.app.state.services
    try:
        raw_token = _token(websocket)
        actor = await authenticate(
            svc,
            raw_token,
            client_address(websocket),
        )
        since = _since(websocket.query_params.get("since"))
        viewing = _viewing(websocket.query_params.get("view"))
        batched = _batched(websocket.query_params.get("batch"))
    except TidingsError as exc:
        await _refuse(websocket, exc)
        return
    sub = await svc.hub.subscribe(actor, since, digest_of(raw_token), viewing)
    try:
        await websocket.accept(
            headers=[
                (b"x-tidings-node", svc.node.encode()),
                (SINCE_HEADER.encode(), str(sub.cursor).encode()),
            ]
        )
    except BaseException:
        svc.hub.unsubscribe(sub)
        raise
    frames = Frames(websocket, batched)
    sub.on_shed = frames.shed
    reader = asyncio.create_task(_drain_incoming(websocket, sub, frames))
    STREAMS.inc()
    try:
        await _send_loop(frames, sub, svc.settings.heartbeat_seconds, reader)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass
    finally:
        STREAMS.dec()
        svc.hub.unsubscribe(sub)
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader
        with contextlib.suppress(Exception):
            await websocket.close()


async def _refuse(websocket: WebSocket, exc: TidingsError) -> None:
    """Accept, then close with a code the client can act on: 4401 "sign in again",
    4400 "fix the request". Closing before accepting would refuse the handshake with
    a bare HTTP 403, which tells a client neither."""
    await websocket.accept()
    code = CLOSE_UNAUTHENTICATED if exc.status == 401 else CLOSE_BAD_REQUEST
    # A close reason is at most 123 bytes of UTF-8.
    reason = exc.detail.encode()[:123].decode(errors="ignore")
    await websocket.close(code=code, reason=reason)


def _batched(value: str | None) -> bool:
    if value in (None, "", "0"):
        return False
    if value == "1":
        return True
    raise InvalidInput("batch must be 0 or 1", field="batch")


class Frames:
    """What a WebSocket stream writes: one JSON object per text frame, or with
    ``batch=1`` a JSON array per frame (everything queued at once goes in one)."""

    def __init__(self, websocket: WebSocket, batched: bool) -> None:
        self.websocket = websocket
        self.batched = batched
        self.closing: asyncio.Task[None] | None = None

    def shed(self) -> None:
        """Close as lagging now, even while a send waits for the client to read."""
        if self.closing is None:
            self.closing = asyncio.create_task(self._close_lagging())

    async def _close_lagging(self) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close(code=CLOSE_LAGGING, reason=LAGGING_REASON)

    async def events(self, batch: list[Delivered]) -> None:
        if self.batched:
            await self.websocket.send_text("[" + ",".join(item.text for item in batch) + "]")
            return
        for item in batch:
            await self.websocket.send_text(item.text)

    async def one(self, text: str) -> None:
        await self.websocket.send_text(f"[{text}]" if self.batched else text)


async def _send_loop(
    frames: Frames, sub: Subscriber, heartbeat: float, reader: asyncio.Task[None]
) -> None:
    while not reader.done():
        batch = await sub.next_batch(heartbeat)
        if batch is None:
            if frames.closing is not None:
                await frames.closing
            return
        # While this waits, the peer is not reading: the transport's buffer is full.
        sub.stalled = True
        try:
            await (frames.events(batch) if batch else frames.one(HEARTBEAT_TEXT))
        finally:
            sub.stalled = False


async def _drain_incoming(websocket: WebSocket, sub: Subscriber, frames: Frames) -> None:
    """Clients may send ``ping``, or ``{"type": "view", "channel_ids": [...]}`` to say
    which public channels they now have open; anything else is ignored. Ends on close."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text == "ping":
            await frames.one(PONG_TEXT)
        elif text and text.startswith("{"):
            _view_message(sub, text)


def _view_message(sub: Subscriber, text: str) -> None:
    try:
        body = orjson.loads(text)
        if not isinstance(body, dict) or body.get("type") != "view":
            return
        ids = body.get("channel_ids")
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            return
        sub.viewing = _checked_viewing(frozenset(ids))
    except (orjson.JSONDecodeError, TidingsError):
        return  # a malformed or oversized view changes nothing
