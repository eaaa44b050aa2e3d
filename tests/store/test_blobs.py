"""The storage interface on both backends: a local directory, and an S3 bucket on a
real S3-compatible server (moto's, started here on 127.0.0.1)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import free_port
from tidings.store.blobs import BlobStore, LocalBlobs, S3Blobs


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    moto_server = pytest.importorskip("moto.server")
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_store(endpoint: str, bucket: str) -> S3Blobs:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=bucket)
    return S3Blobs(client, bucket, prefix="files/")


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobs(tmp_path / "blobs")
    endpoint = request.getfixturevalue("s3_endpoint")
    return s3_store(endpoint, f"tidings-{request.node.name.split('[')[0][-20:]}".lower())


def _file(tmp_path: Path, data: bytes, name: str = "staged") -> tuple[str, Path]:
    path = tmp_path / name
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest(), path


def test_bytes_are_stored_by_digest_and_read_back(store: BlobStore, tmp_path: Path) -> None:
    data = bytes(range(256)) * 4000  # ~1 MB: several read chunks
    digest, path = _file(tmp_path, data)
    assert not store.exists(digest)
    store.put_file(digest, path)
    assert store.exists(digest)
    assert store.size(digest) == len(data)
    assert b"".join(store.read(digest)) == data


def test_a_range_reads_only_those_bytes(store: BlobStore, tmp_path: Path) -> None:
    data = bytes(range(256)) * 2000
    digest, path = _file(tmp_path, data)
    store.put_file(digest, path)
    assert b"".join(store.read(digest, 1000, 300_000)) == data[1000:301_000]
    assert b"".join(store.read(digest, len(data) - 10)) == data[-10:]
    assert b"".join(store.read(digest, 5, 0)) == b""


def test_equal_bytes_are_stored_once(store: BlobStore, tmp_path: Path) -> None:
    digest, first = _file(tmp_path, b"same bytes", "first")
    _, second = _file(tmp_path, b"same bytes", "second")
    store.put_file(digest, first)
    store.put_file(digest, second)
    assert store.put_bytes(b"same bytes") == digest
    assert b"".join(store.read(digest)) == b"same bytes"
    if isinstance(store, LocalBlobs):
        stored = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
        assert stored == [store.path(digest)]


def test_delete_forgets_the_bytes_and_is_idempotent(store: BlobStore, tmp_path: Path) -> None:
    digest = store.put_bytes(b"short-lived")
    store.delete(digest)
    assert not store.exists(digest)
    assert store.size(digest) is None
    store.delete(digest)


def test_a_name_that_is_not_a_digest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        LocalBlobs(tmp_path).path("../../etc/passwd")
