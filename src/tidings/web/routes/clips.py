"""The fragments a clip's player loads: the comments pinned to its moments, and who
watched it (for its author)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection
from starlette.responses import Response

from tidings.core.clips import clock_time
from tidings.core.roles import Actor
from tidings.queries.clip_comments import clip_comments
from tidings.queries.clip_views import file_views
from tidings.web.render import render_part
from tidings.web.session import web_actor

router = APIRouter()


def _comments(conn: Connection, actor: Actor, file_id: int) -> dict[str, Any]:
    items = clip_comments(conn, actor, file_id)["items"]
    return {
        "file_id": file_id,
        "comments": [{**c, "at": clock_time(c["clip_at_ms"])} for c in items],
    }


@router.get("/parts/files/{file_id}/comments", response_class=HTMLResponse)
async def comments_part(
    request: Request, file_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    return await render_part(
        request, actor, "parts/clip_comments.html", lambda c: _comments(c, actor, file_id)
    )


def _viewers(conn: Connection, actor: Actor, file_id: int) -> dict[str, Any]:
    found = file_views(conn, actor, file_id)
    rows = [{**row, "at": clock_time(row["furthest_ms"])} for row in found["viewers"] or []]
    return {"views": found, "viewers": rows}


@router.get("/parts/files/{file_id}/viewers", response_class=HTMLResponse)
async def viewers_part(
    request: Request, file_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    return await render_part(
        request, actor, "parts/clip_viewers.html", lambda c: _viewers(c, actor, file_id)
    )
