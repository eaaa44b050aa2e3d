"""Resumable uploads, shaped like the tus 1.0 core protocol.

``POST /uploads`` opens one (name, size, optional SHA-256); each ``PATCH`` appends
a chunk at ``Upload-Offset`` and answers the new offset; ``HEAD`` tells the offset
after a dropped connection. The chunk that reaches the declared size completes
the upload: the bytes are checked, typed from their content, cleaned of image
metadata and stored by digest. A recording's length is not known while it records:
its upload opens without a size (or with ``Upload-Defer-Length: 1``), the limits
are checked as each chunk arrives, and the chunk carrying ``Upload-Length``
declares it (tus's creation-defer-length). A chunk streams to a staging file as it arrives,
so memory stays flat whatever the file's size.
"""

from __future__ import annotations

import contextlib
import fcntl
import hmac
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from tidings.actions import uploads
from tidings.api import openapi, schemas
from tidings.api.deps import (
    authenticate,
    bearer_scheme,
    client_address,
    current_actor,
    json,
    services,
)
from tidings.api.services import Services
from tidings.core.roles import Actor
from tidings.errors import (
    Conflict,
    Forbidden,
    Gone,
    InvalidInput,
    PayloadTooLarge,
    UploadOffsetMismatch,
)
from tidings.ingest import check_and_store
from tidings.web.session import CSRF_COOKIE, CSRF_HEADER, SAFE_METHODS, session_token

router = APIRouter(tags=["files"])
_PROGRESS = {
    "Upload-Offset": openapi.header("Bytes received so far", "integer", 0),
    "Upload-Length": openapi.header("The upload's declared size", "integer", 0),
    "Upload-Defer-Length": openapi.header("1 while the size is not known yet", "integer", 1),
    "Tus-Resumable": openapi.header("1.0.0"),
}
WRITE_BUFFER = 1024 * 1024


class UploadBusy(Conflict):
    code = "upload_busy"
    title = "Another request is writing this upload"


async def uploader(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer_scheme)
) -> Actor:
    """The bearer token's member; or, from the web UI, the browser session's, when
    the request carries the page's CSRF token in ``X-CSRF-Token``."""
    token = session_token(request)
    if request.headers.get("authorization") is not None or token is None:
        return await current_actor(request, credentials)
    expected = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if request.method not in SAFE_METHODS and not (
        expected and sent and hmac.compare_digest(expected, sent)
    ):
        raise Forbidden("Reload the page and try again")
    return await authenticate(services(request), token, client_address(request))


def _limits(svc: Services) -> uploads.Limits:
    s = svc.settings
    return uploads.Limits(s.max_file_bytes, s.workspace_quota_bytes, s.upload_session_hours)


def _staged(svc: Services, upload_id: int) -> Path:
    return svc.staging / f"{upload_id}.part"


def _offset(svc: Services, row: Mapping[str, Any]) -> int:
    if row["state"] == uploads.COMPLETE:
        return int(row["size"])
    try:
        return _staged(svc, row["id"]).stat().st_size
    except FileNotFoundError:
        return 0


def _answer(
    svc: Services, view: Mapping[str, Any], row: Mapping[str, Any], status: int = 200
) -> Response:
    offset = _offset(svc, {**row, **view})
    response = json({**view, "offset": offset}, status)
    response.headers["Upload-Offset"] = str(offset)
    _length_headers(response.headers, view)
    response.headers["Tus-Resumable"] = "1.0.0"
    response.headers["Cache-Control"] = "no-store"
    return response


def _length_headers(headers: Any, view: Mapping[str, Any]) -> None:
    if view["size"] is None:
        headers["Upload-Defer-Length"] = "1"
    else:
        headers["Upload-Length"] = str(view["size"])


@router.post(
    "/uploads",
    response_model=schemas.Upload,
    status_code=201,
    responses={
        201: {
            "description": "The upload, opened",
            "headers": {**_PROGRESS, "Location": openapi.header("The upload's URL")},
        },
        **openapi.errors(403),
    },
)
async def start(
    body: schemas.UploadIn, request: Request, actor: Actor = Depends(uploader)
) -> Response:
    """Open an upload. Refused with ``file_too_large`` past the size limit and with
    ``quota_exceeded`` when the workspace's files would exceed its quota."""
    svc = services(request)
    deferred = request.headers.get("upload-defer-length")
    if deferred is not None and (deferred != "1" or body.size is not None):
        raise InvalidInput(
            "Upload-Defer-Length is 1, and only without a size", field="Upload-Defer-Length"
        )
    view = await svc.db.awrite(
        lambda tx: uploads.start_upload(
            tx,
            actor,
            filename=body.filename,
            size=body.size,
            sha256=body.sha256,
            limits=_limits(svc),
        )
    )
    response = _answer(svc, view, view, 201)
    response.headers["Location"] = f"/api/v1/uploads/{view['id']}"
    return response


async def _row(svc: Services, actor: Actor, upload_id: int) -> Mapping[str, Any]:
    row = await svc.db.aread(lambda c: uploads.upload_row(c, actor, upload_id))
    if row["expires_at"] <= svc.db.clock.now():
        raise Gone("The upload expired")
    return dict(row)


@router.head(
    "/uploads/{upload_id}",
    responses={
        200: {"description": "Where to resume", "headers": _PROGRESS},
        **openapi.errors(410),
    },
)
async def offset(upload_id: int, request: Request, actor: Actor = Depends(uploader)) -> Response:
    """The offset to resume from, in ``Upload-Offset``."""
    svc = services(request)
    row = await _row(svc, actor, upload_id)
    done = _offset(svc, row)
    headers = {"Upload-Offset": str(done), "Tus-Resumable": "1.0.0", "Cache-Control": "no-store"}
    _length_headers(headers, uploads.upload_view(row))
    return Response(status_code=200, headers=headers)


@router.get(
    "/uploads/{upload_id}",
    response_model=schemas.Upload,
    responses={200: {"description": "The upload", "headers": _PROGRESS}, **openapi.errors(410)},
)
async def get_upload(
    upload_id: int, request: Request, actor: Actor = Depends(uploader)
) -> Response:
    svc = services(request)
    row = await _row(svc, actor, upload_id)
    return _answer(svc, uploads.upload_view(row), row)


@router.delete("/uploads/{upload_id}", status_code=204, responses=openapi.errors(403, 409))
async def cancel(upload_id: int, request: Request, actor: Actor = Depends(uploader)) -> Response:
    await services(request).db.awrite(lambda tx: uploads.cancel_upload(tx, actor, upload_id))
    return Response(status_code=204)


def _declared_length(request: Request) -> int | None:
    value = request.headers.get("upload-length")
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()):
        raise InvalidInput("Upload-Length is a number of bytes", field="Upload-Length")
    return int(value)


def _declared_offset(request: Request) -> int:
    value = request.headers.get("upload-offset", "")
    if not (value.isascii() and value.isdigit()):
        raise InvalidInput("Send the chunk's position in Upload-Offset", field="Upload-Offset")
    return int(value)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[int]:
    """The staging file, open for appending and locked against other writers (other
    requests, and other worker processes on this machine)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadBusy("Another request is writing this upload; retry soon") from None
        yield fd
    finally:
        os.close(fd)


async def _receive(request: Request, fd: int, start: int, room: int) -> tuple[int, bool]:
    """Write the body at ``start``; returns (bytes written, whether it overflowed
    ``room``). A dropped connection keeps what arrived. Pieces are gathered up to
    ``WRITE_BUFFER`` before each write, so the thread hop is paid per MiB, not per
    network read."""
    os.lseek(fd, start, os.SEEK_SET)
    written, pending, size = 0, [], 0
    overflowed = False
    try:
        async for piece in request.stream():
            if written + size + len(piece) > room:
                pending.append(piece[: room - written - size])
                overflowed = True
                break
            pending.append(piece)
            size += len(piece)
            if size >= WRITE_BUFFER:
                await to_thread.run_sync(_write_all, fd, b"".join(pending))
                written, pending, size = written + size, [], 0
    except ClientDisconnect:
        pass
    if pending:
        data = b"".join(pending)
        await to_thread.run_sync(_write_all, fd, data)
        written += len(data)
    return written, overflowed


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@router.patch(
    "/uploads/{upload_id}",
    response_model=schemas.Upload,
    responses={
        200: {"description": "The upload, with the chunk appended", "headers": _PROGRESS},
        **openapi.errors(403, 409, 410),
    },
    openapi_extra=openapi.binary_body(
        "application/offset+octet-stream", "The chunk's bytes, written at Upload-Offset"
    ),
)
async def append(upload_id: int, request: Request, actor: Actor = Depends(uploader)) -> Response:
    """Append the body at ``Upload-Offset`` (409 ``upload_offset_mismatch`` if the
    upload is elsewhere: ask ``HEAD`` and resume from there). The chunk that brings
    the upload to its size completes it. An upload of unknown length takes chunks
    while they fit the size limit and the quota (413 otherwise); the chunk that
    carries ``Upload-Length`` fixes its length and may complete it."""
    svc = services(request)
    at = _declared_offset(request)
    length = _declared_length(request)
    row = await _row(svc, actor, upload_id)
    if row["state"] == uploads.COMPLETE:
        if at != row["size"]:
            raise UploadOffsetMismatch("The upload is complete", offset=row["size"])
        return _answer(svc, uploads.upload_view(row), row)
    path = _staged(svc, upload_id)
    with _locked(path) as fd:
        current = os.fstat(fd).st_size
        if at != current:
            raise UploadOffsetMismatch(f"The upload is at byte {current}", offset=current)
        if length is not None:
            row = await svc.db.awrite(
                lambda tx: uploads.declare_length(
                    tx, actor, upload_id, length, current, _limits(svc)
                )
            )
        elif row["state"] == uploads.GROWING:
            return await _grow(svc, actor, request, row, fd, current)
        room = min(row["size"] - current, svc.settings.upload_chunk_bytes)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > room:
            raise _too_much(row["size"] - current, svc.settings.upload_chunk_bytes)
        written, overflowed = await _receive(request, fd, current, room)
        if overflowed:
            os.ftruncate(fd, current + written)
            raise _too_much(row["size"] - current, svc.settings.upload_chunk_bytes)
        if current + written < row["size"]:
            view = uploads.upload_view(row)
            return _answer(svc, view, row)
        view = await _complete(svc, actor, row, path)
    return _answer(svc, view, row)


async def _grow(
    svc: Services,
    actor: Actor,
    request: Request,
    row: Mapping[str, Any],
    fd: int,
    current: int,
) -> Response:
    """Append a chunk to an upload of unknown length, within the limits left."""
    upload_id = row["id"]
    limits = _limits(svc)
    allowed = await svc.db.awrite(
        lambda tx: uploads.room_to_grow(tx, actor, upload_id, current, limits)
    )
    room = min(allowed, svc.settings.upload_chunk_bytes)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > room:
        raise _too_much_growing(allowed, svc.settings.upload_chunk_bytes)
    written, overflowed = await _receive(request, fd, current, room)
    if overflowed:
        os.ftruncate(fd, current + written)
        raise _too_much_growing(allowed, svc.settings.upload_chunk_bytes)
    received = current + written
    await svc.db.awrite(lambda tx: uploads.record_growth(tx, actor, upload_id, received))
    return _answer(svc, uploads.upload_view(row), row)


def _too_much_growing(allowed: int, chunk_limit: int) -> PayloadTooLarge:
    if allowed <= chunk_limit:
        return PayloadTooLarge(
            f"Only {allowed} more bytes fit the size limit and the workspace's quota"
        )
    return PayloadTooLarge(f"Chunks are limited to {chunk_limit} bytes")


def _too_much(left: int, chunk_limit: int) -> PayloadTooLarge:
    if left <= chunk_limit:
        return PayloadTooLarge(f"Only {left} more bytes were declared for this upload")
    return PayloadTooLarge(f"Chunks are limited to {chunk_limit} bytes")


async def _complete(
    svc: Services, actor: Actor, row: Mapping[str, Any], path: Path
) -> dict[str, Any]:
    done, final = await to_thread.run_sync(check_and_store, svc.blobs, path, row["expected_sha256"])
    try:
        return await svc.db.awrite(  # type: ignore[no-any-return]
            lambda tx: uploads.finish_upload(tx, actor, row["id"], done, final)
        )
    finally:
        for leftover in {path, final}:
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
