"""User groups."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from tidings.actions import groups
from tidings.api import schemas
from tidings.api.deps import current_actor, read, write
from tidings.api.openapi import errors
from tidings.core.roles import Actor
from tidings.queries.directory import list_groups

router = APIRouter(tags=["groups"])


@router.get("/groups", response_model=list[schemas.Group])
async def list_all(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    return await read(request, lambda c: list_groups(c, actor))


@router.post("/groups", response_model=schemas.Group, status_code=201, responses=errors(403, 409))
async def create(
    body: schemas.GroupIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(
        request, actor, lambda tx: groups.create_group(tx, actor, **body.model_dump()), 201
    )


@router.patch("/groups/{group_id}", response_model=schemas.Group, responses=errors(403))
async def change(
    group_id: int, body: schemas.GroupPatch, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(
        request, actor, lambda tx: groups.change_group(tx, actor, group_id, **body.model_dump())
    )


@router.delete("/groups/{group_id}", response_model=schemas.Group, responses=errors(403))
async def delete(
    group_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(request, actor, lambda tx: groups.delete_group(tx, actor, group_id))
