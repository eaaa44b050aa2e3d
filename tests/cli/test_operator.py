"""Operator commands against a real database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner, Result

from tests.support import database_url_for
from tidings.api.authn import digest_of, lookup_token
from tidings.cli import app
from tidings.errors import TokenInvalid
from tidings.store.database import Database
from tidings.store.schema import MIGRATIONS

Cli = Callable[..., Result]
OWNER = ["--owner-email", "olive@tests.example", "--owner-password", "correct horse"]


@pytest.fixture
def database_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    with database_url_for(database_kind, tmp_path) as url:
        yield url


@pytest.fixture
def cli(database_url: str) -> Cli:
    """Run ``tidings …`` against the test database."""

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(
            app, [*args, "--database-url", database_url], input=input, env={"COLUMNS": "200"}
        )

    return run


@pytest.fixture
def workspace(cli: Cli) -> str:
    result = cli("init", "--workspace", "Tests Inc", *OWNER, "--owner-name", "Olive")
    assert result.exit_code == 0, result.output
    return "tests-inc"


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def test_init_creates_a_workspace_without_asking(cli: Cli, workspace: str) -> None:
    listed = _ok(cli("user", "list", "--workspace", workspace))
    assert "olive@tests.example" in listed and "owner" in listed


def test_init_asks_for_what_the_flags_leave_out(cli: Cli) -> None:
    answers = "Asked Ltd\nasked@tests.example\ncorrect horse\ncorrect horse\n"
    out = _ok(cli("init", input=answers))
    assert "Created workspace asked-ltd owned by asked@tests.example" in out


def _row(cli: Cli, workspace: str, email: str) -> str:
    listed = _ok(cli("user", "list", "--workspace", workspace))
    return next(line for line in listed.splitlines() if email in line)


def test_user_add_list_and_deactivate(cli: Cli, workspace: str) -> None:
    flags = ["--name", "Ed", "--password", "correct horse", "--role", "admin"]
    flags += ["--time-zone", "Asia/Manila"]
    added = cli("user", "add", "ed@tests.example", "--workspace", workspace, *flags)
    assert re.match(r"Added @ed \(admin\) id \d+", _ok(added))
    row = _row(cli, workspace, "ed@tests.example")
    assert "admin" in row and "Asia/Manila" in row and "True" in row
    gone = cli("user", "deactivate", "ed@tests.example", "--workspace", workspace)
    assert "Deactivated @ed" in _ok(gone)
    assert "False" in _row(cli, workspace, "ed@tests.example")


def test_token_create_then_revoke(cli: Cli, workspace: str, database_url: str) -> None:
    created = _ok(cli("token", "create", "olive@tests.example", "--workspace", workspace))
    token_id, secret = re.match(r"token id (\S+): (tdg_\S+)", created).groups()
    db = Database(database_url)
    try:
        actor, _ = db.read(lambda c: lookup_token(c, digest_of(secret), db.clock.now()))
        assert actor.role == "owner"
        assert f"Revoked token {token_id}" in _ok(
            cli("token", "revoke", token_id, "--workspace", workspace)
        )
        with pytest.raises(TokenInvalid):
            db.read(lambda c: lookup_token(c, digest_of(secret), db.clock.now()))
    finally:
        db.close()


def test_migrate_reports_the_revision(cli: Cli) -> None:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert _ok(cli("migrate")).strip() == f"schema: empty -> {head}"
    assert _ok(cli("migrate")).strip() == f"schema: {head} -> {head}"


def test_an_invalid_time_zone_is_one_line_and_exit_1(cli: Cli, workspace: str) -> None:
    result = cli(
        "user", "add", "zed@tests.example", "--workspace", workspace, "--time-zone", "Mars/Base"
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        'error: "Mars/Base" is not a time zone: use a city such as Berlin or an IANA name such '
        "as Europe/Lisbon\n"
    )


def test_an_unknown_workspace_is_one_line_and_exit_1(cli: Cli) -> None:
    result = cli("user", "list", "--workspace", "nowhere")
    assert result.exit_code == 1
    assert result.stderr == 'error: No workspace "nowhere" (see: tidings init)\n'


def test_the_installed_command_prints_one_line_and_exits_1(database_url: str) -> None:
    script = Path(sys.executable).with_name("tidings")
    args = ["init", "--workspace", "Zones", *OWNER, "--time-zone", "Nowhere/City"]
    command = [str(script), *args, "--database-url", database_url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        'error: "Nowhere/City" is not a time zone: use a city such as Berlin or an IANA name such '
        "as Europe/Lisbon\n"
    )
