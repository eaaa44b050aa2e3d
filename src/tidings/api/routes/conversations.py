"""Direct conversations."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from tidings.actions import conversations, messages
from tidings.api import schemas
from tidings.api.deps import current_actor, read, services, write
from tidings.api.openapi import errors
from tidings.core.roles import Actor
from tidings.queries import messages as qm
from tidings.queries.paging import MAX_LIMIT

router = APIRouter(tags=["conversations"])


@router.get("/conversations", response_model=list[schemas.Conversation])
async def list_conversations(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    return await read(request, lambda c: qm.list_conversations(c, actor))


@router.post("/conversations", response_model=schemas.Conversation)
async def open_conversation(
    body: schemas.ConversationIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    """Open (or find) the conversation among these members and you."""
    return await write(
        request, actor, lambda tx: conversations.open_conversation(tx, actor, body.member_ids)
    )


@router.get("/conversations/{conversation_id}", response_model=schemas.Conversation)
async def get_conversation(
    conversation_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await read(request, lambda c: qm.get_conversation(c, actor, conversation_id))


@router.get("/conversations/{conversation_id}/messages", response_model=schemas.MessagePage)
async def conversation_messages(
    conversation_id: int,
    request: Request,
    cursor: str | None = None,
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
    anchor: str = Query("oldest", pattern="^(oldest|newest)$"),
    actor: Actor = Depends(current_actor),
) -> Response:
    return await read(
        request,
        lambda c: qm.conversation_messages(
            c, actor, conversation_id, cursor=cursor, limit=limit, newest=anchor == "newest"
        ),
    )


@router.post(
    "/conversations/{conversation_id}/messages",
    response_model=schemas.Message,
    status_code=201,
    responses=errors(403),
)
async def send(
    conversation_id: int,
    body: schemas.MessageIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> Response:
    max_length = services(request).settings.max_message_length
    fields = body.model_dump()
    parsed = messages.parse_ahead(fields["body"], max_length)
    return await write(
        request,
        actor,
        lambda tx: messages.send_to_conversation(
            tx, actor, conversation_id, **fields, max_length=max_length, parsed=parsed
        ),
        201,
    )
