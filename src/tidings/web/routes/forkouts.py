"""Forkouts in the browser: send one message as separate DMs and watch replies come in."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection
from starlette.responses import Response

from tidings.actions import forkouts, scheduled
from tidings.api.deps import services
from tidings.core.roles import Actor
from tidings.errors import TidingsError
from tidings.queries.directory import list_groups
from tidings.queries.forkouts import forkout_status, list_forkouts
from tidings.web.forms import read_form
from tidings.web.render import render_page
from tidings.web.routes.common import run, see_other
from tidings.web.routes.later import local_moment
from tidings.web.session import web_actor

router = APIRouter()


def _list(conn: Connection, actor: Actor) -> dict[str, Any]:
    return {"forkouts": list_forkouts(conn, actor), "groups": list_groups(conn, actor)}


@router.get("/forkouts", response_class=HTMLResponse)
async def forkouts_page(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    return await render_page(
        request, actor, "forkouts.html", lambda c: _list(c, actor), values={}, form_key=uuid4().hex
    )


@router.post("/forkouts", response_class=HTMLResponse)
async def send(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    max_length = services(request).settings.max_message_length
    try:
        fields = {
            "body": form.text("body", max_length=max_length, required=True),
            "member_ids": form.ids("member_id"),
            "group_ids": form.ids("group_id"),
            "priority": form.text("priority", max_length=16) or "normal",
        }
        typed = form.text("send_at", max_length=40).strip()

        def act(tx: Any) -> Any:
            if not typed:
                return forkouts.send_forkout(tx, actor, **fields, max_length=max_length)
            target = {"member_ids": fields.pop("member_ids"), "group_ids": fields.pop("group_ids")}
            when = local_moment(tx.conn, actor, typed, "send_at")
            return scheduled.schedule_message(
                tx, actor, **fields, forkout=target, send_at=when, max_length=max_length
            )

        made = await run(request, actor, act, form.text("form_key", max_length=200) or None)
    except TidingsError as exc:
        return await render_page(
            request,
            actor,
            "forkouts.html",
            lambda c: _list(c, actor),
            status=exc.status,
            error=exc,
            values=form.values(),
            form_key=uuid4().hex,
            chosen=set(form.data.getlist("member_id")) | set(form.data.getlist("group_id")),
        )
    if "send_at" in made:
        return see_other(request, "/scheduled")
    return see_other(request, f"/forkouts/{made['id']}")


@router.get("/forkouts/{forkout_id}", response_class=HTMLResponse)
async def status_page(
    request: Request, forkout_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    return await render_page(
        request, actor, "forkout.html", lambda c: {"forkout": forkout_status(c, actor, forkout_id)}
    )


@router.post("/forkouts/{forkout_id}/follow-up", response_class=HTMLResponse)
async def follow_up(
    request: Request, forkout_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    form = await read_form(request)
    max_length = services(request).settings.max_message_length
    try:
        body = form.text("body", max_length=max_length, required=True)
        await run(
            request, actor, lambda tx: forkouts.follow_up(tx, actor, forkout_id, body, max_length)
        )
    except TidingsError as exc:
        return await render_page(
            request,
            actor,
            "forkout.html",
            lambda c: {"forkout": forkout_status(c, actor, forkout_id)},
            status=exc.status,
            error=exc,
            values=form.values(),
        )
    return see_other(request, f"/forkouts/{forkout_id}")
