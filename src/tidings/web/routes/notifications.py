"""Notifications: those delivered, those held for later with the reason, and the way
from a notification to the message it is about."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection
from starlette.responses import Response

from tidings.actions import notifications
from tidings.api.deps import services
from tidings.core.roles import Actor
from tidings.queries.messages import get_message
from tidings.queries.notifications import list_notifications
from tidings.queries.paging import MAX_LIMIT
from tidings.web.render import render_page
from tidings.web.routes.common import back, run, see_other
from tidings.web.session import web_actor

router = APIRouter()


def _notifications(conn: Connection, actor: Actor, cursor: str | None) -> dict[str, Any]:
    return {
        "delivered": list_notifications(conn, actor, cursor=cursor),
        "held": list_notifications(conn, actor, delivered=False, limit=MAX_LIMIT),
        "cursor": cursor,
    }


@router.get("/notifications", response_class=HTMLResponse)
async def notifications_page(
    request: Request, cursor: str | None = None, actor: Actor = Depends(web_actor)
) -> Response:
    return await render_page(
        request, actor, "notifications.html", lambda c: _notifications(c, actor, cursor)
    )


@router.post("/notifications/{notification_id}/seen")
async def seen(
    request: Request, notification_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    await run(
        request, actor, lambda tx: notifications.mark_seen(tx, actor.member_id, notification_id)
    )
    return back(request, "/notifications")


@router.get("/go/message/{message_id}")
async def go_to_message(
    request: Request, message_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    """A message in its topic or conversation; only for those who may read it."""
    message = await services(request).db.aread(lambda c: get_message(c, actor, message_id))
    if message["topic_id"] is not None:
        return see_other(request, f"/t/{message['topic_id']}#m{message_id}")
    return see_other(request, f"/dm/{message['conversation_id']}#m{message_id}")
