"""User groups such as @design: list, create, change, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection
from starlette.responses import Response

from tidings.actions import groups
from tidings.core.permissions import allows, require_admin, require_not_guest
from tidings.core.roles import Actor
from tidings.errors import InvalidInput, TidingsError
from tidings.queries.directory import list_groups, list_members
from tidings.store.tx import Tx
from tidings.web.forms import Form, read_form
from tidings.web.render import render_page
from tidings.web.routes.common import run, see_other
from tidings.web.session import web_actor

router = APIRouter()


def _groups(conn: Connection, actor: Actor) -> dict[str, Any]:
    return {
        "groups": list_groups(conn, actor),
        "can": {
            "edit": allows(require_not_guest, actor),
            "delete": allows(require_admin, actor),
        },
    }


def _chosen(form: Form) -> list[int]:
    """The ticked members, to tick them again when the form is refused."""
    try:
        return form.ids("member_id")
    except InvalidInput:
        return []


async def _refused(
    request: Request, actor: Actor, form: Form, exc: TidingsError, key: str | int
) -> Response:
    kept = {**form.values(), "member_ids": _chosen(form)}
    return await render_page(
        request,
        actor,
        "groups.html",
        lambda c: _groups(c, actor),
        status=exc.status,
        errors={key: exc},
        values={key: kept},
    )


@router.get("/groups", response_class=HTMLResponse)
async def groups_page(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    return await render_page(
        request, actor, "groups.html", lambda c: _groups(c, actor), errors={}, values={}
    )


@router.post("/groups", response_class=HTMLResponse)
async def create(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    try:
        fields: dict[str, Any] = {
            "handle": form.text("handle", max_length=80, required=True),
            "name": form.text("name", max_length=120),
            "description": form.text("description", max_length=500),
            "member_ids": form.ids("member_id"),
        }
        await run(request, actor, lambda tx: groups.create_group(tx, actor, **fields))
    except TidingsError as exc:
        return await _refused(request, actor, form, exc, "new")
    return see_other(request, "/groups")


def _change(actor: Actor, group_id: int, fields: dict[str, Any], ticked: list[int]) -> Any:
    """Make the group's active members exactly the ticked ones (the form lists only
    active members, so deactivated ones are left as they are)."""

    def apply(tx: Tx) -> Any:
        unticked = [m["id"] for m in list_members(tx.conn, actor) if m["id"] not in ticked]
        return groups.change_group(tx, actor, group_id, add=ticked, remove=unticked, **fields)

    return apply


@router.post("/groups/{group_id}", response_class=HTMLResponse)
async def change(request: Request, group_id: int, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    try:
        fields = {
            "name": form.text("name", max_length=120),
            "description": form.text("description", max_length=500),
        }
        ticked = form.ids("member_id")
        await run(request, actor, _change(actor, group_id, fields, ticked))
    except TidingsError as exc:
        return await _refused(request, actor, form, exc, group_id)
    return see_other(request, f"/groups#group-{group_id}")


@router.post("/groups/{group_id}/delete")
async def delete(request: Request, group_id: int, actor: Actor = Depends(web_actor)) -> Response:
    await run(request, actor, lambda tx: groups.delete_group(tx, actor, group_id))
    return see_other(request, "/groups")
