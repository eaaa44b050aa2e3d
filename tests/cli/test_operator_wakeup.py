"""An operator command on a SQLite file wakes the servers using that file: a token
revoked with ``tidings token revoke`` ends its live stream at once, although the
server looks at the log by itself only once an hour here."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.cli.test_serve import TIDINGS, _env, _serve
from tests.support import LiveServer, Team, free_port, make_team
from tidings.live.wakeup import meeting_folder
from tidings.store.database import Database

pytestmark = pytest.mark.slow


@dataclass
class Served:
    url: str
    db: Database  # the test's own connection to the same file, for setting up
    database_url: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    url = f"sqlite:///{tmp_path / 'tidings.db'}"
    port = free_port()
    process = _serve(tmp_path, url, "--port", str(port), TIDINGS_LIVE_POLL_SECONDS="3600")
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Tidings is at"):
            break
    else:
        pytest.fail(f"the server did not start: {process.communicate(timeout=30)}")
    db = Database(url)
    try:
        yield Served(f"http://127.0.0.1:{port}", db, url)
    finally:
        db.close()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
        # One process ends as the signal says; a supervisor of several, with 0.
        assert process.returncode in (0, -signal.SIGTERM), err
        assert "Traceback" not in err, err
    folder = meeting_folder(url)
    assert folder is not None and not folder.exists(), "the last process tidies up"


def test_a_token_revoked_by_the_operator_ends_its_stream_at_once(
    served: Served, tmp_path: Path
) -> None:
    team: Team = make_team(cast(LiveServer, served))
    try:
        _revoke_while_streaming(served, team, tmp_path)
    finally:
        team.close()


def _revoke_while_streaming(served: Served, team: Team, tmp_path: Path) -> None:
    made = team.member.post("/tokens", json={"name": "stream"}).json()
    stream_url = served.url.replace("http://", "ws://") + f"/api/v1/events?token={made['token']}"
    with connect(stream_url) as ws:
        time.sleep(0.2)
        revoke = [str(TIDINGS), "token", "revoke", str(made["id"]), "--workspace", team.slug]
        done = subprocess.run(
            [*revoke, "--database-url", served.database_url],
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
        )
        revoked_at = time.monotonic()
        assert done.returncode == 0, done.stderr
        with pytest.raises(ConnectionClosed):
            while time.monotonic() - revoked_at < 5:
                ws.recv(timeout=5)
        assert time.monotonic() - revoked_at < 1.0
    assert team.member.get("/users/me").status_code == 200  # the member's other token
