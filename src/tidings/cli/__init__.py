"""The ``tidings`` command: operator commands and a terminal client."""

from __future__ import annotations

import sys

import typer

from tidings.cli import client, operator
from tidings.errors import TidingsError

app = typer.Typer(
    name="tidings",
    help="Tidings: an async-first team communication hub.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
operator.register(app)
client.register(app)


def main() -> None:
    try:
        app()
    except TidingsError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        sys.exit(1)
