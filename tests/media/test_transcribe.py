from __future__ import annotations

from pathlib import Path

import pytest

from tests.media.conftest import SAMPLE, make
from tidings.config import load_settings
from tidings.media import UnsupportedMedia
from tidings.media.transcribe import (
    Engine,
    TranscriptionUnavailable,
    engine_for,
    engine_named,
    transcribe,
)

pytest.importorskip("pocketsphinx")

# What PocketSphinx's bundled model hears in the sample (a synthetic voice saying
# "please review the quarterly budget before friday"): "please bring you the
# quarterly audits this law friday". Four of the seven words come out right; the
# test holds the engine to those.
HEARD = {"please", "the", "quarterly", "friday"}


@pytest.fixture(scope="module")
def pocketsphinx() -> Engine:
    engine = engine_named("pocketsphinx")
    assert engine is not None
    return engine


def test_the_english_sample_gives_its_key_words(pocketsphinx: Engine) -> None:
    transcript = transcribe(SAMPLE, pocketsphinx)
    assert set(transcript.text.split()) >= HEARD
    assert (transcript.engine, transcript.language) == ("pocketsphinx", "en")
    assert abs(transcript.duration_ms - 6630) < 50


def test_segments_and_words_are_time_aligned(pocketsphinx: Engine) -> None:
    transcript = transcribe(SAMPLE, pocketsphinx)
    words = [w for s in transcript.segments for w in s.words]
    assert all(0 <= w.start_ms < w.end_ms <= transcript.duration_ms for w in words)
    assert [w.start_ms for w in words] == sorted(w.start_ms for w in words)
    spoken = {w.text: w for w in words}
    # In the recording "please" is said in the first second, "friday" in the sixth.
    assert spoken["please"].start_ms < 1000 < 5000 < spoken["friday"].end_ms
    for segment in transcript.segments:
        assert segment.start_ms <= segment.words[0].start_ms
        assert segment.words[-1].end_ms <= segment.end_ms


def test_any_container_is_turned_into_speech_first(pocketsphinx: Engine, tmp_path: Path) -> None:
    recorded = make(tmp_path / "note.webm", "-i", str(SAMPLE), "-c:a", "libopus")
    with recorded.open("rb") as stream:
        assert "friday" in transcribe(stream, pocketsphinx).text


def test_a_video_without_sound_has_nothing_to_transcribe(
    pocketsphinx: Engine, tmp_path: Path
) -> None:
    silent = make(
        tmp_path / "silent.webm",
        *("-f", "lavfi", "-i", "testsrc=size=64x48:duration=1"),
        *("-c:v", "libvpx-vp9", "-deadline", "realtime"),
    )
    with pytest.raises(UnsupportedMedia):
        transcribe(silent, pocketsphinx)


def test_faster_whisper_needs_a_model_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_TRANSCRIPTION_ENGINE", "faster-whisper")
    with pytest.raises(TranscriptionUnavailable, match="TIDINGS_TRANSCRIPTION_MODEL_DIR"):
        engine_for(load_settings())


def test_faster_whisper_says_what_the_model_directory_lacks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TIDINGS_TRANSCRIPTION_ENGINE", "faster-whisper")
    monkeypatch.setenv("TIDINGS_TRANSCRIPTION_MODEL_DIR", str(tmp_path / "whisper-small"))
    with pytest.raises(TranscriptionUnavailable, match="model.bin"):
        engine_for(load_settings())


def test_the_default_engine_is_pocketsphinx() -> None:
    engine = engine_for(load_settings())
    assert engine is not None and engine.name == "pocketsphinx"


def test_transcription_can_be_off() -> None:
    assert engine_named("off") is None
    with pytest.raises(TranscriptionUnavailable):
        engine_named("whisper.cpp")
