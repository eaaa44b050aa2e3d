"""Poster frames, normalised recordings and speech-ready audio, made with ffmpeg.

Recordings are normalised to MP4: H.264 video (main profile, yuv420p, moov at
the front) with AAC audio, or AAC alone in an MP4 for voice notes. That pairing
is the one every browser in use plays, Safari on older iPhones included, which
WebM (VP8/VP9/Opus, what Chrome and Firefox's MediaRecorder write) is not; and
x264's "veryfast" preset converts a clip several times faster than real time
on a small server, where libvpx-vp9 would be slower than real time.
Metadata (a phone's location, the recording software) is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tidings.media.errors import MediaFailed, MediaTooLarge, UnsupportedMedia
from tidings.media.ffmpeg import Source, file_url, input_args, local_file, run, tool
from tidings.media.limits import Limits
from tidings.media.probe import MediaInfo, picture_size, probe

VIDEO_MIME = "video/mp4"
AUDIO_MIME = "audio/mp4"
POSTER_MIME = "image/jpeg"
POSTER_AT_SECONDS = 1.0
SPEECH_RATE = 16_000


@dataclass(frozen=True)
class Poster:
    path: Path
    mime_type: str
    width: int
    height: int


@dataclass(frozen=True)
class Normalized:
    path: Path
    mime_type: str
    info: MediaInfo


def _ffmpeg() -> list[str]:
    return [tool("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "error"]


def _fit(side: int) -> str:
    """Shrink, never enlarge, into a ``side`` square, keeping the shape; sides even."""
    return (
        f"scale=w='min({side},iw)':h='min({side},ih)'"
        ":force_original_aspect_ratio=decrease:force_divisible_by=2"
    )


def poster_frame(source: Source, target: Path, limits: Limits | None = None) -> Poster:
    """A JPEG of the frame at one second (or the first, for shorter clips) at ``target``."""
    limits = limits or Limits()
    with local_file(source, max_bytes=limits.max_input_bytes) as path:
        info = probe(path, limits)
        if not info.has_video:
            raise UnsupportedMedia("The file has no picture to take a poster frame from")
        short = info.duration_ms is not None and info.duration_ms <= POSTER_AT_SECONDS * 1000
        at = 0.0 if short else POSTER_AT_SECONDS
        _grab(path, target, at, limits)
        if at and not _written(target):  # no frame there: a header that overstated its length
            _grab(path, target, 0.0, limits)
    if not _written(target):
        raise UnsupportedMedia("No frame could be read from the video")
    width, height = picture_size(target, limits)
    return Poster(target, POSTER_MIME, width, height)


def _grab(path: Path, target: Path, at: float, limits: Limits) -> None:
    command = [
        *_ffmpeg(),
        "-ss",
        f"{at:.3f}",
        *input_args(path),
        "-map",
        "0:v:0",
        "-frames:v",
        "1",
        "-vf",
        _fit(limits.max_poster_side),
        "-c:v",
        "mjpeg",
        "-q:v",
        "4",
        "-map_metadata",
        "-1",
        "-fs",
        str(limits.max_output_bytes),
        "-f",
        "image2",
        "-update",
        "1",
        "-y",
        file_url(target),
    ]
    run(command, timeout=limits.poster_timeout_seconds)


def _written(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


def normalize(source: Source, target: Path, limits: Limits | None = None) -> Normalized:
    """Convert a recording to the MP4 every browser plays, at ``target``."""
    limits = limits or Limits()
    with local_file(source, max_bytes=limits.max_input_bytes) as path:
        info = probe(path, limits)
        _check_duration(info.duration_ms, limits)
        command = [
            *_ffmpeg(),
            *input_args(path),
            *(_video_args(limits) if info.has_video else _audio_only_args()),
            *(_audio_args() if info.has_audio else []),
            "-sn",
            "-dn",
            "-map_metadata",
            "-1",
            "-map_chapters",
            "-1",
            # A recording without a duration in its header is cut just past the limit;
            # the result's own duration then tells.
            "-t",
            str(limits.max_duration_seconds + 1),
            "-fs",
            str(limits.max_output_bytes),
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            "-y",
            file_url(target),
        ]
        run(command, timeout=limits.convert_timeout_seconds)
    result = probe(target, limits)
    _check_duration(result.duration_ms, limits)
    if result.size_bytes is not None and result.size_bytes >= limits.max_output_bytes:
        raise MediaTooLarge(f"The converted file reached {limits.max_output_bytes} bytes")
    return Normalized(target, VIDEO_MIME if result.has_video else AUDIO_MIME, result)


def _check_duration(duration_ms: int | None, limits: Limits) -> None:
    if duration_ms is not None and duration_ms > limits.max_duration_seconds * 1000:
        raise MediaTooLarge(f"Recordings are at most {limits.max_duration_seconds} seconds")


def _video_args(limits: Limits) -> list[str]:
    return [
        "-map",
        "0:v:0",
        "-map",
        "0:a:0?",
        "-vf",
        _fit(limits.max_video_side),
        "-fpsmax",
        "60",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "23",
        "-profile:v",
        "main",
        "-pix_fmt",
        "yuv420p",
    ]


def _audio_only_args() -> list[str]:
    return ["-map", "0:a:0", "-vn"]


def _audio_args() -> list[str]:
    return ["-c:a", "aac", "-b:a", "128k", "-ac", "2"]


def speech_pcm(source: Source, target: Path, limits: Limits | None = None) -> Path:
    """The first audio stream as 16 kHz mono signed 16-bit little-endian samples, raw:
    what speech recognisers take."""
    limits = limits or Limits()
    with local_file(source, max_bytes=limits.max_input_bytes) as path:
        command = [
            *_ffmpeg(),
            *input_args(path),
            "-map",
            "0:a:0",
            "-vn",
            "-ac",
            "1",
            "-ar",
            str(SPEECH_RATE),
            "-c:a",
            "pcm_s16le",
            "-t",
            str(limits.max_duration_seconds),
            "-fs",
            str(limits.max_output_bytes),
            "-f",
            "s16le",
            "-y",
            file_url(target),
        ]
        try:
            run(command, timeout=limits.convert_timeout_seconds)
        except MediaFailed as failure:
            if "matches no streams" in str(failure):
                raise UnsupportedMedia("The file has no sound to transcribe") from None
            raise
    return target
