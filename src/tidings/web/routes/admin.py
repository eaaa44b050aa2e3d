"""Administration: members and their roles, invitations, and every channel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection
from starlette.responses import Response

from tidings.actions import invitations, members
from tidings.api.deps import services
from tidings.core.permissions import allows, require_admin, require_assign_role, require_invite
from tidings.core.roles import Actor, Role
from tidings.errors import InvalidInput, TidingsError
from tidings.queries.channels import list_channels
from tidings.queries.directory import list_members
from tidings.store.tx import Tx
from tidings.web.forms import Form, read_form
from tidings.web.render import render_page
from tidings.web.routes.common import run, see_other
from tidings.web.session import web_actor

router = APIRouter()
# The roles an invitation may carry, as in the API; owners are made, not invited.
INVITABLE = (Role.MEMBER, Role.GUEST, Role.ADMIN)
MAX_INVITATION_HOURS = 24 * 90


def _abilities(actor: Actor, member: dict[str, Any]) -> dict[str, Any]:
    current = Role(member["role"])
    return {
        "roles": [role.value for role in Role if allows(require_assign_role, actor, current, role)],
        "deactivate": member["id"] != actor.member_id
        and allows(require_assign_role, actor, current, Role.GUEST),
    }


def _admin(conn: Connection, actor: Actor) -> dict[str, Any]:
    everyone = list_members(conn, actor, include_inactive=True)
    return {
        "active": [m for m in everyone if m["is_active"]],
        "inactive": [m for m in everyone if not m["is_active"]],
        "can": {m["id"]: _abilities(actor, m) for m in everyone},
        "invite_roles": [r.value for r in INVITABLE if allows(require_invite, actor, r)],
    }


async def _admin_page(request: Request, actor: Actor, status: int = 200, **extra: Any) -> Response:
    require_admin(actor)
    context = {"errors": {}, "values": {}, **extra}
    hours = services(request).settings.invitation_hours
    return await render_page(
        request,
        actor,
        "admin.html",
        lambda c: _admin(c, actor),
        status,
        default_hours=hours,
        **context,
    )


async def _refused(
    request: Request, actor: Actor, key: str | int, form: Form, exc: TidingsError
) -> Response:
    return await _admin_page(
        request, actor, exc.status, errors={key: exc}, values={key: form.values()}
    )


@router.get("/admin", response_class=HTMLResponse)
async def admin_page(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    return await _admin_page(request, actor)


def _role(form: Form, choices: tuple[Role, ...] = tuple(Role)) -> Role:
    value = form.text("role", max_length=16, required=True)
    if value not in choices:
        raise InvalidInput("Choose a role from the list", field="role")
    return Role(value)


@router.post("/admin/members/{member_id}/role", response_class=HTMLResponse)
async def change_role(
    request: Request, member_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    form = await read_form(request)
    try:
        role = _role(form)
        await run(request, actor, lambda tx: members.change_role(tx, actor, member_id, role))
    except TidingsError as exc:
        return await _refused(request, actor, member_id, form, exc)
    return see_other(request, f"/admin#member-{member_id}")


@router.post("/admin/members/{member_id}/deactivate", response_class=HTMLResponse)
async def deactivate(
    request: Request, member_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    form = await read_form(request)
    try:
        await run(request, actor, lambda tx: members.deactivate_member(tx, actor, member_id))
    except TidingsError as exc:
        return await _refused(request, actor, member_id, form, exc)
    return see_other(request, "/admin#inactive-heading")


def _hours(form: Form, default: int) -> int:
    hours = form.number("hours")
    if hours is None:
        return default
    if not 1 <= hours <= MAX_INVITATION_HOURS:
        raise InvalidInput(f"An invitation lasts 1 to {MAX_INVITATION_HOURS} hours", field="hours")
    return hours


def _invite(request: Request, actor: Actor, role: Role, email: str | None, hours: int) -> Any:
    public_url = services(request).settings.public_url

    def create(tx: Tx) -> dict[str, Any]:
        made = invitations.create_invitation(
            tx, actor, role=role, email=email, lifetime=timedelta(hours=hours)
        )
        return {**made, "url": f"{public_url}/invite/{made['token']}"}

    return create


@router.post("/admin/invitations", response_class=HTMLResponse)
async def invite(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    """The link is shown on this response only: the secret is stored hashed."""
    form = await read_form(request)
    try:
        role = _role(form, INVITABLE)
        email = form.optional("email", max_length=254)
        hours = _hours(form, services(request).settings.invitation_hours)
        made = await run(request, actor, _invite(request, actor, role, email, hours))
    except TidingsError as exc:
        return await _refused(request, actor, "invite", form, exc)
    response = await _admin_page(request, actor, 201, invitation=made)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/admin/channels", response_class=HTMLResponse)
async def channels_page(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    require_admin(actor)
    return await render_page(
        request,
        actor,
        "admin_channels.html",
        lambda c: {"all_channels": list_channels(c, actor, include_archived=True)},
    )
