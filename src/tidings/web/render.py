"""Templates and the context every signed-in page shares (who I am, the sidebar)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy.engine import Connection

from tidings.api.deps import services
from tidings.api.routes.files import signed_url
from tidings.core import names
from tidings.core.clips import clock_time
from tidings.core.expiry import remaining
from tidings.core.roles import Actor
from tidings.queries.directory import list_members
from tidings.queries.later import later_count
from tidings.queries.sidebar import sidebar, standing
from tidings.web.session import CSRF_FIELD, csrf_token, keep_csrf

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
# Reactions offered by the picker (in their stored, fully qualified form); any other
# emoji or short name can still be sent through the API.
REACTIONS = ("👍", "✅", "👀", "🎉", "❤️", "😄", "🙏", "🤔", "🚀", "👏", "➕", "🔥")


def parse_iso(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def local_time(value: str | datetime | None, zone: str, now: datetime) -> str:
    """A time as the viewer reads it: "14:05" today, "Tue 14:05" within a week either
    way (due times and status ends lie ahead), else a date."""
    if not value:
        return ""
    tz = ZoneInfo(zone)
    moment = parse_iso(value).astimezone(tz)
    today = now.astimezone(tz).date()
    if moment.date() == today:
        return moment.strftime("%H:%M")
    if timedelta(0) < abs(today - moment.date()) < timedelta(days=6):
        return moment.strftime("%a %H:%M")
    if moment.year == today.year:
        return f"{moment.day} {moment.strftime('%b %H:%M')}"
    return f"{moment.day} {moment.strftime('%b %Y')}"


@pass_context
def _when(context: Any, value: str | None) -> str:
    me = context.get("me")
    zone = me["time_zone"] if me else "UTC"
    return local_time(value, zone, context["now"])


@pass_context
def _full_time(context: Any, value: str | None) -> str:
    if not value:
        return ""
    me = context.get("me")
    zone = me["time_zone"] if me else "UTC"
    return parse_iso(value).astimezone(ZoneInfo(zone)).strftime(f"%A %d %B %Y, %H:%M ({zone})")


def _zone_clock(zone: str, now: datetime) -> str:
    return now.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def _city(zone: str) -> str:
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _json(value: Any) -> Markup:
    # Safe inside <script type="application/json">: "<" cannot close the element.
    return Markup(orjson.dumps(value).decode().replace("<", "\\u003c"))


templates.env.filters.update(
    when=_when,
    full_time=_full_time,
    city=_city,
    json=_json,
)
# "Self-destructs in 3 h" on messages that will expire (see core/expiry.py).
templates.env.filters["remaining"] = lambda value, now: remaining(now, parse_iso(value))


@pass_context
def _file_url(context: Any, file: dict[str, Any], part: str = "file") -> str:
    """A signed link for the viewer: images, audio and video load without a token."""
    return signed_url(services(context["request"]), context["me"]["id"], file["id"], part)


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1000  # type: ignore[assignment]
    return str(count)


templates.env.filters["filesize"] = _size
templates.env.filters["clip_time"] = clock_time
templates.env.globals.update(
    zone_names=names.zone_names(),
    zone_clock=_zone_clock,
    reaction_choices=REACTIONS,
    csrf_field=CSRF_FIELD,
    file_url=_file_url,
)


def people(conn: Connection, actor: Actor) -> dict[int, dict[str, Any]]:
    return {m["id"]: m for m in list_members(conn, actor, include_inactive=True)}


def shell(conn: Connection, actor: Actor, now: datetime) -> dict[str, Any]:
    """What the layout needs: me, everyone's names, the sidebar with my status."""
    everyone = people(conn, actor)
    return {
        "me": everyone[actor.member_id],
        "people": everyone,
        **sidebar(conn, actor),
        **standing(conn, actor, now),
        **later_count(conn, actor),
    }


def respond(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    svc = services(request)
    base = {"now": svc.db.clock.now(), "csrf": csrf_token(request), "path": request.url.path}
    response = templates.TemplateResponse(request, template, {**base, **context}, status)
    keep_csrf(request, response)
    return response


async def render_page(
    request: Request,
    actor: Actor,
    template: str,
    load: Callable[[Connection], dict[str, Any]] | None = None,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    """A full page: the shell and the page's own data, read in one snapshot."""

    now = services(request).db.clock.now()

    def gather(conn: Connection) -> dict[str, Any]:
        return {**shell(conn, actor, now), **(load(conn) if load else {})}

    context = await services(request).db.aread(gather)
    return respond(request, template, {**context, **extra}, status)


async def render_part(
    request: Request,
    actor: Actor,
    template: str,
    load: Callable[[Connection], dict[str, Any]],
    status: int = 200,
) -> HTMLResponse:
    """A fragment for htmx and the live stream: me and names, no sidebar."""

    def gather(conn: Connection) -> dict[str, Any]:
        everyone = people(conn, actor)
        return {"me": everyone[actor.member_id], "people": everyone, **load(conn)}

    return respond(request, template, await services(request).db.aread(gather), status)
