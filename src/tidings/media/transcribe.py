"""Speech to text, offline, behind one small interface.

An engine turns 16 kHz mono 16-bit PCM into time-aligned segments. ffmpeg makes
that PCM from whatever was recorded (``convert.speech_pcm``), so an engine never
sees a container. Two engines ship:

* ``pocketsphinx`` (the default, the ``transcribe`` extra): CMU PocketSphinx 5
  with the US English model bundled in its wheel. Small and fast, nothing to
  download; rough on real speech (see the admin guide for what to expect).
* ``faster-whisper``: Whisper through CTranslate2, much better, from a model
  directory an administrator put on the server (``transcription_model_dir``).
  It is imported only when configured; nothing is ever downloaded.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from tidings.config import Settings
from tidings.errors import TidingsError
from tidings.media.convert import SPEECH_RATE, speech_pcm
from tidings.media.ffmpeg import Source
from tidings.media.limits import Limits

POCKETSPHINX = "pocketsphinx"
FASTER_WHISPER = "faster-whisper"
OFF = "off"
ENGINES = (POCKETSPHINX, FASTER_WHISPER, OFF)
BYTES_PER_SECOND = SPEECH_RATE * 2


class TranscriptionUnavailable(TidingsError):
    """The configured engine cannot run here: a missing package or model directory."""

    status = 503
    code = "transcription_unavailable"
    title = "Transcription is not available on this server"


@dataclass(frozen=True)
class Word:
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class Segment:
    start_ms: int
    end_ms: int
    text: str
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Transcript:
    engine: str
    language: str
    duration_ms: int
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text)


class Engine(Protocol):
    name: str
    language: str

    def transcribe_pcm(self, pcm: Path) -> list[Segment]:
        """Segments, in order, of 16 kHz mono s16le samples in the file ``pcm``."""
        ...


def transcribe(source: Source, engine: Engine, limits: Limits | None = None) -> Transcript:
    """Transcribe the first audio stream of a recording (a path or a binary stream)."""
    with tempfile.TemporaryDirectory(prefix="tidings-speech-") as folder:
        pcm = speech_pcm(source, Path(folder) / "speech.pcm", limits)
        duration_ms = pcm.stat().st_size * 1000 // BYTES_PER_SECOND
        segments = engine.transcribe_pcm(pcm)
    return Transcript(engine.name, engine.language, duration_ms, tuple(segments))


def engine_named(name: str, model_dir: Path | None = None) -> Engine | None:
    """The engine a setting names, checked now so that a mistake shows at start-up;
    ``None`` when transcription is off."""
    if name == OFF:
        return None
    if name == POCKETSPHINX:
        return PocketSphinxEngine()
    if name == FASTER_WHISPER:
        return FasterWhisperEngine(model_dir)
    raise TranscriptionUnavailable(f"Unknown transcription engine {name!r}: one of {ENGINES}")


def engine_for(settings: Settings) -> Engine | None:
    """The engine ``TIDINGS_TRANSCRIPTION_ENGINE`` and ``_MODEL_DIR`` name."""
    return engine_named(settings.transcription_engine, settings.transcription_model_dir)


class PocketSphinxEngine:
    """CMU PocketSphinx with its bundled US English model. Speech is cut into
    utterances at pauses (its voice activity detector); each is one segment."""

    name = POCKETSPHINX
    language = "en"
    PAD_SECONDS = 0.3
    FRAME_MS = 10  # PocketSphinx's default frame rate is 100 per second
    _FILLER = re.compile(r"^(<.*>|\[.*\])$")
    _VARIANT = re.compile(r"\(\d+\)$")  # "the(2)": the second pronunciation of "the"

    def __init__(self) -> None:
        try:
            import pocketsphinx
        except ImportError:
            raise TranscriptionUnavailable(
                "PocketSphinx is not installed: pip install 'tidings[transcribe]'"
            ) from None
        self._ps = pocketsphinx
        self._decoder: Any = None
        self._lock = threading.Lock()  # a decoder holds the state of one utterance

    def transcribe_pcm(self, pcm: Path) -> list[Segment]:
        with self._lock, pcm.open("rb") as stream, pcm.open("rb") as samples:
            segmenter = self._ps.Segmenter(sample_rate=SPEECH_RATE)
            spans = ((u.start_time, u.end_time) for u in segmenter.segment(stream))
            found = (self._utterance(samples, start, end) for start, end in spans)
            return [segment for segment in found if segment.text]

    def _utterance(self, samples: BinaryIO, start: float, end: float) -> Segment:
        # The detector starts an utterance a little after its first sound: decoding
        # from a moment earlier keeps the first word whole.
        begin_ms = max(0, round((start - self.PAD_SECONDS) * 1000))
        end_ms = round((end + self.PAD_SECONDS) * 1000)
        samples.seek(begin_ms * BYTES_PER_SECOND // 1000 // 2 * 2)
        chunk = samples.read((end_ms - begin_ms) * BYTES_PER_SECOND // 1000 // 2 * 2)
        decoder = self._decoder_for_use()
        decoder.start_utt()
        decoder.process_raw(chunk, full_utt=True)
        decoder.end_utt()
        words = tuple(self._words(decoder.seg(), begin_ms))
        last_ms = begin_ms + len(chunk) * 1000 // BYTES_PER_SECOND
        return Segment(begin_ms, last_ms, " ".join(w.text for w in words), words)

    def _words(self, found: Iterable[Any], offset: int) -> Iterable[Word]:
        for item in found:
            if self._FILLER.match(item.word):
                continue
            yield Word(
                offset + item.start_frame * self.FRAME_MS,
                offset + (item.end_frame + 1) * self.FRAME_MS,
                self._VARIANT.sub("", item.word),
            )

    def _decoder_for_use(self) -> Any:
        if self._decoder is None:
            self._decoder = self._ps.Decoder(samprate=SPEECH_RATE, loglevel="FATAL")
        return self._decoder


class FasterWhisperEngine:
    """Whisper through faster-whisper, from a CTranslate2 model directory on disk
    (for example a converted ``small`` or ``medium`` model). Runs on the CPU, int8."""

    name = FASTER_WHISPER
    language = "auto"

    def __init__(self, model_dir: Path | None) -> None:
        if model_dir is None:
            raise TranscriptionUnavailable(
                "faster-whisper needs TIDINGS_TRANSCRIPTION_MODEL_DIR: the directory of a "
                "CTranslate2 Whisper model (holding model.bin)"
            )
        if not (Path(model_dir) / "model.bin").is_file():
            raise TranscriptionUnavailable(
                f"No Whisper model in {model_dir}: it should hold model.bin, config.json "
                "and the tokenizer, as converted for CTranslate2"
            )
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise TranscriptionUnavailable(
                "faster-whisper is not installed: pip install faster-whisper"
            ) from None
        # local_files_only: a directory path is never looked up on a model hub.
        self._model = WhisperModel(
            str(model_dir), device="cpu", compute_type="int8", local_files_only=True
        )
        self._lock = threading.Lock()

    def transcribe_pcm(self, pcm: Path) -> list[Segment]:
        import numpy

        samples = numpy.fromfile(pcm, dtype="<i2").astype("float32") / 32768.0
        with self._lock:
            found, _ = self._model.transcribe(samples, word_timestamps=True, vad_filter=True)
            return [self._segment(s) for s in found if s.text.strip()]

    @staticmethod
    def _segment(found: Any) -> Segment:
        words = tuple(
            Word(round(w.start * 1000), round(w.end * 1000), w.word.strip())
            for w in found.words or ()
        )
        return Segment(
            round(found.start * 1000), round(found.end * 1000), found.text.strip(), words
        )
