"""``tidings file views``: who watched a clip, from the terminal."""

from __future__ import annotations

from tests.api.test_clip_views import clip_topic, progress
from tests.cli.terminal import Cli, login, ok
from tests.support import Team


def test_file_views_shows_the_summary_and_each_viewer_to_the_author(cli: Cli, team: Team) -> None:
    file_id = clip_topic(team, team.member)["attachments"][0]["id"]
    progress(team.owner, file_id, 4200)
    progress(team.admin, file_id, 0, ended=True)
    login(cli, team, team.member)
    out = ok(cli("file", "views", str(file_id)))
    assert "Watched by 2 of" in out and "· 1 finished" in out
    assert "Olive Owner" in out and "0:04" in out and "Admin" in out


def test_file_views_of_a_file_you_cannot_read_is_one_line(cli: Cli, team: Team) -> None:
    file_id = clip_topic(team, team.member)["attachments"][0]["id"]
    login(cli, team, team.outsider)
    result = cli("file", "views", str(file_id))
    assert result.exit_code == 1 and "No such file" in result.stderr
