"""Clips (audio and video attachments): how far someone got, when a clip counts as
watched to the end, and how a moment in one is written."""

from __future__ import annotations

from tidings.core.files import Kind
from tidings.errors import InvalidInput

# Players stop a little short of the last frame, and a viewer who saw all but the
# final second has seen the clip.
END_SLACK_MS = 1000
# About 24 hours: a position past this is a client bug, not a clip.
MAX_POSITION_MS = 86_400_000
CLIP_KINDS = (Kind.AUDIO, Kind.VIDEO)


class NotAClip(InvalidInput):
    code = "not_a_clip"
    title = "The file is not a clip"


class BadClipPosition(InvalidInput):
    code = "bad_clip_position"
    title = "The position is not within the clip"


class BadClipComment(InvalidInput):
    code = "bad_clip_comment"
    title = "The clip to comment on is not here"


def is_clip(kind: str) -> bool:
    return kind in CLIP_KINDS


def require_clip(kind: str) -> None:
    if not is_clip(kind):
        raise NotAClip("Only audio and video files record who watched them", field="file")


def checked_position(position_ms: int, duration_ms: int | None) -> int:
    """A reported position, clamped to the clip's length when it is known."""
    if position_ms < 0 or position_ms > MAX_POSITION_MS:
        raise BadClipPosition("A position is 0 or more milliseconds", field="position_ms")
    if duration_ms is not None:
        return min(position_ms, duration_ms)
    return position_ms


def reached_end(furthest_ms: int, duration_ms: int | None, ended: bool) -> bool:
    if ended:
        return True
    return duration_ms is not None and furthest_ms >= max(duration_ms - END_SLACK_MS, 0)


def check_moment(at_ms: int, duration_ms: int | None) -> int:
    """A comment's moment: within the clip, when its length is known."""
    if at_ms < 0 or (duration_ms is not None and at_ms > duration_ms):
        raise BadClipComment("The moment is not within the clip", field="clip_at_ms")
    return at_ms


def clock_time(ms: int) -> str:
    """0:42, 12:05, 1:02:03."""
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"
