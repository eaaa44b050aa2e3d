"""One's own settings: profile, password, working hours and API tokens. The forms
for hours, absences and status are handled in ``routes.availability``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection
from starlette.responses import Response

from tidings.actions import auth, digests, members
from tidings.api import signin
from tidings.api.deps import services
from tidings.core.roles import Actor
from tidings.errors import TidingsError
from tidings.queries.availability import availability
from tidings.queries.directory import list_tokens
from tidings.web.forms import Form, read_form
from tidings.web.hours import WEEKDAYS, days_of, hours_from_minutes, week_as_text
from tidings.web.render import parse_iso, render_page
from tidings.web.routes.common import run, see_other
from tidings.web.session import web_actor

router = APIRouter()
SAVED = {
    "profile": "Your profile is saved.",
    "password": "Your password is changed.",
    "revoked": "The token is revoked: it no longer works.",
    "hours": "Your hours are saved.",
    "absence": "Your time off is added.",
    "absence_removed": "That time off is removed.",
    "digest": "Your digest settings are saved.",
}


def _tokens(conn: Connection, actor: Actor) -> dict[str, Any]:
    tokens = list_tokens(conn, actor)
    return {
        "api_tokens": [t for t in tokens if t["kind"] == auth.API],
        "sessions": [t for t in tokens if t["kind"] == auth.LOGIN],
    }


def _hours(conn: Connection, actor: Actor, now: datetime) -> dict[str, Any]:
    """My working time as the forms show it: hours as text, absences as local days."""
    mine = availability(conn, actor, actor.member_id, now)
    zone = mine["time_zone"]
    absences = []
    for absence in mine["absences"]:
        first, last = days_of(parse_iso(absence["starts_at"]), parse_iso(absence["ends_at"]), zone)
        absences.append({**absence, "first_day": first, "last_day": last})
    return {
        "working_text": week_as_text(mine["working_hours"]),
        "office_text": week_as_text(mine["office_hours"]),
        "holidays_text": ", ".join(mine["holidays"]),
        "dm_reply_hours": hours_from_minutes(mine["dm_reply_minutes"]),
        "absences": absences,
        "weekdays": WEEKDAYS,
    }


async def settings_response(
    request: Request, actor: Actor, status: int = 200, **extra: Any
) -> Response:
    """The settings page; ``errors`` and ``values`` are keyed by the form they concern."""
    now = services(request).db.clock.now()
    context = {"errors": {}, "values": {}, **extra}
    return await render_page(
        request,
        actor,
        "settings.html",
        lambda c: {
            **_tokens(c, actor),
            **_hours(c, actor, now),
            "digest": digests.preferences_view(digests.preferences(c, actor.member_id)),
        },
        status,
        **context,
    )


async def settings_refused(
    request: Request, actor: Actor, section: str, form: Form, exc: TidingsError
) -> Response:
    """The same page, the reason next to the form it concerns, what was typed kept."""
    return await settings_response(
        request, actor, exc.status, errors={section: exc}, values={section: form.values()}
    )


@router.get("/settings", response_class=HTMLResponse)
async def settings_page(
    request: Request, saved: str | None = None, actor: Actor = Depends(web_actor)
) -> Response:
    return await settings_response(request, actor, saved=SAVED.get(saved or ""))


@router.post("/settings/profile", response_class=HTMLResponse)
async def profile(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    try:
        fields = {
            "display_name": form.text("display_name", max_length=120),
            "title": form.text("title", max_length=120),
            "time_zone": form.text("time_zone", max_length=64).strip(),
        }
        await run(request, actor, lambda tx: members.update_profile(tx, actor, **fields))
    except TidingsError as exc:
        return await settings_refused(request, actor, "profile", form, exc)
    return see_other(request, "/settings?saved=profile")


@router.post("/settings/password", response_class=HTMLResponse)
async def password(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    try:
        hashes = await signin.password_change(
            services(request),
            actor,
            current_password=form.text("current_password", max_length=1024, required=True),
            password=form.text("password", max_length=1024, required=True),
        )
        await run(request, actor, lambda tx: members.update_profile(tx, actor, **hashes))
    except TidingsError as exc:
        return await settings_refused(request, actor, "password", form, exc)
    return see_other(request, "/settings?saved=password")


@router.post("/settings/tokens", response_class=HTMLResponse)
async def create_token(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    """The secret is shown on this response only: never in a URL, never stored."""
    form = await read_form(request)
    try:
        name, days = form.text("name", max_length=120), form.number("days")
        made = await run(request, actor, lambda tx: auth.create_api_token(tx, actor, name, days))
    except TidingsError as exc:
        return await settings_refused(request, actor, "token", form, exc)
    response = await settings_response(request, actor, 201, new_token=made)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/settings/tokens/{token_id}/revoke")
async def revoke_token(
    request: Request, token_id: str, actor: Actor = Depends(web_actor)
) -> Response:
    await run(request, actor, lambda tx: auth.revoke_token(tx, actor, token_id))
    return see_other(request, "/settings?saved=revoked")
