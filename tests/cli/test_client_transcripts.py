"""``tidings file transcript``: a voice note's transcript, line by line with times;
and a clear line for a clip without one, or a file the reader cannot see."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest

from tests.api.test_files import post_with, upload
from tests.cli.terminal import Cli, login, ok, one_error
from tests.media.conftest import SAMPLE
from tests.support import LiveServer, Team, make_team, server_running_no_jobs
from tidings.jobs import Worker

pytest.importorskip("pocketsphinx")


@pytest.fixture(scope="module")
def clip_server(
    database_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    if not shutil.which("ffmpeg"):
        pytest.skip("clips need ffmpeg")
    with server_running_no_jobs(
        database_kind, tmp_path_factory.mktemp(f"cli-clips-{database_kind}")
    ) as live:
        yield live


@pytest.fixture
def team(clip_server: LiveServer) -> Iterator[Team]:
    made = make_team(clip_server)
    try:
        yield made
    finally:
        made.close()


def test_a_transcript_prints_each_line_with_its_times(
    cli: Cli, team: Team, clip_server: LiveServer
) -> None:
    sent = post_with(team, team.member, [upload(team.member, SAMPLE.read_bytes(), "b.wav")["id"]])
    file_id = str(sent["attachments"][0]["id"])
    login(cli, team, team.owner)
    assert ok(cli("file", "transcript", file_id)).strip() == "This file has no transcript."
    Worker(clip_server.db).run_due()
    Worker(clip_server.db).run_due()
    lines = ok(cli("file", "transcript", file_id)).strip().splitlines()
    assert len(lines) >= 2
    timed = [re.fullmatch(r"(\d+):(\d\d\.\d)–(\d+):(\d\d\.\d)  (.+)", line) for line in lines]
    assert all(timed), lines
    assert "friday" in lines[-1] and "please" in lines[0]
    starts = [int(m[1]) * 60 + float(m[2]) for m in timed if m]
    assert starts == sorted(starts) and starts[-1] > 3.0


def test_a_file_you_cannot_read_is_not_found(cli: Cli, team: Team) -> None:
    sent = post_with(team, team.member, [upload(team.member, b"words")["id"]])
    login(cli, team, team.outsider)
    error = one_error(cli("file", "transcript", str(sent["attachments"][0]["id"])))
    assert "No such file" in error


def test_catchup_lists_new_clips_with_their_first_words(
    cli: Cli, team: Team, clip_server: LiveServer
) -> None:
    sent = post_with(team, team.member, [upload(team.member, SAMPLE.read_bytes(), "c.wav")["id"]])
    Worker(clip_server.db).run_due()
    Worker(clip_server.db).run_due()
    login(cli, team, team.owner)
    out = ok(cli("catchup"))
    assert "New clips" in out
    assert f"c.wav (file {sent['attachments'][0]['id']}): “please" in out
