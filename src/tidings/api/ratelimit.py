"""Per-token rate limiting: a token bucket per token on this node."""

from __future__ import annotations

import threading
import time

from tidings.errors import RateLimited


class RateLimiter:
    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Take one request from ``key``'s bucket, or raise RateLimited."""
        if self.rate <= 0:
            return
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                raise RateLimited((1.0 - tokens) / self.rate)
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > 100_000:
                self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        """Drop buckets that have refilled completely: they hold no information."""
        full_after = self.burst / self.rate
        for key, (_, last) in list(self._buckets.items()):
            if now - last > full_after:
                del self._buckets[key]
        if len(self._buckets) > 100_000:  # a flood of fresh keys: memory comes first
            self._buckets.clear()
