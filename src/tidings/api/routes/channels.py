"""Channels, their members and their topics."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from tidings.actions import channels, topics
from tidings.api import schemas
from tidings.api.deps import current_actor, read, services, write
from tidings.api.openapi import errors
from tidings.core.roles import Actor
from tidings.queries import channels as q
from tidings.queries.paging import MAX_LIMIT

router = APIRouter(tags=["channels"])


@router.get("/channels", response_model=list[schemas.Channel])
async def list_channels(
    request: Request, include_archived: bool = False, actor: Actor = Depends(current_actor)
) -> Response:
    return await read(request, lambda c: q.list_channels(c, actor, include_archived))


@router.post(
    "/channels",
    response_model=schemas.Channel,
    status_code=201,
    responses=errors(403, 409),
)
async def create_channel(
    body: schemas.ChannelIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(
        request, actor, lambda tx: channels.create_channel(tx, actor, **body.model_dump()), 201
    )


@router.get("/channels/{channel_id}", response_model=schemas.Channel)
async def get_channel(
    channel_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await read(request, lambda c: q.get_channel(c, actor, channel_id))


@router.patch("/channels/{channel_id}", response_model=schemas.Channel, responses=errors(403, 409))
async def update_channel(
    channel_id: int,
    body: schemas.ChannelPatch,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> Response:
    fields = body.model_dump(exclude_unset=True)
    return await write(
        request, actor, lambda tx: channels.change_channel(tx, actor, channel_id, **fields)
    )


@router.get("/channels/{channel_id}/members", response_model=list[schemas.ChannelMember])
async def channel_members(
    channel_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await read(request, lambda c: q.channel_member_ids(c, actor, channel_id))


@router.post(
    "/channels/{channel_id}/members", response_model=schemas.MembersAdded, responses=errors(403)
)
async def add_members(
    channel_id: int,
    body: schemas.MembersIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> Response:
    return await write(
        request, actor, lambda tx: channels.add_members(tx, actor, channel_id, body.member_ids)
    )


@router.post(
    "/channels/{channel_id}/join", response_model=schemas.MembersAdded, responses=errors(403)
)
async def join(
    channel_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(request, actor, lambda tx: channels.join_channel(tx, actor, channel_id))


@router.post(
    "/channels/{channel_id}/leave", response_model=schemas.MembersRemoved, responses=errors(403)
)
async def leave(
    channel_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(
        request, actor, lambda tx: channels.remove_member(tx, actor, channel_id, actor.member_id)
    )


@router.delete(
    "/channels/{channel_id}/members/{member_id}",
    response_model=schemas.MembersRemoved,
    responses=errors(403),
)
async def remove_member(
    channel_id: int, member_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(
        request, actor, lambda tx: channels.remove_member(tx, actor, channel_id, member_id)
    )


@router.put(
    "/channels/{channel_id}/posters/{member_id}",
    response_model=schemas.Poster,
    responses=errors(403),
)
async def set_poster(
    channel_id: int,
    member_id: int,
    body: schemas.PosterIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> Response:
    return await write(
        request,
        actor,
        lambda tx: channels.set_topic_poster(
            tx, actor, channel_id, member_id, body.can_post_topics
        ),
    )


@router.put("/channels/{channel_id}/mute", response_model=schemas.Channel, responses=errors(403))
async def mute_channel(
    channel_id: int, body: schemas.MuteIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    """Mute or unmute the channel for yourself: it leaves the Inbox unless you are mentioned."""
    return await write(
        request, actor, lambda tx: channels.set_channel_muted(tx, actor, channel_id, body.muted)
    )


@router.get("/channels/{channel_id}/topics", response_model=schemas.TopicPage)
async def list_topics(
    channel_id: int,
    request: Request,
    title: str | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    actor: Actor = Depends(current_actor),
) -> Response:
    return await read(
        request,
        lambda c: q.list_topics(c, actor, channel_id, title=title, cursor=cursor, limit=limit),
    )


@router.post(
    "/channels/{channel_id}/topics",
    response_model=schemas.TopicCreated,
    status_code=201,
    responses=errors(403, 409),
)
async def create_topic(
    channel_id: int,
    body: schemas.TopicIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> Response:
    max_length = services(request).settings.max_message_length
    return await write(
        request,
        actor,
        lambda tx: topics.create_topic(
            tx, actor, channel_id, **body.model_dump(), max_length=max_length
        ),
        201,
    )
