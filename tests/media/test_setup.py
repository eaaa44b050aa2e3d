"""Which engine a node transcribes with, decided at start-up."""

from __future__ import annotations

from pathlib import Path

from tidings.media.setup import cannot_run


def test_a_whisper_engine_without_its_model_is_named_at_start_up(tmp_path: Path) -> None:
    assert "model.bin" in (cannot_run("faster-whisper", None) or "")
    assert "model.bin" in (cannot_run("faster-whisper", tmp_path) or "")


def test_off_and_an_installed_pocketsphinx_can_run() -> None:
    assert cannot_run("off", None) is None
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        assert "not installed" in (cannot_run("pocketsphinx", None) or "")
    else:
        assert cannot_run("pocketsphinx", None) is None
