"""``tidings catchup``: what you missed, most pressing first."""

from __future__ import annotations

from typing import Any

import typer
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


def catchup(
    since: str | None = typer.Option(
        None, "--since", help="ISO date and time (default: the end of your last visit)"
    ),
) -> None:
    """Replies you owe, asks, urgent messages, mentions, the busiest topics you follow,
    then new clips."""
    with signed_in() as (profile, server):
        people = people_by_id(server)
        zone = viewer_zone(people, profile)
        start = moment(since, zone).isoformat() if since else None
        found = server.get("/catchup", since=start)
    c = found["counts"]
    console.print(
        f"Since {local_time(found['since'], zone)}: {c['owed']} replies owed, {c['asks']} asks, "
        f"{c['urgent']} urgent, {c['mentions']} mentions, {c['topics']} active topics"
    )
    if found["owed"]:
        console.print("\n[bold]Replies you owe[/bold]")
        for e in found["owed"]:
            who = display_name_of(people, e["creditor_id"])
            line = f"  due {local_time(e['due_at'], zone)} · {who} · {e['topic_title'] or 'DM'}: "
            console.print(Text(line + (e["excerpt"] or "")[:80]))
    for key, heading in (("asks", "Asked of you"), ("urgent", "Urgent"), ("mentions", "Mentions")):
        if found[key]:
            console.print(f"\n[bold]{heading}[/bold]")
            for m in found[key]:
                console.print(Text(_message_line(m, zone)))
    if found["topics"]:
        console.print("\n[bold]Busiest topics you follow[/bold]")
        for t in found["topics"]:
            _print_topic(t)
    if found.get("clips"):
        console.print("\n[bold]New clips[/bold]")
        for k in found["clips"]:
            said = f": “{k['first_words']}”" if k["first_words"] else ""
            line = f"  {local_time(k['created_at'], zone)} · {k['author_name']}: {k['filename']}"
            console.print(Text(f"{line} (file {k['file_id']}){said}"))


def _print_topic(t: dict[str, Any]) -> None:
    names = ", ".join(p["display_name"] for p in t["participants"])
    where = f"#{t['channel_name']} › {t['title']}"
    console.print(Text(f"  {where}: {t['message_count']} messages ({names})"))
    for d in t["decisions"]:
        console.print(Text(f"    decided: {d['author_name']}: {d['excerpt'][:80]}"))
    latest = t["latest"]
    console.print(Text(f"    latest: {latest['author_name']}: {latest['excerpt'][:80]}"))


def _message_line(m: dict[str, Any], zone: Any) -> str:
    return f"  {local_time(m['created_at'], zone)} · {m['author_name']}: {m['excerpt'][:100]}"
