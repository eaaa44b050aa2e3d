"""Sign-in, tokens and invitations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from tidings.actions import auth, invitations
from tidings.api import schemas, signin
from tidings.api.deps import client_address, current_actor, json, read, services, write
from tidings.api.openapi import errors
from tidings.core.roles import Actor, Role
from tidings.queries.directory import list_tokens
from tidings.store.tx import Tx

router = APIRouter(tags=["auth"])


@router.post("/auth/login", response_model=schemas.LoginOut, responses=errors(401, 429))
async def login(body: schemas.LoginIn, request: Request) -> Response:
    """Failed tries make further ones wait (429 ``login_throttled`` with Retry-After)."""
    return json(
        await signin.sign_in(
            services(request),
            email=body.email,
            password=body.password,
            workspace=body.workspace,
            client=client_address(request),
        )
    )


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    token = request.headers["authorization"].partition(" ")[2].strip()
    await services(request).db.awrite(lambda tx: auth.revoke_token_by_secret(tx, actor, token))
    return Response(status_code=204)


@router.get("/tokens", response_model=list[schemas.Token])
async def tokens(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    return await read(request, lambda c: list_tokens(c, actor))


@router.post("/tokens", response_model=schemas.NewToken, status_code=201)
async def create_token(
    body: schemas.TokenIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(
        request, actor, lambda tx: auth.create_api_token(tx, actor, body.name, body.days), 201
    )


@router.delete("/tokens/{token_id}", response_model=schemas.Token)
async def revoke_token(
    token_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(request, actor, lambda tx: auth.revoke_token(tx, actor, token_id))


@router.post(
    "/invitations", response_model=schemas.Invitation, status_code=201, responses=errors(403)
)
async def invite(
    body: schemas.InvitationIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    svc = services(request)
    hours = body.hours or svc.settings.invitation_hours

    def create(tx: Tx) -> dict[str, Any]:
        made = invitations.create_invitation(
            tx, actor, role=Role(body.role), email=body.email, lifetime=timedelta(hours=hours)
        )
        return {**made, "url": f"{svc.settings.public_url}/invite/{made['token']}"}

    return await write(request, actor, create, 201)


@router.post(
    "/invitations/accept",
    response_model=schemas.Accepted,
    status_code=201,
    responses=errors(404, 409, 410, 429),
)
async def accept(body: schemas.AcceptIn, request: Request) -> Response:
    """Join. An e-mail that is a member already signs in with its own password, and the
    invitation is used up either way: the answer never tells who is a member."""
    svc = services(request)
    await svc.limiter.hit(f"invite:{body.token[:16]}")
    result = await signin.join(
        svc,
        token=body.token,
        email=body.email,
        display_name=body.display_name,
        password=body.password,
        time_zone=body.time_zone,
    )
    return json(result, 201)
