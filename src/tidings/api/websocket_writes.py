"""uvicorn's WebSocket protocol, with the frames sent in one turn of the event loop
written to the socket together.

uvicorn writes each frame as soon as it is sent: one ``write()`` system call per
frame. Under fan-out that call was half of the server's CPU: an event stream sends
each socket every event queued for it, one frame each, one call each. Here data
frames wait in a buffer until the end of the current turn of the event loop
(``call_soon``) and leave in one call; a burst of events for a socket costs one
system call, and a lone event waits for nothing but the rest of the turn.
The frames on the wire are the same, in the same order.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState


class CoalescingWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[bytes] = []

    async def send(self, message: Any) -> None:  # an ASGI send event
        if message["type"] == "websocket.send" and self._may_hold():
            self._hold(message)
            return
        if message["type"] == "websocket.close" and self._may_close_now():
            self._close_now(message)
            return
        # Everything else (accept, close, and sends while the peer reads too slowly
        # for the buffer) takes uvicorn's path, behind what is held.
        self._flush()
        await super().send(message)

    def _may_hold(self) -> bool:
        return (
            self.handshake_complete
            and self.initial_response is None
            and not self.close_sent
            and not self.disconnected
            and self.writable.is_set()
        )

    def _hold(self, message: Any) -> None:
        try:
            data = message.get("bytes")
            if data is not None:
                self.conn.send_binary(data)
            else:
                self.conn.send_text(message["text"].encode())
        except InvalidState:
            raise ClientDisconnected() from None
        if not self._held:
            self.loop.call_soon(self._flush)
        self._held.extend(self.conn.data_to_send())

    def _may_close_now(self) -> bool:
        return (
            self.handshake_complete
            and self.initial_response is None
            and not self.close_sent
            and not self.transport.is_closing()
        )

    def _close_now(self, message: Any) -> None:
        """Close without waiting until the peer reads what is buffered (uvicorn waits,
        forever if the peer never reads): the close frame goes behind it, and a peer
        that has not answered it ``close_timeout`` seconds later is cut off."""
        self._flush()
        code = message.get("code", 1000)
        reason = message.get("reason") or ""
        try:
            self.conn.send_close(code, reason)
        except InvalidState:
            raise ClientDisconnected() from None
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if self.read_paused:
            self.read_paused = False
            self.transport.resume_reading()
        self.close_timer = self.loop.call_later(self.close_timeout, self.transport.abort)
        # Sends waiting for the peer to read may go on: nothing can follow the close
        # frame, and uvicorn refuses them, which ends the loops that made them.
        self.writable.set()

    def _flush(self) -> None:
        if not self._held:
            return
        data = b"".join(self._held)
        self._held.clear()
        if not self.transport.is_closing():
            self.transport.write(data)

    def handle_ping(self) -> None:
        self._flush()  # the pong goes after the frames sent before it
        super().handle_ping()

    def shutdown(self) -> None:
        self._flush()
        super().shutdown()

    def connection_lost(self, exc: Exception | None) -> None:
        self._held.clear()
        super().connection_lost(exc)
