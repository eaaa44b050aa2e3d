"""Catch-up, the digest section of Settings, and unsubscribing from the digest
e-mail. The unsubscribe routes are outside the CSRF check (see ``pages``): the
token in the link is their only credential, and a mail client's one-click POST
(RFC 8058) carries no cookie."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection
from starlette.responses import Response

from tidings.actions import digests
from tidings.api.deps import services
from tidings.core.roles import Actor
from tidings.errors import InvalidInput, TidingsError
from tidings.queries.catchup import away_for, catchup, default_since
from tidings.web.forms import read_form
from tidings.web.render import parse_iso, render_page, respond
from tidings.web.routes.common import run, see_other
from tidings.web.routes.settings import settings_refused
from tidings.web.session import web_actor

router = APIRouter()
unsubscribe_router = APIRouter(include_in_schema=False)
BANNER_AFTER = timedelta(hours=8)


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = parse_iso(value)
    except ValueError:
        raise InvalidInput("since is a date and time such as 2026-12-07T09:00Z") from None
    if moment.tzinfo is None:
        raise InvalidInput("since needs a time zone, such as 2026-12-07T09:00Z")
    return moment


def away_banner(conn: Connection, actor: Actor, now: datetime) -> dict[str, int] | None:
    """The Inbox's "while you were away" counts, after an absence of some hours."""
    away = away_for(conn, actor.member_id)
    if away is None or away < BANNER_AFTER:
        return None
    counts = catchup(conn, actor, default_since(conn, actor.member_id, now), now)["counts"]
    return counts if any(counts.values()) else None


@router.get("/catchup", response_class=HTMLResponse)
async def catchup_page(
    request: Request, since: str | None = None, actor: Actor = Depends(web_actor)
) -> Response:
    now = services(request).db.clock.now()
    start = _since(since)

    def load(conn: Connection) -> dict[str, Any]:
        begin = start or default_since(conn, actor.member_id, now)
        return {"found": catchup(conn, actor, begin, now)}

    return await render_page(request, actor, "catchup.html", load)


@router.post("/settings/digest", response_class=HTMLResponse)
async def digest_settings(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    try:
        fields = {
            "digest_time": form.text("digest_time", max_length=5, required=True),
            "email_enabled": form.flag("email_enabled"),
            "send_if_active": form.flag("send_if_active"),
        }
        await run(request, actor, lambda tx: digests.set_preferences(tx, actor, **fields))
    except TidingsError as exc:
        return await settings_refused(request, actor, "digest", form, exc)
    return see_other(request, "/settings?saved=digest")


async def _unsubscribe_page(request: Request, token: str, **extra: Any) -> Response:
    try:
        who = await services(request).db.aread(lambda c: digests.check_token(c, token))
    except TidingsError as exc:
        return respond(request, "unsubscribe.html", {"error": exc, "token": token}, exc.status)
    return respond(request, "unsubscribe.html", {"who": who, "token": token, **extra})


@unsubscribe_router.get("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe_page(request: Request, token: str) -> Response:
    response = await _unsubscribe_page(request, token)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@unsubscribe_router.post("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe(request: Request, token: str) -> Response:
    try:
        await services(request).db.awrite(lambda tx: digests.unsubscribe(tx, token))
    except TidingsError as exc:
        return respond(request, "unsubscribe.html", {"error": exc, "token": token}, exc.status)
    return await _unsubscribe_page(request, token, done=True)
