"""Serving the app with uvicorn: the listening socket, connection limits and timeouts,
and a shutdown that ends live streams."""

from __future__ import annotations

import asyncio
import errno
import gc
import socket
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tidings.api.websocket_writes import CoalescingWebSocketProtocol
from tidings.config import Settings
from tidings.errors import TidingsError
from tidings.live.hub import Hub


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, plus a deadline for a request's line and headers.

    uvicorn times out only idle keep-alive connections, and any byte received stops
    that timer: a client that sends a partial request line and then trickles (or
    nothing) would hold its connection forever. Here every request must finish its
    headers within ``header_timeout`` of its first byte (or of the connection), and
    within ``max_header_bytes``; otherwise the connection is closed.
    """

    def __init__(self, *args: Any, header_timeout: float, max_header_bytes: int, **kw: Any):
        super().__init__(*args, **kw)
        self._header_timeout = header_timeout
        self._max_header_bytes = max_header_bytes
        self._header_deadline: asyncio.TimerHandle | None = None
        self._header_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._header_deadline is None:  # between requests, in a body, or closed
            return
        self._header_bytes += len(data)
        if self._header_bytes > self._max_header_bytes:
            self._disarm_header_deadline()
            self.send_400_response("Request line and headers too large.")

    def on_message_begin(self) -> None:
        # The parser saw the first byte of a request (not the rest of a body that
        # an early answer left unread): its headers are due from now on.
        if self._header_deadline is None:
            self._arm_header_deadline()
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._disarm_header_deadline()
        super().on_headers_complete()

    def _arm_header_deadline(self) -> None:
        self._header_bytes = 0
        self._header_deadline = self.loop.call_later(self._header_timeout, self._headers_late)

    def _disarm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_late(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def guarded_protocol(settings: Settings) -> Callable[..., GuardedHttpProtocol]:
    def make(*args: Any, **kw: Any) -> GuardedHttpProtocol:
        return GuardedHttpProtocol(
            *args,
            header_timeout=settings.header_timeout_seconds,
            max_header_bytes=settings.max_header_bytes,
            **kw,
        )

    return make


def server_config(app: Any, settings: Settings, **options: Any) -> uvicorn.Config:
    """The one uvicorn configuration, from the settings (``options`` add to it)."""
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        http=guarded_protocol(settings),  # type: ignore[arg-type]
        ws=CoalescingWebSocketProtocol,
        timeout_keep_alive=settings.keep_alive_seconds,  # type: ignore[arg-type]
        h11_max_incomplete_event_size=settings.max_header_bytes,
        limit_concurrency=settings.max_connections,
        **options,
    )


def listen(host: str, port: int, *, shared: bool = False) -> socket.socket:
    """Bind the server's socket now, so a taken port is one clear sentence before any
    start-up work, and the address is printed only once it really listens.
    ``shared``: other sockets of ours may bind the same port (``SO_REUSEPORT``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise TidingsError(_bind_failure(host, port, exc)) from None
    sock.set_inheritable(True)
    return sock


def listen_shared(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets on one port (the first picks it when ``port`` is 0)."""
    first = listen(host, port, shared=True)
    chosen = first.getsockname()[1]
    sockets = [first]
    try:
        for _ in range(count - 1):
            sockets.append(listen(host, chosen, shared=True))
    except TidingsError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def _bind_failure(host: str, port: int, exc: OSError) -> str:
    choose = "choose another with --port or TIDINGS_PORT"
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use; {choose}"
    if exc.errno == errno.EACCES:
        return f"no permission to listen on port {port} on {host}; {choose} (1024 or above)"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}; check --host / TIDINGS_HOST"


class StreamEndingServer(uvicorn.Server):
    """Ends live event streams when shutdown begins: they never finish by themselves,
    and uvicorn drains open requests before the application's own shutdown runs.
    Clients reconnect elsewhere (or later) with ``since`` and miss nothing.
    ``on_listening`` runs once the sockets accept connections."""

    def __init__(
        self, config: uvicorn.Config, hub: Hub, on_listening: Callable[[], None] | None = None
    ) -> None:
        super().__init__(config)
        self.hub = hub
        self.on_listening = on_listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.on_listening is not None and not self.should_exit:
            self.on_listening()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.hub.end_streams()
        super().handle_exit(sig, frame)


def run_app(
    app: Any,
    settings: Settings,
    sockets: list[socket.socket],
    on_listening: Callable[[], None] | None = None,
) -> None:
    """Serve ``app`` on ``sockets`` until SIGTERM or Ctrl-C (one process of Tidings)."""
    from tidings.logs import logging_config

    config = server_config(
        app,
        settings,
        log_config=logging_config(settings.log_level),
        access_log=settings.access_log,
        timeout_graceful_shutdown=10,
    )
    # What start-up built lives as long as the process: keep it out of the cyclic
    # collector, whose full passes over it stalled every request for ~0.1 s under load.
    gc.freeze()
    StreamEndingServer(config, app.state.services.hub, on_listening).run(sockets=sockets)
