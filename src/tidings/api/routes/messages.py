"""Single messages: edit, delete, history, reactions; and marking things read."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from tidings.actions import messages, reactions, reads
from tidings.api import schemas
from tidings.api.deps import current_actor, read, services, write
from tidings.api.openapi import errors
from tidings.core.roles import Actor
from tidings.errors import InvalidInput
from tidings.queries import messages as qm

router = APIRouter(tags=["messages"])


@router.get("/messages/{message_id}", response_model=schemas.Message)
async def get_message(
    message_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await read(request, lambda c: qm.get_message(c, actor, message_id))


@router.patch("/messages/{message_id}", response_model=schemas.Message, responses=errors(403, 410))
async def edit_message(
    message_id: int,
    body: schemas.MessagePatch,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> Response:
    max_length = services(request).settings.max_message_length
    return await write(
        request,
        actor,
        lambda tx: messages.edit_message(
            tx,
            actor,
            message_id,
            body.body,
            max_length,
            **body.model_dump(exclude_unset=True, exclude={"body"}),
        ),
    )


@router.delete("/messages/{message_id}", response_model=schemas.Message, responses=errors(403))
async def delete_message(
    message_id: int,
    request: Request,
    delete_files: bool = False,
    actor: Actor = Depends(current_actor),
) -> Response:
    """Delete the message's text; with ``delete_files=true`` its files go too."""
    return await write(
        request,
        actor,
        lambda tx: messages.delete_message(tx, actor, message_id, delete_files=delete_files),
    )


@router.get("/messages/{message_id}/history", response_model=list[schemas.Revision])
async def history(
    message_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await read(request, lambda c: qm.message_history(c, actor, message_id))


@router.put(
    "/messages/{message_id}/reactions/{emoji}",
    response_model=schemas.ReactionChange,
    responses=errors(403, 410),
)
async def react(
    message_id: int, emoji: str, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(
        request, actor, lambda tx: reactions.add_reaction(tx, actor, message_id, emoji)
    )


@router.delete(
    "/messages/{message_id}/reactions/{emoji}",
    response_model=schemas.ReactionChange,
    responses=errors(403, 410),
)
async def unreact(
    message_id: int, emoji: str, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(
        request, actor, lambda tx: reactions.remove_reaction(tx, actor, message_id, emoji)
    )


@router.post("/read", response_model=schemas.ReadMark, responses=errors(403, 404))
async def mark_read(
    body: schemas.ReadIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    """Mark read up to a message, or a whole topic, channel, conversation, or everything."""
    chosen = {k: v for k, v in body.model_dump().items() if v not in (None, False)}
    if len(chosen) != 1:
        raise InvalidInput(
            "Give exactly one of message_id, topic_id, channel_id, conversation_id, all"
        )
    ((kind, value),) = chosen.items()
    action = {
        "message_id": lambda tx: reads.mark_message_read(tx, actor, value),
        "topic_id": lambda tx: reads.mark_topic_read(tx, actor, value),
        "channel_id": lambda tx: reads.mark_channel_read(tx, actor, value),
        "conversation_id": lambda tx: reads.mark_conversation_read(tx, actor, value),
        "all": lambda tx: reads.mark_all_read(tx, actor),
    }[kind]
    return await write(request, actor, action)
