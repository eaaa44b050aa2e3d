"""``tidings post --attach`` and ``tidings download``, and an upload that resumes
after its connection drops mid-chunk."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx

from tests.cli.terminal import Cli, login, ok
from tests.support import Team
from tidings.cli.client.connection import Server
from tidings.cli.client.files import upload_file


def _topic_files(team: Team, title: str) -> list[dict]:
    general = team.channel_id("general")
    topics = team.owner.get(f"/channels/{general}/topics").json()
    topic = next(t for t in topics["items"] if t["title"] == title)
    messages = team.owner.get(f"/topics/{topic['id']}/messages").json()["items"]
    return list(messages[-1]["attachments"])


def test_post_attaches_files_and_download_saves_them(cli: Cli, team: Team, tmp_path: Path) -> None:
    login(cli, team, team.member)
    notes = tmp_path / "notes.txt"
    notes.write_text("release notes\n" * 1000)
    blob = tmp_path / "data.bin"
    blob.write_bytes(bytes(range(256)) * 40_000)  # ~10 MB: three chunks
    out = ok(
        cli(
            "post",
            "#general",
            "Files",
            "Both attached",
            "--attach",
            str(notes),
            "--attach",
            str(blob),
        )
    )
    assert "Posted to #general › Files" in out
    assert "Attached notes.txt" in out and "Attached data.bin" in out
    files = _topic_files(team, "Files")
    assert [f["filename"] for f in files] == ["notes.txt", "data.bin"]
    login(cli, team, team.owner, profile="owner")
    target = tmp_path / "saved.bin"
    saved = ok(cli("download", str(files[1]["id"]), "-o", str(target), profile="owner"))
    assert "Saved data.bin" in saved
    assert target.read_bytes() == blob.read_bytes()


def test_a_missing_file_posts_nothing(cli: Cli, team: Team, tmp_path: Path) -> None:
    login(cli, team, team.member)
    result = cli("post", "#general", "Nothing", "x", "--attach", str(tmp_path / "nope.pdf"))
    assert result.exit_code == 1 and "no such file" in result.stderr


class DroppingTransport(httpx.HTTPTransport):
    """Delivers only part of one chunk to the server and then fails, as a connection
    that drops mid-request would: the server keeps what arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if (
            request.method == "PATCH"
            and not self.dropped
            and request.headers["Upload-Offset"] != "0"
        ):
            self.dropped = True
            body = request.read()
            half = httpx.Request(
                "PATCH",
                request.url,
                headers={**request.headers, "Content-Length": str(len(body) // 2)},
                content=body[: len(body) // 2],
            )
            super().handle_request(half).read()
            raise httpx.ReadError("connection reset by peer")
        return super().handle_request(request)


def test_an_upload_resumes_where_the_server_got_to(team: Team, tmp_path: Path) -> None:
    data = hashlib.sha256(b"seed").digest() * 400_000  # 12.8 MB: four chunks
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    transport = DroppingTransport()
    with Server(team.server.url, team.member.token, transport=transport) as server:
        done = upload_file(server, path)
    assert transport.dropped
    assert done["state"] == "complete" and done["sha256"] == hashlib.sha256(data).hexdigest()
