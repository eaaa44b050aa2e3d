"""The ``tidings`` command: operator commands and a terminal client."""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

from tidings.cli import client, operator
from tidings.errors import TidingsError


class TidingsGroup(TyperGroup):
    """Shows a ``TidingsError`` as the one line ``error: <detail>`` and exits 1."""

    # Handled on the command group rather than around ``app()`` so that every way
    # of running the app (the console script, ``python -m``, a test runner) fails alike.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except TidingsError as exc:
            return _fail(exc.detail)
        except Exception as exc:
            detail = _explained(exc)
            if detail is None:
                raise
            return _fail(detail)


def _explained(exc: Exception) -> str | None:
    """The one line for a bad setting or a database that cannot be opened. Their
    libraries are imported only by the commands that use them (a client command
    starts without them), and an error of a library that was never imported cannot
    have been raised."""
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(exc, pydantic.ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        return f"invalid setting {where}: {first.get('msg', 'invalid')}"
    sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_errors is not None and isinstance(exc, sqlalchemy_errors.OperationalError):
        return f"cannot open the database: {str(exc.orig).strip().splitlines()[0]}"
    return None


def _fail(detail: str) -> Any:
    typer.echo(f"error: {detail}", err=True)
    raise typer.Exit(1)


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
