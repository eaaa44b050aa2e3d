"""Which recordings every browser plays as they are, and which need a rendition.

The rule is narrow on purpose: an MP4 (or MOV/M4A) with H.264 picture and AAC or
MP3 sound, an MP3, or a PCM WAV. Safari, Chrome and Firefox all play those.
Everything else gets an H.264/AAC MP4 rendition (``convert.normalize``): WebM
(VP8/VP9/Opus, which Chrome and Firefox's MediaRecorder write, and which older
Safari does not play), Ogg, FLAC, HEVC in MP4 (not played by Chrome on Linux or
by Firefox), and anything ffprobe names otherwise. The original stays
downloadable as it was sent.
"""

from __future__ import annotations

from tidings.media.probe import MediaInfo

_MP4_FAMILY = "mov"  # ffmpeg's "mov,mp4,m4a,3gp,3g2,mj2" demuxer
_VIDEO_CODECS = {"h264"}
_AUDIO_CODECS = {"aac", "mp3"}
_WAV_CODECS = {"pcm_s16le", "pcm_u8", "pcm_s24le", "pcm_f32le"}


def broadly_playable(info: MediaInfo) -> bool:
    """Whether ``info`` describes a file every browser in use plays unconverted."""
    formats = set(info.format_name.split(","))
    if _MP4_FAMILY in formats:
        video_ok = not info.has_video or info.video_codec in _VIDEO_CODECS
        audio_ok = not info.has_audio or info.audio_codec in _AUDIO_CODECS
        return video_ok and audio_ok
    if info.has_video:
        return False
    if "mp3" in formats:
        return info.audio_codec == "mp3"
    if "wav" in formats:
        return info.audio_codec in _WAV_CODECS
    return False
