"""The member directory and each member's profile."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from tidings.core.roles import Actor
from tidings.queries.directory import get_member, list_members
from tidings.web.render import render_page
from tidings.web.session import web_actor

router = APIRouter()


@router.get("/people", response_class=HTMLResponse)
async def directory(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    return await render_page(
        request, actor, "people.html", lambda c: {"members": list_members(c, actor)}
    )


@router.get("/people/{member_id}", response_class=HTMLResponse)
async def profile(request: Request, member_id: int, actor: Actor = Depends(web_actor)) -> Response:
    return await render_page(
        request, actor, "person.html", lambda c: {"person": get_member(c, actor, member_id)}
    )
