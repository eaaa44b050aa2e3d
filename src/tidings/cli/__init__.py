"""The ``tidings`` command: operator commands and a terminal client."""

from __future__ import annotations

from typing import Any

import typer
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
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
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ()))
            return _fail(f"invalid setting {where}: {first.get('msg', 'invalid')}")
        except OperationalError as exc:
            return _fail(f"cannot open the database: {str(exc.orig).strip().splitlines()[0]}")


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
