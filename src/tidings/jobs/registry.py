"""Handlers by job kind.

A handler is ``fn(tx, job)``. It runs inside the writer transaction that marks
its job done, so it does database work only; anything that leaves the process
(an e-mail, a webhook) goes to ``tx.after_commit``. It must be quick, as the
writer waits for it, and it may raise to have the job retried later.

Slow work a handler needs (fetching a web page, running ffmpeg) goes into a
preparation step, ``fn(db, job)``: the worker runs it after claiming the job,
outside any transaction and off the writer, and hands its result to the handler
as ``job.prepared``. It may run more than once (a worker that dies after it
leaves the job to be claimed again), so it must have no effects of its own; its
result takes effect only through the handler, exactly once. If it raises, the
attempt fails as if the handler had.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from tidings.store.jobs import Job
from tidings.store.tx import Tx

Handler = Callable[[Tx, Job], None]
Preparer = Callable[[Any, Job], Any]

HANDLERS: dict[str, Handler] = {}
PREPARERS: dict[str, Preparer] = {}

# The modules whose import registers handlers. Every worker loads them all, so
# that ``tidings worker`` knows the same kinds as ``tidings serve``, which
# imports most of the program anyway: add a module here with its first handler.
HANDLER_MODULES = [
    "tidings.jobs.builtin",
    "tidings.jobs.replies",
    "tidings.jobs.expiry",
    "tidings.jobs.later",
    "tidings.jobs.digests",
    "tidings.jobs.link_previews",
    "tidings.jobs.files",
    "tidings.jobs.clips",
]


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``kind``."""

    def register(fn: Handler) -> Handler:
        if HANDLERS.setdefault(kind, fn) is not fn:
            raise ValueError(f"job kind {kind!r} already has a handler")
        return fn

    return register


def preparer(kind: str) -> Callable[[Preparer], Preparer]:
    """Register the decorated function as the preparation step of ``kind``."""

    def register(fn: Preparer) -> Preparer:
        if PREPARERS.setdefault(kind, fn) is not fn:
            raise ValueError(f"job kind {kind!r} already has a preparation step")
        return fn

    return register


def load_handlers() -> dict[str, Handler]:
    """Every registered handler, after importing the modules that define them."""
    for module in HANDLER_MODULES:
        importlib.import_module(module)
    return HANDLERS
