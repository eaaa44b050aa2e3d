"""The clip jobs: probe, poster and rendition (``file.process``), then the
transcript (``file.transcribe``). ffmpeg and the speech engine run in the
preparation step, off the writer and outside any transaction, on a temporary
copy of the stored bytes; the handler records the result in a short write.

What a preparation step stores (a poster, a rendition) is named by its own
digest, so a retry stores the same bytes again harmlessly; the handler releases
them if the clip was removed meanwhile."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tidings.actions.clips import PROCESS, TRANSCRIBE, record_processing
from tidings.actions.transcripts import record_transcript
from tidings.ingest import sha256_of
from tidings.jobs.registry import handler, preparer
from tidings.media import MediaFailed, MediaTooLarge, UnsupportedMedia
from tidings.media.convert import normalize, poster_frame
from tidings.media.lines import as_lines
from tidings.media.playable import broadly_playable
from tidings.media.probe import probe
from tidings.media.setup import speech_for
from tidings.media.transcribe import TranscriptionUnavailable, transcribe
from tidings.store.blobs import BlobStore, store_for
from tidings.store.clips import DONE, POSTER, RENDITION, derived_digest, transcript_row
from tidings.store.jobs import Job
from tidings.store.tx import Tx


class BytesMissing(Exception):
    """The clip's bytes went (with its message) before the job ran."""


@preparer(PROCESS)
def process(db: Any, job: Job) -> dict[str, Any]:
    """Probe the clip; make what it lacks: a poster (video) and a rendition (when
    browsers do not all play the original). A file ffmpeg cannot read fails for
    good; a tool that crashed or ran out of time is retried."""
    digest = job.payload["sha256"]
    have = db.read(lambda c: {k: derived_digest(c, digest, k) for k in (POSTER, RENDITION)})
    return _outcome(db, job, lambda store, source: _made(store, source, have))


@handler(PROCESS)
def processed(tx: Tx, job: Job) -> None:
    record_processing(tx, job.payload["sha256"], job.prepared)


@preparer(TRANSCRIBE)
def hear(db: Any, job: Job) -> dict[str, Any]:
    """Transcribe the clip with this node's engine; nothing to do once it is done."""
    digest = job.payload["sha256"]
    row = db.read(lambda c: transcript_row(c, digest))
    if row is None or row["state"] == DONE:
        return {"skip": True}
    setup = speech_for(db.write_engine)
    if setup is None:
        return {"none": "Transcription is off on this server"}
    try:
        engine = setup.engine()
    except TranscriptionUnavailable as exc:
        return {"failed": str(exc)}
    if engine is None:
        return {"none": "Transcription is off on this server"}
    return _outcome(db, job, lambda store, source: _heard(transcribe(source, engine)))


@handler(TRANSCRIBE)
def heard(tx: Tx, job: Job) -> None:
    if not job.prepared.get("skip"):
        record_transcript(tx, job.payload["sha256"], job.prepared)


def _outcome(
    db: Any, job: Job, work: Callable[[BlobStore, Path], dict[str, Any]]
) -> dict[str, Any]:
    """``work`` on a local copy of the job's media; a reason in ``failed`` for media
    that cannot be worked on (``none`` for a clip without sound to transcribe)."""
    try:
        with _local_copy(db, job.payload["sha256"]) as (store, source):
            return work(store, source)
    except BytesMissing as exc:
        return {"failed": str(exc)}
    except UnsupportedMedia as exc:
        return {"none" if job.kind == TRANSCRIBE else "failed": str(exc)}
    except MediaTooLarge as exc:
        return {"failed": str(exc)}
    except MediaFailed as exc:
        if job.attempts >= job.max_attempts:
            return {"failed": str(exc)}
        raise


@contextmanager
def _local_copy(db: Any, digest: str) -> Iterator[tuple[BlobStore, Path]]:
    store = store_for(db.write_engine)
    if store is None or not store.exists(digest):
        raise BytesMissing("The file's bytes are missing")
    with tempfile.TemporaryDirectory(prefix="tidings-clip-") as folder:
        source = Path(folder) / "source"
        with source.open("wb") as out:
            for chunk in store.read(digest):
                out.write(chunk)
        yield store, source


def _made(store: BlobStore, source: Path, have: dict[str, str | None]) -> dict[str, Any]:
    info = probe(source)
    made: dict[str, Any] = {
        "has_video": info.has_video,
        "duration_ms": info.duration_ms,
        "width": info.width if info.has_video else None,
        "height": info.height if info.has_video else None,
    }
    playable = source
    if not broadly_playable(info) and have[RENDITION] is None:
        rendition = normalize(source, source.with_name("rendition.mp4"))
        made[RENDITION] = [_put(store, rendition.path), rendition.info.width, rendition.info.height]
        made["duration_ms"] = info.duration_ms or rendition.info.duration_ms
        playable = rendition.path
    if info.has_video and have[POSTER] is None:
        made[POSTER] = _poster(store, playable)
    return made


def _poster(store: BlobStore, video: Path) -> list[Any] | None:
    try:
        poster = poster_frame(video, video.with_name("poster.jpg"))
    except UnsupportedMedia:  # no frame to show: the player shows its own first frame
        return None
    return [_put(store, poster.path), poster.width, poster.height]


def _put(store: BlobStore, path: Path) -> str:
    digest = sha256_of(path)
    store.put_file(digest, path)
    return digest


def _heard(transcript: Any) -> dict[str, Any]:
    segments = [
        {"start_ms": s.start_ms, "end_ms": s.end_ms, "text": s.text}
        for s in as_lines(transcript.segments)
    ]
    if not segments:
        return {"none": "No speech was heard"}
    return {"engine": transcript.engine, "language": transcript.language, "segments": segments}
