"""Members of the workspace and one's own profile."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from tidings.actions import members
from tidings.api import schemas, signin
from tidings.api.deps import current_actor, read, services, write
from tidings.api.openapi import errors
from tidings.core.permissions import require_assign_role
from tidings.core.roles import Actor, Role
from tidings.queries.directory import get_member, list_members

router = APIRouter(tags=["users"])


@router.get("/users", response_model=list[schemas.Member])
async def users(
    request: Request, include_inactive: bool = False, actor: Actor = Depends(current_actor)
) -> Response:
    return await read(request, lambda c: list_members(c, actor, include_inactive))


@router.post("/users", response_model=schemas.Member, status_code=201, responses=errors(403, 409))
async def add_user(
    body: schemas.MemberIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    require_assign_role(actor, Role.GUEST, Role(body.role))  # before paying for a hash
    password_hash = await signin.chosen_password(services(request), body.password)
    return await write(
        request,
        actor,
        lambda tx: members.add_member(
            tx,
            actor,
            email=body.email,
            display_name=body.display_name,
            password_hash=password_hash,
            role=Role(body.role),
            time_zone=body.time_zone,
        ),
        201,
    )


@router.get("/users/me", response_model=schemas.Member)
async def me(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    return await read(request, lambda c: get_member(c, actor, actor.member_id))


@router.patch("/users/me", response_model=schemas.Member)
async def update_me(
    body: schemas.ProfileIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    fields = body.model_dump(exclude_unset=True)
    password, current = fields.pop("password", None), fields.pop("current_password", None)
    if password is not None:
        fields |= await signin.password_change(
            services(request), actor, password=password, current_password=current
        )
    return await write(request, actor, lambda tx: members.update_profile(tx, actor, **fields))


@router.get("/users/{member_id}", response_model=schemas.Member)
async def user(member_id: int, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    return await read(request, lambda c: get_member(c, actor, member_id))


@router.put("/users/{member_id}/role", response_model=schemas.Member, responses=errors(403, 409))
async def set_role(
    member_id: int, body: schemas.RoleIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(
        request, actor, lambda tx: members.change_role(tx, actor, member_id, Role(body.role))
    )


@router.post(
    "/users/{member_id}/deactivate", response_model=schemas.Member, responses=errors(403, 409)
)
async def deactivate(
    member_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(request, actor, lambda tx: members.deactivate_member(tx, actor, member_id))
