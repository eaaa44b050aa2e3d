"""Downloading files: access re-checked on every request, byte ranges, headers
that keep a browser from running anything, and short-lived signed links for
media elements (which cannot send a bearer token)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.responses import Response, StreamingResponse

from tidings import views
from tidings.actions import attachments
from tidings.api import openapi, schemas
from tidings.api.deps import authenticate, client_address, current_actor, json, read, services
from tidings.api.problems import from_error
from tidings.api.services import Services
from tidings.core.files import (
    byte_range,
    content_disposition,
    link_is_valid,
    link_signature,
    served_type,
)
from tidings.core.roles import Actor
from tidings.errors import NotFound, RangeNotSatisfiable
from tidings.queries import files as qf
from tidings.queries.paging import MAX_LIMIT
from tidings.web.session import session_token

router = APIRouter(tags=["files"])
PARTS = ("file", "thumbnail", "poster", "playable", "transcript")
# Nothing in a file response may run, load or frame anything, whatever it is.
LOCKED_DOWN = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Referrer-Policy": "no-referrer",
}


async def _actor_for(request: Request, file_id: int, part: str) -> Actor:
    """The bearer token's member, the browser session's, or the member a valid signed
    link was made for. A link past its time, or for another file, finds nothing."""
    svc = services(request)
    params = request.query_params
    if "sig" in params:
        try:
            member_id, expires = int(params["member"]), int(params["expires"])
        except (KeyError, ValueError):
            raise NotFound("No such file") from None
        now = int(svc.db.clock.now().timestamp())
        if not link_is_valid(svc.link_key, file_id, member_id, expires, part, params["sig"], now):
            raise NotFound("No such file")
        return await svc.db.aread(lambda c: qf.active_actor(c, member_id))
    if request.headers.get("authorization") is None:
        token = session_token(request)
        if token is not None:
            return await authenticate(svc, token, client_address(request))
    return await current_actor(request, None)


def _etag(sha256: str) -> str:
    return f'"{sha256}"'


async def _serve(request: Request, file_id: int, part: str) -> Response:
    svc = services(request)
    actor = await _actor_for(request, file_id, part)
    served = await svc.db.aread(lambda c: qf.file_to_serve(c, actor, file_id, part))
    size = served.size
    if size < 0:  # a derived file: ask the store (a network call with S3)
        size = await run_in_threadpool(svc.blobs.size, served.sha256)
    if size is None:
        raise NotFound("The file's bytes are missing")
    headers = {
        **LOCKED_DOWN,
        "Accept-Ranges": "bytes",
        "ETag": _etag(served.sha256),
        "Content-Disposition": content_disposition(served.filename, served.inline),
        "Cache-Control": "private, no-cache",
    }
    media_type = served_type(served.content_type)
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    wanted = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if if_range is not None and if_range != headers["ETag"]:
        wanted = None  # the client's copy is another version: send it whole
    try:
        chosen = byte_range(wanted, size)
    except RangeNotSatisfiable as exc:
        response = from_error(exc)
        response.headers.update({**LOCKED_DOWN, "Content-Range": f"bytes */{size}"})
        return response
    start, length, status = 0, size, 200
    if chosen is not None:
        start, length, status = chosen.start, chosen.length, 206
        headers["Content-Range"] = f"bytes {chosen.start}-{chosen.end}/{size}"
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=media_type)
    chunks: Iterator[bytes] = svc.blobs.read(served.sha256, start, length)
    return StreamingResponse(
        iterate_in_threadpool(chunks), status_code=status, headers=headers, media_type=media_type
    )


@router.get("/files/{file_id}", response_class=Response, responses=openapi.download_responses())
@router.head(
    "/files/{file_id}",
    name="download_head",
    response_class=Response,
    responses=openapi.download_responses(),
)
async def download(file_id: int, request: Request) -> Response:
    """The file's bytes, to whoever may read a message that carries it, checked now.
    Supports ``Range`` (206/416) and ``If-None-Match``. Safe raster images, audio
    and video are inline; everything else is an attachment; nothing is ever served
    as HTML or SVG. Also answers signed links (``?member=&expires=&sig=``)."""
    return await _serve(request, file_id, "file")


@router.get(
    "/files/{file_id}/thumbnail", response_class=Response, responses=openapi.download_responses()
)
@router.head(
    "/files/{file_id}/thumbnail",
    name="download_thumbnail_head",
    response_class=Response,
    responses=openapi.download_responses(),
)
async def download_thumbnail(file_id: int, request: Request) -> Response:
    """An image's thumbnail (WebP), or the image itself until the thumbnail is made."""
    return await _serve(request, file_id, "thumbnail")


@router.get(
    "/files/{file_id}/poster", response_class=Response, responses=openapi.download_responses()
)
@router.head(
    "/files/{file_id}/poster",
    name="download_poster_head",
    response_class=Response,
    responses=openapi.download_responses(),
)
async def download_poster(file_id: int, request: Request) -> Response:
    """A video clip's poster frame (JPEG), once its processing made one; else 404."""
    return await _serve(request, file_id, "poster")


@router.get(
    "/files/{file_id}/playable", response_class=Response, responses=openapi.download_responses()
)
@router.head(
    "/files/{file_id}/playable",
    name="download_playable_head",
    response_class=Response,
    responses=openapi.download_responses(),
)
async def download_playable(file_id: int, request: Request) -> Response:
    """A clip as every browser plays it: its H.264/AAC MP4 rendition, or the original
    when that plays everywhere as it is (or no rendition was made yet)."""
    return await _serve(request, file_id, "playable")


@router.get("/files/{file_id}/transcript", response_model=schemas.Transcript)
async def transcript(file_id: int, request: Request) -> Response:
    """What was said in a clip, time-aligned; ``state`` is "pending" while it is made,
    "none" without one. Access as for the file itself, checked now; also answers
    signed links made for the "transcript" part."""
    actor = await _actor_for(request, file_id, "transcript")
    return await read(request, lambda c: qf.file_transcript(c, actor, file_id))


@router.get("/files/{file_id}/info", response_model=schemas.Attachment)
async def info(file_id: int, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    return await read(request, lambda c: qf.file_info(c, actor, file_id))


def signed_url(svc: Services, member_id: int, file_id: int, part: str = "file") -> str:
    """A link to the file (or one of ``PARTS``) that works without a token, for this
    member, for ``file_url_seconds``; expiry times are rounded up to the minute so
    a page rendered twice in a minute links the same URL (and the browser's cache
    can keep the image)."""
    now = int(svc.db.clock.now().timestamp())
    expires = (now + svc.settings.file_url_seconds + 59) // 60 * 60
    sig = link_signature(svc.link_key, file_id, member_id, expires, part)
    suffix = "" if part == "file" else f"/{part}"
    return f"/api/v1/files/{file_id}{suffix}?member={member_id}&expires={expires}&sig={sig}"


def _expiry_of(url: str) -> int:
    return int(url.split("expires=", 1)[1].split("&", 1)[0])


def signed_links(
    svc: Services, actor: Actor, file_id: int, has_thumbnail: bool
) -> dict[str, object]:
    url = signed_url(svc, actor.member_id, file_id)
    expires = _expiry_of(url)
    return {
        "url": url,
        "thumbnail_url": signed_url(svc, actor.member_id, file_id, "thumbnail")
        if has_thumbnail
        else None,
        "expires_at": views.iso(datetime.fromtimestamp(expires, UTC)),
    }


@router.get("/files/{file_id}/link", response_model=schemas.FileLink)
async def link(file_id: int, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """A link that works without a token for a few minutes (for ``<img>``, ``<audio>``
    and ``<video>``); access is checked again each time it is used."""
    svc = services(request)
    found = await svc.db.aread(lambda c: qf.file_info(c, actor, file_id))
    links = signed_links(svc, actor, file_id, found["kind"] == "image")
    for part, key in (("poster", "poster_url"), ("playable", "playable_url")):
        links[key] = signed_url(svc, actor.member_id, file_id, part) if found[key] else None
    if found["has_transcript"]:
        links["transcript_url"] = signed_url(svc, actor.member_id, file_id, "transcript")
    return json(links)


@router.patch("/files/{file_id}", response_model=schemas.Attachment)
async def set_alt_text(
    file_id: int,
    body: schemas.AltTextIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> Response:
    """The message's author sets the file's alt text."""
    view = await services(request).db.awrite(
        lambda tx: attachments.set_alt_text(tx, actor, file_id, body.alt_text)
    )
    return json(view)


@router.get("/channels/{channel_id}/files", response_model=schemas.FilePage)
async def channel_files(
    channel_id: int,
    request: Request,
    cursor: str | None = None,
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    actor: Actor = Depends(current_actor),
) -> Response:
    """Files shared in the channel, newest first."""
    return await read(
        request, lambda c: qf.channel_files(c, actor, channel_id, cursor=cursor, limit=limit)
    )
