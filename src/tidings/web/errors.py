"""Failures on web pages: the sign-in page when a session is missing, otherwise an
error page that says what went wrong (never a traceback)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from tidings.errors import NotAuthenticated, StorageUnavailable
from tidings.web.render import respond
from tidings.web.session import end_session

STORAGE_PAGE = {
    "title": "Tidings cannot save changes right now",
    "detail": "The server cannot write to its database at the moment, so what you just "
    "sent was not saved. Nothing else is lost. Go back (your text is usually still in "
    "the form) and try again in a minute; if it keeps happening, tell your administrator.",
}


def render_error(request: Request, status: int, title: str, detail: str, exc: object) -> Response:
    if isinstance(exc, NotAuthenticated):
        target = "/login?next=" + quote(request.url.path, safe="/")
        if request.headers.get("hx-request") == "true":
            response: Response = Response(status_code=401, headers={"HX-Redirect": target})
        else:
            response = RedirectResponse(target, status_code=303)
        end_session(response)
        return response
    context = {"status": status, "title": title, "detail": detail}
    if isinstance(exc, StorageUnavailable):
        context.update(STORAGE_PAGE, retry_after=exc.retry_after)
    return respond(request, "error.html", context, status)
