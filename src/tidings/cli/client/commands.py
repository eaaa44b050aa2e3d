"""The client commands: login, logout, read, inbox and search."""

from __future__ import annotations

import html
from datetime import tzinfo
from typing import Any

import typer
from rich.emoji import Emoji
from rich.table import Table
from rich.text import Text

from tidings.cli.client.connection import (
    Profile,
    Refused,
    Server,
    base_url,
    profile_path,
    save_profile,
    signed_in,
)
from tidings.cli.client.render import (
    MARK,
    channel_named,
    console,
    display_name_of,
    handles_of,
    local_time,
    member_ids_of,
    people_by_id,
    styled_line,
    topic_titled,
    viewer_zone,
)
from tidings.errors import TidingsError


def login(
    url: str = typer.Argument(..., help="The server, e.g. https://chat.example.com"),
    email: str = typer.Option(None, help="Your e-mail (asked if left out)"),
    password: str = typer.Option(None, help="Your password (asked, hidden, if left out)"),
    workspace: str = typer.Option(None, help="Workspace slug, if your e-mail is in several"),
) -> None:
    """Sign in and save the server and a token in your profile."""
    url = base_url(url)
    email = email or typer.prompt("E-mail")
    password = password or typer.prompt("Password", hide_input=True)
    credentials = {"email": email, "password": password, "workspace": workspace}
    with Server(url) as server:
        answer = server.request("POST", "/auth/login", json=credentials)
    profile = Profile(url, answer["token"], answer["workspace"], answer["member_id"])
    path = save_profile(profile)
    console.print(f"Signed in to {profile.workspace} at {url} (profile: {path})", markup=False)


def logout() -> None:
    """Revoke your token on the server and delete the profile."""
    with signed_in() as (profile, server):
        try:
            server.request("POST", "/auth/logout")
        except Refused as exc:
            if exc.status != 401:  # a token the server refuses already is as good as revoked
                raise
    profile_path().unlink(missing_ok=True)
    console.print(f"Signed out of {profile.workspace} at {profile.url}", markup=False)


def read(
    where: str = typer.Argument(..., metavar="#CHANNEL|@HANDLE"),
    title: str = typer.Argument(None, metavar="[TOPIC]", help="Without it: list the topics"),
    limit: int = typer.Option(30, "--limit", "-n", min=1, max=200, help="How many, newest"),
) -> None:
    """List a channel's topics, or print a topic's newest messages and mark it read."""
    with signed_in() as (profile, server):
        people = people_by_id(server)
        zone = viewer_zone(people, profile)
        if where.startswith("@"):
            _read_direct(server, profile, people, where, zone, limit)
            return
        channel = channel_named(server, where)
        if title is None:
            _list_topics(server, channel, zone, limit)
            return
        topic = topic_titled(server, channel, title)
        if topic is None:
            raise TidingsError(f'no topic "{title}" in #{channel["name"]}')
        page = server.get(f"/topics/{topic['id']}/messages", anchor="newest", limit=limit)
        resolved = " (resolved)" if topic["is_resolved"] else ""
        console.print(Text(f"#{channel['name']} › {topic['title']}{resolved}\n", style="bold"))
        _print_messages(page["items"], people, zone)
        server.request("POST", "/read", json={"topic_id": topic["id"]})


def _read_direct(
    server: Server,
    profile: Profile,
    people: dict[int, dict[str, Any]],
    handles: str,
    zone: tzinfo,
    limit: int,
) -> None:
    wanted = sorted({profile.member_id, *member_ids_of(people, handles)})
    found = [c for c in server.get("/conversations") if c["member_ids"] == wanted]
    if not found:
        raise TidingsError(f"no conversation with {handles_of(people, wanted, profile.member_id)}")
    conversation_id = found[0]["id"]
    path = f"/conversations/{conversation_id}/messages"
    _print_messages(server.get(path, anchor="newest", limit=limit)["items"], people, zone)
    server.request("POST", "/read", json={"conversation_id": conversation_id})


def _list_topics(server: Server, channel: dict[str, Any], zone: tzinfo, limit: int) -> None:
    topics = server.get(f"/channels/{channel['id']}/topics", limit=limit)["items"]
    if not topics:
        console.print(f"No topics in #{channel['name']} yet.", markup=False)
        return
    table = Table("topic", "unread", "last activity", title=f"#{channel['name']}")
    for topic in topics:
        title = topic["title"] + (" ✓" if topic["is_resolved"] else "")
        unread = str(topic["unread"] or "")
        table.add_row(Text(title), unread, local_time(topic["last_message_at"], zone))
    console.print(table)


def _print_messages(
    messages: list[dict[str, Any]], people: dict[int, dict[str, Any]], zone: tzinfo
) -> None:
    for message in messages:
        author, stamp = (
            display_name_of(people, message["author_id"]),
            local_time(message["created_at"], zone),
        )
        priority = "" if message["priority"] == "normal" else message["priority"]
        edited = "(edited)" if message["edited_at"] else ""
        console.print(
            styled_line((author, "bold"), (stamp, "dim"), (priority, "red"), (edited, "dim"))
        )
        console.print(Text(_body(message)))
        reactions = "  ".join(_reaction(r) for r in message["reactions"])
        if reactions:
            console.print(Text(reactions, style="dim"))
        console.print()


def _reaction(reaction: dict[str, Any]) -> str:
    name = reaction["emoji"]
    return f"{Emoji.replace(':' + name + ':')} {reaction['count']}"


def inbox() -> None:
    """What needs you: unread topics and conversations, mentions first."""
    with signed_in() as (profile, server):
        answer = server.get("/inbox")
        people = people_by_id(server)
        direct = {c["id"]: c for c in server.get("/conversations")}
    zone = viewer_zone(people, profile)
    if not answer["items"]:
        console.print("Nothing unread.")
        return
    table = Table("where", "first unread", "unread", "mentions", "priority", "waiting since")
    for entry in answer["items"]:
        if entry["kind"] == "topic":
            where = f"#{entry['channel_name']} › {entry['title']}"
        else:
            ids = direct.get(entry["conversation_id"], {}).get("member_ids", [])
            where = handles_of(people, ids, profile.member_id)
        style = {"urgent": "red", "high": "yellow"}.get(entry["priority"], "")
        first = entry.get("first_unread")
        said = ""
        if first:
            author = people.get(first["author_id"], {}).get("handle", "someone")
            said = f"@{author}: {first['snippet'] or '(no longer there)'}"
        table.add_row(
            Text(where),
            Text(said, overflow="ellipsis", no_wrap=True),
            str(entry["unread"]),
            str(entry["mentions"] or ""),
            Text(entry["priority"], style=style),
            local_time(entry["oldest_unread_at"], zone),
        )
    console.print(table)
    console.print(f"{answer['total_unread']} unread, {answer['total_mentions']} mentions")


def search(
    query: str = typer.Argument(..., help='e.g. from:@ana in:#design "exact phrase"'),
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=200),
) -> None:
    """Search the messages you may read."""
    with signed_in() as (profile, server):
        hits = server.get("/search", q=query, limit=limit)["items"]
        people = people_by_id(server)
    zone = viewer_zone(people, profile)
    if not hits:
        console.print("No messages found.")
        return
    for hit in hits:
        message = hit["message"]
        channel, title = hit["channel_name"], hit["topic_title"]
        where = f"#{channel} › {title}" if channel else "direct message"
        author, stamp = (
            display_name_of(people, message["author_id"]),
            local_time(message["created_at"], zone),
        )
        console.print(styled_line((where, "bold"), (author, ""), (stamp, "dim")))
        console.print(_snippet(hit["snippet"]))
        console.print()


def _snippet(snippet: str) -> Text:
    """The server's snippet is escaped HTML with <mark> around matches."""
    text = Text()
    for index, part in enumerate(MARK.split(snippet)):
        text.append(html.unescape(part), style="bold" if index % 2 else "")
    return text


# The live event stream.


def _body(message: dict[str, Any]) -> str:
    if message["deleted"]:
        return "(deleted)"
    if message.get("expired"):
        return "(a message expired)"
    return str(message["body"])
