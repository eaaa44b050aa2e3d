"""Link preview images, served from our own origin: a browser never loads a linked
site's image itself (it would tell that site who reads the message, and the page's
Content-Security-Policy allows images from this origin only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.responses import Response, StreamingResponse

from tidings.api import openapi
from tidings.api.deps import authenticate, client_address, current_actor, services
from tidings.api.routes.files import LOCKED_DOWN
from tidings.core.files import content_disposition
from tidings.core.roles import Actor
from tidings.errors import NotFound
from tidings.queries.link_previews import preview_image
from tidings.unfurl.image import MIME_TYPE
from tidings.web.session import session_token

router = APIRouter(tags=["messages"])


async def _reader(request: Request) -> Actor:
    """The bearer token's member, else the browser session's (an ``<img>`` sends no token)."""
    if request.headers.get("authorization") is None:
        token = session_token(request)
        if token is not None:
            return await authenticate(services(request), token, client_address(request))
    return await current_actor(request, None)


@router.get(
    "/messages/{message_id}/previews/{position}/image",
    response_class=Response,
    responses={
        200: {
            "description": "The image (WebP)",
            "content": {MIME_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
        304: openapi.download_responses()[304],
    },
)
async def preview_image_bytes(message_id: int, position: int, request: Request) -> Response:
    """The image of the message's link preview at ``position`` (the order of its
    links), as a small WebP this server fetched; to whoever may read the message,
    checked now. 404 for everyone else, and once the message is deleted or expired."""
    svc = services(request)
    actor = await _reader(request)
    digest = await svc.db.aread(lambda c: preview_image(c, actor, message_id, position))
    size = await run_in_threadpool(svc.blobs.size, digest)
    if size is None:
        raise NotFound("The image's bytes are missing")
    headers = {
        **LOCKED_DOWN,
        "ETag": f'"{digest}"',
        "Content-Disposition": content_disposition(f"preview-{message_id}-{position}.webp", True),
        "Cache-Control": "private, no-cache",
    }
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(size)
    chunks = iterate_in_threadpool(svc.blobs.read(digest))
    return StreamingResponse(chunks, headers=headers, media_type=MIME_TYPE)
