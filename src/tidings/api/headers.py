"""Security headers on every HTTP response: API, pages, static files, errors.

Added by the outermost layer (``metrics.Edge``) to ``http.response.start`` only, so
streamed bodies (the event stream) pass through untouched and WebSocket connections
are not wrapped at all.

The Content-Security-Policy allows scripts and styles from our own origin only: no
inline script, no inline ``style`` attribute, no ``eval``. The web UI keeps its
scripts in ``/static`` and its looks in ``app.css``; the live socket is same-origin.
HSTS is sent only when the request came over TLS (directly, or through a proxy whose
``X-Forwarded-Proto`` uvicorn trusts), the same test that marks cookies ``Secure``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.types import Scope

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


def with_security_headers(headers: Iterable[tuple[bytes, bytes]], scope: Scope) -> list[Any]:
    """An answer's headers with ours added, where the answer did not set them itself."""
    extra = HEADERS + ((HSTS,) if scope.get("scheme") == "https" else ())
    headers = list(headers)
    present = {name.lower() for name, _ in headers}
    return headers + [(name, value) for name, value in extra if name not in present]
