"""The Inbox (the home page), direct-message lists and the live-refreshed parts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from tidings.actions import conversations
from tidings.api.deps import services
from tidings.core.roles import Actor
from tidings.errors import InvalidInput, TidingsError
from tidings.queries.inbox import inbox
from tidings.web.forms import read_form
from tidings.web.render import render_page, respond, shell
from tidings.web.routes.catchup import away_banner
from tidings.web.routes.common import run, see_other
from tidings.web.session import web_actor

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def inbox_page(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    now = services(request).db.clock.now()
    return await render_page(
        request, actor, "inbox.html", lambda c: {"away": away_banner(c, actor, now)}
    )


@router.get("/parts/shell", response_class=HTMLResponse)
async def shell_part(
    request: Request, part: str, current: str = "/", actor: Actor = Depends(web_actor)
) -> Response:
    """The sidebar or the Inbox list, re-rendered when the live stream says they changed."""
    template = {"sidebar": "parts/sidebar.html", "inbox": "parts/inbox_list.html"}.get(part)
    if template is None:
        return Response(status_code=404)
    db = services(request).db
    now = db.clock.now()
    context = await db.aread(lambda c: shell(c, actor, now))
    return respond(request, template, {**context, "path": current})


@router.get("/next")
async def next_unread(
    request: Request, current: str = "", actor: Actor = Depends(web_actor)
) -> Response:
    """The `n` shortcut: open the first unread topic or conversation in Inbox order."""
    unread = await services(request).db.aread(lambda c: inbox(c, actor))
    for item in unread["items"]:
        place = (
            f"/t/{item['topic_id']}"
            if item["kind"] == "topic"
            else f"/dm/{item['conversation_id']}"
        )
        if place != current:
            return see_other(request, f"{place}#m{item['first_unread_id']}")
    return see_other(request, "/")


@router.get("/dm", response_class=HTMLResponse)
async def conversations_page(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    return await render_page(request, actor, "conversations.html", values={})


@router.post("/dm", response_class=HTMLResponse)
async def open_conversation(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    try:
        ids = form.ids("member_id")
        if not ids:
            raise InvalidInput("Choose at least one person", field="member_id")
        made = await run(request, actor, lambda tx: conversations.open_conversation(tx, actor, ids))
    except TidingsError as exc:
        return await render_page(
            request, actor, "conversations.html", status=exc.status, error=exc, values={}
        )
    return see_other(request, f"/dm/{made['id']}")
