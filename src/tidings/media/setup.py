"""Whether this node transcribes clips, and with which engine.

Read once when a node starts (``attach``), hung on the database by its write
engine as ``tidings.unfurl.setup`` does, so that the processing job can tell
whether to ask for a transcript and the transcription job which engine to use.
The engine itself (a loaded speech model) is made on first use, in the worker.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from tidings.config import Settings
from tidings.media.transcribe import FASTER_WHISPER, OFF, POCKETSPHINX, Engine, engine_named

log = logging.getLogger(__name__)


@dataclass
class SpeechSetup:
    engine_name: str
    model_dir: Path | None
    _engine: Engine | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def engine(self) -> Engine | None:
        """The engine, loaded once; raises ``TranscriptionUnavailable`` if it cannot run."""
        with self._lock:
            if self._engine is None:
                self._engine = engine_named(self.engine_name, self.model_dir)
            return self._engine


_setups: WeakKeyDictionary[Any, SpeechSetup] = WeakKeyDictionary()


def attach(db: Any, settings: Settings) -> None:
    """Turn transcription on for ``db`` with the configured engine, or off. An engine
    that cannot run here (its package or model missing) is named in a warning now,
    at start-up, and transcription stays off: the server runs without it."""
    missing = cannot_run(settings.transcription_engine, settings.transcription_model_dir)
    if missing:
        log.warning("transcription is off: %s", missing)
    if settings.transcription_engine == OFF or missing:
        _setups.pop(db.write_engine, None)
    else:
        _setups[db.write_engine] = SpeechSetup(
            settings.transcription_engine, settings.transcription_model_dir
        )


def cannot_run(name: str, model_dir: Path | None) -> str | None:
    """Why the engine ``name`` cannot run on this server, checked without loading it."""
    if name == POCKETSPHINX and importlib.util.find_spec("pocketsphinx") is None:
        return "PocketSphinx is not installed: pip install 'tidings[transcribe]'"
    if name != FASTER_WHISPER:
        return None
    if model_dir is None or not (Path(model_dir) / "model.bin").is_file():
        return f"faster-whisper needs a model directory holding model.bin, not {model_dir}"
    if importlib.util.find_spec("faster_whisper") is None:
        return "faster-whisper is not installed: pip install faster-whisper"
    return None


def speech_for(engine: Any) -> SpeechSetup | None:
    """The setup of the database ``engine`` writes to; ``None`` while transcription is off."""
    return _setups.get(engine)


def use_engine(db: Any, engine: Engine) -> None:
    """Transcribe with ``engine`` (anything with the ``Engine`` interface) on ``db``:
    for a program that embeds Tidings with an engine of its own."""
    _setups[db.write_engine] = SpeechSetup(engine.name, None, engine)
