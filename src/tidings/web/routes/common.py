"""What the page modules share: running an action for a form, and answering
htmx requests and plain form posts alike."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from tidings.actions.idempotency import idempotent
from tidings.api.deps import services
from tidings.core.roles import Actor
from tidings.store.tx import Tx


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def run(
    request: Request, actor: Actor, fn: Callable[[Tx], Any], key: str | None = None
) -> Any:
    """One action in the writer. With ``key`` (a form's one-time key) a resubmitted
    form returns the first result instead of acting twice."""
    db = services(request).db
    if not key:
        return await db.awrite(fn)
    fingerprint = hashlib.sha256(f"web {request.url.path}".encode()).hexdigest()
    _, result = await db.awrite(lambda tx: idempotent(tx, actor, key, fingerprint, 200, fn))
    return result


def back(request: Request, fallback: str) -> Response:
    """After a plain form post: return to the page it came from (same site only)."""
    target = request.headers.get("referer", "")
    base = str(request.base_url)
    path = target[len(base) - 1 :] if target.startswith(base) else fallback
    return see_other(request, path or fallback)


def see_other(request: Request, path: str) -> Response:
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": path})
    return RedirectResponse(path, status_code=303)
