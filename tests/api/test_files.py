"""Files over real HTTP: resumable uploads, attaching, downloading with ranges, the
access rule at every download, signed links, types from the bytes, limits."""

from __future__ import annotations

import hashlib
import io
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.support import (
    LiveServer,
    Person,
    Team,
    database_url_for,
    make_team,
    server_settings,
)
from tidings.clock import FrozenClock

MAX_FILE = 4 * 1024 * 1024
QUOTA = 12 * 1024 * 1024


@pytest.fixture(scope="module")
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture(scope="module")
def files_server(
    database_kind: str, tmp_path_factory: pytest.TempPathFactory, clock: FrozenClock
) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp(f"files-{database_kind}")
    with database_url_for(database_kind, tmp) as url:
        settings = server_settings(
            url,
            storage_dir=str(tmp / "files"),
            max_file_bytes=MAX_FILE,
            workspace_quota_bytes=QUOTA,
            upload_chunk_bytes=1024 * 1024,
        )
        live = LiveServer(settings, clock).start()
        try:
            yield live
        finally:
            live.stop()


@pytest.fixture
def team(files_server: LiveServer) -> Iterator[Team]:
    made = make_team(files_server)
    try:
        yield made
    finally:
        made.close()


def start(person: Person, data: bytes, filename: str, **extra: Any) -> dict[str, Any]:
    response = person.post("/uploads", json={"filename": filename, "size": len(data), **extra})
    assert response.status_code == 201, response.text
    assert response.headers["Upload-Offset"] == "0"
    return dict(response.json())


def send_chunk(person: Person, upload_id: int, offset: int, chunk: bytes) -> Any:
    return person.patch(
        f"/uploads/{upload_id}",
        content=chunk,
        headers={"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
    )


def upload(
    person: Person, data: bytes, filename: str = "notes.txt", chunk: int = 256 * 1024
) -> dict[str, Any]:
    made = start(person, data, filename, sha256=hashlib.sha256(data).hexdigest())
    offset = 0
    answer: dict[str, Any] = made
    while offset < len(data) or not data:
        response = send_chunk(person, made["id"], offset, data[offset : offset + chunk])
        assert response.status_code == 200, response.text
        answer = response.json()
        offset = answer["offset"]
        if not data:
            break
    assert answer["state"] == "complete"
    return answer


def png(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def post_with(team: Team, person: Person, uploads: list[Any], body: str = "See attached") -> dict:
    general = team.channel_id("general")
    response = person.post(
        f"/channels/{general}/topics",
        json={"title": f"Files {uploads}", "body": body, "attachments": uploads},
    )
    assert response.status_code == 201, response.text
    return dict(response.json()["first_message"])


def blob_files(server: LiveServer) -> list[Path]:
    root = Path(server.settings.files_dir) / "blobs"
    return [p for p in root.rglob("*") if p.is_file()]


def test_an_upload_in_chunks_is_attached_and_downloaded(team: Team) -> None:
    data = bytes(range(256)) * 3000  # 768,000 bytes: three chunks
    done = upload(team.member, data, "Q3 report.bin")
    assert done["size"] == len(data) and done["sha256"] == hashlib.sha256(data).hexdigest()
    message = post_with(team, team.member, [done["id"]])
    (file,) = message["attachments"]
    assert file["filename"] == "Q3 report.bin" and file["size"] == len(data)
    assert file["kind"] == "file" and file["content_type"] == "application/octet-stream"
    fetched = team.owner.get(f"/messages/{message['id']}").json()
    assert fetched["attachments"] == message["attachments"]
    download = team.owner.get(file["url"].removeprefix("/api/v1"))
    assert download.status_code == 200 and download.content == data
    assert download.headers["Accept-Ranges"] == "bytes"
    assert download.headers["ETag"] == f'"{done["sha256"]}"'
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''Q3%20report.bin" in download.headers["Content-Disposition"]


def test_an_upload_resumes_from_heads_offset_after_a_dropped_connection(
    team: Team, files_server: LiveServer
) -> None:
    data = bytes(range(256)) * 2048  # 512 KiB
    made = start(team.member, data, "video-notes.bin")
    sent = 200_000
    # A client that announces the whole file, sends part of it and goes away.
    head = (
        f"PATCH /api/v1/uploads/{made['id']} HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\nAuthorization: Bearer {team.member.token}\r\n"
        f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    ).encode()
    port = files_server.settings.port
    with socket.create_connection(("127.0.0.1", port)) as raw:
        raw.sendall(head + data[:sent])
    offset = -1
    for _ in range(500):  # the server notices the dropped connection and keeps what came
        probe = team.member.client.head(f"/uploads/{made['id']}")
        offset = int(probe.headers["Upload-Offset"])
        if offset == sent and send_chunk(team.member, made["id"], 0, b"x").status_code == 409:
            break
    assert offset == sent
    stale = send_chunk(team.member, made["id"], 0, data)
    assert stale.status_code == 409 and stale.json()["code"] == "upload_offset_mismatch"
    assert stale.json()["offset"] == sent
    rest = send_chunk(team.member, made["id"], offset, data[offset:])
    assert rest.status_code == 200 and rest.json()["state"] == "complete"
    message = post_with(team, team.member, [made["id"]])
    assert team.member.get(message["attachments"][0]["url"][7:]).content == data


def test_downloads_honour_byte_ranges(team: Team) -> None:
    data = bytes(range(256)) * 400
    file = post_with(team, team.member, [upload(team.member, data)["id"]])["attachments"][0]
    path = file["url"].removeprefix("/api/v1")
    part = team.owner.get(path, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    tail = team.owner.get(path, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == data[-10:]
    open_ended = team.owner.get(path, headers={"Range": f"bytes={len(data) - 5}-"})
    assert open_ended.content == data[-5:]
    past = team.owner.get(path, headers={"Range": f"bytes={len(data)}-"})
    assert past.status_code == 416 and past.headers["Content-Range"] == f"bytes */{len(data)}"
    assert past.json()["code"] == "range_not_satisfiable"
    etag = part.headers["ETag"]
    assert team.owner.get(path, headers={"If-None-Match": etag}).status_code == 304
    other_version = team.owner.get(path, headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert other_version.status_code == 200 and other_version.content == data
    head = team.owner.client.head(path)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(data))


def test_equal_bytes_are_stored_once_and_go_with_the_last_reference(
    team: Team, files_server: LiveServer
) -> None:
    data = f"dedupe {team.slug}".encode() * 1000
    digest = hashlib.sha256(data).hexdigest()
    uploads = [upload(team.member, data, "a.txt"), upload(team.owner, data, "b.txt")]
    first = post_with(team, team.member, [uploads[0]["id"]])
    second = post_with(team, team.owner, [uploads[1]["id"]])
    stored = [p for p in blob_files(files_server) if p.name == digest]
    assert len(stored) == 1
    deleted = team.member.delete(f"/messages/{first['id']}", params={"delete_files": "true"})
    assert deleted.status_code == 200 and deleted.json()["attachments"] == []
    assert stored[0].exists(), "the other message still has the bytes"
    assert team.owner.get(second["attachments"][0]["url"][7:]).content == data
    team.owner.delete(f"/messages/{second['id']}", params={"delete_files": "true"})
    assert not stored[0].exists(), "with the last message (and its upload) the bytes went"


def test_the_bytes_go_once_no_message_or_upload_names_them(
    team: Team, files_server: LiveServer
) -> None:
    data = f"only once {team.slug}".encode()
    done = upload(team.member, data, "once.txt")
    message = post_with(team, team.member, [done["id"]])
    assert team.member.delete(f"/uploads/{done['id']}").status_code == 204
    digest = done["sha256"]
    assert [p.name for p in blob_files(files_server) if p.name == digest] == [digest]
    team.member.delete(f"/messages/{message['id']}", params={"delete_files": "true"})
    assert [p for p in blob_files(files_server) if p.name == digest] == []


def test_deleting_a_message_keeps_its_files_unless_asked(team: Team) -> None:
    message = post_with(team, team.member, [upload(team.member, b"keep me")["id"]])
    deleted = team.member.delete(f"/messages/{message['id']}").json()
    assert deleted["deleted"] and len(deleted["attachments"]) == 1
    assert team.owner.get(deleted["attachments"][0]["url"][7:]).content == b"keep me"


def test_size_limit_and_workspace_quota(team: Team) -> None:
    too_big = team.member.post("/uploads", json={"filename": "big.iso", "size": MAX_FILE + 1})
    assert too_big.status_code == 413 and too_big.json()["code"] == "file_too_large"
    for _ in range(3):  # 3 × 4 MiB declared fill the 12 MiB quota
        assert team.member.post("/uploads", json={"filename": "x", "size": MAX_FILE}).is_success
    over = team.owner.post("/uploads", json={"filename": "one-more", "size": 1})
    assert over.status_code == 413 and over.json()["code"] == "quota_exceeded"


def test_a_recording_of_unknown_length_is_uploaded_as_it_grows(team: Team) -> None:
    data = bytes(range(256)) * 3000
    made = team.member.post("/uploads", json={"filename": "voice.bin"})
    assert made.status_code == 201, made.text
    assert made.json()["size"] is None and made.json()["length_deferred"] is True
    assert made.headers["Upload-Defer-Length"] == "1" and "Upload-Length" not in made.headers
    upload_id = made.json()["id"]
    for offset in range(0, 600_000, 200_000):  # chunks as the recording goes
        grown = send_chunk(team.member, upload_id, offset, data[offset : offset + 200_000])
        assert grown.status_code == 200, grown.text
        assert grown.json()["state"] == "open" and grown.json()["offset"] == offset + 200_000
    head = team.member.client.head(f"/uploads/{upload_id}")
    assert head.headers["Upload-Offset"] == "600000" and head.headers["Upload-Defer-Length"] == "1"
    last = team.member.patch(
        f"/uploads/{upload_id}",
        content=data[600_000:],
        headers={
            "Upload-Offset": "600000",
            "Upload-Length": str(len(data)),
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert last.status_code == 200, last.text
    done = last.json()
    assert done["state"] == "complete" and done["size"] == len(data)
    assert done["length_deferred"] is False and last.headers["Upload-Length"] == str(len(data))
    message = post_with(team, team.member, [upload_id])
    assert team.owner.get(message["attachments"][0]["url"][7:]).content == data


def test_the_tus_defer_header_and_an_empty_last_chunk_complete_an_upload(team: Team) -> None:
    made = team.member.post(
        "/uploads", json={"filename": "clip.bin"}, headers={"Upload-Defer-Length": "1"}
    )
    assert made.status_code == 201 and made.json()["length_deferred"] is True
    upload_id = made.json()["id"]
    assert send_chunk(team.member, upload_id, 0, b"hello ").status_code == 200
    short = team.member.patch(
        f"/uploads/{upload_id}",
        content=b"",
        headers={"Upload-Offset": "6", "Upload-Length": "3"},
    )
    assert short.status_code == 422 and short.json()["code"] == "invalid_input"
    done = team.member.patch(
        f"/uploads/{upload_id}", content=b"", headers={"Upload-Offset": "6", "Upload-Length": "6"}
    )
    assert done.status_code == 200 and done.json()["state"] == "complete"
    assert done.json()["sha256"] == hashlib.sha256(b"hello ").hexdigest()
    both = team.member.post(
        "/uploads", json={"filename": "x", "size": 3}, headers={"Upload-Defer-Length": "1"}
    )
    assert both.status_code == 422 and both.json()["code"] == "invalid_input"


def test_an_upload_of_unknown_length_keeps_to_the_size_limit_and_quota(team: Team) -> None:
    chunk = b"r" * (1024 * 1024)
    upload_id = team.member.post("/uploads", json={"filename": "long.webm"}).json()["id"]
    for n in range(4):  # 4 MiB: the size limit
        assert send_chunk(team.member, upload_id, n * len(chunk), chunk).status_code == 200
    past = send_chunk(team.member, upload_id, MAX_FILE, b"one byte more")
    assert past.status_code == 413 and past.json()["code"] == "file_too_large"
    # The 4 MiB received count against the 12 MiB quota while the length is unknown.
    for _ in range(2):
        assert team.member.post("/uploads", json={"filename": "x", "size": MAX_FILE}).is_success
    full = team.owner.post("/uploads", json={"filename": "one-more", "size": 1})
    assert full.status_code == 413 and full.json()["code"] == "quota_exceeded"
    other = team.owner.post("/uploads", json={"filename": "second.webm"}).json()["id"]
    refused = send_chunk(team.owner, other, 0, b"x")
    assert refused.status_code == 413 and refused.json()["code"] == "quota_exceeded"
    assert team.owner.client.head(f"/uploads/{other}").headers["Upload-Offset"] == "0"


def test_a_chunk_past_the_declared_size_is_refused(team: Team) -> None:
    made = start(team.member, b"12345", "five.txt")
    response = send_chunk(team.member, made["id"], 0, b"123456")
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert team.member.client.head(f"/uploads/{made['id']}").headers["Upload-Offset"] == "0"


def test_a_wrong_hash_is_refused_and_the_upload_starts_over(team: Team) -> None:
    made = start(team.member, b"hello", "h.txt", sha256="0" * 64)
    response = send_chunk(team.member, made["id"], 0, b"hello")
    assert response.status_code == 422 and response.json()["code"] == "upload_hash_mismatch"
    assert team.member.client.head(f"/uploads/{made['id']}").headers["Upload-Offset"] == "0"


def test_the_type_comes_from_the_bytes_not_the_name(team: Team) -> None:
    image = upload(team.member, png((30, 20)), "holiday.txt")
    assert image["content_type"] == "image/png" and image["kind"] == "image"
    assert (image["width"], image["height"]) == (30, 20)
    page = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    fake = upload(team.member, page, "cat.png")
    assert fake["content_type"] == "text/html" and fake["kind"] == "file"
    message = post_with(team, team.member, [image["id"], fake["id"]])
    png_file, html_file = message["attachments"]
    shown = team.owner.get(png_file["url"][7:])
    assert shown.headers["Content-Type"] == "image/png"
    assert shown.headers["Content-Disposition"].startswith("inline;")
    saved = team.owner.get(html_file["url"][7:])
    assert saved.headers["Content-Type"] == "application/octet-stream"
    assert saved.headers["Content-Disposition"].startswith("attachment;")


def test_filenames_are_cleaned(team: Team) -> None:
    done = upload(team.member, b"x", "../../etc/\u202egnp.exe\x07")
    assert done["filename"] == "gnp.exe"
    long = upload(team.member, b"y", "a" * 400 + ".pdf")
    assert len(long["filename"]) == 200 and long["filename"].endswith(".pdf")


def test_someone_elses_upload_cannot_be_attached_or_seen(team: Team) -> None:
    done = upload(team.owner, b"owner's")
    assert team.member.get(f"/uploads/{done['id']}").status_code == 404
    general = team.channel_id("general")
    response = team.member.post(
        f"/channels/{general}/topics",
        json={"title": "Borrowed", "body": "x", "attachments": [done["id"]]},
    )
    assert response.status_code == 404


def test_an_unfinished_upload_cannot_be_attached(team: Team) -> None:
    made = start(team.member, b"not yet", "later.txt")
    general = team.channel_id("general")
    response = team.member.post(
        f"/channels/{general}/topics",
        json={"title": "Too soon", "body": "x", "attachments": [made["id"]]},
    )
    assert response.status_code == 409 and response.json()["code"] == "upload_incomplete"


def test_alt_text_is_set_by_the_author_and_edits_keep_files(team: Team) -> None:
    done = upload(team.member, png(), "chart.png")
    message = post_with(team, team.member, [{"upload_id": done["id"], "alt_text": "A chart"}])
    file = message["attachments"][0]
    assert file["alt_text"] == "A chart"
    changed = team.member.patch(f"/files/{file['id']}", json={"alt_text": "Sales, rising"})
    assert changed.status_code == 200 and changed.json()["alt_text"] == "Sales, rising"
    assert team.owner.patch(f"/files/{file['id']}", json={"alt_text": "no"}).status_code == 403
    edited = team.member.patch(f"/messages/{message['id']}", json={"body": "Edited"}).json()
    assert [f["alt_text"] for f in edited["attachments"]] == ["Sales, rising"]


def test_files_in_a_dm_a_forkout_and_a_file_only_message(team: Team) -> None:
    conversation = team.member.post("/conversations", json={"member_ids": [team.owner.id]})
    done = upload(team.member, b"for your eyes")
    sent = team.member.post(
        f"/conversations/{conversation.json()['id']}/messages",
        json={"attachments": [done["id"]]},
    )
    assert sent.status_code == 201 and sent.json()["body"] == ""
    assert team.owner.get(sent.json()["attachments"][0]["url"][7:]).content == b"for your eyes"
    assert team.admin.get(sent.json()["attachments"][0]["url"][7:]).status_code == 404
    forkout = team.member.post(
        "/forkouts",
        json={
            "body": "Please sign",
            "member_ids": [team.owner.id, team.admin.id],
            "attachments": [upload(team.member, b"contract")["id"]],
        },
    )
    assert forkout.status_code == 201, forkout.text
    for recipient in forkout.json()["recipients"]:
        person = team.owner if recipient["member_id"] == team.owner.id else team.admin
        message = person.get(f"/messages/{recipient['message_id']}").json()
        assert person.get(message["attachments"][0]["url"][7:]).content == b"contract"


def test_a_scheduled_message_carries_its_files_when_it_goes(
    team: Team, files_server: LiveServer, clock: FrozenClock
) -> None:
    general = team.channel_id("general")
    topic = team.member.post(
        f"/channels/{general}/topics", json={"title": "Later files", "body": "x"}
    ).json()
    done = upload(team.member, b"scheduled bytes")
    send_at = clock.now() + timedelta(days=3)
    scheduled = team.member.post(
        "/scheduled",
        json={
            "topic_id": topic["id"],
            "body": "As promised",
            "send_at": send_at.isoformat(),
            "attachments": [done["id"]],
        },
    )
    assert scheduled.status_code == 201, scheduled.text
    clock.advance(timedelta(days=3, minutes=1))
    from tidings.jobs import Worker

    Worker(files_server.db).run_due()
    messages = team.owner.get(f"/topics/{topic['id']}/messages").json()["items"]
    assert messages[-1]["body"] == "As promised"
    assert team.owner.get(messages[-1]["attachments"][0]["url"][7:]).content == b"scheduled bytes"


def jpeg_with_location() -> bytes:
    image = Image.new("RGB", (40, 20), (10, 200, 10))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"
    exif[0x0112] = 6  # shown turned a quarter clockwise
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_image_metadata_is_stripped_and_the_orientation_applied(team: Team) -> None:
    original = jpeg_with_location()
    done = upload(team.member, original, "where.jpg")
    assert (done["width"], done["height"]) == (20, 40)
    assert done["sha256"] != hashlib.sha256(original).hexdigest()
    message = post_with(team, team.member, [done["id"]])
    stored = team.owner.get(message["attachments"][0]["url"][7:]).content
    assert b"SecretCamera" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.size == (20, 40)
    assert dict(image.getexif()) == {}


def test_a_thumbnail_is_made_by_a_job(team: Team, files_server: LiveServer) -> None:
    from tidings.jobs import Worker

    message = post_with(team, team.member, [upload(team.member, png((1200, 900)), "big.png")["id"]])
    file = message["attachments"][0]
    Worker(files_server.db).run_due()
    assert team.owner.get(f"/files/{file['id']}/info").json()["has_thumbnail"] is True
    thumb = team.owner.get(f"/files/{file['id']}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(thumb.content)).size == (480, 360)
    listed = team.owner.get(f"/messages/{message['id']}").json()["attachments"][0]
    assert listed["has_thumbnail"] is True


def _anonymous(server: LiveServer) -> Any:
    import httpx

    return httpx.Client(base_url=server.url, timeout=30)


def test_who_may_download_is_checked_at_every_download(
    team: Team, files_server: LiveServer, clock: FrozenClock
) -> None:
    secret = team.owner.post(
        "/channels", json={"name": "secret", "is_private": True, "member_ids": [team.member.id]}
    ).json()
    topic = team.member.post(
        f"/channels/{secret['id']}/topics",
        json={"title": "Plans", "body": "x", "attachments": [upload(team.member, png())["id"]]},
    ).json()
    file = topic["first_message"]["attachments"][0]
    paths = [f"/files/{file['id']}", f"/files/{file['id']}/thumbnail"]
    for path in paths:
        assert team.owner.get(path).status_code == 200
        assert team.member.get(path).status_code == 200
        for outsider in (team.admin, team.guest, team.outsider):
            response = outsider.get(path)
            assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert team.outsider.get(f"/files/{file['id']}/link").status_code == 404
    link = team.member.get(f"/files/{file['id']}/link").json()
    anonymous = _anonymous(files_server)
    assert anonymous.get(link["url"]).status_code == 200
    assert anonymous.get(link["thumbnail_url"]).status_code == 200
    assert anonymous.get(f"/api/v1/files/{file['id']}").status_code == 401
    forged = link["url"].replace(f"member={team.member.id}", f"member={team.admin.id}")
    assert anonymous.get(forged).status_code == 404
    other_part = link["url"].replace(f"/files/{file['id']}?", f"/files/{file['id']}/thumbnail?")
    assert anonymous.get(other_part).status_code == 404
    # Removed from the channel: the token and the link made before both stop working.
    removed = team.owner.delete(f"/channels/{secret['id']}/members/{team.member.id}")
    assert removed.is_success
    for path in paths:
        assert team.member.get(path).status_code == 404
    assert anonymous.get(link["url"]).status_code == 404
    # A link outlives its ten minutes for nobody.
    fresh = team.owner.get(f"/files/{file['id']}/link").json()
    assert anonymous.get(fresh["url"]).status_code == 200
    clock.advance(timedelta(minutes=11))
    assert anonymous.get(fresh["url"]).status_code == 404
    assert anonymous.get(fresh["thumbnail_url"]).status_code == 404
    anonymous.close()


def test_a_guest_reads_files_only_in_their_channels(team: Team) -> None:
    general = team.channel_id("general")
    message = post_with(team, team.member, [upload(team.member, b"staff only")["id"]])
    path = message["attachments"][0]["url"][7:]
    assert team.guest.get(path).status_code == 404
    team.owner.post(f"/channels/{general}/members", json={"member_ids": [team.guest.id]})
    assert team.guest.get(path).content == b"staff only"


def test_an_expired_message_takes_its_files_and_thumbnails(
    team: Team, files_server: LiveServer, clock: FrozenClock
) -> None:
    from tidings.jobs import Worker

    done = upload(team.member, png((800, 600), (1, 2, 3)), "expiring.png")
    conversation = team.member.post("/conversations", json={"member_ids": [team.owner.id]}).json()
    sent = team.member.post(
        f"/conversations/{conversation['id']}/messages",
        json={"body": "gone soon", "attachments": [done["id"]], "expires_in_minutes": 5},
    ).json()
    Worker(files_server.db).run_due()  # the thumbnail
    file = sent["attachments"][0]
    assert team.owner.get(f"/files/{file['id']}/info").json()["has_thumbnail"]
    before = {p.name for p in blob_files(files_server)}
    assert done["sha256"] in before and len(before) >= 2
    clock.advance(timedelta(minutes=6))
    Worker(files_server.db).run_due()
    assert team.owner.get(f"/files/{file['id']}").status_code == 404
    after = {p.name for p in blob_files(files_server)}
    assert done["sha256"] not in after
    assert len(before - after) == 2, "the image and its thumbnail"
    expired = team.owner.get(f"/messages/{sent['id']}").json()
    assert expired["expired"] and expired["attachments"] == []


def _found(person: Person, q: str) -> set[int]:
    response = person.get("/search", params={"q": q, "limit": 200})
    assert response.status_code == 200, response.text
    return {hit["message"]["id"] for hit in response.json()["items"]}


def test_files_are_found_by_name_kind_and_type(team: Team) -> None:
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    report = post_with(team, team.member, [upload(team.member, pdf, "Q3-budget.pdf")["id"]])
    photo = post_with(team, team.member, [upload(team.member, png(), "team.png")["id"]])
    plain = post_with(team, team.member, [], body="No files here, only words about budgets")
    everything = {report["id"], photo["id"], plain["id"]}
    assert _found(team.owner, "budget") >= {report["id"], plain["id"]}
    assert _found(team.owner, "budget has:file") & everything == {report["id"]}
    assert _found(team.owner, "has:image") & everything == {photo["id"]}
    assert _found(team.owner, "has:clip") & everything == set()
    assert _found(team.owner, "type:pdf") & everything == {report["id"]}
    assert _found(team.owner, "Q3-budget.pdf") & everything == {report["id"]}
    assert _found(team.outsider, "type:pdf") == set()


def test_a_channel_lists_its_files_newest_first_to_its_readers(team: Team) -> None:
    general = team.channel_id("general")
    ids = []
    for n in range(3):
        message = post_with(
            team, team.member, [upload(team.member, f"f{n}".encode(), f"{n}.txt")["id"]]
        )
        ids.append(message["attachments"][0]["id"])
    first = team.owner.get(f"/channels/{general}/files", params={"limit": 2}).json()
    assert [f["id"] for f in first["items"]] == [ids[2], ids[1]]
    rest = team.owner.get(
        f"/channels/{general}/files", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [f["id"] for f in rest["items"]][:1] == [ids[0]]
    assert team.outsider.get(f"/channels/{general}/files").status_code == 404
    assert team.guest.get(f"/channels/{general}/files").status_code == 404


@pytest.mark.parametrize("limit", [0, -1, 201])
def test_a_channel_files_page_limit_out_of_range_is_refused(team: Team, limit: int) -> None:
    general = team.channel_id("general")
    response = team.owner.get(f"/channels/{general}/files", params={"limit": limit})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.limit"


def test_an_upload_never_attached_is_removed_with_its_bytes(
    team: Team, files_server: LiveServer, clock: FrozenClock
) -> None:
    from tidings.jobs import Worker

    done = upload(team.member, f"never used {team.slug}".encode(), "draft.txt")
    partial = start(team.member, b"0123456789", "partial.txt")
    assert send_chunk(team.member, partial["id"], 0, b"01234").status_code == 200
    staged = Path(files_server.settings.files_dir) / "uploads" / f"{partial['id']}.part"
    assert staged.exists()
    assert done["sha256"] in {p.name for p in blob_files(files_server)}
    clock.advance(timedelta(hours=25))
    Worker(files_server.db).run_due()
    assert team.member.get(f"/uploads/{done['id']}").status_code == 404
    assert team.member.client.head(f"/uploads/{partial['id']}").status_code == 404
    assert not staged.exists()
    assert done["sha256"] not in {p.name for p in blob_files(files_server)}


def test_the_web_ui_uploads_with_its_session_and_csrf_token(
    team: Team, files_server: LiveServer
) -> None:
    import httpx

    session = {"tidings_session": team.member.token, "tidings_csrf": "the-page-token"}
    with httpx.Client(base_url=f"{files_server.url}/api/v1", cookies=session) as browser:
        body = {"filename": "pasted.png", "size": 3}
        forged = browser.post("/uploads", json=body)
        assert forged.status_code == 403
        made = browser.post("/uploads", json=body, headers={"X-CSRF-Token": "the-page-token"})
        assert made.status_code == 201
        assert browser.head(f"/uploads/{made.json()['id']}").headers["Upload-Offset"] == "0"


def test_a_voice_note_is_a_clip_played_inline(team: Team) -> None:
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\x00\x00" * 12_000)  # 1.5 s
    done = upload(team.member, out.getvalue(), "voice note.wav")
    assert (done["kind"], done["content_type"], done["duration_ms"]) == ("audio", "audio/wav", 1500)
    message = post_with(team, team.member, [done["id"]], body="Listen")
    played = team.owner.get(message["attachments"][0]["url"][7:])
    assert played.headers["Content-Disposition"].startswith("inline;")
    assert played.headers["Content-Type"] == "audio/wav"
    assert _found(team.owner, "has:clip") & {message["id"]} == {message["id"]}


def test_bytes_that_only_start_like_an_image_are_a_plain_file(team: Team) -> None:
    fake = b"\x89PNG\r\n\x1a\n" + b"not really an image" * 10
    done = upload(team.member, fake, "broken.png")
    assert done["kind"] == "file" and done["width"] is None
    message = post_with(team, team.member, [done["id"]])
    served = team.owner.get(message["attachments"][0]["url"][7:])
    assert served.headers["Content-Disposition"].startswith("attachment;")
    file_id = message["attachments"][0]["id"]
    assert team.owner.get(f"/files/{file_id}/thumbnail").status_code == 404
