"""Respond later and scheduled send."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from tidings.actions import conversations, later, scheduled
from tidings.api import schemas
from tidings.api.deps import current_actor, read, services, write
from tidings.api.openapi import errors
from tidings.core.roles import Actor
from tidings.errors import InvalidInput
from tidings.queries.later import get_scheduled, list_later, list_scheduled
from tidings.store.tx import Tx

router = APIRouter(tags=["later"])


@router.put("/messages/{message_id}/later", response_model=schemas.LaterMark)
async def mark(
    message_id: int, body: schemas.LaterIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    """Put a message on your Later list, with an optional reminder; marking it again
    replaces the reminder. The reminder arrives as a notification, held to your
    working hours like any other."""
    return await write(
        request, actor, lambda tx: later.mark_later(tx, actor, message_id, body.remind)
    )


@router.delete("/messages/{message_id}/later", response_model=schemas.LaterMark)
async def clear(
    message_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(request, actor, lambda tx: later.clear_later(tx, actor, message_id))


@router.get("/later", response_model=schemas.LaterList)
async def later_list(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """Your Later list: soonest reminder first, then those without one. Replying in
    a message's topic or conversation takes it off."""
    return await read(request, lambda c: list_later(c, actor))


@router.post(
    "/scheduled",
    response_model=schemas.ScheduledMessage,
    status_code=201,
    responses=errors(403, 404),
)
async def schedule(
    body: schemas.ScheduledIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    """Write a message now, sent at ``send_at`` (or, in a one-to-one DM, at the start
    of the recipient's working day) into a topic, a conversation, or the DM with
    ``member_ids``."""
    max_length = services(request).settings.max_message_length
    fields = body.model_dump(exclude={"member_ids"})

    def act(tx: Tx) -> dict:
        if body.member_ids:
            if body.topic_id is not None or body.conversation_id is not None:
                raise InvalidInput("Name the people or the place, not both", field="member_ids")
            opened = conversations.open_conversation(tx, actor, body.member_ids)
            fields["conversation_id"] = opened["id"]
        return scheduled.schedule_message(tx, actor, **fields, max_length=max_length)

    return await write(request, actor, act, 201)


@router.get("/scheduled", response_model=schemas.ScheduledList)
async def scheduled_list(
    request: Request, all: bool = False, actor: Actor = Depends(current_actor)
) -> Response:
    """Your messages waiting to be sent; ``all=true`` adds those sent, cancelled or failed."""
    return await read(request, lambda c: list_scheduled(c, actor, include_done=all))


@router.get("/scheduled/{scheduled_id}", response_model=schemas.ScheduledMessage)
async def scheduled_one(
    scheduled_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await read(request, lambda c: get_scheduled(c, actor, scheduled_id))


@router.patch(
    "/scheduled/{scheduled_id}", response_model=schemas.ScheduledMessage, responses=errors(409)
)
async def edit(
    scheduled_id: int,
    body: schemas.ScheduledPatch,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> Response:
    max_length = services(request).settings.max_message_length
    return await write(
        request,
        actor,
        lambda tx: scheduled.edit_scheduled(
            tx, actor, scheduled_id, body=body.body, send_at=body.send_at, max_length=max_length
        ),
    )


@router.delete(
    "/scheduled/{scheduled_id}", response_model=schemas.ScheduledMessage, responses=errors(409)
)
async def cancel(
    scheduled_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(
        request, actor, lambda tx: scheduled.cancel_scheduled(tx, actor, scheduled_id)
    )
