"""Bounds on the work done for one media file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_input_bytes: int = 512 * 1024 * 1024
    max_output_bytes: int = 512 * 1024 * 1024
    max_duration_seconds: int = 30 * 60
    probe_timeout_seconds: float = 20.0
    poster_timeout_seconds: float = 30.0
    # Generous for a half-hour clip on two cores; "veryfast" x264 runs at several
    # times real time at 720p.
    convert_timeout_seconds: float = 900.0
    # The longer side of a normalised video and of a poster frame.
    max_video_side: int = 1280
    max_poster_side: int = 640
