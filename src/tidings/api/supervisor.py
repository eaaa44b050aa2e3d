"""``tidings serve --workers N``: N server processes on one port of one machine.

The supervisor binds one listening socket per process on the same port
(``SO_REUSEPORT``: the kernel spreads new connections over them, instead of
waking every process for each one), prepares the database once, then starts
each process with its socket. A process that dies is started again on the same
socket, so connections that arrived meanwhile wait in its backlog rather than
fail. Only the first process runs jobs. Processes wake each other's live streams
after each commit (local sockets on SQLite, NOTIFY or Redis otherwise, see
``live/wakeup.py``); on SQLite they share one file, its lock letting one writer
commit at a time.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event
from pathlib import Path
from types import FrameType

from prometheus_client.multiprocess import mark_process_dead

from tidings.api.metrics import MULTIPROCESS_ENV
from tidings.config import Settings
from tidings.errors import TidingsError

log = logging.getLogger(__name__)
START_SECONDS = 60.0
STOP_SECONDS = 30.0
MAX_RESTART_WAIT = 30.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def serve_process(settings: Settings, sock: socket.socket, ready: Event, parent: int) -> None:
    """One server process (the target of each spawned process)."""
    from tidings.api.app import create_app
    from tidings.api.serving import run_app

    _stop_with(parent)
    run_app(create_app(settings), settings, [sock], ready.set)


def _stop_with(parent: int) -> None:
    """Have Linux send this process SIGTERM (a clean stop) when the supervisor dies, so
    that a SIGKILL of the supervisor leaves no process serving the port on its own."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the request was made
        os.kill(os.getpid(), signal.SIGTERM)


@dataclass(eq=False)
class _Slot:
    index: int
    sock: socket.socket
    process: SpawnProcess | None = None
    ready: Event | None = None
    restarts: int = 0
    started_at: float = field(default_factory=time.monotonic)


class Supervisor:
    def __init__(self, settings: Settings, sockets: list[socket.socket]) -> None:
        self.settings = settings
        self._context = multiprocessing.get_context("spawn")
        # Every process counts metrics into files here; a scrape of any adds them up.
        # Set before any process starts (they import prometheus_client fresh).
        self._metrics = Path(tempfile.mkdtemp(prefix="tidings-metrics-"))
        os.environ[MULTIPROCESS_ENV] = str(self._metrics)
        self._slots = [_Slot(i, sock) for i, sock in enumerate(sockets)]
        self._stop = threading.Event()

    def _settings_for(self, index: int) -> Settings:
        return self.settings.model_copy(
            update={
                "run_jobs": self.settings.run_jobs and index == 0,
                "workers": 1,
                "demo": False,  # seeded once, by the supervisor
            }
        )

    def _start(self, slot: _Slot) -> None:
        slot.ready = self._context.Event()
        slot.process = self._context.Process(
            target=serve_process,
            # Started from the main thread, which lives as long as the supervisor:
            # Linux's parent-death signal follows the thread that started a process.
            args=(self._settings_for(slot.index), slot.sock, slot.ready, os.getpid()),
            name=f"tidings-{slot.index}",
        )
        slot.process.start()
        slot.started_at = time.monotonic()

    def run(self, on_listening: Callable[[], None]) -> None:
        """Start every process, call ``on_listening`` once all accept connections,
        keep them running until SIGTERM or SIGINT, then stop them all."""
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            for slot in self._slots:
                self._start(slot)
            self._await_ready()
            if not self._stop.is_set():
                on_listening()
            while not self._stop.wait(0.5):
                self._restart_the_dead()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            shutil.rmtree(self._metrics, ignore_errors=True)

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        self._stop.set()

    def _await_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        for slot in self._slots:
            assert slot.ready is not None and slot.process is not None
            while not slot.ready.wait(0.1):
                if self._stop.is_set():
                    return
                if not slot.process.is_alive() or time.monotonic() > deadline:
                    raise TidingsError(
                        f"cannot start: server process {slot.index} failed to start "
                        f"(exit code {slot.process.exitcode}); see its log above"
                    )

    def _restart_the_dead(self) -> None:
        for slot in self._slots:
            process = slot.process
            if process is None or process.is_alive():
                continue
            wait = min(MAX_RESTART_WAIT, 2.0**slot.restarts - 1)
            if time.monotonic() - slot.started_at < 10:
                slot.restarts += 1  # died young: back off before the next try
            else:
                slot.restarts = 0
            log.error(
                "server process %s (pid %s) exited with %s; starting it again",
                slot.index,
                process.pid,
                process.exitcode,
            )
            if process.pid is not None:  # its live gauges (open streams) no longer count
                mark_process_dead(process.pid)
            if wait and self._stop.wait(wait):
                return
            self._start(slot)

    def _stop_all(self) -> None:
        for slot in self._slots:
            if slot.process is not None and slot.process.is_alive():
                slot.process.terminate()  # SIGTERM: drain, end streams, commit
        deadline = time.monotonic() + STOP_SECONDS
        for slot in self._slots:
            if slot.process is None:
                continue
            slot.process.join(max(0.0, deadline - time.monotonic()))
            if slot.process.is_alive():
                log.error("server process %s did not stop in time; killing it", slot.index)
                slot.process.kill()
                slot.process.join()
        for slot in self._slots:
            with contextlib.suppress(OSError):
                slot.sock.close()


def prepare_database(settings: Settings) -> None:
    """What must happen once before the processes start: migrate, prove a write
    works, make the server's keys."""
    from tidings.actions.server_keys import FILE_LINKS, server_key
    from tidings.api.app import open_writable
    from tidings.store.database import Database

    db = Database(
        settings.database_url,
        synchronous=settings.sqlite_synchronous,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
    )
    open_writable(db)  # closes the database if it fails
    try:
        db.write(lambda tx: server_key(tx, FILE_LINKS))
    finally:
        db.close()
