from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.media.conftest import make
from tidings.media import (
    Limits,
    MediaFailed,
    MediaTooLarge,
    UnsupportedMedia,
    normalize,
    poster_frame,
    prepare_recording,
    probe,
    speech_pcm,
)


def test_probe_reads_a_browser_recording(webm_video: Path) -> None:
    info = probe(webm_video)
    assert info.format_name == "matroska,webm"
    assert info.duration_ms is not None and abs(info.duration_ms - 3000) < 100
    assert (info.width, info.height) == (320, 240)
    assert info.has_video and info.has_audio
    assert (info.video_codec, info.audio_codec) == ("vp9", "opus")


def test_probe_reads_a_voice_note_from_a_stream(webm_voice: Path) -> None:
    info = probe(io.BytesIO(webm_voice.read_bytes()))
    assert info.has_audio and not info.has_video
    assert (info.width, info.height, info.audio_codec) == (None, None, "opus")


def test_a_name_that_looks_like_an_option_is_read_as_a_file(
    webm_voice: Path, tmp_path: Path
) -> None:
    odd = tmp_path / "-i http:x.webm"
    shutil.copy(webm_voice, odd)
    assert probe(odd).has_audio


def test_a_playlist_cannot_pull_in_other_files_of_the_server(tmp_path: Path) -> None:
    playlist = tmp_path / "clip.webm"
    playlist.write_text("#EXTM3U\n#EXTINF:10.0,\n/etc/hostname\n#EXT-X-ENDLIST\n")
    with pytest.raises(UnsupportedMedia) as refused:
        probe(playlist)
    assert str(tmp_path) not in str(refused.value)  # no server path in the answer


def test_text_is_not_media(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("nothing to play here\n" * 100)
    with pytest.raises(UnsupportedMedia):
        probe(text)


def test_a_stream_larger_than_the_cap_is_refused_while_copying(webm_voice: Path) -> None:
    with pytest.raises(MediaTooLarge):
        probe(io.BytesIO(webm_voice.read_bytes()), Limits(max_input_bytes=1000))


def _colour(jpeg: Path) -> tuple[int, int, int]:
    """The average colour of a picture, as ffmpeg scales it to one pixel."""
    pixel = subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(jpeg), "-vf", "scale=1:1"]
        + ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        check=True,
        capture_output=True,
        timeout=30,
    ).stdout
    return pixel[0], pixel[1], pixel[2]


def test_poster_frame_is_the_picture_at_one_second(red_then_blue: Path, tmp_path: Path) -> None:
    poster = poster_frame(red_then_blue, tmp_path / "poster.jpg")
    assert poster.path.read_bytes()[:3] == b"\xff\xd8\xff"
    assert (poster.mime_type, poster.width, poster.height) == ("image/jpeg", 160, 120)
    red, _, blue = _colour(poster.path)
    assert blue > 200 and red < 60


def test_a_clip_shorter_than_a_second_gets_its_first_frame(tmp_path: Path) -> None:
    short = make(
        tmp_path / "short.webm",
        *("-f", "lavfi", "-i", "color=c=red:size=64x48:rate=25:duration=0.4"),
        *("-c:v", "libvpx-vp9", "-deadline", "realtime"),
    )
    red, _, blue = _colour(poster_frame(short, tmp_path / "p.jpg").path)
    assert red > 200 and blue < 60


def test_poster_frames_are_scaled_down_keeping_the_shape(webm_video: Path, tmp_path: Path) -> None:
    poster = poster_frame(webm_video, tmp_path / "p.jpg", Limits(max_poster_side=100))
    assert (poster.width, poster.height) == (100, 74)


def test_a_voice_note_has_no_poster(webm_voice: Path, tmp_path: Path) -> None:
    with pytest.raises(UnsupportedMedia):
        poster_frame(webm_voice, tmp_path / "p.jpg")


def test_a_video_recording_becomes_h264_and_aac_in_mp4(webm_video: Path, tmp_path: Path) -> None:
    done = normalize(webm_video, tmp_path / "clip.mp4")
    assert done.mime_type == "video/mp4"
    assert (done.info.video_codec, done.info.audio_codec) == ("h264", "aac")
    assert (done.info.width, done.info.height) == (320, 240)
    assert done.info.duration_ms is not None and abs(done.info.duration_ms - 3000) < 150
    data = done.path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # plays before it has all loaded


def test_a_voice_note_becomes_aac_in_mp4(webm_voice: Path, tmp_path: Path) -> None:
    with webm_voice.open("rb") as stream:
        done = normalize(stream, tmp_path / "voice.m4a")
    assert done.mime_type == "audio/mp4"
    assert not done.info.has_video and done.info.audio_codec == "aac"


def test_a_large_video_is_scaled_down(webm_video: Path, tmp_path: Path) -> None:
    done = normalize(webm_video, tmp_path / "small.mp4", Limits(max_video_side=160))
    assert (done.info.width, done.info.height) == (160, 120)


def test_a_recording_over_the_length_limit_is_refused(webm_video: Path, tmp_path: Path) -> None:
    with pytest.raises(MediaTooLarge):
        normalize(webm_video, tmp_path / "long.mp4", Limits(max_duration_seconds=1))


def test_output_stops_at_the_size_cap(webm_video: Path, tmp_path: Path) -> None:
    with pytest.raises(MediaTooLarge):
        normalize(webm_video, tmp_path / "big.mp4", Limits(max_output_bytes=8000))


def test_a_conversion_that_runs_too_long_is_stopped(webm_video: Path, tmp_path: Path) -> None:
    with pytest.raises(MediaFailed, match="longer than"):
        normalize(webm_video, tmp_path / "slow.mp4", Limits(convert_timeout_seconds=0.01))


def test_speech_audio_is_16khz_mono_pcm(webm_video: Path, tmp_path: Path) -> None:
    pcm = speech_pcm(webm_video, tmp_path / "speech.pcm")
    assert abs(pcm.stat().st_size - 3 * 16_000 * 2) < 16_000 * 2 // 10


def test_a_video_recording_is_prepared_in_one_call(webm_video: Path, tmp_path: Path) -> None:
    with webm_video.open("rb") as stream:
        done = prepare_recording(stream, tmp_path)
    assert done.original.video_codec == "vp9"
    assert done.playable.path == tmp_path / "clip.mp4" and done.playable.mime_type == "video/mp4"
    assert done.poster is not None and done.poster.path.read_bytes()[:2] == b"\xff\xd8"


def test_a_voice_note_is_prepared_without_a_poster(webm_voice: Path, tmp_path: Path) -> None:
    done = prepare_recording(webm_voice, tmp_path)
    assert done.playable.mime_type == "audio/mp4" and done.poster is None
