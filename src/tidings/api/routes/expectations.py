"""Replies owed, notifications, a channel's response settings, and the reply preview."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from tidings.actions import channels, expectations, notifications
from tidings.api import schemas
from tidings.api.deps import current_actor, read, services, write
from tidings.api.openapi import errors
from tidings.core.permissions import require_read_channel
from tidings.core.roles import Actor
from tidings.queries.expectations import list_expectations
from tidings.queries.notifications import list_notifications
from tidings.queries.paging import MAX_LIMIT
from tidings.queries.preview import reply_preview
from tidings.store.lookups import channel_facts

router = APIRouter(tags=["expectations"])


@router.get("/expectations", response_model=schemas.ExpectationPage)
async def owed(
    request: Request,
    role: str = Query("debtor", pattern="^(debtor|creditor)$"),
    state: Literal["open", "met", "declined", "breached", "cancelled"] | None = None,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    actor: Actor = Depends(current_actor),
) -> Response:
    """What you owe (``role=debtor``) or are waiting for (``role=creditor``): open and
    breached ones unless ``state`` says otherwise, soonest due first."""
    return await read(
        request,
        lambda c: list_expectations(c, actor, role, state, cursor=cursor, limit=limit),
    )


@router.post(
    "/expectations/{expectation_id}/done",
    response_model=schemas.Expectation,
    responses=errors(403),
)
async def done(
    expectation_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(request, actor, lambda tx: expectations.mark_done(tx, actor, expectation_id))


@router.post(
    "/expectations/{expectation_id}/decline",
    response_model=schemas.Expectation,
    responses=errors(403),
)
async def decline(
    expectation_id: int,
    body: schemas.DeclineIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> Response:
    return await write(
        request, actor, lambda tx: expectations.decline(tx, actor, expectation_id, body.note)
    )


@router.get("/notifications", response_model=schemas.NotificationPage)
async def list_mine(
    request: Request,
    pending: bool = False,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    actor: Actor = Depends(current_actor),
) -> Response:
    """Delivered notifications, newest first; ``pending=true`` lists those held or
    waiting for the digest, each with its reason."""
    return await read(
        request,
        lambda c: list_notifications(c, actor, delivered=not pending, cursor=cursor, limit=limit),
    )


@router.post("/notifications/{notification_id}/seen", response_model=schemas.Notification)
async def seen(
    notification_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(
        request,
        actor,
        lambda tx: notifications.mark_seen(tx, actor.member_id, notification_id),
    )


@router.get("/channels/{channel_id}/response", response_model=schemas.ChannelResponse)
async def get_response(
    channel_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    def load(conn):  # type: ignore[no-untyped-def]
        require_read_channel(actor, channel_facts(conn, actor, channel_id))
        return channels.channel_response(conn, channel_id)

    return await read(request, load)


@router.put(
    "/channels/{channel_id}/response",
    response_model=schemas.ChannelResponse,
    responses=errors(403),
)
async def set_response(
    channel_id: int,
    body: schemas.ResponseIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> Response:
    """Set how fast new topics expect a first reply (working minutes, or null), who the
    responders are, and whether urgent messages may bypass working hours here."""
    return await write(
        request,
        actor,
        lambda tx: channels.set_response(tx, actor, channel_id, **body.model_dump()),
    )


@router.post("/compose/preview", response_model=schemas.Preview, responses=errors(403, 404))
async def preview(
    body: schemas.PreviewIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    """For a draft: each person's local time, working or not, when they would be
    notified, and by when a reply can be expected (their time and yours)."""
    now = services(request).db.clock.now()
    return await read(request, lambda c: reply_preview(c, actor, body.model_dump(), now))
