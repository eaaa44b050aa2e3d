"""Durable timed work: the jobs table (``tidings.store.jobs``), handlers by
kind (``registry``) and the worker that runs them (``worker``)."""

from tidings.jobs.registry import HANDLERS, Handler, handler, load_handlers
from tidings.jobs.worker import Worker

__all__ = ["HANDLERS", "Handler", "Worker", "handler", "load_handlers"]
