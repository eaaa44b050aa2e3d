"""Client commands for terminal users, against any server through a saved profile.

``tidings login`` keeps the server's URL and a token in a profile file that
only its owner may read; every other command uses it. A failure is one line,
``error: <detail>``, and exit status 1 (see ``tidings.cli.TidingsGroup``).
"""

from __future__ import annotations

import typer

from tidings.cli.client.commands import inbox, login, logout, post, read, search
from tidings.cli.client.connection import PROFILE_ENV, Server
from tidings.cli.client.tail import tail

__all__ = ["PROFILE_ENV", "Server", "register"]


def register(app: typer.Typer) -> None:
    for command in (login, logout, post, read, inbox, search, tail):
        app.command()(command)
