"""Transcript segments as the lines a reader sees and seeks by.

An engine's segment can be long: PocketSphinx makes one per utterance (a whole
voice note said in one breath), Whisper up to thirty seconds. Where the engine
gave word times, a segment is cut at word boundaries into lines of at most
``MAX_LINE_MS`` of speech, and at pauses, so that choosing a line (or a search
hit on one of its words) starts the clip close to the words."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from tidings.media.transcribe import Segment, Word

MAX_LINE_MS = 2500
PAUSE_MS = 700


def as_lines(segments: Iterable[Segment], max_ms: int = MAX_LINE_MS) -> list[Segment]:
    return [line for segment in segments for line in _cut(segment, max_ms) if line.text]


def _cut(segment: Segment, max_ms: int) -> Iterator[Segment]:
    if not segment.words:
        yield segment
        return
    line: list[Word] = []
    for word in segment.words:
        if line and (
            word.end_ms - line[0].start_ms > max_ms or word.start_ms - line[-1].end_ms >= PAUSE_MS
        ):
            yield _line(line)
            line = []
        line.append(word)
    yield _line(line)


def _line(words: list[Word]) -> Segment:
    text = " ".join(w.text for w in words if w.text)
    return Segment(words[0].start_ms, words[-1].end_ms, text, tuple(words))
