"""Forkouts: one message as separate direct messages, and who replied."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from tidings.actions import forkouts
from tidings.api import schemas
from tidings.api.deps import current_actor, read, services, write
from tidings.api.openapi import errors
from tidings.core.roles import Actor
from tidings.queries.forkouts import forkout_status, list_forkouts

router = APIRouter(tags=["forkouts"])


@router.post("/forkouts", response_model=schemas.Forkout, status_code=201, responses=errors(403))
async def send(
    body: schemas.ForkoutIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    """Send the message to each member (and each member of each group) as their own
    direct message; no group conversation is created."""
    max_length = services(request).settings.max_message_length
    return await write(
        request,
        actor,
        lambda tx: forkouts.send_forkout(tx, actor, **body.model_dump(), max_length=max_length),
        201,
    )


@router.get("/forkouts", response_model=list[schemas.Forkout])
async def mine(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    return await read(request, lambda c: list_forkouts(c, actor))


@router.get("/forkouts/{forkout_id}", response_model=schemas.Forkout)
async def status(
    forkout_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    """Per recipient: notified when, read or not, and the reply (its message id)."""
    return await read(request, lambda c: forkout_status(c, actor, forkout_id))


@router.post("/forkouts/{forkout_id}/follow-up", response_model=schemas.Forkout)
async def follow_up(
    forkout_id: int,
    body: schemas.FollowUpIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> Response:
    """One follow-up to everyone who has not replied yet."""
    max_length = services(request).settings.max_message_length
    return await write(
        request,
        actor,
        lambda tx: forkouts.follow_up(tx, actor, forkout_id, body.body, max_length),
    )
