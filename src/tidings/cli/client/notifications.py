"""``tidings notifications``: what reached you, and what is held back and why."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from tidings.cli.client.connection import signed_in
from tidings.cli.client.render import console, local_time, people_by_id, viewer_zone

PRIORITY_STYLE = {"urgent": "red", "high": "yellow"}


def notifications(
    pending: bool = typer.Option(False, "--pending", help="Those held back, with the reason"),
    limit: int = typer.Option(30, "--limit", "-n", min=1, max=200, help="How many, newest"),
) -> None:
    """Your delivered notifications, newest first; --pending: those not delivered yet."""
    with signed_in() as (profile, server):
        items = server.get("/notifications", pending="true" if pending else None, limit=limit)
        people = people_by_id(server)
    zone = viewer_zone(people, profile)
    if not items["items"]:
        console.print("Nothing held back." if pending else "No notifications.")
        return
    columns = ("created", "kind", "priority", "about", "until", "reason")
    table = Table(*columns) if pending else Table("delivered", "kind", "priority", "about")
    for item in items["items"]:
        row = [
            local_time(item["created_at" if pending else "delivered_at"], zone),
            item["kind"],
            Text(item["priority"], style=PRIORITY_STYLE.get(item["priority"], "")),
            Text(item["title"]),
        ]
        if pending:
            until = local_time(item["deliver_at"], zone) or item["action"]
            row += [until, Text(item["reason"])]
        table.add_row(*row)
    console.print(table)
