"""Refuse request bodies over the size limit before reading them into memory."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tidings.api.problems import problem


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, exempt: str | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exempt = self.exempt is not None and scope.get("path", "").startswith(self.exempt)
        if scope["type"] != "http" or exempt:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = too_large = replaced = False

        async def limited() -> Message:
            nonlocal seen, too_large
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                too_large = True
                raise _TooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started, replaced
            starting = message["type"] == "http.response.start"
            # FastAPI turns any failure to read the body into its own 400; a body
            # cut off here (chunked, with no Content-Length) is answered with 413.
            if starting and too_large and not started:
                replaced = True
                await self._refuse(scope, receive, send)
            started = started or starting
            if not replaced:
                await send(message)

        try:
            await self.app(scope, limited, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            "payload_too_large",
            "The request body is too large",
            f"Bodies are limited to {self.max_bytes} bytes",
        )
        await response(scope, receive, send)
