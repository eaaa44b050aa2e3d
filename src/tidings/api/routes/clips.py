"""Clips (audio and video files): reporting how far one got, who watched, and the
comments pinned to its moments."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from tidings.actions import clip_views
from tidings.api import schemas
from tidings.api.deps import current_actor, json, read, services
from tidings.api.routes.uploads import uploader
from tidings.core.roles import Actor
from tidings.queries import clip_comments as qcc
from tidings.queries import clip_views as qcv

router = APIRouter(tags=["files"])


@router.put("/files/{file_id}/progress", response_model=schemas.ClipProgress)
async def report_progress(
    file_id: int,
    body: schemas.ClipProgressIn,
    request: Request,
    actor: Actor = Depends(uploader),
) -> Response:
    """Where the reader is in a clip they may read now. Players send this every few
    seconds while playing, on pause and at the end (``ended``). Answers where to
    resume, how far they got and whether they finished (which stays). Also accepts
    the browser session with the page's ``X-CSRF-Token``."""
    done = await services(request).db.awrite(
        lambda tx: clip_views.record_progress(
            tx, actor, file_id, body.position_ms, ended=body.ended
        )
    )
    return json(done)


@router.get("/files/{file_id}/views", response_model=schemas.ClipViews)
async def views(file_id: int, request: Request, actor: Actor = Depends(uploader)) -> Response:
    """Who watched the clip: counts for every reader of its message; each viewer's
    progress for its author and the members of its channel (or conversation)."""
    return await read(request, lambda c: qcv.file_views(c, actor, file_id))


@router.get("/files/{file_id}/comments", response_model=schemas.ClipComments)
async def comments(
    file_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    """Messages pinned to moments of the clip that the reader may read, by moment."""
    return await read(request, lambda c: qcc.clip_comments(c, actor, file_id))
