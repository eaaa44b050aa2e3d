"""Per-token rate limiting: a token bucket per key in this process, or, when several
nodes share a Redis, a sliding one-minute window per key counted in Redis (through
the ``limits`` library), so a client spread over nodes gets the same allowance."""

from __future__ import annotations

import threading
import time
from typing import Protocol

from tidings.config import Settings
from tidings.errors import RateLimited


class RateLimiter(Protocol):
    async def hit(self, key: str) -> None:
        """Take one request from ``key``'s allowance, or raise RateLimited."""

    async def close(self) -> None: ...


class BucketLimiter:
    """This process's memory: ``per_minute`` sustained, up to ``burst`` at once."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    async def hit(self, key: str) -> None:
        self.take(key)

    async def close(self) -> None:
        pass

    def take(self, key: str) -> None:
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


class SharedLimiter:
    """Redis, shared by every node: ``per_minute`` requests in any sliding minute."""

    def __init__(self, redis_url: str, per_minute: int) -> None:
        import redis.asyncio
        from limits import RateLimitItemPerMinute
        from limits.aio.storage import RedisStorage
        from limits.aio.strategies import SlidingWindowCounterRateLimiter

        self._item = RateLimitItemPerMinute(max(per_minute, 1))
        self._off = per_minute <= 0
        # Our own pool, so that shutting down closes its connections.
        self._pool = redis.asyncio.ConnectionPool.from_url(redis_url, socket_timeout=2)
        storage = RedisStorage(
            "async+" + redis_url,
            implementation="redispy",
            key_prefix="tidings:rate",
            connection_pool=self._pool,  # type: ignore[arg-type]  # passed to redis-py
        )
        self._limiter = SlidingWindowCounterRateLimiter(storage)

    async def hit(self, key: str) -> None:
        if self._off or await self._limiter.hit(self._item, key):
            return
        stats = await self._limiter.get_window_stats(self._item, key)
        raise RateLimited(max(1.0, stats.reset_time - time.time()))

    async def close(self) -> None:
        await self._pool.aclose()


def limiter_for(settings: Settings) -> RateLimiter:
    if settings.redis_url:
        return SharedLimiter(settings.redis_url, settings.rate_limit_per_minute)
    return BucketLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
