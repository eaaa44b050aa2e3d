"""File bytes, kept outside the database and named by their SHA-256.

One interface, two backends: a local directory (the default) and an
S3-compatible bucket (the ``s3`` extra). Equal bytes are stored once; rows that
name a digest (uploads, attachments, thumbnails) are its references, and the
bytes are deleted once none is left (see ``actions/files.py``).

Reads stream in chunks and take a byte range, so serving a large file or a
range of it keeps memory flat. Writes take a finished local file (an upload's
staging file) or a small ``bytes`` (a thumbnail).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol
from weakref import WeakKeyDictionary

from tidings.config import Settings

CHUNK = 256 * 1024
DIGEST_LENGTH = 64


def is_digest(value: str) -> bool:
    return len(value) == DIGEST_LENGTH and all(c in "0123456789abcdef" for c in value)


def _check(digest: str) -> str:
    if not is_digest(digest):
        raise ValueError(f"not a sha256 digest: {digest!r}")
    return digest


class BlobStore(Protocol):
    def put_file(self, digest: str, path: Path) -> None:
        """Store the file at ``path`` under ``digest`` (a no-op if it is there)."""

    def put_bytes(self, data: bytes) -> str:
        """Store small bytes; returns their digest."""

    def exists(self, digest: str) -> bool: ...

    def size(self, digest: str) -> int | None:
        """The stored length, or None if nothing is stored under ``digest``."""

    def read(self, digest: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        """The bytes from ``start``, ``length`` of them (or to the end), in chunks."""

    def delete(self, digest: str) -> None:
        """Forget the bytes; a no-op if they are gone already."""


class LocalBlobs:
    """``root/ab/cd/abcd…``: two levels of fan-out keep directories small."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        _check(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    def put_file(self, digest: str, path: Path) -> None:
        target = self.path(digest)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        # A link is instant and atomic on the same disk; elsewhere copy, then rename,
        # so a reader never sees a half-written file under its final name.
        try:
            os.link(path, target)
        except FileExistsError:
            return
        except OSError:
            self._copy_in(path, target)

    def _copy_in(self, path: Path, target: Path) -> None:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out, path.open("rb") as source:
                shutil.copyfileobj(source, out, CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise

    def put_bytes(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temp, target)
        return digest

    def exists(self, digest: str) -> bool:
        return self.path(digest).exists()

    def size(self, digest: str) -> int | None:
        try:
            return self.path(digest).stat().st_size
        except FileNotFoundError:
            return None

    def read(self, digest: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        with self.path(digest).open("rb") as source:
            source.seek(start)
            left = length
            while left is None or left > 0:
                chunk = source.read(CHUNK if left is None else min(CHUNK, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk

    def delete(self, digest: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(digest).unlink()


class S3Blobs:
    """Objects named ``prefix + digest`` in one bucket, through boto3."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Blobs:
        import boto3  # the s3 extra

        if not settings.s3_bucket:
            raise ValueError("storage_backend is s3 but s3_bucket is not set")
        client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id,
            aws_secret_access_key=settings.s3_secret_access_key,
        )
        return cls(client, settings.s3_bucket, settings.s3_prefix)

    def key(self, digest: str) -> str:
        return self.prefix + _check(digest)

    def put_file(self, digest: str, path: Path) -> None:
        if not self.exists(digest):
            # upload_file streams from disk, in parts for large files.
            self.client.upload_file(str(path), self.bucket, self.key(digest))

    def put_bytes(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        if not self.exists(digest):
            self.client.put_object(Bucket=self.bucket, Key=self.key(digest), Body=data)
        return digest

    def exists(self, digest: str) -> bool:
        return self.size(digest) is not None

    def size(self, digest: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(digest))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head["ContentLength"])

    def read(self, digest: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        if length == 0:
            return
        end = "" if length is None else str(start + length - 1)
        found = self.client.get_object(
            Bucket=self.bucket, Key=self.key(digest), Range=f"bytes={start}-{end}"
        )
        body = found["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def delete(self, digest: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(digest))


def open_store(settings: Settings) -> BlobStore:
    if settings.storage_backend == "s3":
        return S3Blobs.from_settings(settings)
    return LocalBlobs(settings.files_dir / "blobs")


# Job handlers and after-commit hooks get a transaction, not the node's services:
# each node attaches its store to its database, found again by the engine.
_stores: WeakKeyDictionary[Any, BlobStore] = WeakKeyDictionary()
_staging: WeakKeyDictionary[Any, Path] = WeakKeyDictionary()


def staging_dir(settings: Settings) -> Path:
    """Where uploads collect their bytes: always a local directory, even with S3."""
    return settings.files_dir / "uploads"


def attach(engine: Any, store: BlobStore, staging: Path | None = None) -> None:
    _stores[engine] = store
    if staging is not None:
        staging.mkdir(parents=True, exist_ok=True)
        _staging[engine] = staging


def store_for(engine: Any) -> BlobStore | None:
    return _stores.get(engine)


def staged_path(engine: Any, upload_id: int) -> Path | None:
    staging = _staging.get(engine)
    return None if staging is None else staging / f"{upload_id}.part"


def attach_from_settings(engine: Any, settings: Settings) -> BlobStore:
    """Open the configured store and attach it, with this node's staging directory."""
    store = open_store(settings)
    attach(engine, store, staging_dir(settings))
    return store
