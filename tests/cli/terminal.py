"""Running ``tidings …`` as a terminal user would, against the live test server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner, Result

from tests.support import PASSWORD, Person, Team
from tidings.cli import app
from tidings.cli.client import PROFILE_ENV

Cli = Callable[..., Result]


def make_cli(tmp_path: Path) -> Cli:
    """Run ``tidings …``; ``profile=`` picks whose profile file (one per person)."""
    runner = CliRunner()

    def run(*args: str, profile: str = "me", input: str | None = None) -> Result:
        env = {PROFILE_ENV: str(tmp_path / f"{profile}.json"), "COLUMNS": "200"}
        return runner.invoke(app, list(args), env=env, input=input)

    return run


def login(cli: Cli, team: Team, person: Person, profile: str = "me") -> None:
    result = cli(
        "login", team.server.url, "--email", person.email, "--password", PASSWORD, profile=profile
    )
    assert result.exit_code == 0, result.output


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


def one_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def table_rows(output: str) -> list[list[str]]:
    """The body rows of a Rich table, as stripped cells."""
    return [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in output.splitlines()
        if line.startswith("│")
    ]
