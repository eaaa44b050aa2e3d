from __future__ import annotations

from tidings.media.lines import as_lines
from tidings.media.transcribe import Segment, Word


def _words(*timed: tuple[int, int, str]) -> tuple[Word, ...]:
    return tuple(Word(start, end, text) for start, end, text in timed)


def test_a_long_utterance_is_cut_into_lines_at_word_boundaries() -> None:
    words = _words(
        (60, 620, "please"),
        (620, 1130, "review"),
        (2310, 3280, "quarterly"),
        (3330, 3880, "budget"),
        (4920, 5920, "friday"),
    )
    lines = as_lines([Segment(0, 6390, "please review quarterly budget friday", words)])
    assert [(s.start_ms, s.end_ms, s.text) for s in lines] == [
        (60, 1130, "please review"),
        (2310, 3880, "quarterly budget"),
        (4920, 5920, "friday"),
    ]


def test_segments_without_word_times_stay_whole() -> None:
    assert as_lines([Segment(0, 9000, "as it was"), Segment(9000, 9500, "")]) == [
        Segment(0, 9000, "as it was")
    ]
