"""Self-destructing messages: how long one may live, and what its marker says."""

from __future__ import annotations

from datetime import datetime, timedelta

from tidings.errors import InvalidInput

MIN_MINUTES = 1
MAX_MINUTES = 30 * 24 * 60  # 30 days


def expiry_time(now: datetime, expires_in_minutes: int | None) -> datetime | None:
    """When a message sent ``now`` expires, or None for one that does not expire by time."""
    if expires_in_minutes is None:
        return None
    if (
        isinstance(expires_in_minutes, bool)
        or not isinstance(expires_in_minutes, int)
        or not MIN_MINUTES <= expires_in_minutes <= MAX_MINUTES
    ):
        raise InvalidInput(
            f"A message expires in {MIN_MINUTES} minute to 30 days ({MAX_MINUTES} minutes)",
            field="expires_in_minutes",
        )
    return now + timedelta(minutes=expires_in_minutes)


def remaining(now: datetime, expires_at: datetime) -> str:
    """A short, rounded-up "in …" for the marker: "2 min", "3 h", "5 d"."""
    seconds = max(0.0, (expires_at - now).total_seconds())
    minutes = -(-int(seconds) // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    hours = -(-minutes // 60)
    if hours < 48:
        return f"{hours} h"
    return f"{-(-hours // 24)} d"
