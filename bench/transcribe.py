"""Transcription speed, as a multiple of real time, and word accuracy on the English sample.

The sample is ``tests/media/budget-en.wav`` (espeak-ng's synthetic voice saying
"please review the quarterly budget before friday", 16 kHz mono, 6.6 s). Speed is
also measured on a minute of speech: the sample ten times over, with pauses. Times
include ffmpeg's conversion to 16 kHz PCM; the model's load is reported apart.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, section_header, table, write_section  # noqa: E402

from tidings.media.transcribe import engine_named, transcribe  # noqa: E402

SAMPLE = ROOT / "tests" / "media" / "budget-en.wav"
REFERENCE = "please review the quarterly budget before friday"


def word_errors(reference: list[str], heard: list[str]) -> tuple[int, int]:
    """Edit distance in words, and how many reference words were heard in place."""
    rows = [[0] * (len(heard) + 1) for _ in range(len(reference) + 1)]
    for i in range(len(reference) + 1):
        for j in range(len(heard) + 1):
            if i == 0 or j == 0:
                rows[i][j] = i + j
            else:
                same = reference[i - 1] == heard[j - 1]
                rows[i][j] = min(
                    rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + (not same)
                )
    i, j, right = len(reference), len(heard), 0
    while i and j:  # walk back along one best alignment, counting matches
        same = reference[i - 1] == heard[j - 1]
        if rows[i][j] == rows[i - 1][j - 1] + (not same):
            right += same
            i, j = i - 1, j - 1
        elif rows[i][j] == rows[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return rows[-1][-1], right


def minute_of_speech(folder: Path) -> Path:
    """The sample ten times, each followed by half a second of silence."""
    with wave.open(str(SAMPLE), "rb") as source:
        params, frames = source.getparams(), source.readframes(source.getnframes())
    pause = b"\0\0" * (params.framerate // 2)
    target = folder / "minute.wav"
    with wave.open(str(target), "wb") as out:
        out.setparams(params)
        out.writeframes((frames + pause) * 10)
    return target


def cpu_seconds() -> float:
    """CPU time of this process and of the ffmpeg processes it waited for."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(engine: object, path: Path, repeat: int) -> tuple[float, float, float, str]:
    """Audio seconds, best wall and CPU seconds of ``repeat`` runs, and the text heard."""
    wall, cpu, text, audio = float("inf"), float("inf"), "", 0.0
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        transcript = transcribe(path, engine)  # type: ignore[arg-type]
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, cpu_seconds() - start_cpu)
        text, audio = transcript.text, transcript.duration_ms / 1000
    return audio, wall, cpu, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="pocketsphinx")
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-doc", action="store_true", help="Print only; leave docs/ alone")
    args = parser.parse_args()
    start = time.perf_counter()
    engine = engine_named(args.engine, args.model_dir)
    if engine is None:
        sys.exit("transcription is off")
    transcribe(SAMPLE, engine)  # loads the model
    first = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        inputs = [("sample", SAMPLE), ("a minute (sample ×10)", minute_of_speech(Path(folder)))]
        rows, heard = [], ""
        for name, path in inputs:
            audio, wall, cpu, text = timed(engine, path, args.repeat)
            heard = heard or text
            rows.append(
                (
                    name,
                    f"{audio:.1f}",
                    f"{wall:.2f}",
                    f"{audio / wall:.1f}×",
                    f"{cpu:.2f}",
                    f"{audio / cpu:.1f}×",
                )
            )
    reference = REFERENCE.split()
    errors, right = word_errors(reference, heard.split())
    summary = (
        f"Engine {engine.name}; first use (model load and the sample) {first:.2f} s. "
        f'Heard: "{heard}" for "{REFERENCE}": {right} of {len(reference)} words right, '
        f"word error rate {errors / len(reference):.0%}. Speed is audio length over wall "
        f"time (and over CPU time, which a busy machine disturbs less), best of {args.repeat}, "
        f"ffmpeg's conversion included; load average at the end {os.getloadavg()[0]:.1f}. "
        "A synthetic voice is no measure of accuracy on real speech (see the admin guide)."
    )
    report = table(
        ["input", "audio s", "wall s", "× real time", "CPU s", "× real time (CPU)"], rows
    )
    print(report + "\n\n" + summary)
    if not args.no_doc:
        name = "transcribe" if args.engine == "pocketsphinx" else f"transcribe-{args.engine}"
        body = section_header("none (in-process)") + "\n" + summary + "\n\n" + report
        write_section(name, "## Transcription\n\n" + body)


if __name__ == "__main__":
    main()
