"""``tidings forkout``: one message as separate direct messages, and who replied."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from tidings.cli.client.connection import signed_in
from tidings.cli.client.render import (
    console,
    display_name_of,
    local_time,
    member_ids_of,
    people_by_id,
    viewer_zone,
)
from tidings.errors import TidingsError

forkout_app = typer.Typer(no_args_is_help=True, help="Send one message as separate DMs")
TO = typer.Argument(..., help="@handles, then the message as the last word")
GROUP = typer.Option([], "--group", "-g", help="Also everyone in @group")


@forkout_app.command("send")
def send(
    to: list[str] = TO,
    group: list[str] = GROUP,
) -> None:
    """tidings forkout send @ana @marcus 'Which week suits you?'"""
    if len(to) < 2:
        raise TidingsError("usage: tidings forkout send @handle … 'message'")
    *handles, body = to
    with signed_in() as (_, server):
        people = people_by_id(server)
        ids = member_ids_of(people, ",".join(handles)) if handles else []
        groups = {g["handle"]: g["id"] for g in server.get("/groups")}
        group_ids = []
        for handle in group:
            name = handle.lstrip("@")
            if name not in groups:
                raise TidingsError(f"no group @{name}")
            group_ids.append(groups[name])
        made = server.send(
            "POST", "/forkouts", {"body": body, "member_ids": ids, "group_ids": group_ids}
        )
    console.print(
        f"Sent forkout {made['id']} to {len(made['recipients'])} people as direct messages."
    )


@forkout_app.command("list")
def list_() -> None:
    """Your forkouts: how many read and replied."""
    with signed_in() as (profile, server):
        items = server.get("/forkouts")
        zone = viewer_zone(people_by_id(server), profile)
    if not items:
        console.print("No forkouts yet.")
        return
    table = Table("id", "sent", "replied", "read", "message")
    for f in items:
        table.add_row(
            str(f["id"]),
            local_time(f["created_at"], zone),
            f"{f['replied']}/{len(f['recipients'])}",
            f"{f['read']}/{len(f['recipients'])}",
            Text(f["body"][:60]),
        )
    console.print(table)


@forkout_app.command("show")
def show(forkout_id: int) -> None:
    """Per recipient: notified, read, replied."""
    with signed_in() as (profile, server):
        forkout = server.get(f"/forkouts/{forkout_id}")
        people = people_by_id(server)
    zone = viewer_zone(people, profile)
    table = Table("person", "notified", "read", "replied", title=forkout["body"][:60])
    for r in forkout["recipients"]:
        table.add_row(
            Text(display_name_of(people, r["member_id"])),
            local_time(r["notified_at"], zone) if r["notified_at"] else "held",
            "yes" if r["read"] else "no",
            "yes" if r["replied_message_id"] else "no",
        )
    console.print(table)


@forkout_app.command("follow-up")
def follow_up(forkout_id: int, body: str) -> None:
    """One follow-up to everyone who has not replied."""
    with signed_in() as (_, server):
        done: dict[str, Any] = server.send(
            "POST", f"/forkouts/{forkout_id}/follow-up", {"body": body}
        )
    waiting = sum(1 for r in done["recipients"] if r["followup_message_id"])
    console.print(f"Followed up with {waiting} people.")
