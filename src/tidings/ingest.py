"""Turning an upload's received bytes into a stored file: check the declared
hash, type the bytes, strip image metadata, store by digest. Reads in chunks;
runs in a worker thread, outside any transaction."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from pathlib import Path

from tidings.actions.uploads import Finished
from tidings.core.files import Kind
from tidings.errors import UploadHashMismatch
from tidings.media import sniff
from tidings.store.blobs import BlobStore

log = logging.getLogger(__name__)
HASH_CHUNK = 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_and_store(
    store: BlobStore, path: Path, expected_sha256: str | None
) -> tuple[Finished, Path]:
    """The stored file's facts, and the local file they were stored from (``path``
    itself, or a cleaned copy beside it, which the caller deletes after use)."""
    received = sha256_of(path)
    if expected_sha256 and received != expected_sha256:
        path.unlink()
        raise UploadHashMismatch(
            "The bytes received do not match the declared SHA-256; upload them again",
            offset=0,
        )
    found = sniff.inspect(path)
    cleaned = None
    if found.kind == Kind.IMAGE:
        try:
            cleaned = sniff.strip_metadata(path, found.content_type)
        except Exception:  # Pillow read it but cannot write it: keep it, never inline
            log.warning("could not rewrite an image; keeping it as a plain file", exc_info=True)
            found = replace(found, kind=Kind.FILE, width=None, height=None)
    final = cleaned or path
    if cleaned is not None:
        found = sniff.inspect(cleaned)
    digest = received if cleaned is None else sha256_of(cleaned)
    store.put_file(digest, final)
    small = None
    if found.kind == Kind.IMAGE:  # made here, in the request's thread, not in the writer
        made = sniff.thumbnail(final.read_bytes())
        if made is not None:
            small = (store.put_bytes(made[0]), made[1], made[2])
    done = Finished(
        sha256=digest,
        size=final.stat().st_size,
        content_type=found.content_type,
        kind=found.kind,
        width=found.width,
        height=found.height,
        duration_ms=found.duration_ms,
        thumbnail=small,
    )
    return done, final
