"""The member directory and each member's profile, with when they can be reached."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection
from starlette.responses import Response

from tidings.api.deps import services
from tidings.core.roles import Actor
from tidings.queries.availability import availability
from tidings.queries.directory import get_member, list_members
from tidings.web.hours import WEEKDAYS, week_as_text
from tidings.web.render import render_page
from tidings.web.session import web_actor
from tidings.web.status import presence

router = APIRouter()


def _directory(conn: Connection, actor: Actor, now: datetime) -> dict[str, Any]:
    # One availability read per member: fine for a team, the directory is not a hot path.
    everyone = list_members(conn, actor)
    views = {m["id"]: availability(conn, actor, m["id"], now) for m in everyone}
    return {
        "members": everyone,
        "presence": {i: presence(view, now) for i, view in views.items()},
        "status_text": {i: view["status"]["text"] for i, view in views.items()},
    }


def _profile(conn: Connection, actor: Actor, member_id: int, now: datetime) -> dict[str, Any]:
    person = get_member(conn, actor, member_id)
    view = availability(conn, actor, member_id, now)
    return {
        "person": person,
        "reach": view,
        "presence": presence(view, now),
        "working_text": week_as_text(view["working_hours"]),
        "office_text": week_as_text(view["office_hours"]),
        "weekdays": WEEKDAYS,
    }


@router.get("/people", response_class=HTMLResponse)
async def directory(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    now = services(request).db.clock.now()
    return await render_page(request, actor, "people.html", lambda c: _directory(c, actor, now))


@router.get("/people/{member_id}", response_class=HTMLResponse)
async def profile(request: Request, member_id: int, actor: Actor = Depends(web_actor)) -> Response:
    now = services(request).db.clock.now()
    return await render_page(
        request, actor, "person.html", lambda c: _profile(c, actor, member_id, now)
    )
