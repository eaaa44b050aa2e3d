"""Handlers by job kind.

A handler is ``fn(tx, job)``. It runs inside the writer transaction that marks
its job done, so it does database work only; anything that leaves the process
(an e-mail, a webhook) goes to ``tx.after_commit``. It must be quick, as the
writer waits for it, and it may raise to have the job retried later.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from tidings.store.jobs import Job
from tidings.store.tx import Tx

Handler = Callable[[Tx, Job], None]

HANDLERS: dict[str, Handler] = {}

# The modules whose import registers handlers. Every worker loads them all, so
# that ``tidings worker`` knows the same kinds as ``tidings serve``, which
# imports most of the program anyway: add a module here with its first handler.
HANDLER_MODULES = [
    "tidings.jobs.builtin",
    "tidings.jobs.replies",
    "tidings.jobs.expiry",
    "tidings.jobs.later",
    "tidings.jobs.digests",
    "tidings.jobs.files",
]


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``kind``."""

    def register(fn: Handler) -> Handler:
        if HANDLERS.setdefault(kind, fn) is not fn:
            raise ValueError(f"job kind {kind!r} already has a handler")
        return fn

    return register


def load_handlers() -> dict[str, Handler]:
    """Every registered handler, after importing the modules that define them."""
    for module in HANDLER_MODULES:
        importlib.import_module(module)
    return HANDLERS
