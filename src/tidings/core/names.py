"""Validation of the names people type: handles, channel names, zones, emoji."""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import emoji as emoji_data

from tidings.errors import InvalidEmail, InvalidInput, InvalidReaction, InvalidTimeZone

HANDLE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
CHANNEL_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_ZONES = available_timezones()


def handle(value: str) -> str:
    value = value.strip().lstrip("@").lower()
    if not HANDLE_RE.match(value) or value.endswith("."):
        raise InvalidInput(
            f'"{value}" is not a valid handle: use letters, digits, ".", "_" or "-"',
            field="handle",
        )
    return value


def channel_name(value: str) -> str:
    value = value.strip().lstrip("#").lower()
    if not CHANNEL_RE.match(value):
        raise InvalidInput(
            f'"{value}" is not a valid channel name: lowercase letters, digits, "-" or "_"',
            field="name",
        )
    return value


def slug(value: str) -> str:
    value = re.sub(r"[^a-z0-9-]+", "-", value.strip().lower()).strip("-")[:64]
    if not SLUG_RE.match(value):
        raise InvalidInput("A workspace name needs at least one letter or digit", field="name")
    return value


# Characters that show as nothing (or as blank space) but would make a second, look-alike
# address: format and control characters, fillers, variation selectors, blank braille.
_INVISIBLE = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x2800, 0x3164, 0xFFA0]
    + list(range(0xFE00, 0xFE10))
    + list(range(0xE0100, 0xE01F0))
)


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "CZ" or ord(ch) in _INVISIBLE


def email_key(value: str) -> str:
    """The form every e-mail is stored and looked up in: NFKC, lower case, no invisible
    characters (refused, never silently dropped: they are how look-alikes are made)."""
    value = unicodedata.normalize("NFKC", value).strip()
    if any(_invisible(ch) for ch in value):
        raise InvalidEmail(
            "The e-mail address contains invisible or blank characters", field="email"
        )
    return value.lower()


def email(value: str) -> str:
    """A well-formed e-mail address, in its stored form (see ``email_key``)."""
    value = email_key(value)
    if not EMAIL_RE.match(value) or len(value) > 254:
        raise InvalidEmail(f'"{value}" is not an e-mail address', field="email")
    return value


def time_zone(value: str) -> str:
    """An IANA zone name such as Europe/Lisbon, from that name (in any case) or from
    its city as people write it ("Berlin", "new york", "São Paulo"). A city that
    names several zones, or none, is refused with the names it may have meant."""
    text = " ".join(value.split())
    found = _ZONE_BY_KEY.get(_zone_key(text))
    if found is None:
        cities = _same_clock(_CITY_ZONES.get(_zone_key(text), ()))
        if len(cities) > 1:
            raise InvalidTimeZone(
                f'"{text}" is a city in several time zones: {", ".join(sorted(cities))}'
            )
        found = cities[0] if cities else None
    if found is None:
        close = difflib.get_close_matches(_zone_key(text), _ZONE_KEYS, n=3, cutoff=0.75)
        hint = f"; did you mean {' or '.join(_SPELLED[k] for k in close)}?" if close else ""
        raise InvalidTimeZone(
            f'"{text}" is not a time zone: use a city such as Berlin or an IANA name such '
            f"as Europe/Lisbon{hint}"
        )
    try:
        ZoneInfo(found)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidTimeZone(f'"{text}" is not a known time zone') from exc
    return found


def zone_names() -> list[str]:
    """The zones people pick from: every region's zone, with UTC, in order."""
    return ["UTC", *sorted(z for zones in _CITY_ZONES.values() for z in _same_clock(zones))]


def _same_clock(zones: tuple[str, ...]) -> tuple[str, ...]:
    """Zones of one city that keep the same clock (an old name kept as a link to the
    current one, as America/Indianapolis is) count as one: the longest name, which is
    the current one where they differ."""
    if len(zones) < 2:
        return zones
    moments = [datetime(year, month, 1, tzinfo=UTC) for year in (2000, 2026) for month in (1, 7)]
    clocks = {tuple(m.astimezone(ZoneInfo(zone)).utcoffset() for m in moments) for zone in zones}
    return (max(zones, key=len),) if len(clocks) == 1 else zones


def _zone_key(text: str) -> str:
    """How a zone or city is compared: no accents, case, spaces or underscores."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_]+", " ", plain).strip().casefold()


def _city_zones() -> dict[str, tuple[str, ...]]:
    """Each city (the last part of a zone's name) and the zones it names. The legacy
    aliases (US/Pacific, Etc/GMT+5…) are left out, so a city is its region's zone."""
    by_city: dict[str, list[str]] = {}
    for zone in sorted(_ZONES):
        region, _, city = zone.rpartition("/")
        if region.split("/")[0] in _REGIONS:
            by_city.setdefault(_zone_key(city), []).append(zone)
    return {city: tuple(zones) for city, zones in by_city.items()}


_REGIONS = {
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
}
_ZONE_BY_KEY = {_zone_key(zone): zone for zone in _ZONES | {"UTC"}}
_CITY_ZONES = _city_zones()
_SPELLED = {
    **{key: zone for key, zone in _ZONE_BY_KEY.items()},
    **{city: zones[0].rpartition("/")[2].replace("_", " ") for city, zones in _CITY_ZONES.items()},
}
_ZONE_KEYS = sorted(_SPELLED)


def topic_title(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise InvalidInput("A topic needs a title", field="title")
    if len(value) > 200:
        raise InvalidInput("A topic title is at most 200 characters", field="title")
    return value


def title_key(title: str) -> str:
    """Titles compare without case, so "Q3 plan" and "q3 Plan" are one topic."""
    return unicodedata.normalize("NFKC", title).casefold()


def emoji(value: str) -> str:
    """A reaction: one emoji, or a short name for one, with or without colons
    (``thumbs_up``, ``:+1:``, ``tada``). Returns the emoji itself in its fully
    qualified form, so 👍, ``+1`` and ``:thumbs_up:`` are one reaction; anything
    else (text, several emoji, control characters) is refused."""
    raw = value.strip()
    if not raw or len(raw) > 64:
        raise InvalidReaction("A reaction is one emoji or its short name", field="emoji")
    glyph = raw if emoji_data.is_emoji(raw) else _named(raw.strip(":"))
    if glyph is None:
        shown = raw.encode("unicode_escape").decode() if not raw.isprintable() else raw
        raise InvalidReaction(
            f'"{shown}" is not an emoji or an emoji short name such as thumbs_up',
            field="emoji",
        )
    return str(emoji_data.emojize(emoji_data.demojize(glyph)))


def _named(name: str) -> str | None:
    glyph = emoji_data.emojize(f":{name}:", language="alias")
    return glyph if emoji_data.is_emoji(glyph) else None


def password(value: str) -> str:
    if len(value) < 8:
        raise InvalidInput("A password needs at least 8 characters", field="password")
    if len(value) > 1024:
        raise InvalidInput("A password is at most 1024 characters", field="password")
    return value


def display_name(value: str) -> str:
    value = " ".join(value.split())
    if not value or len(value) > 120:
        raise InvalidInput("A display name needs 1 to 120 characters", field="display_name")
    return value
