"""Password hashing off the event loop and out of the writer, a few at a time.

argon2 takes tens of milliseconds of CPU on purpose. Done inside the writer it would
hold every other write back (one writer commits for the whole node); done on the
event loop it would stall every request. So passwords are hashed and checked in
threads of their own, at most ``password_hash_threads`` at once: a crowd of
sign-ins waits its turn there without taking threads from database reads.
"""

from __future__ import annotations

import anyio
import anyio.to_thread

from tidings.core.credentials import new_password_hash, verify_password


class PasswordWork:
    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        # Made on first use, inside the running event loop it belongs to.
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self._threads)
        return self._limiter

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; an absent hash costs the same and is False."""
        return await anyio.to_thread.run_sync(
            verify_password, password_hash, password, limiter=self.limiter
        )

    async def hash_new(self, password: str) -> str:
        """Check a chosen password's length (``InvalidInput``), then hash it."""
        return await anyio.to_thread.run_sync(new_password_hash, password, limiter=self.limiter)
