"""Letting go of stored bytes: once no row names a digest, its bytes (and what was
made from them) are deleted, right after the commit that dropped the last row."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import delete

from tidings.store.blobs import BlobStore, staged_path, store_for
from tidings.store.clips import forget_transcripts
from tidings.store.file_refs import derived_of, referenced
from tidings.store.models import derived_files
from tidings.store.tx import Tx

log = logging.getLogger(__name__)


def release(tx: Tx, digests: Iterable[str]) -> set[str]:
    """Call after deleting rows that named ``digests``: those no row names any more
    lose their derived files (thumbnail, poster, rendition) and transcripts too, and
    all their bytes go after commit. Returns the
    digests whose bytes go.

    With one writer (SQLite) nothing can name a digest between this check and the
    deletion; with several (PostgreSQL) an upload of equal bytes finishing in that
    instant puts them back after its own commit (``uploads.finish_upload``)."""
    gone = set(digests) - referenced(tx.conn, digests)
    if not gone:
        return set()
    forget_transcripts(tx.conn, gone)
    made = derived_of(tx.conn, gone)
    if made:
        tx.conn.execute(delete(derived_files).where(derived_files.c.source_sha256.in_(gone)))
        made_digests = {row["sha256"] for row in made if row["sha256"]}
        gone |= made_digests - referenced(tx.conn, made_digests)
    store = store_for(tx.conn.engine)
    if store is not None:
        tx.after_commit(lambda: _delete(store, sorted(gone)))
    return gone


def _delete(store: BlobStore, digests: list[str]) -> None:
    for digest in digests:
        try:
            store.delete(digest)
        except Exception:
            log.exception("could not delete the bytes of %s", digest)


def discard_staged(tx: Tx, upload_id: int) -> None:
    """Delete an upload's staging file after commit, if this node has it."""
    path = staged_path(tx.conn.engine, upload_id)
    if path is not None:
        tx.after_commit(lambda: _unlink(path))


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
