"""``tidings post``: into a channel's topic or a direct message, optionally asking for
replies by a deadline."""

from __future__ import annotations

from datetime import time, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from tidings.cli.client.connection import Profile, Refused, Server, signed_in
from tidings.cli.client.files import upload_all
from tidings.cli.client.render import (
    channel_named,
    console,
    handles_of,
    local_time,
    member_ids_of,
    people_by_id,
    plain_text_of,
    topic_titled,
    viewer_zone,
)
from tidings.cli.client.when import moment
from tidings.errors import TidingsError

# A deadline given as a date alone means the end of that working day.
DEADLINE_ON_A_DATE = time(17)


class Priority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


WORDS = typer.Argument(..., metavar="[TOPIC] TEXT", help="TEXT '-' reads standard input")
PRIORITY = typer.Option(Priority.NORMAL, "--priority", "-p")
ASK = typer.Option(None, "--ask", metavar="@HANDLE", help="Ask for a reply; repeat for more")
AT = typer.Option(None, "--at", metavar="WHEN", help="Send later: ISO datetime (yours)")
THEIR_MORNING = typer.Option(
    False, "--their-morning", help="Send at the start of the recipient's working day (1:1 DMs)"
)
BY = typer.Option(
    None, "--by", metavar="WHEN", help="Reply deadline: ISO datetime, or a date (17:00 yours)"
)
EXPIRES_IN = typer.Option(
    None, "--expires-in", metavar="MINUTES", help="Self-destruct after 1 to 43200 minutes"
)
ATTACH = typer.Option(
    None, "--attach", metavar="PATH", help="Attach a file (resumable upload); repeat for more"
)
AFTER_READ = typer.Option(
    False, "--expire-after-read", help="Self-destruct once every recipient has read it"
)


def post(
    target: str = typer.Argument(..., metavar="#CHANNEL|@HANDLE", help="@a,@b for a group"),
    words: list[str] = WORDS,
    priority: Priority = PRIORITY,
    ask: list[str] = ASK,
    by: str = BY,
    expires_in: int | None = EXPIRES_IN,
    expire_after_read: bool = AFTER_READ,
    at: str = AT,
    their_morning: bool = THEIR_MORNING,
    attach: list[Path] = ATTACH,
) -> None:
    """Post into a channel's topic (started if new), or send a direct message; with
    --at or --their-morning, schedule it instead. --attach uploads files first, with
    a progress bar, resuming if the connection drops."""
    if by and not ask:
        raise TidingsError("--by is the deadline for --ask: name who should reply")
    if at or their_morning:
        _schedule(target, words, priority, ask, by, at, their_morning, attach or [])
        return
    with signed_in() as (profile, server):
        people = people_by_id(server) if ask or target.startswith("@") else {}
        zone = viewer_zone(people, profile)
        fields: dict[str, Any] = {"priority": priority.value}
        if attach:
            fields["attachments"] = upload_all(server, attach)
        if expires_in is not None:
            fields["expires_in_minutes"] = expires_in
        if expire_after_read:
            fields["expire_after_read"] = True
        if ask:
            fields["asks"] = _asks(people, ask, by, zone)
        if target.startswith("#") and len(words) == 2:
            fields["body"] = plain_text_of(words[1])
            where, message = _post_in_topic(server, target, words[0], fields)
        elif target.startswith("@") and len(words) == 1:
            fields["body"] = plain_text_of(words[0])
            where, message = _post_direct(server, profile, people, target, fields)
        else:
            raise TidingsError("usage: tidings post '#channel' 'topic' 'text' | @handle 'text'")
    console.print(f"Posted to {where} (message {message['id']})", markup=False)
    for file in message.get("attachments", []):
        console.print(f"Attached {file['filename']} (file {file['id']})", markup=False)
    for owed in message.get("expectations", []):
        if owed["kind"] == "ask":
            who = handles_of(people, [owed["debtor_id"]], profile.member_id)
            console.print(f"Asked {who} to reply by {local_time(owed['due_at'], zone)}")


def _asks(
    people: dict[int, dict[str, Any]], handles: list[str], by: str | None, zone: tzinfo
) -> list[dict[str, Any]]:
    """Handles resolved before anything is sent: a typo posts nothing."""
    ids = member_ids_of(people, ",".join(handles))
    deadline = moment(by, zone, DEADLINE_ON_A_DATE).isoformat() if by else None
    return [{"member_id": member_id, "deadline": deadline} for member_id in dict.fromkeys(ids)]


def _post_in_topic(
    server: Server, channel_name: str, title: str, fields: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    channel = channel_named(server, channel_name)
    topic = topic_titled(server, channel, title)
    if topic is None:
        path = f"/channels/{channel['id']}/topics"
        try:
            created = server.send("POST", path, {"title": title, **fields})
            return f"#{channel['name']} › {created['title']}", created["first_message"]
        except Refused as exc:  # started by someone else a moment ago: post in it
            if "topic_id" not in exc.problem:
                raise
            topic = server.get(f"/topics/{exc.problem['topic_id']}")
    message = server.send("POST", f"/topics/{topic['id']}/messages", fields)
    return f"#{channel['name']} › {topic['title']}", message


def _post_direct(
    server: Server,
    profile: Profile,
    people: dict[int, dict[str, Any]],
    handles: str,
    fields: dict[str, Any],
) -> tuple[str, dict[str, Any]]:
    ids = member_ids_of(people, handles)
    conversation = server.request("POST", "/conversations", json={"member_ids": ids})
    message = server.send("POST", f"/conversations/{conversation['id']}/messages", fields)
    return handles_of(people, conversation["member_ids"], profile.member_id), message


def _schedule(
    target: str,
    words: list[str],
    priority: Priority,
    ask: list[str],
    by: str | None,
    at: str | None,
    their_morning: bool,
    attach: list[Path],
) -> None:
    if at and their_morning:
        raise TidingsError("pick --at or --their-morning, not both")
    with signed_in() as (profile, server):
        people = people_by_id(server)
        zone = viewer_zone(people, profile)
        fields: dict[str, Any] = {"priority": priority.value, "at_recipient_day": their_morning}
        if attach:
            fields["attachments"] = upload_all(server, attach)
        if at:
            fields["send_at"] = moment(at, zone).isoformat()
        if ask:
            fields["asks"] = _asks(people, ask, by, zone)
        if target.startswith("#") and len(words) == 2:
            channel = channel_named(server, target)
            topic = topic_titled(server, channel, words[0])
            if topic is None:
                raise TidingsError(
                    "a scheduled message goes into a topic that exists; start it first"
                )
            fields.update(topic_id=topic["id"], body=plain_text_of(words[1]))
            where = f"#{channel['name']} › {topic['title']}"
        elif target.startswith("@") and len(words) == 1:
            ids = member_ids_of(people, target)
            fields.update(member_ids=ids, body=plain_text_of(words[0]))
            where = handles_of(people, [profile.member_id, *ids], profile.member_id)
        else:
            raise TidingsError("usage: tidings post '#channel' 'topic' 'text' | @handle 'text'")
        made = server.send("POST", "/scheduled", fields)
    when = local_time(made["send_at"], zone)
    console.print(f"Scheduled for {where} at {when} (scheduled {made['id']})", markup=False)
