"""``tidings later`` and ``tidings scheduled``: messages parked for later, and messages
waiting to be sent."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from tidings.cli.client.connection import signed_in
from tidings.cli.client.render import (
    console,
    display_name_of,
    local_time,
    people_by_id,
    viewer_zone,
)
from tidings.cli.client.when import moment
from tidings.errors import TidingsError

EXCERPT = 60

later_app = typer.Typer(invoke_without_command=True)
scheduled_app = typer.Typer(invoke_without_command=True)


def _excerpt(body: str) -> str:
    first = body.strip().split("\n", 1)[0]
    return first if len(first) <= EXCERPT else first[: EXCERPT - 1] + "…"


@later_app.callback()
def later(ctx: typer.Context) -> None:
    """Your Later list, soonest reminder first; add with "later add", clear with "later done"."""
    if ctx.invoked_subcommand is None:
        later_list()


@later_app.command("list")
def later_list() -> None:
    """The messages you saved for later."""
    with signed_in() as (profile, server):
        items = server.get("/later")["items"]
        people = people_by_id(server)
    if not items:
        console.print("Nothing saved for later.")
        return
    zone = viewer_zone(people, profile)
    table = Table("id", "reminder", "from", "where", "message", title="Later")
    for item in items:
        when = local_time(item["remind_at"], zone) if item["remind_at"] else "none"
        if item["reminded_at"]:
            when += " (sent)"
        table.add_row(
            str(item["id"]),
            when,
            Text(display_name_of(people, item["author_id"])),
            Text(item["topic_title"] or "direct message"),
            Text(_excerpt(item["excerpt"])),
        )
    console.print(table)


@later_app.command("add")
def later_add(
    message_id: int = typer.Argument(..., metavar="MESSAGE_ID"),
    within: str = typer.Option(None, "--in", metavar="SPAN", help="Working time: 3h, 90m"),
    tomorrow: bool = typer.Option(
        False, "--tomorrow", help="At the start of your next working day"
    ),
    next_week: bool = typer.Option(False, "--next-week", help="At the start of next week"),
    at: str = typer.Option(
        None, "--at", metavar="WHEN", help="ISO datetime (yours without offset)"
    ),
) -> None:
    """Save a message for later, with a reminder if you like."""
    chosen = [c for c in (within, tomorrow or None, next_week or None, at) if c]
    if len(chosen) > 1:
        raise TidingsError("pick one of --in, --tomorrow, --next-week and --at")
    with signed_in() as (profile, server):
        remind: str | None = within or ("next_day" if tomorrow else None)
        remind = remind or ("next_week" if next_week else None)
        people = people_by_id(server)
        zone = viewer_zone(people, profile)
        if at:
            remind = moment(at, zone).isoformat()
        mark = server.request("PUT", f"/messages/{message_id}/later", json={"remind": remind})
    if mark["remind_at"]:
        console.print(f"Saved for later; reminder {local_time(mark['remind_at'], zone)}")
    else:
        console.print("Saved for later, no reminder")


@later_app.command("done")
def later_done(mark_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Take an item (by its id in "tidings later") off your Later list."""
    with signed_in() as (_, server):
        items = {item["id"]: item for item in server.get("/later")["items"]}
        if mark_id not in items:
            raise TidingsError(f"no item {mark_id} on your Later list")
        server.request("DELETE", f"/messages/{items[mark_id]['message_id']}/later")
    console.print(f"Item {mark_id} is done")


@scheduled_app.callback()
def scheduled(ctx: typer.Context) -> None:
    """Your messages waiting to be sent; cancel one with "scheduled cancel ID"."""
    if ctx.invoked_subcommand is None:
        scheduled_list()


@scheduled_app.command("list")
def scheduled_list() -> None:
    """Messages waiting to be sent, soonest first."""
    with signed_in() as (profile, server):
        items = server.get("/scheduled")["items"]
        zone = viewer_zone(people_by_id(server), profile)
    if not items:
        console.print("Nothing scheduled.")
        return
    table = Table("id", "sends", "where", "message", title="Scheduled")
    for item in items:
        where = f"topic {item['topic_id']}" if item["topic_id"] else "direct message"
        table.add_row(
            str(item["id"]),
            local_time(item["send_at"], zone),
            where,
            Text(_excerpt(item["body"])),
        )
    console.print(table)


@scheduled_app.command("cancel")
def scheduled_cancel(scheduled_id: int = typer.Argument(..., metavar="ID")) -> None:
    """Cancel a message before it is sent."""
    with signed_in() as (_, server):
        server.request("DELETE", f"/scheduled/{scheduled_id}")
    console.print(f"Cancelled scheduled message {scheduled_id}")
