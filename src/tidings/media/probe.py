"""What a media file holds, read with ``ffprobe -print_format json``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from tidings.media.errors import UnsupportedMedia
from tidings.media.ffmpeg import DEMUXERS, Source, input_args, local_file, run, tool
from tidings.media.limits import Limits


@dataclass(frozen=True)
class MediaInfo:
    """The facts a player and a thumbnail need; ``None`` where the file does not say."""

    format_name: str
    duration_ms: int | None
    width: int | None
    height: int | None
    has_video: bool
    has_audio: bool
    video_codec: str | None
    audio_codec: str | None
    size_bytes: int | None


def probe(source: Source, limits: Limits | None = None) -> MediaInfo:
    """Probe a file (a path or a readable binary stream)."""
    limits = limits or Limits()
    with local_file(source, max_bytes=limits.max_input_bytes) as path:
        return media_info(_report(path, limits, DEMUXERS))


def picture_size(path: Path, limits: Limits | None = None) -> tuple[int, int]:
    """Width and height of a picture this server made (a poster frame)."""
    info = media_info(_report(path, limits or Limits(), ("image2", "jpeg_pipe")))
    return info.width or 0, info.height or 0


def _report(path: Path, limits: Limits, demuxers: tuple[str, ...]) -> dict[str, Any]:
    command = [
        tool("ffprobe"),
        "-hide_banner",
        "-loglevel",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        *input_args(path, demuxers),
    ]
    report = orjson.loads(run(command, timeout=limits.probe_timeout_seconds) or b"{}")
    return report if isinstance(report, dict) else {}


def media_info(report: dict[str, Any]) -> MediaInfo:
    """The ``MediaInfo`` in ffprobe's JSON report."""
    streams = report.get("streams") or []
    fmt = report.get("format") or {}
    # Cover art in an audio file is a video stream holding one picture: not a video.
    video = next((s for s in streams if _is_moving_picture(s)), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None and audio is None:
        raise UnsupportedMedia("The file holds neither audio nor video")
    return MediaInfo(
        format_name=str(fmt.get("format_name", "")),
        duration_ms=_duration_ms(fmt, video, audio),
        width=_int(video, "width"),
        height=_int(video, "height"),
        has_video=video is not None,
        has_audio=audio is not None,
        video_codec=video.get("codec_name") if video else None,
        audio_codec=audio.get("codec_name") if audio else None,
        size_bytes=_int(fmt, "size"),
    )


def _is_moving_picture(stream: dict[str, Any]) -> bool:
    attached = (stream.get("disposition") or {}).get("attached_pic", 0)
    return stream.get("codec_type") == "video" and not attached


def _duration_ms(fmt: dict[str, Any], *streams: dict[str, Any] | None) -> int | None:
    # MediaRecorder's WebM often carries no duration in its header; the container's
    # figure, when there is one, covers every stream.
    for holder in (fmt, *streams):
        seconds = _float(holder, "duration")
        if seconds is not None and seconds >= 0:
            return round(seconds * 1000)
    return None


def _int(holder: dict[str, Any] | None, key: str) -> int | None:
    value = _float(holder, key)
    return None if value is None else int(value)


def _float(holder: dict[str, Any] | None, key: str) -> float | None:
    try:
        return float(holder[key]) if holder and key in holder else None
    except (TypeError, ValueError):
        return None
