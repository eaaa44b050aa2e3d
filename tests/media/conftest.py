"""Media made at test time with ffmpeg's own sources (``testsrc``, ``sine``, ``color``):
nothing is downloaded, and the files are as a browser's MediaRecorder writes them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SAMPLE = Path(__file__).parent / "budget-en.wav"


@pytest.fixture(autouse=True)
def _ffmpeg_installed() -> None:
    if shutil.which("ffmpeg") and shutil.which("ffprobe"):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true but ffmpeg is missing: .ci/run installs it")
    pytest.skip("media tests skipped: ffmpeg is not installed (apt-get install ffmpeg)")


def make(target: Path, *args: str) -> Path:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args, str(target)],
        check=True,
        timeout=60,
    )
    return target


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def webm_video(media: Path) -> Path:
    """Three seconds of VP9 picture and Opus sound, 320×240: a browser's recording."""
    return make(
        media / "recording.webm",
        *("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=3"),
        *("-f", "lavfi", "-i", "sine=frequency=440:duration=3"),
        *("-c:v", "libvpx-vp9", "-deadline", "realtime", "-c:a", "libopus", "-shortest"),
    )


@pytest.fixture(scope="session")
def webm_voice(media: Path) -> Path:
    """Two seconds of Opus sound in WebM: a voice note."""
    return make(
        media / "voice.webm",
        *("-f", "lavfi", "-i", "sine=frequency=300:duration=2", "-c:a", "libopus"),
    )


@pytest.fixture(scope="session")
def red_then_blue(media: Path) -> Path:
    """One second of red, then two of blue, in H.264: shows which frame a poster is."""
    return make(
        media / "red-then-blue.mp4",
        *("-f", "lavfi", "-i", "color=c=red:size=160x120:rate=25:duration=1"),
        *("-f", "lavfi", "-i", "color=c=blue:size=160x120:rate=25:duration=2"),
        *("-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0", "-c:v", "libx264"),
        *("-pix_fmt", "yuv420p"),
    )
