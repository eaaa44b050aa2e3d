"""How long the terminal client takes to start: wall time of ``tidings … --help``
and of a command that fails at once for want of a profile (no server is asked),
each started as a new process, the median of several runs.

``--baseline-src DIR`` runs the same commands with ``PYTHONPATH=DIR`` too
(another checkout's ``src``), alternating, for a before/after table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common

COMMANDS = (
    ["--help"],
    ["post", "--help"],
    ["tail", "--help"],
    ["serve", "--help"],
    ["inbox"],  # no profile: one line of error, nothing sent
)


def _once(arguments: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tidings", *arguments],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,  # no timeout: with one, the wait polls every 50 ms and blurs the figure
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--baseline-src", help="Another checkout's src, measured alongside")
    parser.add_argument("--quiet-wait", type=float, default=10)
    parser.add_argument("--no-doc", action="store_true", help="Print only; leave docs/ alone")
    args = parser.parse_args()
    other = common.wait_for_quiet(max_wait=args.quiet_wait)
    versions = {"this checkout": str(common.ROOT / "src")}
    if args.baseline_src:
        versions = {"baseline": args.baseline_src, **versions}
    with tempfile.TemporaryDirectory() as tmp:
        base_env = {**os.environ, "TIDINGS_PROFILE": str(Path(tmp) / "none.json")}
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.runs):
            for label, src in versions.items():
                env = {**base_env, "PYTHONPATH": src}
                for arguments in COMMANDS:
                    key = (label, " ".join(["tidings", *arguments]))
                    times.setdefault(key, []).append(_once(arguments, env))
    rows = [
        [label, f"`{command}`", f"{statistics.median(t) * 1000:.0f}", f"{min(t) * 1000:.0f}"]
        for (label, command), t in times.items()
    ]
    table = common.table(["code", "command", "median ms", "best ms"], rows)
    print(table)
    if args.no_doc:
        return
    body = (
        f"{common.section_header('none (no server is started)')}\n"
        f"Each command started as a new process (`python -m tidings`), {args.runs} runs "
        f"each, alternating; other load before the runs: {other:.0%} of a core.\n\n{table}\n"
    )
    common.write_section("cli-start", body)


if __name__ == "__main__":
    main()
