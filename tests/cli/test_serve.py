"""``tidings serve`` started as a person would, in a subprocess: what it says when it
cannot start, and that the address it prints is already listening."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support import PG_ENV, database_url_for, free_port
from tidings.store.database import Database
from tidings.store.engine import normalize_url

ROOT = Path(__file__).resolve().parents[2]
TIDINGS = Path(sys.executable).with_name("tidings")
pytestmark = pytest.mark.slow


@pytest.fixture
def database_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    with database_url_for(database_kind, tmp_path) as url:
        db = Database(url)
        db.migrate()
        db.close()
        yield url


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIDINGS_")}
    # One process unless a test asks for more (the default is one per core).
    env.update(PYTHONUNBUFFERED="1", HOME=str(tmp_path), COLUMNS="80", TIDINGS_WORKERS="1")
    env.update(extra)
    return env


def _serve(tmp_path: Path, database_url: str, *args: str, **env: str) -> subprocess.Popen[str]:
    command = [str(TIDINGS), "serve", "--database-url", database_url, *args]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=_env(tmp_path, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _refused(process: subprocess.Popen[str]) -> tuple[str, str]:
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, (out, err)
    assert "Traceback" not in err and "Tidings is at" not in out
    return out, err


def test_a_taken_port_is_one_line_that_says_how_to_choose_another(
    tmp_path: Path, database_url: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        _, err = _refused(_serve(tmp_path, database_url, "--port", str(port)))
    assert err == (
        f"error: port {port} on 127.0.0.1 is already in use;"
        " choose another with --port or TIDINGS_PORT\n"
    )


def test_a_database_that_cannot_be_written_stops_the_start(
    tmp_path: Path, database_url: str
) -> None:
    """SQLite: another process holds the file with BEGIN EXCLUSIVE (chmod would not stop
    root). PostgreSQL: the database is set read-only for every new session."""
    port = str(free_port())
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            process = _serve(
                tmp_path, database_url, "--port", port, TIDINGS_SQLITE_BUSY_TIMEOUT_MS="100"
            )
            _, err = _refused(process)
        finally:
            holder.close()
        reason = "the database is locked by another process"
    else:
        name = make_url(database_url).database
        admin = create_engine(normalize_url(os.environ[PG_ENV]), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
        admin.dispose()
        _, err = _refused(_serve(tmp_path, database_url, "--port", port))
        reason = "the database is read-only"
    assert err == f"error: cannot start: the database cannot be written ({reason})\n"


def test_the_address_is_printed_once_listening_with_a_login_that_can_be_typed(
    tmp_path: Path, database_kind: str
) -> None:
    if database_kind != "sqlite":
        pytest.skip("start-up messages do not depend on the database")
    database_url = f"sqlite:///{tmp_path / 'demo.db'}"
    port = free_port()
    process = _serve(tmp_path, database_url, "--demo", "--port", str(port))
    try:
        lines = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Tidings is at"):
                # Printed only once listening: the very next request is answered.
                assert httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200
            if line.startswith("Try: "):
                break
        assert f"Tidings is at http://127.0.0.1:{port}/  (Ctrl-C stops it)" in lines
        hint = lines[-1].removeprefix("Try: ")
        command = shlex.split(hint)
        assert command[0] in ("tidings", os.path.relpath(TIDINGS, ROOT))
        signed = subprocess.run(
            command, cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=60
        )
        assert signed.returncode == 0, signed.stderr
        assert signed.stdout.startswith("Signed in to acme")
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)


def test_a_database_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    url = f"sqlite:///{blocker / 'tidings.db'}"
    _, err = _refused(_serve(tmp_path, url, "--port", str(free_port())))
    assert err == f"error: cannot create the database's folder {blocker}: File exists\n"


def test_several_processes_on_an_in_memory_database_are_refused_in_one_line(
    tmp_path: Path,
) -> None:
    _, err = _refused(_serve(tmp_path, "sqlite://", "--workers", "2", "--port", str(free_port())))
    assert err == (
        "error: an in-memory database lives inside one process: use --workers 1, "
        "or a database file\n"
    )
