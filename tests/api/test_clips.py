"""Voice notes and video clips over real HTTP: the processing job (duration, poster,
a rendition every browser plays), transcripts, search by what was said, and the
access rule on every part."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from tests.api.test_files import blob_files, post_with, upload
from tests.media.conftest import SAMPLE, make
from tests.support import LiveServer, Team, make_team, server_running_no_jobs
from tidings.actions.digests import build
from tidings.clock import FrozenClock
from tidings.core.roles import Actor, Role
from tidings.digest_email import digest_email
from tidings.jobs import Worker
from tidings.store.models import events, jobs, members

pytestmark = pytest.mark.usefixtures("ffmpeg_installed")


@pytest.fixture(scope="module")
def ffmpeg_installed() -> None:
    import shutil

    if not (shutil.which("ffmpeg") and shutil.which("ffprobe")):
        pytest.skip("clip tests need ffmpeg")


@pytest.fixture(scope="module")
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture(scope="module")
def clips_server(
    database_kind: str, tmp_path_factory: pytest.TempPathFactory, clock: FrozenClock
) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp(f"clips-{database_kind}")
    with server_running_no_jobs(database_kind, tmp, clock) as live:
        yield live


@pytest.fixture
def team(clips_server: LiveServer) -> Iterator[Team]:
    made = make_team(clips_server)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Two seconds of VP8 picture and Opus sound, 320×240, no duration in the header
    (as Chrome's MediaRecorder writes it)."""
    folder = tmp_path_factory.mktemp("clip-media")
    made = make(
        folder / "recording.webm",
        *("-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2"),
        *("-f", "lavfi", "-i", "sine=frequency=440:duration=2"),
        *("-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus", "-shortest"),
    )
    return made.read_bytes()


def run_jobs(server: LiveServer) -> None:
    """Processing, then the transcript it asks for."""
    Worker(server.db).run_due()
    Worker(server.db).run_due()
    failed = server.db.read(
        lambda c: c.execute(
            select(jobs.c.kind, jobs.c.last_error).where(jobs.c.last_error.is_not(None))
        ).all()
    )
    assert not [f for f in failed if f[0].startswith("file.")], failed


def streams(data: bytes, tmp: Path) -> dict[str, str]:
    path = tmp / "probe.bin"
    path.write_bytes(data)
    report = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", str(path)],
        capture_output=True,
        check=True,
    )
    found = json.loads(report.stdout)["streams"]
    return {s["codec_type"]: s["codec_name"] for s in found}


def files_changed(server: LiveServer, message_id: int) -> int:
    rows = server.db.read(
        lambda c: c.execute(
            select(events.c.payload).where(events.c.type == "message.files_changed")
        ).scalars()
    )
    return sum(1 for p in rows if json.loads(p)["id"] == message_id)


def test_a_browser_recording_is_processed_into_a_poster_and_a_playable_mp4(
    team: Team, clips_server: LiveServer, recording: bytes, tmp_path: Path
) -> None:
    message = post_with(team, team.member, [upload(team.member, recording, "clip.webm")["id"]])
    (file,) = message["attachments"]
    assert file["kind"] == "video" and file["processing"] == "pending"
    assert file["duration_ms"] is None and file["poster_url"] is None
    queued = clips_server.db.read(
        lambda c: c.execute(select(jobs.c.payload).where(jobs.c.kind == "file.process")).scalars()
    )
    assert any(json.loads(p)["file_id"] == file["id"] for p in queued)
    # Until processed, the playable part is the original.
    assert team.owner.get(f"/files/{file['id']}/playable").content == recording

    run_jobs(clips_server)

    done = team.owner.get(f"/files/{file['id']}/info").json()
    assert done["processing"] == "ready"
    assert abs(done["duration_ms"] - 2000) < 100
    assert (done["width"], done["height"]) == (320, 240)
    assert done["poster_url"] == f"/api/v1/files/{file['id']}/poster"
    assert done["playable_url"] == f"/api/v1/files/{file['id']}/playable"
    poster = team.owner.get(f"/files/{file['id']}/poster")
    assert poster.status_code == 200 and poster.headers["Content-Type"] == "image/jpeg"
    assert poster.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    image = Image.open(io.BytesIO(poster.content))
    assert image.format == "JPEG" and image.size == (320, 240)
    playable = team.owner.get(f"/files/{file['id']}/playable")
    assert playable.headers["Content-Type"] == "video/mp4"
    assert streams(playable.content, tmp_path) == {"video": "h264", "audio": "aac"}
    part = team.owner.get(f"/files/{file['id']}/playable", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == playable.content[:100]
    head = team.owner.client.head(f"/files/{file['id']}/playable")
    assert head.headers["Content-Length"] == str(len(playable.content))
    # The original is still what a download gives.
    assert team.owner.get(f"/files/{file['id']}").content == recording
    assert files_changed(clips_server, message["id"]) >= 1


def test_equal_clips_share_what_was_made_and_a_retry_changes_nothing(
    team: Team, clips_server: LiveServer, recording: bytes
) -> None:
    first = post_with(team, team.member, [upload(team.member, recording, "a.webm")["id"]])
    run_jobs(clips_server)
    blobs_before = set(blob_files(clips_server))
    second = post_with(team, team.owner, [upload(team.owner, recording, "b.webm")["id"]])
    run_jobs(clips_server)
    a = team.owner.get(f"/files/{first['attachments'][0]['id']}/poster").content
    b = team.owner.get(f"/files/{second['attachments'][0]['id']}/poster").content
    assert a == b
    assert set(blob_files(clips_server)) == blobs_before, "no new poster or rendition"
    info = team.owner.get(f"/files/{second['attachments'][0]['id']}/info").json()
    assert info["processing"] == "ready" and abs(info["duration_ms"] - 2000) < 100


def test_a_voice_note_in_wav_plays_as_it_is_and_gets_a_searchable_transcript(
    team: Team, clips_server: LiveServer, clock: FrozenClock
) -> None:
    pytest.importorskip("pocketsphinx")
    data = SAMPLE.read_bytes()
    message = post_with(team, team.member, [upload(team.member, data, "budget.wav")["id"]])
    file_id = message["attachments"][0]["id"]
    pending = team.owner.get(f"/files/{file_id}/transcript").json()
    assert pending["state"] == "none" and pending["segments"] == []

    run_jobs(clips_server)

    info = team.owner.get(f"/files/{file_id}/info").json()
    assert info["processing"] == "ready" and abs(info["duration_ms"] - 6633) < 50
    assert info["poster_url"] is None, "a voice note has no picture"
    assert team.owner.get(f"/files/{file_id}/playable").content == data, "no rendition"
    assert team.owner.get(f"/files/{file_id}/poster").status_code == 404
    assert info["has_transcript"] is True
    transcript = team.owner.get(info["transcript_url"].removeprefix("/api/v1")).json()
    assert transcript["state"] == "done" and transcript["engine"] == "pocketsphinx"
    assert transcript["language"] == "en"
    assert {"quarterly", "friday"} <= set(transcript["text"].split())
    friday = next(s for s in transcript["segments"] if "friday" in s["text"])
    assert 0 <= friday["start_ms"] < friday["end_ms"] <= 7000
    # A signed link to the transcript works for ten minutes, for its member only.
    link = team.member.get(f"/files/{file_id}/link").json()
    anonymous = _anonymous(clips_server)
    assert anonymous.get(link["transcript_url"]).json()["segments"] == transcript["segments"]
    assert team.outsider.get(f"/files/{file_id}/transcript").status_code == 404
    clock.advance(timedelta(minutes=11))
    expired = anonymous.get(link["transcript_url"])
    assert expired.status_code == 404 and "segments" not in expired.json()
    anonymous.close()

    hits = team.owner.get("/search", params={"q": "friday"}).json()["items"]
    hit = next(h for h in hits if h["message"]["id"] == message["id"])
    assert hit["file_id"] == file_id and hit["clip_at_ms"] == friday["start_ms"]
    typed = team.owner.get("/search", params={"q": "See attached"}).json()["items"]
    assert all(h["file_id"] is None for h in typed), "a match in the text is not a clip's"
    # An edit keeps the transcript findable; deleting the message drops it.
    edited = team.member.patch(f"/messages/{message['id']}", json={"body": "Budget note"})
    assert edited.status_code == 200, edited.text
    hits = team.owner.get("/search", params={"q": "quarterly"}).json()["items"]
    assert message["id"] in [h["message"]["id"] for h in hits]
    assert team.member.delete(f"/messages/{message['id']}").status_code in (200, 204)
    hits = team.owner.get("/search", params={"q": "quarterly"}).json()["items"]
    assert message["id"] not in [h["message"]["id"] for h in hits]


def _anonymous(server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=30)


def test_only_those_who_may_read_the_message_now_get_poster_playable_and_transcript(
    team: Team, clips_server: LiveServer, recording: bytes, clock: FrozenClock
) -> None:
    secret = team.owner.post(
        "/channels", json={"name": "clips", "is_private": True, "member_ids": [team.member.id]}
    ).json()
    topic = team.member.post(
        f"/channels/{secret['id']}/topics",
        json={"title": "Demo", "body": "x", "attachments": [upload(team.member, recording)["id"]]},
    ).json()
    file = topic["first_message"]["attachments"][0]
    run_jobs(clips_server)
    parts = ["poster", "playable", "transcript"]
    paths = [f"/files/{file['id']}/{part}" for part in parts]
    for path in paths:
        assert team.member.get(path).status_code == 200
        for outsider in (team.admin, team.guest, team.outsider):
            response = outsider.get(path)
            assert response.status_code == 404 and response.json()["code"] == "not_found"
    link = team.member.get(f"/files/{file['id']}/link").json()
    anonymous = _anonymous(clips_server)
    assert anonymous.get(link["poster_url"]).headers["Content-Type"] == "image/jpeg"
    assert anonymous.get(link["playable_url"]).status_code == 200
    wrong_part = link["poster_url"].replace("/poster?", "/playable?")
    assert anonymous.get(wrong_part).status_code == 404
    # Removed from the channel: their token and their links stop working at once.
    team.owner.delete(f"/channels/{secret['id']}/members/{team.member.id}")
    for path in paths:
        assert team.member.get(path).status_code == 404
    assert anonymous.get(link["poster_url"]).status_code == 404
    fresh = team.owner.get(f"/files/{file['id']}/link").json()
    assert anonymous.get(fresh["playable_url"]).status_code == 200
    clock.advance(timedelta(minutes=11))
    assert anonymous.get(fresh["playable_url"]).status_code == 404
    assert anonymous.get(fresh["poster_url"]).status_code == 404
    anonymous.close()


def test_a_file_ffmpeg_cannot_read_fails_processing_but_stays_downloadable(
    team: Team, clips_server: LiveServer
) -> None:
    broken = b"\x1a\x45\xdf\xa3" + b"\x00" * 4000  # a WebM header, then nothing
    message = post_with(team, team.member, [upload(team.member, broken, "broken.webm")["id"]])
    file = message["attachments"][0]
    if file["kind"] not in ("audio", "video"):
        pytest.skip("not taken for a clip")
    run_jobs(clips_server)
    info = team.owner.get(f"/files/{file['id']}/info").json()
    assert info["processing"] == "failed" and info["poster_url"] is None
    assert team.owner.get(f"/files/{file['id']}").content == broken
    assert team.owner.get(f"/files/{file['id']}/transcript").json()["state"] == "none"


def test_other_files_have_no_clip_parts(team: Team) -> None:
    message = post_with(team, team.member, [upload(team.member, b"plain words")["id"]])
    file = message["attachments"][0]
    assert file["processing"] == "ready" and file["playable_url"] is None
    assert team.owner.get(f"/files/{file['id']}/playable").status_code == 404
    assert team.owner.get(f"/files/{file['id']}/transcript").json()["state"] == "none"


def test_catch_up_and_the_digest_link_to_new_clips_with_their_first_words(
    team: Team, clips_server: LiveServer, clock: FrozenClock
) -> None:
    pytest.importorskip("pocketsphinx")
    since = clock.now() - timedelta(minutes=1)
    sent = post_with(team, team.member, [upload(team.member, SAMPLE.read_bytes(), "v.wav")["id"]])
    file_id = sent["attachments"][0]["id"]
    run_jobs(clips_server)
    found = team.owner.get("/catchup", params={"since": since.isoformat()}).json()
    (clip,) = [k for k in found["clips"] if k["file_id"] == file_id]
    assert found["counts"]["clips"] >= 1
    assert clip["message_id"] == sent["id"] and clip["kind"] == "audio"
    assert clip["first_words"].startswith("please") and abs(clip["duration_ms"] - 6633) < 50
    assert file_id not in [k["file_id"] for k in team.guest.get("/catchup").json()["clips"]]

    workspace_id = clips_server.db.read(
        lambda c: c.execute(
            select(members.c.workspace_id).where(members.c.id == team.owner.id)
        ).scalar_one()
    )
    owner = Actor(team.owner.id, workspace_id, Role.OWNER, team.owner.handle)
    content = clips_server.db.write(lambda tx: build(tx, owner, since))
    assert "new clips" in content["headline"]
    mail = digest_email(
        content,
        to="o@x.test",
        name="Olive",
        sender="t@x.test",
        base="https://t.test",
        unsubscribe="https://t.test/u",
    )
    text = mail.get_body(("plain",)).get_content()
    assert "New clips (1)" in text
    assert f"https://t.test/t/{sent['topic_id']}?file={file_id}&at=0#m{sent['id']}" in text
    assert "voice note v.wav: “please" in text


def test_a_clip_deleted_before_its_job_ran_leaves_no_files_behind(
    team: Team, clips_server: LiveServer, tmp_path: Path
) -> None:
    before = set(blob_files(clips_server))
    fresh = make(
        tmp_path / "gone.webm",
        *("-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1"),
        *("-c:v", "libvpx", "-deadline", "realtime"),
    ).read_bytes()
    message = post_with(team, team.member, [upload(team.member, fresh, "gone.webm")["id"]])
    deleted = team.member.delete(f"/messages/{message['id']}", params={"delete_files": "true"})
    assert deleted.is_success, deleted.text
    run_jobs(clips_server)
    assert set(blob_files(clips_server)) == before


def test_what_a_job_made_for_a_clip_deleted_meanwhile_is_deleted_too(
    team: Team, clips_server: LiveServer, tmp_path: Path
) -> None:
    from tidings.actions.clips import PROCESS, record_processing
    from tidings.jobs.clips import process
    from tidings.store.jobs import Job

    before = set(blob_files(clips_server))
    fresh = make(
        tmp_path / "meanwhile.webm",
        *("-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=1.5"),
        *("-c:v", "libvpx", "-deadline", "realtime"),
    ).read_bytes()
    done = upload(team.member, fresh, "meanwhile.webm")
    message = post_with(team, team.member, [done["id"]])
    payload = {"file_id": message["attachments"][0]["id"], "sha256": done["sha256"]}
    job = Job(0, PROCESS, {**payload, "kind": "video"}, None, datetime.now(UTC), 1, 5, None)
    made = process(clips_server.db, job)  # the slow step, outside any transaction
    assert made["poster"] and made["rendition"]
    assert len(set(blob_files(clips_server)) - before) == 3, "the clip, its poster, rendition"
    team.member.delete(f"/messages/{message['id']}", params={"delete_files": "true"})
    assert clips_server.db.write(lambda tx: record_processing(tx, done["sha256"], made)) == 0
    assert set(blob_files(clips_server)) == before


def test_a_webm_voice_note_gets_an_aac_rendition_without_a_poster(
    team: Team, clips_server: LiveServer, tmp_path: Path
) -> None:
    voice = make(
        tmp_path / "voice.webm",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=300:duration=2",
        "-c:a",
        "libopus",
    ).read_bytes()
    message = post_with(team, team.member, [upload(team.member, voice, "voice.webm")["id"]])
    file_id = message["attachments"][0]["id"]
    run_jobs(clips_server)
    info = team.owner.get(f"/files/{file_id}/info").json()
    assert info["kind"] == "audio" and info["processing"] == "ready", str(info)
    assert abs(info["duration_ms"] - 2000) < 100 and info["poster_url"] is None
    playable = team.owner.get(f"/files/{file_id}/playable")
    assert playable.headers["Content-Type"] == "audio/mp4"
    assert streams(playable.content, tmp_path) == {"audio": "aac"}
