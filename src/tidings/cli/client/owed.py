"""``tidings owed``: the replies you owe or are waiting for, and settling them."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from tidings.cli.client.connection import Server, signed_in
from tidings.cli.client.render import (
    console,
    display_name_of,
    local_time,
    people_by_id,
    viewer_zone,
)

EXCERPT = 60
PAGE = 200

owed_app = typer.Typer(invoke_without_command=True)


@owed_app.callback()
def owed(
    ctx: typer.Context,
    waiting: bool = typer.Option(False, "--waiting", help="The replies others owe you"),
) -> None:
    """The replies you owe, soonest due first; settle one with done or decline."""
    if ctx.invoked_subcommand is not None:
        return
    role = "creditor" if waiting else "debtor"
    with signed_in() as (profile, server):
        items = _all_expectations(server, role)
        people = people_by_id(server)
        channels = {c["id"]: c["name"] for c in server.get("/channels")}
    if not items:
        console.print("Nobody owes you a reply." if waiting else "You owe no replies.")
        return
    zone = viewer_zone(people, profile)
    other = "debtor_id" if waiting else "creditor_id"
    title = "Replies you are waiting for" if waiting else "Replies you owe"
    who = "owed by" if waiting else "waiting"
    table = Table("id", "due", who, "where", "message", "state", title=title)
    for item in sorted(items, key=lambda item: item["due_at"]):
        table.add_row(
            str(item["id"]),
            local_time(item["due_at"], zone),
            Text(display_name_of(people, item[other])),
            Text(_where(item, channels)),
            Text(_excerpt(item["excerpt"])),
            Text(item["state"], style="red" if item["state"] == "breached" else ""),
        )
    console.print(table)


def _all_expectations(server: Server, role: str) -> list[dict[str, Any]]:
    """Every page: the server sorts by due time only within a page."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = server.get("/expectations", role=role, cursor=cursor, limit=PAGE)
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def _where(item: dict[str, Any], channels: dict[int, str]) -> str:
    if item["topic_title"] is None:
        return "direct message"
    channel = channels.get(item["channel_id"])
    return f"#{channel} › {item['topic_title']}" if channel else item["topic_title"]


def _excerpt(body: str) -> str:
    first = body.strip().split("\n", 1)[0]
    return first if len(first) <= EXCERPT else first[: EXCERPT - 1] + "…"


@owed_app.command("done")
def owed_done(expectation_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Mark a reply you owe as given (elsewhere) or no longer needed."""
    with signed_in() as (_, server):
        server.request("POST", f"/expectations/{expectation_id}/done")
    console.print(f"Reply {expectation_id} is done")


@owed_app.command("decline")
def owed_decline(
    expectation_id: int = typer.Argument(..., metavar="ID"),
    note: str = typer.Option("", help="Why, for the person waiting (needed)"),
) -> None:
    """Decline a reply you owe, saying why."""
    with signed_in() as (_, server):
        server.request("POST", f"/expectations/{expectation_id}/decline", json={"note": note})
    console.print(f"Declined reply {expectation_id}")
