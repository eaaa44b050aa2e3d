"""Client commands for terminal users, against any server through a saved profile.

``tidings login`` keeps the server's URL and a token in a profile file that
only its owner may read; every other command uses it. A failure is one line,
``error: <detail>``, and exit status 1 (see ``tidings.cli.TidingsGroup``).
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import httpx
import typer
from rich.console import Console
from rich.emoji import Emoji
from rich.table import Table
from rich.text import Text

from tidings.errors import NotAuthenticated, TidingsError

PROFILE_ENV = "TIDINGS_PROFILE"
API = "/api/v1"
WRITE_ATTEMPTS = 3
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 30.0
QUIET_EVENTS = ("heartbeat", "pong")
MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)
console = Console(highlight=False)
notices = Console(stderr=True, highlight=False)


class Priority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class NotSignedIn(NotAuthenticated):
    code = "not_signed_in"

    def __init__(self) -> None:
        super().__init__("not signed in; run: tidings login URL")


class Unreachable(TidingsError):
    code = "unreachable"

    def __init__(self, url: str) -> None:
        super().__init__(f"cannot reach {url}")


class Refused(TidingsError):
    """The server answered with a problem (``application/problem+json``)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(str(problem["detail"]))
        self.status = status
        self.code = str(problem.get("code", "http_error"))
        self.problem = problem


@dataclass(frozen=True)
class Profile:
    url: str
    token: str
    workspace: str
    member_id: int


def profile_path() -> Path:
    """``$TIDINGS_PROFILE``, else ``~/.config/tidings/profile.json``."""
    configured = os.environ.get(PROFILE_ENV)
    return Path(configured) if configured else Path.home() / ".config/tidings/profile.json"


def load_profile() -> Profile:
    path = profile_path()
    try:
        data = json.loads(path.read_text())
        return Profile(data["url"], data["token"], data["workspace"], int(data["member_id"]))
    except FileNotFoundError:
        raise NotSignedIn() from None
    except (OSError, ValueError, KeyError, TypeError):
        raise TidingsError(f"cannot read the profile {path}; run: tidings login URL") from None


def save_profile(profile: Profile) -> Path:
    """Write the profile with mode 0600: it holds a bearer token."""
    path = profile_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to a file left over from before
    with os.fdopen(fd, "w") as file:
        json.dump(asdict(profile), file, indent=2)
    os.replace(temporary, path)
    return path


class Server:
    """The HTTP API of one server, as the signed-in member (or nobody, to sign in)."""

    def __init__(
        self, url: str, token: str | None = None, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.url = url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(
            base_url=url + API, headers=headers, timeout=30, transport=transport
        )

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def get(self, path: str, **params: Any) -> Any:
        wanted = {key: value for key, value in params.items() if value is not None}
        return self.request("GET", path, params=wanted)

    def send(self, method: str, path: str, body: dict[str, Any]) -> Any:
        """A create with an Idempotency-Key: however often it is retried, it happens once."""
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        for attempt in range(WRITE_ATTEMPTS - 1):
            try:
                return self.request(method, path, json=body, headers=headers)
            except Unreachable:
                time.sleep(BACKOFF_FIRST * 2**attempt)
        return self.request(method, path, json=body, headers=headers)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError:
            raise Unreachable(self.url) from None
        if response.is_error:
            raise Refused(response.status_code, _problem(response))
        try:
            return response.json() if response.content else None
        except ValueError:
            raise TidingsError(f"{self.url} does not answer like a Tidings server") from None


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("detail"):
        return body
    return {"detail": f"HTTP {response.status_code} {response.reason_phrase}".strip()}


@contextmanager
def signed_in() -> Iterator[tuple[Profile, Server]]:
    profile = load_profile()
    with Server(profile.url, profile.token) as server:
        yield profile, server


def _base_url(url: str) -> str:
    url = url.strip().rstrip("/").removesuffix(API)
    if "://" not in url:
        local = url.startswith(("localhost", "127.", "[::1]"))
        url = ("http://" if local else "https://") + url
    if not url.startswith(("http://", "https://")):
        raise TidingsError("the server URL starts with http:// or https://")
    return url


# Looking things up by the names people type.


def _channel(server: Server, name: str) -> dict[str, Any]:
    wanted = name.strip().lstrip("#").lower()
    for channel in server.get("/channels"):
        if channel["name"] == wanted:
            return channel  # type: ignore[no-any-return]
    raise TidingsError(f"no channel #{wanted} that you can see")


def _topic(server: Server, channel: dict[str, Any], title: str) -> dict[str, Any] | None:
    found = server.get(f"/channels/{channel['id']}/topics", title=title)["items"]
    return found[0] if found else None


def _people(server: Server) -> dict[int, dict[str, Any]]:
    return {member["id"]: member for member in server.get("/users")}


def _member_ids(people: dict[int, dict[str, Any]], handles: str) -> list[int]:
    by_handle = {member["handle"]: member_id for member_id, member in people.items()}
    wanted = [h.strip().lstrip("@").lower() for h in handles.split(",") if h.strip(" @")]
    for handle in wanted:
        if handle not in by_handle:
            raise TidingsError(f"no member @{handle}")
    return [by_handle[handle] for handle in wanted]


def _name(people: dict[int, dict[str, Any]], member_id: int) -> str:
    member = people.get(member_id)
    return member["display_name"] if member else f"member {member_id}"


def _handles(people: dict[int, dict[str, Any]], ids: list[int], me: int) -> str:
    others = [i for i in ids if i != me] or [me]
    return ", ".join(f"@{people[i]['handle']}" if i in people else f"#{i}" for i in others)


def _zone(people: dict[int, dict[str, Any]], profile: Profile) -> tzinfo:
    """Times show in the member's own zone, as the web client does."""
    member = people.get(profile.member_id)
    if member is None:
        return datetime.now().astimezone().tzinfo or ZoneInfo("UTC")
    return ZoneInfo(member["time_zone"])


def _local(stamp: str | None, zone: tzinfo) -> str:
    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).astimezone(zone).strftime("%a %d %b %H:%M")


def _line(*parts: tuple[str, str]) -> Text:
    """Styled parts, two spaces apart; none of them read as Rich markup."""
    return Text("  ").join(Text(text, style=style) for text, style in parts if text)


def _text(value: str) -> str:
    return sys.stdin.read() if value == "-" else value


# Commands.


def login(
    url: str = typer.Argument(..., help="The server, e.g. https://chat.example.com"),
    email: str = typer.Option(None, help="Your e-mail (asked if left out)"),
    password: str = typer.Option(None, help="Your password (asked, hidden, if left out)"),
    workspace: str = typer.Option(None, help="Workspace slug, if your e-mail is in several"),
) -> None:
    """Sign in and save the server and a token in your profile."""
    url = _base_url(url)
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


WORDS = typer.Argument(..., metavar="[TOPIC] TEXT", help="TEXT '-' reads standard input")
PRIORITY = typer.Option(Priority.NORMAL, "--priority", "-p")


def post(
    target: str = typer.Argument(..., metavar="#CHANNEL|@HANDLE", help="@a,@b for a group"),
    words: list[str] = WORDS,
    priority: Priority = PRIORITY,
) -> None:
    """Post into a channel's topic (started if new), or send a direct message."""
    with signed_in() as (profile, server):
        if target.startswith("#") and len(words) == 2:
            where, message = _post_in_topic(server, target, words[0], _text(words[1]), priority)
        elif target.startswith("@") and len(words) == 1:
            where, message = _post_direct(server, profile, target, _text(words[0]), priority)
        else:
            raise TidingsError("usage: tidings post '#channel' 'topic' 'text' | @handle 'text'")
    console.print(f"Posted to {where} (message {message['id']})", markup=False)


def _post_in_topic(
    server: Server, channel_name: str, title: str, text: str, priority: Priority
) -> tuple[str, dict[str, Any]]:
    channel = _channel(server, channel_name)
    body = {"body": text, "priority": priority.value}
    topic = _topic(server, channel, title)
    if topic is None:
        path = f"/channels/{channel['id']}/topics"
        try:
            created = server.send("POST", path, {"title": title, **body})
            return f"#{channel['name']} › {created['title']}", created["first_message"]
        except Refused as exc:  # started by someone else a moment ago: post in it
            if "topic_id" not in exc.problem:
                raise
            topic = server.get(f"/topics/{exc.problem['topic_id']}")
    message = server.send("POST", f"/topics/{topic['id']}/messages", body)
    return f"#{channel['name']} › {topic['title']}", message


def _post_direct(
    server: Server, profile: Profile, handles: str, text: str, priority: Priority
) -> tuple[str, dict[str, Any]]:
    people = _people(server)
    ids = _member_ids(people, handles)
    conversation = server.request("POST", "/conversations", json={"member_ids": ids})
    path = f"/conversations/{conversation['id']}/messages"
    message = server.send("POST", path, {"body": text, "priority": priority.value})
    return _handles(people, conversation["member_ids"], profile.member_id), message


def read(
    where: str = typer.Argument(..., metavar="#CHANNEL|@HANDLE"),
    title: str = typer.Argument(None, metavar="[TOPIC]", help="Without it: list the topics"),
    limit: int = typer.Option(30, "--limit", "-n", min=1, max=200, help="How many, newest"),
) -> None:
    """List a channel's topics, or print a topic's newest messages and mark it read."""
    with signed_in() as (profile, server):
        people = _people(server)
        zone = _zone(people, profile)
        if where.startswith("@"):
            _read_direct(server, profile, people, where, zone, limit)
            return
        channel = _channel(server, where)
        if title is None:
            _list_topics(server, channel, zone, limit)
            return
        topic = _topic(server, channel, title)
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
    wanted = sorted({profile.member_id, *_member_ids(people, handles)})
    found = [c for c in server.get("/conversations") if c["member_ids"] == wanted]
    if not found:
        raise TidingsError(f"no conversation with {_handles(people, wanted, profile.member_id)}")
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
        table.add_row(Text(title), unread, _local(topic["last_message_at"], zone))
    console.print(table)


def _print_messages(
    messages: list[dict[str, Any]], people: dict[int, dict[str, Any]], zone: tzinfo
) -> None:
    for message in messages:
        author, stamp = _name(people, message["author_id"]), _local(message["created_at"], zone)
        priority = "" if message["priority"] == "normal" else message["priority"]
        edited = "(edited)" if message["edited_at"] else ""
        console.print(_line((author, "bold"), (stamp, "dim"), (priority, "red"), (edited, "dim")))
        console.print(Text("(deleted)" if message["deleted"] else message["body"]))
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
        people = _people(server)
        direct = {c["id"]: c for c in server.get("/conversations")}
    zone = _zone(people, profile)
    if not answer["items"]:
        console.print("Nothing unread.")
        return
    table = Table("where", "unread", "mentions", "priority", "waiting since")
    for entry in answer["items"]:
        if entry["kind"] == "topic":
            where = f"#{entry['channel_name']} › {entry['title']}"
        else:
            ids = direct.get(entry["conversation_id"], {}).get("member_ids", [])
            where = _handles(people, ids, profile.member_id)
        style = {"urgent": "red", "high": "yellow"}.get(entry["priority"], "")
        table.add_row(
            Text(where),
            str(entry["unread"]),
            str(entry["mentions"] or ""),
            Text(entry["priority"], style=style),
            _local(entry["oldest_unread_at"], zone),
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
        people = _people(server)
    zone = _zone(people, profile)
    if not hits:
        console.print("No messages found.")
        return
    for hit in hits:
        message = hit["message"]
        channel, title = hit["channel_name"], hit["topic_title"]
        where = f"#{channel} › {title}" if channel else "direct message"
        author, stamp = _name(people, message["author_id"]), _local(message["created_at"], zone)
        console.print(_line((where, "bold"), (author, ""), (stamp, "dim")))
        console.print(_snippet(hit["snippet"]))
        console.print()


def _snippet(snippet: str) -> Text:
    """The server's snippet is escaped HTML with <mark> around matches."""
    text = Text()
    for index, part in enumerate(MARK.split(snippet)):
        text.append(html.unescape(part), style="bold" if index % 2 else "")
    return text


# The live event stream.


@dataclass(frozen=True)
class _Names:
    people: dict[int, dict[str, Any]]
    channels: dict[int, str]

    def who(self, member_id: Any) -> str:
        member = self.people.get(member_id)
        return f"@{member['handle']}" if member else f"member {member_id}"

    def where(self, data: dict[str, Any]) -> str:
        if data.get("channel_id") in self.channels:
            return f"#{self.channels[data['channel_id']]}"
        return "direct" if data.get("conversation_id") else ""


def tail(
    since: int = typer.Option(None, min=0, help="Resume after this event id (0: all kept)"),
    count: int = typer.Option(None, min=1, help="Exit after this many events"),
    as_json: bool = typer.Option(False, "--json", help="Print each event as one JSON line"),
) -> None:
    """Follow the live events; on a dropped connection, reconnect and resume."""
    profile = load_profile()
    names = _Names({}, {})
    if not as_json:
        with Server(profile.url, profile.token) as server:
            channels = {c["id"]: c["name"] for c in server.get("/channels")}
            names = _Names(_people(server), channels)
    show = _show_json if as_json else lambda raw, event: _show_line(event, names)
    with suppress(KeyboardInterrupt):  # Ctrl-C is how one stops following
        _follow(profile, since, count, show)


def _show_json(raw: str | bytes, _event: dict[str, Any]) -> None:
    typer.echo(raw if isinstance(raw, str) else raw.decode())


def _show_line(event: dict[str, Any], names: _Names) -> None:
    summary = _summary(event.get("data"), names)[:120]
    console.print(
        _line((str(event.get("id")), "dim"), (event["type"], "bold"), (summary, "")), soft_wrap=True
    )


def _summary(data: Any, names: _Names) -> str:
    if not isinstance(data, dict):
        return ""
    if "body" in data:
        first = data["body"].strip().split("\n", 1)[0]
        return f"{names.where(data)} {names.who(data.get('author_id'))}: {first}".strip()
    if "emoji" in data:
        return f"{names.who(data.get('member_id'))} :{data['emoji']}: on {data.get('message_id')}"
    if "handle" in data:  # a member or a group
        return f"@{data['handle']} {data.get('display_name') or data.get('name', '')}".strip()
    if "title" in data:
        return f"{names.where(data)} › {data['title']}".strip(" ›")
    if "name" in data and "kind" in data:
        return f"#{data['name']}"
    return " ".join(f"{k}={v}" for k, v in data.items() if isinstance(v, str | int))


def _follow(
    profile: Profile,
    since: int | None,
    count: int | None,
    show: Callable[[str | bytes, dict[str, Any]], None],
) -> None:
    from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

    seen, delay, connected = 0, BACKOFF_FIRST, False
    while True:
        try:
            with _connect(profile, since) as stream:
                connected = True
                for raw in stream:
                    delay = BACKOFF_FIRST
                    event = json.loads(raw)
                    if event.get("type") in QUIET_EVENTS:
                        continue
                    show(raw, event)
                    since = event.get("id", since)  # a reset carries the head: resume there
                    seen += 1
                    if count is not None and seen >= count:
                        return
        except InvalidStatus as exc:
            if exc.response.status_code < 500 or not connected:
                _refused(profile, exc.response.status_code)
        except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake):
            if not connected:
                raise Unreachable(profile.url) from None
        notices.print(f"connection lost; reconnecting in {delay:g} s", style="dim")
        time.sleep(delay)
        delay = min(delay * 2, BACKOFF_MAX)


def _connect(profile: Profile, since: int | None) -> Any:
    from websockets.sync.client import connect

    scheme, _, rest = profile.url.partition("://")
    uri = f"{'wss' if scheme == 'https' else 'ws'}://{rest}{API}/events"
    if since is not None:
        uri += f"?since={since}"
    headers = {"Authorization": f"Bearer {profile.token}"}
    return connect(uri, additional_headers=headers, open_timeout=10, close_timeout=2)


def _refused(profile: Profile, status: int) -> NoReturn:
    """The handshake was refused; the HTTP API says why (usually a revoked token)."""
    with Server(profile.url, profile.token) as server:
        server.get("/users/me")
    raise TidingsError(f"the server refused the event stream (HTTP {status})")


def register(app: typer.Typer) -> None:
    for command in (login, logout, post, read, inbox, search, tail):
        app.command()(command)
