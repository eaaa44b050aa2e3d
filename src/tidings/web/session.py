"""Browser sessions: a login token in an HttpOnly cookie, and a CSRF check.

The session cookie holds an ordinary login token (revoked at sign-out), so the
browser is authenticated exactly like an API client. Forms and htmx requests
carry a CSRF token that must equal the ``tidings_csrf`` cookie (double submit):
another site can make a browser send the cookie but cannot read it to copy it
into the form.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from starlette.requests import HTTPConnection
from starlette.responses import Response

from tidings.api.deps import authenticate, client_address, services
from tidings.core.roles import Actor
from tidings.errors import Forbidden, NotAuthenticated

SESSION_COOKIE = "tidings_session"
CSRF_COOKIE = "tidings_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(NotAuthenticated):
    """A page needs a signed-in member; the web UI answers with the sign-in page."""

    code = "sign_in_required"
    title = "Please sign in"


def session_token(connection: HTTPConnection) -> str | None:
    return connection.cookies.get(SESSION_COOKIE) or None


async def web_actor(request: Request) -> Actor:
    """The member signed in with this browser, or ``SignInRequired``."""
    token = session_token(request)
    if token is None:
        raise SignInRequired()
    try:
        return await authenticate(services(request), token, client_address(request))
    except NotAuthenticated:
        raise SignInRequired("Your session has ended; please sign in again") from None


def csrf_token(request: Request) -> str:
    """The browser's CSRF token, minted on first use and set by ``keep_csrf``."""
    token = getattr(request.state, "csrf", None) or request.cookies.get(CSRF_COOKIE)
    if token is None:
        token = secrets.token_urlsafe(24)
        request.state.csrf = token
    return str(token)


def keep_csrf(request: Request, response: Response) -> None:
    minted = getattr(request.state, "csrf", None)
    if minted and request.cookies.get(CSRF_COOKIE) != minted:
        _set_csrf(request, response, minted)


def renew_csrf(request: Request, response: Response) -> None:
    """A fresh CSRF token whenever who is signed in changes: a token someone planted
    or read before sign-in (or left behind at sign-out) stops working."""
    token = secrets.token_urlsafe(24)
    request.state.csrf = token
    _set_csrf(request, response, token)


def _set_csrf(request: Request, response: Response, token: str) -> None:
    secure = request.url.scheme == "https"
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="lax", secure=secure, path="/")


async def check_csrf(request: Request) -> None:
    """Router dependency: every unsafe request proves it came from our own page."""
    if request.method in SAFE_METHODS:
        return
    expected = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise Forbidden("This form has expired; reload the page and try again")


def start_session(request: Request, response: Response, token: str, max_age: int) -> None:
    secure = request.url.scheme == "https"
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )
    renew_csrf(request, response)


def end_session(response: Response, request: Request | None = None) -> None:
    """Drop the session cookie; at a deliberate sign-out (``request`` given) the CSRF
    token is renewed as well."""
    response.delete_cookie(SESSION_COOKIE, path="/")
    if request is not None:
        renew_csrf(request, response)
