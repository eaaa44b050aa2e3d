"""Password hashing off the event loop and out of the writer, a few at a time.

argon2 takes a quarter of a second of CPU on purpose. Done inside the writer it would
hold every other write back (one writer commits for the whole node); done on the
event loop it would stall every request. So passwords are hashed and checked in a
pool of their own, ``password_hash_threads`` threads, apart from the threads that
run database reads; further sign-ins queue there. The pool's threads run at a lower
CPU priority, so on a busy machine requests and commits go first and a crowd of
password guessers slows only itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from tidings.core.credentials import new_password_hash, verify_password

log = logging.getLogger(__name__)
NICENESS = 10


def _lower_priority() -> None:
    # Linux keeps a nice value per thread, and argon2's own lane threads inherit it.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)


class PasswordWork:
    def __init__(self, threads: int) -> None:
        self._pool = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="tidings-passwords", initializer=_lower_priority
        )

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; an absent hash costs the same and is False."""
        future = self._pool.submit(verify_password, password_hash, password)
        return await asyncio.wrap_future(future)

    async def hash_new(self, password: str) -> str:
        """Check a chosen password's length (``InvalidInput``), then hash it."""
        return await asyncio.wrap_future(self._pool.submit(new_password_hash, password))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
