"""``tidings file views``: who watched a clip, as its author or a channel member sees it."""

from __future__ import annotations

import typer
from rich.table import Table

from tidings.cli.client.connection import signed_in
from tidings.cli.client.render import (
    console,
    display_name_of,
    local_time,
    people_by_id,
    viewer_zone,
)
from tidings.core.clips import clock_time

file_app = typer.Typer(no_args_is_help=True, help="Files and clips: who watched, transcripts")


@file_app.command("views")
def views(file_id: int = typer.Argument(..., help="The clip's file id")) -> None:
    """Who watched a voice note or video clip: 'watched by 5 of 8 · 3 finished', then
    each viewer (for its author and the channel's members)."""
    with signed_in() as (profile, server):
        found = server.get(f"/files/{file_id}/views")
        people = people_by_id(server)
        zone = viewer_zone(people, profile)
    console.print(
        f"Watched by {found['watched']} of {found['audience']} · {found['finished']} finished"
    )
    viewers = found["viewers"]
    if viewers is None:
        console.print("Only its author and the channel's members see who.")
        return
    if not viewers:
        return
    table = Table("who", "got to", "finished", "last watched")
    for row in viewers:
        table.add_row(
            display_name_of(people, row["member_id"]),
            clock_time(row["furthest_ms"]),
            local_time(row["completed_at"], zone) if row["completed_at"] else "",
            local_time(row["last_watched_at"], zone),
        )
    console.print(table)
