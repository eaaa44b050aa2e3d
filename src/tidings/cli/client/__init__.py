"""Client commands for terminal users, against any server through a saved profile.

``tidings login`` keeps the server's URL and a token in a profile file that
only its owner may read; every other command uses it. A failure is one line,
``error: <detail>``, and exit status 1 (see ``tidings.cli.TidingsGroup``).
"""

from __future__ import annotations

import typer

from tidings.cli.client.availability import away_app, hours_app, status
from tidings.cli.client.catchup import catchup
from tidings.cli.client.commands import inbox, login, logout, read, search
from tidings.cli.client.connection import PROFILE_ENV, Server
from tidings.cli.client.context import check
from tidings.cli.client.files import download
from tidings.cli.client.forkouts import forkout_app
from tidings.cli.client.later import later_app, scheduled_app
from tidings.cli.client.notifications import notifications
from tidings.cli.client.owed import owed_app
from tidings.cli.client.post import post
from tidings.cli.client.tail import tail
from tidings.cli.client.transcripts import file_app

__all__ = ["PROFILE_ENV", "Server", "register"]


def register(app: typer.Typer) -> None:
    for command in (
        login,
        logout,
        post,
        read,
        inbox,
        search,
        tail,
        status,
        notifications,
        check,
        download,
    ):
        app.command()(command)
    app.command()(catchup)
    app.add_typer(hours_app, name="hours")
    app.add_typer(away_app, name="away")
    app.add_typer(owed_app, name="owed")
    app.add_typer(forkout_app, name="forkout")
    app.add_typer(later_app, name="later")
    app.add_typer(scheduled_app, name="scheduled")
    app.add_typer(file_app, name="file")
