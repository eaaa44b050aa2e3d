"""Security headers on every HTTP response: API, pages, static files, errors.

One plain ASGI middleware rather than Starlette's ``BaseHTTPMiddleware``: it only adds
headers to ``http.response.start``, so streamed bodies (the event stream) pass through
untouched and WebSocket connections are not wrapped at all.

The Content-Security-Policy allows scripts and styles from our own origin only: no
inline script, no inline ``style`` attribute, no ``eval``. The web UI keeps its
scripts in ``/static`` and its looks in ``app.css``; the live socket is same-origin.
HSTS is sent only when the request came over TLS (directly, or through a proxy whose
``X-Forwarded-Proto`` uvicorn trusts), the same test that marks cookies ``Secure``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Icons inside stylesheets (the API docs' among them) are data: URIs.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        # A recording is played back from memory (a blob: URL) before it is sent.
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
# Two years, the preload lists' minimum; subdomains are left to the operator.
HSTS = (b"strict-transport-security", b"max-age=63072000")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = HEADERS + ((HSTS,) if scope.get("scheme") == "https" else ())

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                added = [(name, value) for name, value in extra if name not in present]
                message["headers"] = [*message.get("headers", ()), *added]
            await send(message)

        await self.app(scope, receive, with_headers)
