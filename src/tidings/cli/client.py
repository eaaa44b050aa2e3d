"""Client commands for terminal users, against any server through a saved profile."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Client commands are added in tidings.cli.client_commands."""
