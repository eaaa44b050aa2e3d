"""Files from the terminal: resumable uploads for ``tidings post --attach`` and
``tidings download``. Both read and write in chunks, with a progress bar on
standard error; an upload cut off mid-way asks the server where it got to and
goes on from there."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from tidings.cli.client.connection import Refused, Server, Unreachable, _problem, signed_in
from tidings.cli.client.render import console, notices
from tidings.core.files import clean_filename
from tidings.errors import TidingsError

CHUNK = 4 * 1024 * 1024
RESUME_ATTEMPTS = 8
RESUMABLE = ("upload_offset_mismatch", "upload_busy")
OUTPUT = typer.Option(None, "--output", "-o", help="Where to save it (default: its name)")
BACKOFF_FIRST, BACKOFF_MAX = 0.25, 10.0


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def progress_bar() -> Iterator[Progress]:
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=notices,
        transient=True,
    )
    with bar:
        yield bar


def _server_offset(server: Server, upload_id: int) -> int:
    response = server.http.head(f"/uploads/{upload_id}")
    if response.is_error:
        raise Refused(response.status_code, {"detail": f"HTTP {response.status_code}"})
    return int(response.headers["Upload-Offset"])


def _send_chunk(server: Server, upload_id: int, offset: int, chunk: bytes) -> dict[str, Any]:
    import httpx

    try:
        response = server.http.patch(
            f"/uploads/{upload_id}",
            content=chunk,
            headers={
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
                "Tus-Resumable": "1.0.0",
            },
        )
    except httpx.TransportError:
        raise Unreachable(server.url) from None
    if response.is_error:
        raise Refused(response.status_code, _problem(response))
    return dict(response.json())


def upload_file(server: Server, path: Path, bar: Progress | None = None) -> dict[str, Any]:
    """Upload ``path``; returns the finished upload. A dropped connection or a
    mismatched offset is answered by asking the server for its offset and sending
    from there (a few times, waiting longer each time)."""
    size = path.stat().st_size
    made = server.request(
        "POST",
        "/uploads",
        json={"filename": path.name, "size": size, "sha256": sha256_of(path)},
    )
    task = bar.add_task(path.name, total=size) if bar is not None else None
    offset, answer, failures = 0, made, 0
    with path.open("rb") as source:
        while answer["state"] != "complete":
            source.seek(offset)
            chunk = source.read(CHUNK)
            try:
                answer = _send_chunk(server, made["id"], offset, chunk)
                offset, failures = answer["offset"], 0
            except (Unreachable, Refused) as exc:
                if isinstance(exc, Refused) and exc.code not in (
                    "upload_offset_mismatch",
                    "upload_busy",
                ):
                    raise
                failures += 1
                if failures > RESUME_ATTEMPTS:
                    raise
                time.sleep(min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (failures - 1)))
                offset = _resume_offset(server, made["id"], offset)
            if bar is not None and task is not None:
                bar.update(task, completed=offset)
    return answer


def _resume_offset(server: Server, upload_id: int, fallback: int) -> int:
    import httpx

    try:
        return _server_offset(server, upload_id)
    except (httpx.TransportError, Refused):
        return fallback


def upload_all(server: Server, paths: list[Path]) -> list[int]:
    """Upload each file in turn (checked to exist first, so a typo sends nothing)."""
    for path in paths:
        if not path.is_file():
            raise TidingsError(f"no such file: {path}")
    with progress_bar() as bar:
        return [int(upload_file(server, path, bar)["id"]) for path in paths]


def download(
    file_id: int = typer.Argument(..., help="The file's id (shown with the message)"),
    output: Path = OUTPUT,
) -> None:
    """Save a file you can read, streaming it to disk."""
    with signed_in() as (_, server):
        info = server.get(f"/files/{file_id}/info")
        target = output or Path(clean_filename(info["filename"]))
        if target.is_dir():
            target = target / clean_filename(info["filename"])
        temporary = target.with_name(f".{target.name}.part")
        with progress_bar() as bar, temporary.open("wb") as out:
            task = bar.add_task(info["filename"], total=info["size"])
            _stream(server, file_id, out, bar, task)
        os.replace(temporary, target)
    console.print(f"Saved {info['filename']} to {target} ({info['size']} bytes)", markup=False)


def _stream(server: Server, file_id: int, out: Any, bar: Progress, task: Any) -> None:
    import httpx

    try:
        with server.http.stream("GET", f"/files/{file_id}") as response:
            if response.is_error:
                response.read()
                raise Refused(response.status_code, _problem(response))
            for chunk in response.iter_bytes(1024 * 1024):
                out.write(chunk)
                bar.advance(task, len(chunk))
    except httpx.TransportError:
        raise Unreachable(server.url) from None
