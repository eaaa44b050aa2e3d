"""What can go wrong with a media file, as part of the one error hierarchy."""

from __future__ import annotations

from tidings.errors import InvalidInput, PayloadTooLarge, TidingsError


class UnsupportedMedia(InvalidInput):
    status = 415
    code = "unsupported_media"
    title = "The file is not audio or video that can be played"


class MediaTooLarge(PayloadTooLarge):
    code = "media_too_large"
    title = "The media is too long or its output too large"


class MediaFailed(TidingsError):
    """The tool itself failed or ran out of time: not the sender's fault, retry later."""

    status = 500
    code = "media_failed"
    title = "The media could not be processed"


class MediaToolMissing(MediaFailed):
    code = "media_tool_missing"
    title = "ffmpeg is not installed on this server"
