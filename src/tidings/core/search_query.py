"""Parse the text of the search box into a :class:`SearchQuery`.

Tokens are separated by whitespace; the curly quotes “ and ” typed on phones count as ``"``.

- ``word`` is a term, ``"two words"`` a phrase, ``-word`` and ``-"two words"`` exclusions.
- ``op:value`` and ``op:"quoted value"`` set a filter; ``op`` is one of :data:`OPERATORS`,
  case-insensitive. Repeated filters are combined: ``from:``, ``in:`` and ``topic:`` are ORed,
  flags are ANDed, and of repeated ``before:``/``after:`` the strictest wins.
- ``prefix:value`` with an unknown all-letter prefix is an error, so that typos such as
  ``form:@ana`` do not silently become terms; ``https://x``, ``12:30`` and ``Note:`` stay terms.
- A token with no letter, digit or symbol (``?``, ``...``, a bare ``-`` or ``--``) is ignored.

Dates follow Gmail and Slack: the named day itself is excluded at both ends.
``before:2026-01-31`` matches messages sent before 2026-01-31 00:00 UTC, and
``after:2026-01-01`` matches messages sent at or after 2026-01-02 00:00 UTC.
:attr:`SearchQuery.since` and :attr:`SearchQuery.until` give these bounds as aware datetimes.
Positions in error messages count characters from 1.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta

from tidings.errors import BadSearchQuery

MAX_QUERY_LENGTH = 500
IS_FLAGS = frozenset({"urgent", "high", "unread", "mentioned", "resolved", "unresolved", "edited"})
HAS_FLAGS = frozenset(
    {"link", "code", "mention", "reaction", "file", "attachment", "image", "clip", "audio", "video"}
)
OPERATORS = ("from", "in", "topic", "is", "has", "type", "before", "after")

_EXAMPLES = {
    "from": "from:@ana",
    "in": "in:#design",
    "topic": 'topic:"Q3 plan"',
    "is": "is:urgent",
    "has": "has:link",
    "type": "type:pdf",
    "before": "before:2026-01-31",
    "after": "after:2026-01-01",
}
# re.ASCII keeps IGNORECASE from matching look-alikes such as the Kelvin sign against "k".
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}", re.ASCII | re.IGNORECASE)
_FILE_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]{0,39}", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_STRAIGHT_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"'})


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[str, ...] = ()  # plain words, as typed (case preserved)
    phrases: tuple[str, ...] = ()  # "exact phrase" contents, inner whitespace collapsed
    excluded: tuple[str, ...] = ()  # -word and -"a phrase" (an entry with a space is a phrase)
    from_handles: tuple[str, ...] = ()  # from:@ana and from:ana -> "ana" (lowercased)
    in_channels: tuple[str, ...] = ()  # in:#design and in:design -> "design" (lowercased)
    topics: tuple[str, ...] = ()  # topic:"Q3 plan" or topic:word, whitespace collapsed
    is_flags: frozenset[str] = frozenset()
    has_flags: frozenset[str] = frozenset()
    file_types: tuple[str, ...] = ()  # type:pdf -> "pdf": a file's subtype, kind or extension
    before: date | None = None  # sent strictly before this day starts (UTC)
    after: date | None = None  # sent after this whole day (UTC), i.e. from the next day on

    @property
    def has_text(self) -> bool:
        return bool(self.terms or self.phrases)

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    @property
    def since(self) -> datetime | None:
        """Inclusive lower bound: the start (UTC) of the day after ``after``."""
        if self.after is None:
            return None
        return datetime.combine(self.after, time(), UTC) + timedelta(days=1)

    @property
    def until(self) -> datetime | None:
        """Exclusive upper bound: the start (UTC) of the day ``before``."""
        return None if self.before is None else datetime.combine(self.before, time(), UTC)


def parse_search_query(text: str) -> SearchQuery:
    """Parse ``text``; raise :class:`BadSearchQuery` naming the offending piece."""
    if len(text) > MAX_QUERY_LENGTH:
        raise BadSearchQuery(
            f"The search is {len(text)} characters long; the limit is {MAX_QUERY_LENGTH}"
        )
    if "\x00" in text:
        # No engine can match it: FTS5 ends the query there, PostgreSQL refuses the text.
        position = text.index("\x00") + 1
        raise BadSearchQuery(f"The search has a NUL character at position {position}; remove it")
    if not text.strip():
        raise BadSearchQuery("Type something to search for")
    query = SearchQuery()
    for word, quoted in _tokenize(text.translate(_STRAIGHT_QUOTES)):
        query = _apply(query, word, quoted)
    _check_dates(query.after, query.before)
    _check_has_criteria(query)
    return query


def _tokenize(text: str) -> Iterator[tuple[str, str | None]]:
    """Yield ``(word, quoted)``; ``quoted`` is the content of the quote that ``word`` opens
    (``"…"``, ``-"…"`` or ``op:"…"``), else None. A quote inside a word starts a new token."""
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        end = _word_end(text, i)
        word = text[i:end]
        if end < len(text) and text[end] == '"' and _opens_quote(word):
            quoted, i = _read_quote(text, end)
            yield word, quoted
        else:
            yield word, None
            i = end


def _word_end(text: str, start: int) -> int:
    end = start
    while end < len(text) and not text[end].isspace() and text[end] != '"':
        end += 1
    return end


def _opens_quote(word: str) -> bool:
    body = word.lstrip("-")
    name = body[:-1]
    return body == "" or (body.endswith(":") and name.isascii() and name.isalpha())


def _read_quote(text: str, start: int) -> tuple[str, int]:
    close = text.find('"', start + 1)
    if close == -1:
        raise BadSearchQuery(f'Unterminated quote starting at position {start + 1}; add a "')
    return text[start + 1 : close], close + 1


def _apply(query: SearchQuery, word: str, quoted: str | None) -> SearchQuery:
    body = word.lstrip("-")
    negated = body != word
    if quoted is None:
        name, value = _split_operator(body)
    else:
        name, value = body[:-1] or None, quoted
    if name is None:
        return _add_text(query, value, negated, is_phrase=quoted is not None)
    handler = _HANDLERS.get(name.lower())
    if handler is None:
        known = ", ".join(f"{op}:" for op in OPERATORS)
        raise BadSearchQuery(f'Unknown operator "{name}:" — use {known}')
    if negated:
        raise BadSearchQuery(f'Filters cannot be excluded; remove the "-" before "{name}:"')
    return handler(query, _operator_value(name.lower(), value))


def _split_operator(body: str) -> tuple[str | None, str]:
    """Return ``(name, value)`` if ``body`` looks like ``name:value``, else ``(None, body)``."""
    name, colon, value = body.partition(":")
    if not colon:
        return None, body
    if name.lower() in _HANDLERS:
        return name, value
    starts_value = value[:1].isalnum() or value[:1] in ("@", "#")
    if name.isascii() and name.isalpha() and starts_value:
        return name, value
    return None, body


def _add_text(query: SearchQuery, value: str, negated: bool, *, is_phrase: bool) -> SearchQuery:
    text = " ".join(value.split())
    if not any(unicodedata.category(char)[0] in "LNS" for char in text):
        return query
    if negated:
        return replace(query, excluded=(*query.excluded, text))
    if is_phrase:
        return replace(query, phrases=(*query.phrases, text))
    return replace(query, terms=(*query.terms, text))


def _operator_value(name: str, value: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise BadSearchQuery(f'"{name}:" needs a value, e.g. {_EXAMPLES[name]}')
    return cleaned


def _name(value: str, sigil: str, kind: str) -> str:
    name = value.removeprefix(sigil)
    if not _NAME.fullmatch(name):
        raise BadSearchQuery(
            f'"{value}" is not a valid {kind}; use up to 80 letters, digits, ".", "_" or "-", '
            "starting with a letter or digit"
        )
    return name.lower()


def _flag(operator: str, value: str, allowed: frozenset[str]) -> str:
    flag = value.lower() if value.isascii() else value
    if flag not in allowed:
        choices = ", ".join(f"{operator}:{choice}" for choice in sorted(allowed))
        raise BadSearchQuery(f'Unknown value "{value}" for {operator}: — use {choices}')
    return flag


def _date(operator: str, value: str) -> date:
    if _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise BadSearchQuery(f'"{value}" is not a date; use YYYY-MM-DD, e.g. {_EXAMPLES[operator]}')


def _add_type(query: SearchQuery, value: str) -> SearchQuery:
    kind = value.lower().removeprefix(".")
    if not _FILE_TYPE.fullmatch(kind):
        raise BadSearchQuery(f'"{value}" is not a file type; use e.g. {_EXAMPLES["type"]}')
    return replace(query, file_types=(*query.file_types, kind))


def _add_before(query: SearchQuery, value: str) -> SearchQuery:
    day = _date("before", value)
    return replace(query, before=day if query.before is None else min(query.before, day))


def _add_after(query: SearchQuery, value: str) -> SearchQuery:
    day = _date("after", value)
    return replace(query, after=day if query.after is None else max(query.after, day))


_HANDLERS: dict[str, Callable[[SearchQuery, str], SearchQuery]] = {
    "from": lambda q, v: replace(q, from_handles=(*q.from_handles, _name(v, "@", "handle"))),
    "in": lambda q, v: replace(q, in_channels=(*q.in_channels, _name(v, "#", "channel name"))),
    "topic": lambda q, v: replace(q, topics=(*q.topics, v)),
    "is": lambda q, v: replace(q, is_flags=q.is_flags | {_flag("is", v, IS_FLAGS)}),
    "has": lambda q, v: replace(q, has_flags=q.has_flags | {_flag("has", v, HAS_FLAGS)}),
    "type": _add_type,
    "before": _add_before,
    "after": _add_after,
}


def _check_dates(after: date | None, before: date | None) -> None:
    if after == date.max:
        raise BadSearchQuery(f"after:{after} leaves no later day to search")
    if after is None or before is None or after + timedelta(days=1) < before:
        return
    if after > before:
        raise BadSearchQuery(f"after:{after} is later than before:{before}")
    raise BadSearchQuery(
        f"after:{after} and before:{before} leave no day to search, as both days are excluded"
    )


def _check_has_criteria(query: SearchQuery) -> None:
    if not replace(query, excluded=()).is_empty:
        return
    if not query.excluded:
        raise BadSearchQuery("Type a word or filter to search for; punctuation alone is ignored")
    first = query.excluded[0]
    shown = f'-"{first}"' if " " in first else f"-{first}"
    raise BadSearchQuery(f"Add at least one word or filter besides exclusions such as {shown}")
