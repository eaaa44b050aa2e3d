"""Signing in and out, first-run setup, and joining through an invitation link."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from tidings.actions import auth
from tidings.actions.workspaces import has_workspace
from tidings.api import signin
from tidings.api.deps import client_address, services
from tidings.errors import Conflict, RateLimited, TidingsError
from tidings.web.forms import read_form
from tidings.web.render import respond
from tidings.web.session import end_session, session_token, start_session, web_actor

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only paths on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _signed_in(request: Request, token: str, target: str = "/") -> Response:
    response = RedirectResponse(safe_next(target), status_code=303)
    days = services(request).settings.login_token_days
    start_session(request, response, token, max_age=days * 86400)
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, next: str = "/") -> Response:
    if not await services(request).db.aread(has_workspace):
        return RedirectResponse("/setup", status_code=303)
    return respond(request, "signin/login.html", {"next": safe_next(next), "values": {}})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    svc = services(request)
    form = await read_form(request)
    target = safe_next(form.text("next", max_length=2000))
    try:
        email = form.text("email", max_length=254, required=True)
        password = form.text("password", max_length=1024, required=True)
        workspace = form.optional("workspace", max_length=64)
        result = await signin.sign_in(
            svc, email=email, password=password, workspace=workspace, client=client_address(request)
        )
    except TidingsError as exc:
        context = {"next": target, "values": form.values(), "error": exc}
        response = respond(request, "signin/login.html", context, exc.status)
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    return _signed_in(request, result["token"], target)


@router.post("/logout")
async def logout(request: Request) -> Response:
    token = session_token(request)
    try:
        actor = await web_actor(request)
    except TidingsError:
        actor = None
    if actor is not None and token is not None:
        await services(request).db.awrite(lambda tx: auth.revoke_token_by_secret(tx, actor, token))
    response = RedirectResponse("/login", status_code=303)
    end_session(response, request)
    return response


@router.get("/setup", response_class=HTMLResponse)
async def setup_page(request: Request) -> Response:
    if await services(request).db.aread(has_workspace):
        return RedirectResponse("/login", status_code=303)
    return respond(request, "signin/setup.html", {"values": {}})


@router.post("/setup", response_class=HTMLResponse)
async def setup(request: Request) -> Response:
    svc = services(request)
    form = await read_form(request)
    try:
        values = {
            "name": form.text("workspace", max_length=120, required=True),
            "owner_name": form.text("display_name", max_length=120, required=True),
            "owner_email": form.text("email", max_length=254, required=True),
            "owner_password": form.text("password", max_length=1024, required=True),
            "owner_time_zone": form.text("time_zone", max_length=64, required=True),
        }
        if await svc.db.aread(has_workspace):  # before paying for a password hash
            raise Conflict("This server is set up already; sign in instead")
        made = await signin.set_up(svc, **values)
    except TidingsError as exc:
        context = {"values": form.values(), "error": exc}
        return respond(request, "signin/setup.html", context, exc.status)
    return _signed_in(request, made["token"], "/")


@router.get("/invite/{token}", response_class=HTMLResponse)
async def invitation_page(request: Request, token: str) -> Response:
    return respond(request, "signin/invite.html", {"token": token, "values": {}})


@router.post("/invite/{token}", response_class=HTMLResponse)
async def accept_invitation(request: Request, token: str) -> Response:
    """Join; the invitation's rules (expiry, e-mail, single use) live in the action."""
    svc = services(request)
    form = await read_form(request)
    try:
        values = {
            "display_name": form.text("display_name", max_length=120, required=True),
            "email": form.text("email", max_length=254, required=True),
            "password": form.text("password", max_length=1024, required=True),
            "time_zone": form.text("time_zone", max_length=64, required=True),
        }
        await svc.limiter.hit(f"invite:{token[:16]}")
        result = await signin.join(svc, token=token, **values)
    except TidingsError as exc:
        context = {"token": token, "values": form.values(), "error": exc}
        return respond(request, "signin/invite.html", context, exc.status)
    return _signed_in(request, result["token"], "/?welcome=1")
