"""The ``tidings`` command: operator commands and a terminal client."""

from __future__ import annotations

from typing import IO, Any

import click
import typer
from typer.core import TyperGroup

from tidings.cli import client, operator
from tidings.errors import TidingsError


class Failed(click.ClickException):
    """A ``TidingsError``, shown as the one line ``error: <detail>``."""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        typer.echo(f"error: {self.message}", err=True)


class TidingsGroup(TyperGroup):
    # Handled on the command group rather than around ``app()`` so that every way
    # of running the app (the console script, ``python -m``, a test runner) fails alike.
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TidingsError as exc:
            raise Failed(exc.detail) from None


app = typer.Typer(
    name="tidings",
    help="Tidings: an async-first team communication hub.",
    cls=TidingsGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
operator.register(app)
client.register(app)


def main() -> None:
    app()
