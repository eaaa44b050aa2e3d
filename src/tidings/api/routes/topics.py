"""Topics and the messages in them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from tidings.actions import messages, subscriptions, topics
from tidings.api import schemas
from tidings.api.deps import current_actor, read, services, write
from tidings.api.openapi import errors
from tidings.core.roles import Actor
from tidings.queries import channels as q
from tidings.queries import messages as qm
from tidings.queries.paging import MAX_LIMIT

router = APIRouter(tags=["topics"])


@router.get("/topics/{topic_id}", response_model=schemas.Topic)
async def get_topic(
    topic_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await read(request, lambda c: q.get_topic(c, actor, topic_id))


@router.patch("/topics/{topic_id}", response_model=schemas.Topic, responses=errors(403, 409))
async def update_topic(
    topic_id: int, body: schemas.TopicPatch, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    fields = body.model_dump(exclude_none=True)
    return await write(
        request, actor, lambda tx: topics.change_topic(tx, actor, topic_id, **fields)
    )


@router.put("/topics/{topic_id}/subscription", response_model=schemas.Subscription)
async def subscribe(
    topic_id: int,
    body: schemas.SubscriptionIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> Response:
    return await write(
        request, actor, lambda tx: subscriptions.set_subscription(tx, actor, topic_id, body.state)
    )


@router.get("/topics/{topic_id}/messages", response_model=schemas.MessagePage)
async def topic_messages(
    topic_id: int,
    request: Request,
    cursor: str | None = None,
    limit: int = Query(100, ge=1, le=MAX_LIMIT),
    anchor: str = Query("oldest", pattern="^(oldest|newest)$"),
    actor: Actor = Depends(current_actor),
) -> Response:
    return await read(
        request,
        lambda c: qm.topic_messages(
            c, actor, topic_id, cursor=cursor, limit=limit, newest=anchor == "newest"
        ),
    )


@router.post(
    "/topics/{topic_id}/messages",
    response_model=schemas.Message,
    status_code=201,
    responses=errors(403),
)
async def post_message(
    topic_id: int, body: schemas.MessageIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    max_length = services(request).settings.max_message_length
    fields = body.model_dump()
    parsed = messages.parse_ahead(fields["body"], max_length)
    return await write(
        request,
        actor,
        lambda tx: messages.send_to_topic(
            tx, actor, topic_id, **fields, max_length=max_length, parsed=parsed
        ),
        201,
    )
