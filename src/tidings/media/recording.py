"""Everything a voice note or clip needs before it is shown, in one call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tidings.media.convert import Normalized, Poster, normalize, poster_frame
from tidings.media.ffmpeg import Source, local_file
from tidings.media.limits import Limits
from tidings.media.probe import MediaInfo, probe


@dataclass(frozen=True)
class Recording:
    original: MediaInfo
    playable: Normalized
    poster: Poster | None


def prepare_recording(source: Source, folder: Path, limits: Limits | None = None) -> Recording:
    """Probe a recording, convert it for every browser and take its poster frame,
    writing the files into ``folder``. The poster is taken from the converted file,
    whose length is known even when the recording's header did not say."""
    limits = limits or Limits()
    with local_file(source, max_bytes=limits.max_input_bytes) as path:
        original = probe(path, limits)
        name = "clip.mp4" if original.has_video else "voice.m4a"
        playable = normalize(path, folder / name, limits)
    poster = None
    if playable.info.has_video:
        poster = poster_frame(playable.path, folder / "poster.jpg", limits)
    return Recording(original, playable, poster)
