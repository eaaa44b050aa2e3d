"""Looking up channels and people, and showing them in the terminal."""

from __future__ import annotations

import re
import sys
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.text import Text

from tidings.cli.client.connection import Profile, Server
from tidings.errors import TidingsError

MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)
console = Console(highlight=False)
notices = Console(stderr=True, highlight=False)


def channel_named(server: Server, name: str) -> dict[str, Any]:
    wanted = name.strip().lstrip("#").lower()
    for channel in server.get("/channels"):
        if channel["name"] == wanted:
            return channel  # type: ignore[no-any-return]
    raise TidingsError(f"no channel #{wanted} that you can see")


def topic_titled(server: Server, channel: dict[str, Any], title: str) -> dict[str, Any] | None:
    found = server.get(f"/channels/{channel['id']}/topics", title=title)["items"]
    return found[0] if found else None


def people_by_id(server: Server) -> dict[int, dict[str, Any]]:
    return {member["id"]: member for member in server.get("/users")}


def member_ids_of(people: dict[int, dict[str, Any]], handles: str) -> list[int]:
    by_handle = {member["handle"]: member_id for member_id, member in people.items()}
    wanted = [h.strip().lstrip("@").lower() for h in handles.split(",") if h.strip(" @")]
    for handle in wanted:
        if handle not in by_handle:
            raise TidingsError(f"no member @{handle}")
    return [by_handle[handle] for handle in wanted]


def display_name_of(people: dict[int, dict[str, Any]], member_id: int) -> str:
    member = people.get(member_id)
    return member["display_name"] if member else f"member {member_id}"


def handles_of(people: dict[int, dict[str, Any]], ids: list[int], me: int) -> str:
    others = [i for i in ids if i != me] or [me]
    return ", ".join(f"@{people[i]['handle']}" if i in people else f"#{i}" for i in others)


def viewer_zone(people: dict[int, dict[str, Any]], profile: Profile) -> tzinfo:
    """Times show in the member's own zone, as the web client does."""
    member = people.get(profile.member_id)
    if member is None:
        return datetime.now().astimezone().tzinfo or ZoneInfo("UTC")
    return ZoneInfo(member["time_zone"])


def local_time(stamp: str | None, zone: tzinfo) -> str:
    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).astimezone(zone).strftime("%a %d %b %H:%M")


def styled_line(*parts: tuple[str, str]) -> Text:
    """Styled parts, two spaces apart; none of them read as Rich markup."""
    return Text("  ").join(Text(text, style=style) for text, style in parts if text)


def plain_text_of(value: str) -> str:
    return sys.stdin.read() if value == "-" else value


# Commands.
