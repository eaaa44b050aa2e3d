"""Files through the API with the S3 backend, on a real S3-compatible server (moto's,
started on 127.0.0.1): upload, thumbnail, ranged download, and deletion of the bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.test_files import png, post_with, upload
from tests.support import LiveServer, Team, free_port, make_team, server_settings
from tidings.jobs import Worker


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, object]]:
    moto_server = pytest.importorskip("moto.server")
    import boto3

    port = free_port()
    moto = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket="tidings-files")
    tmp: Path = tmp_path_factory.mktemp("files-s3")
    settings = server_settings(
        f"sqlite:///{tmp / 'tidings.db'}",
        storage_backend="s3",
        s3_endpoint_url=endpoint,
        s3_bucket="tidings-files",
        s3_prefix="blobs/",
        s3_access_key_id="test",
        s3_secret_access_key="test",
    )
    live = LiveServer(settings).start()
    try:
        yield live, client
    finally:
        live.stop()
        moto.stop()


def _keys(client: object) -> set[str]:
    listed = client.list_objects_v2(Bucket="tidings-files")  # type: ignore[attr-defined]
    return {item["Key"] for item in listed.get("Contents", [])}


def test_files_live_in_the_bucket(s3_server: tuple[LiveServer, object]) -> None:
    server, client = s3_server
    team: Team = make_team(server)
    try:
        data = bytes(range(256)) * 1000
        done = upload(team.member, data, "data.bin")
        image = upload(team.member, png((600, 400), (9, 8, 7)), "photo.png")
        message = post_with(team, team.member, [done["id"], image["id"]])
        Worker(server.db).run_due()
        keys = _keys(client)
        assert f"blobs/{hashlib.sha256(data).hexdigest()}" in keys
        assert f"blobs/{image['sha256']}" in keys and len(keys) == 3  # with the thumbnail
        file, photo = message["attachments"]
        part = team.owner.get(file["url"][7:], headers={"Range": "bytes=1000-1999"})
        assert part.status_code == 206 and part.content == data[1000:2000]
        assert team.owner.get(file["url"][7:]).content == data
        thumb = team.owner.get(f"/files/{photo['id']}/thumbnail")
        assert thumb.headers["Content-Type"] == "image/webp"
        for upload_id in (done["id"], image["id"]):
            team.member.delete(f"/uploads/{upload_id}")
        team.member.delete(f"/messages/{message['id']}", params={"delete_files": "true"})
        assert _keys(client) == set()
    finally:
        team.close()
