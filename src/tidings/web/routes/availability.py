"""Working hours, absences and status, from the settings page and the status picker in
the sidebar; and a channel's response expectation, from the channel's members page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from tidings.actions import availability, channels
from tidings.core.availability import OUT_OF_OFFICE
from tidings.core.roles import Actor
from tidings.core.worktime import DAY_KEYS
from tidings.errors import InvalidInput, TidingsError
from tidings.queries.availability import member_schedule
from tidings.queries.directory import get_member
from tidings.store.tx import Tx
from tidings.web.forms import Form, read_form
from tidings.web.hours import (
    dates,
    days_range,
    local_date,
    minutes_from_hours,
    response_minutes,
    week_from_fields,
)
from tidings.web.render import render_page
from tidings.web.routes.channels import members_context
from tidings.web.routes.common import back, run, see_other
from tidings.web.routes.settings import settings_refused
from tidings.web.session import web_actor
from tidings.web.status import preset, status_until

router = APIRouter()


def _zone(tx: Tx, actor: Actor) -> str:
    return str(get_member(tx.conn, actor, actor.member_id)["time_zone"])


@router.post("/settings/hours", response_class=HTMLResponse)
async def hours(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    try:
        typed = {
            f"{prefix}_{day}": form.text(f"{prefix}_{day}")
            for prefix in ("working", "office")
            for day in DAY_KEYS
        }
        fields: dict[str, Any] = {
            "working_hours": week_from_fields(typed, "working"),
            "office_hours": week_from_fields(typed, "office"),
            "holidays": dates(form.text("holidays", max_length=6000)),
            "dm_reply_minutes": minutes_from_hours(
                form.text("dm_reply_hours", max_length=20), "dm_reply_hours"
            ),
        }
        await run(request, actor, lambda tx: availability.set_hours(tx, actor, **fields))
    except TidingsError as exc:
        return await settings_refused(request, actor, "hours", form, exc)
    return see_other(request, "/settings?saved=hours")


@router.post("/settings/absences", response_class=HTMLResponse)
async def add_absence(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    """Whole local days, the last one included, in the member's own time zone."""
    form = await read_form(request)
    try:
        first = local_date(form.text("first_day", max_length=20), "first_day", "first day")
        last = local_date(form.text("last_day", max_length=20), "last_day", "last day")
        note = form.text("note", max_length=200)

        def add(tx: Tx) -> dict[str, Any]:
            starts_at, ends_at = days_range(first, last, _zone(tx, actor))
            return availability.add_absence(tx, actor, starts_at, ends_at, note)

        await run(request, actor, add)
    except TidingsError as exc:
        return await settings_refused(request, actor, "absence", form, exc)
    return see_other(request, "/settings?saved=absence")


@router.post("/settings/absences/{absence_id}/remove")
async def remove_absence(
    request: Request, absence_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    await run(request, actor, lambda tx: availability.remove_absence(tx, actor, absence_id))
    return see_other(request, "/settings?saved=absence_removed")


@router.get("/status", response_class=HTMLResponse)
async def status_page(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    return await render_page(request, actor, "status.html", error=None, values={})


@router.post("/status", response_class=HTMLResponse)
async def set_status(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    """From the status picker on any page: back to that page once the status is set."""
    form = await read_form(request)
    try:
        name = form.text("preset", max_length=32)
        state, _ = preset(name)
        text = form.text("text", max_length=120)
        day = form.text("back_on", max_length=20).strip()
        back_on = None
        if state == OUT_OF_OFFICE and day:
            back_on = local_date(day, "back_on", "day you are back")

        def change(tx: Tx) -> dict[str, Any]:
            schedule = member_schedule(tx.conn, actor.workspace_id, actor.member_id)
            until = status_until(name, tx.now, schedule, back_on)
            return availability.set_status(tx, actor, state, until=until, text=text)

        await run(request, actor, change)
    except TidingsError as exc:
        return await render_page(
            request, actor, "status.html", status=exc.status, error=exc, values=form.values()
        )
    return back(request, "/")


def _chosen(form: Form, name: str) -> list[int]:
    try:
        return form.ids(name)
    except InvalidInput:
        return []


def _budget(form: Form) -> int:
    budget = form.number("urgent_budget")
    if budget is None:
        raise InvalidInput("Give how many urgent messages a day", field="urgent_budget")
    return budget


@router.post("/c/{channel_id}/response", response_class=HTMLResponse)
async def channel_response(
    request: Request, channel_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    form = await read_form(request)
    try:
        fields: dict[str, Any] = {
            "response_minutes": response_minutes(
                form.text("response", max_length=16), form.text("custom_hours", max_length=20)
            ),
            "allow_urgent": form.flag("allow_urgent"),
            "urgent_budget": _budget(form),
            "responder_ids": form.ids("responder_id"),
            "responder_group_ids": form.ids("responder_group_id"),
        }
        await run(request, actor, lambda tx: channels.set_response(tx, actor, channel_id, **fields))
    except TidingsError as exc:
        kept = {
            **form.values(),
            "allow_urgent": form.flag("allow_urgent"),
            "responder_ids": _chosen(form, "responder_id"),
            "responder_group_ids": _chosen(form, "responder_group_id"),
        }
        return await render_page(
            request,
            actor,
            "channel_members.html",
            lambda c: members_context(c, actor, channel_id),
            status=exc.status,
            response_error=exc,
            response_values=kept,
        )
    return see_other(request, f"/c/{channel_id}/members?saved=response")
