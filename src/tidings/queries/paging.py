"""Cursor pagination: opaque strings that wrap the last id seen."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any

from tidings.errors import InvalidInput
from tidings.store.types import MAX_ID

MAX_LIMIT = 200


def encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "id" or not 0 <= int(value) <= MAX_ID:
            raise ValueError(kind)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("The cursor is not one this server gave out", field="cursor") from None


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    return limit


def page(
    items: Sequence[dict[str, Any]],
    limit: int,
    position: Callable[[dict[str, Any]], int] = lambda item: int(item["id"]),
) -> dict[str, Any]:
    """Given up to limit+1 items, the page and the cursor to the next one."""
    shown = list(items[:limit])
    more = len(items) > limit and shown
    return {"items": shown, "next_cursor": encode(position(shown[-1])) if more else None}
