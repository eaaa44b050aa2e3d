"""An expired message's text is gone from the database, not hidden: a unique marker
is searched for in the raw SQLite files (FTS5 tables and WAL included) and in every
table of PostgreSQL. Its files, their thumbnails and its link previews' images are
gone from storage too."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import make_url, select, text

from tests.actions.conftest import MONDAY, Crew, _build
from tests.support import database_url_for
from tests.unfurl.conftest import serve
from tidings.actions import messages, reactions, topics
from tidings.actions.idempotency import idempotent
from tidings.actions.uploads import Limits, finish_upload, start_upload
from tidings.clock import FrozenClock
from tidings.config import Settings
from tidings.core.search_query import parse_search_query
from tidings.ingest import check_and_store
from tidings.media.setup import use_engine
from tidings.media.transcribe import Segment
from tidings.store.blobs import LocalBlobs, attach
from tidings.store.database import Database
from tidings.store.models import transcript_segments
from tidings.store.search import search_messages
from tidings.unfurl import setup as previews


class SaysMarker:
    """A speech engine that hears the marker in any recording."""

    name = "test"
    language = "en"

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def transcribe_pcm(self, pcm: Path) -> list[Segment]:
        return [Segment(0, 500, f"the vault word is {self.marker}")]


def _wav(seed: str) -> bytes:
    """Half a second of noise that differs with ``seed``."""
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(16000)
        sound.writeframes(hashlib.sha256(seed.encode()).digest() * 500)
    return out.getvalue()


@pytest.fixture
def crew(database_kind: str, tmp_path: Path) -> Iterator[Crew]:
    """Like the actions' crew, but the test closes the database itself."""
    clock = FrozenClock(MONDAY)
    with database_url_for(database_kind, tmp_path) as url:
        db = Database(url, clock=clock, synchronous="normal")
        closed = False
        original_close = db.close

        def close() -> None:
            nonlocal closed
            if not closed:
                closed = True
                original_close()

        db.close = close  # type: ignore[method-assign]
        try:
            db.migrate()
            yield _build(db, clock)
        finally:
            close()


def sqlite_files(url: str) -> list[Path]:
    path = Path(str(make_url(url).database))
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


def found_in_sqlite_files(url: str, marker: str) -> list[str]:
    return [p.name for p in sqlite_files(url) if marker.encode() in p.read_bytes()]


def checkpoint(url: str) -> None:
    conn = sqlite3.connect(str(make_url(url).database))
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    finally:
        conn.close()


def found_in_postgres(db: Database, marker: str) -> list[str]:
    """Every table whose rows, as text, hold the marker; and every text-like column."""
    pattern = f"%{marker}%"

    def scan(conn) -> list[str]:  # type: ignore[no-untyped-def]
        hits = []
        tables = conn.execute(
            text(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ).scalars()
        for table in list(tables):
            rows = conn.execute(
                text(f'SELECT count(*) FROM "{table}" AS r WHERE r::text LIKE :p'), {"p": pattern}
            ).scalar_one()
            if rows:
                hits.append(table)
        columns = conn.execute(
            text(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND data_type IN"
                " ('text', 'character varying', 'json', 'jsonb', 'tsvector', 'character')"
            )
        ).all()
        for table, column in columns:
            rows = conn.execute(
                text(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE :p'),
                {"p": pattern},
            ).scalar_one()
            if rows:
                hits.append(f"{table}.{column}")
        return hits

    return db.read(scan)


def _stored_upload(crew: Crew, store: LocalBlobs, staging: Path, name: str, data: bytes) -> int:
    """An upload as the API makes one: opened, its bytes staged, checked and stored."""
    limits = Limits(max_file_bytes=10**9, quota_bytes=0)
    made = crew.do(
        lambda tx: start_upload(tx, crew.lena, filename=name, size=len(data), limits=limits)
    )
    staged = staging / f"{made['id']}.part"
    staged.write_bytes(data)
    done, final = check_and_store(store, staged, None)
    crew.do(lambda tx: finish_upload(tx, crew.lena, made["id"], done, final))
    for leftover in {staged, final}:
        leftover.unlink(missing_ok=True)
    return int(made["id"])


def _image(seed: str) -> bytes:
    out = io.BytesIO()
    colour = tuple(hashlib.sha256(seed.encode()).digest()[:3])
    Image.new("RGB", (900, 700), colour).save(out, "PNG")
    return out.getvalue()


def _transcribed(conn) -> list[str]:  # type: ignore[no-untyped-def]
    return list(conn.execute(select(transcript_segments.c.text)).scalars())


def found_in_storage(root: Path, marker: str) -> list[str]:
    return [p.name for p in root.rglob("*") if p.is_file() and marker.encode() in p.read_bytes()]


def test_an_expired_message_leaves_no_trace_of_its_text(
    crew: Crew, database_kind: str, tmp_path: Path
) -> None:
    marker = f"zq{uuid.uuid4().hex}"
    storage = tmp_path / "files"
    store = LocalBlobs(storage / "blobs")
    attach(crew.db.write_engine, store, storage / "uploads")
    notes_file = _stored_upload(
        crew, store, storage / "uploads", f"plan-{marker}.txt", f"The code is {marker}".encode()
    )
    photo = _stored_upload(crew, store, storage / "uploads", "photo.png", _image(marker))
    voice = _stored_upload(crew, store, storage / "uploads", "note.wav", _wav(marker))
    use_engine(crew.db, SaysMarker(marker))
    previews.attach(crew.db, Settings(link_previews=True, link_preview_allow_loopback=True))
    with serve() as site:
        link = f"{site.url}/article?ref={marker}"
        _purges_everything(crew, database_kind, storage, marker, [notes_file, photo, voice], link)


def _purges_everything(
    crew: Crew, database_kind: str, storage: Path, marker: str, files: list[int], link: str
) -> None:
    notes_file, photo, voice = files
    general = crew.channel("general")
    # Long enough to spill into overflow pages, which a delete frees without zeroing
    # unless secure_delete is on; the marker sits at the end, on such a page.
    notes = "Rotation notes follow. " * 300

    def start(tx):  # type: ignore[no-untyped-def]
        return idempotent(
            tx,
            crew.lena,
            "send-1",
            "f" * 64,
            201,
            lambda tx: topics.create_topic(
                tx,
                crew.lena,
                general,
                title="Launch",
                body=f"@ana {notes} The launch code is {marker}, see {link}",
                expires_in_minutes=60,
                attachments=[
                    notes_file,
                    {"upload_id": photo, "alt_text": f"alt {marker}"},
                    voice,
                ],
            ),
        )

    _, made = crew.do(start)
    _, retried = crew.do(start)  # an idempotent retry: the stored response, text and all
    assert retried == made
    message_id = made["first_message"]["id"]
    crew.travel(timedelta(0))  # the photo's thumbnail, the link's preview and its image,
    crew.travel(timedelta(0))  # the voice note's processing, then its transcript
    blobs = [p for p in (storage / "blobs").rglob("*") if p.is_file()]
    assert len(blobs) == 5, (
        "the text file, the photo, its thumbnail, the preview's image, the voice note"
    )
    assert crew.read(lambda c: c.execute(text("SELECT image_sha256 FROM link_previews")).all())
    assert crew.read(_transcribed) == [f"the vault word is {marker}"]
    assert found_in_storage(storage, marker), "the scan must see the file's text first"
    crew.do(
        lambda tx: messages.edit_message(
            tx, crew.lena, message_id, f"@ana {notes} The launch code is {marker} (rotated) {link}"
        )
    )
    crew.do(lambda tx: reactions.add_reaction(tx, crew.ana, message_id, "lock"))
    crew.do(lambda tx: messages.send_to_topic(tx, crew.ana, made["id"], body="Noted, thanks"))

    def search(conn):  # type: ignore[no-untyped-def]
        return search_messages(conn, crew.ana, parse_search_query(marker), None, 10)

    assert [hit["id"] for hit in crew.read(search)] == [message_id]
    if database_kind == "sqlite":
        assert found_in_sqlite_files(crew.db.url, marker), "the scan must see the text first"
    else:
        assert {
            "messages",
            "message_edits",
            "message_search",
            "events",
            "idempotency_keys",
            "attachments",
            "uploads",
            "transcripts",
            "transcript_segments",
        } <= set(found_in_postgres(crew.db, marker))

    crew.travel(timedelta(minutes=60))

    assert crew.read(search) == []
    assert crew.read(_transcribed) == []
    assert [p for p in storage.rglob("*") if p.is_file()] == [], "files, thumbnails, images"
    _, replayed = crew.do(start)
    assert replayed["first_message"]["expired"] and replayed["first_message"]["body"] == ""
    if database_kind == "sqlite":
        crew.db.close()
        checkpoint(crew.db.url)
        assert found_in_sqlite_files(crew.db.url, marker) == []
    else:
        assert found_in_postgres(crew.db, marker) == []


def test_the_sqlite_writer_zeroes_what_it_frees(crew: Crew, database_kind: str) -> None:
    if database_kind != "sqlite":
        pytest.skip("a SQLite setting")
    assert crew.do(lambda tx: tx.conn.exec_driver_sql("PRAGMA secure_delete").scalar()) == 1
