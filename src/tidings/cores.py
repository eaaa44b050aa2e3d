"""How many server processes this machine runs: a light module, so that the command
line can show its bounds without loading the settings."""

from __future__ import annotations

import os

MAX_WORKERS = 64


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, which ``taskset`` and container
    cpusets narrow), not every core of the machine."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1
