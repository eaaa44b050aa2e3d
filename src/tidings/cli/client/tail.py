"""``tidings tail``: follow the live event stream, resuming after drops."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, NoReturn

import typer

from tidings.cli.client.connection import (
    API,
    BACKOFF_FIRST,
    BACKOFF_MAX,
    Profile,
    Server,
    Unreachable,
    load_profile,
)
from tidings.cli.client.render import console, notices, people_by_id, styled_line
from tidings.errors import TidingsError

QUIET_EVENTS = ("heartbeat", "pong")


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


CHANNEL_OPTION = typer.Option(
    [], "--channel", help="Also follow this public channel you have not joined (repeat)"
)


def tail(
    since: int = typer.Option(None, min=0, help="Resume after this event id (0: all kept)"),
    count: int = typer.Option(None, min=1, help="Exit after this many events"),
    as_json: bool = typer.Option(False, "--json", help="Print each event as one JSON line"),
    view: list[str] = CHANNEL_OPTION,
) -> None:
    """Follow the live events; on a dropped connection, reconnect and resume.
    Public channels you have not joined are followed only when named with --channel."""
    profile = load_profile()
    names = _Names({}, {})
    viewing: list[int] = []
    if view:
        names = _lookup(profile)
        by_name = {name: id_ for id_, name in names.channels.items()}
        for wanted in view:
            if wanted.lstrip("#") not in by_name:
                raise TidingsError(f"no channel #{wanted.lstrip('#')} (see: tidings channels)")
            viewing.append(by_name[wanted.lstrip("#")])

    def opened() -> None:
        # Names for the lines are looked up once the stream is open: what is posted
        # meanwhile waits in the stream instead of being missed.
        nonlocal names
        if not view and not as_json:
            names = _lookup(profile)

    def show(raw: str | bytes, event: dict[str, Any]) -> None:
        if as_json:
            _show_json(raw, event)
        else:
            _show_line(event, names)

    with suppress(KeyboardInterrupt):  # Ctrl-C is how one stops following
        _follow(profile, since, count, show, viewing, opened)


def _lookup(profile: Profile) -> _Names:
    with Server(profile.url, profile.token) as server:
        channels = {c["id"]: c["name"] for c in server.get("/channels")}
        return _Names(people_by_id(server), channels)


def _show_json(raw: str | bytes, _event: dict[str, Any]) -> None:
    typer.echo(raw if isinstance(raw, str) else raw.decode())


def _show_line(event: dict[str, Any], names: _Names) -> None:
    summary = _summary(event.get("data"), names)[:120]
    console.print(
        styled_line((str(event.get("id")), "dim"), (event["type"], "bold"), (summary, "")),
        soft_wrap=True,
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


# Close codes of a stream the server will not serve as asked: reconnecting cannot help.
REFUSALS = (4400, 4401)


def _follow(
    profile: Profile,
    since: int | None,
    count: int | None,
    show: Callable[[str | bytes, dict[str, Any]], None],
    viewing: list[int] | None = None,
    opened: Callable[[], None] | None = None,
) -> None:
    """Print events as they come. Without ``since`` the stream starts at the log's
    head as the server saw it when the stream opened (its ``X-Tidings-Since``), and a
    reconnection resumes from there or from the last event received. ``opened`` runs
    once, after the stream first opens."""
    from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

    seen, delay, connected = 0, BACKOFF_FIRST, False
    while True:
        try:
            with _connect(profile, since, viewing or []) as stream:
                if since is None:
                    since = _opened_after(stream)
                if not connected and opened is not None:
                    opened()
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
        except ConnectionClosed as exc:
            if exc.rcvd is not None and exc.rcvd.code in REFUSALS:
                _refused(profile, exc.rcvd.code, exc.rcvd.reason)
            if not connected:
                raise Unreachable(profile.url) from None
        except (OSError, TimeoutError, InvalidHandshake):
            if not connected:
                raise Unreachable(profile.url) from None
        notices.print(f"connection lost; reconnecting in {delay:g} s", style="dim")
        time.sleep(delay)
        delay = min(delay * 2, BACKOFF_MAX)


def _opened_after(stream: Any) -> int | None:
    value = stream.response.headers.get("X-Tidings-Since") if stream.response else None
    return int(value) if value is not None and value.isdigit() else None


def _connect(profile: Profile, since: int | None, viewing: list[int]) -> Any:
    from urllib.parse import urlencode

    from websockets.sync.client import connect

    scheme, _, rest = profile.url.partition("://")
    uri = f"{'wss' if scheme == 'https' else 'ws'}://{rest}{API}/events"
    query = {"since": since} if since is not None else {}
    if viewing:
        query["view"] = ",".join(map(str, viewing))  # type: ignore[assignment]
    if query:
        uri += "?" + urlencode(query)
    headers = {"Authorization": f"Bearer {profile.token}"}
    return connect(uri, additional_headers=headers, open_timeout=10, close_timeout=2)


def _refused(profile: Profile, status: int, reason: str = "") -> NoReturn:
    """The stream was refused (a close code 4401/4400, or an HTTP status from an
    older server); the HTTP API says why (usually a revoked token)."""
    with Server(profile.url, profile.token) as server:
        server.get("/users/me")
    raise TidingsError(f"the server refused the event stream ({reason or status})")
