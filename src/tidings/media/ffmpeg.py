"""Running ffmpeg and ffprobe: strict arguments, no shell, bounded time and output.

Every call is an argument list (never a shell line) with standard input closed
(``-nostdin``). Inputs are read only through the ``file`` protocol and only by
the demuxers a recording or a phone clip comes in: a playlist (HLS, concat) or
an image sequence could otherwise make ffmpeg read other files of the server
into its output. Paths are passed as ``file:PATH`` so that a name starting
with ``-`` or holding a ``:`` is never taken for an option or a protocol.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from tidings.media.errors import MediaFailed, MediaTooLarge, MediaToolMissing, UnsupportedMedia

log = logging.getLogger(__name__)

# Demuxer names as ffmpeg spells them; "matroska,webm" and "mov,mp4,m4a,3gp,3g2,mj2"
# are single demuxers whose names ffmpeg matches item by item against this list.
DEMUXERS = ("matroska", "webm", "mov", "mp4", "m4a", "3gp", "ogg", "wav", "mp3", "flac", "aac")
MAX_REPORT_BYTES = 1_048_576  # ffprobe's JSON: a few kilobytes for any sane file
MAX_STDERR_CHARS = 2000

Source = Path | str | BinaryIO


def tool(name: str) -> str:
    """The full path of ``ffmpeg`` or ``ffprobe``, or a clear error."""
    found = shutil.which(name)
    if found is None:
        raise MediaToolMissing(f"{name} was not found on PATH: install ffmpeg")
    return found


def file_url(path: Path) -> str:
    return f"file:{path.resolve()}"


def input_args(path: Path, demuxers: Sequence[str] = DEMUXERS) -> list[str]:
    """The options that confine how an input is read, then the input itself."""
    return [
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        ",".join(demuxers),
        "-i",
        file_url(path),
    ]


def run(args: Sequence[str], *, timeout: float, max_stdout: int = MAX_REPORT_BYTES) -> bytes:
    """Run the command; its standard output, at most ``max_stdout`` bytes.

    Standard output goes to a temporary file rather than a pipe held in memory, so a
    chatty tool cannot exhaust memory before it is stopped. A timeout kills it."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            done = subprocess.run(
                list(args),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                timeout=timeout,
                check=False,
                env=_environment(),
            )
        except subprocess.TimeoutExpired:
            raise MediaFailed(f"{Path(args[0]).name} took longer than {timeout:g} s") from None
        err.seek(0)
        message = err.read(MAX_STDERR_CHARS).decode(errors="replace").strip()
        if done.returncode != 0:
            raise _failure(args[0], done.returncode, message)
        if out.tell() > max_stdout:
            raise MediaTooLarge(f"{Path(args[0]).name} printed more than {max_stdout} bytes")
        out.seek(0)
        return out.read()


def _environment() -> dict[str, str]:
    # No inherited FFREPORT, proxies or locale surprises; PATH only to find libraries.
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}


def _failure(program: str, code: int, message: str) -> Exception:
    log.info("%s exited with %d: %s", Path(program).name, code, message)
    if "Invalid data found" in message or "not on whitelist" in message or "No such" in message:
        return UnsupportedMedia("Not a playable audio or video file")
    return MediaFailed(f"{Path(program).name} failed: {message[:200] or f'exit status {code}'}")


@contextmanager
def local_file(source: Source, *, max_bytes: int) -> Iterator[Path]:
    """A path to read ``source`` from: the path itself, or a stream copied to a
    temporary file (ffmpeg needs to seek, an MP4 keeps its index at the end)."""
    if isinstance(source, str | Path):
        path = Path(source)
        if path.stat().st_size > max_bytes:
            raise MediaTooLarge(f"The file is larger than {max_bytes} bytes")
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="tidings-media-") as folder:
        path = Path(folder) / "input"
        with path.open("wb") as copy:
            _copy_capped(source, copy, max_bytes)
        yield path


def _copy_capped(source: BinaryIO, target: BinaryIO, max_bytes: int) -> None:
    copied = 0
    while chunk := source.read(1 << 16):
        copied += len(chunk)
        if copied > max_bytes:
            raise MediaTooLarge(f"The file is larger than {max_bytes} bytes")
        target.write(chunk)
