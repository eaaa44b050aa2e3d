"""The writer's average batch size, derived from the server's fsync calls.

/api/v1/health exposes no writer counters, so this counts commits from outside: with
SQLite in WAL mode and ``synchronous=full`` every commit syncs the WAL once (a
checkpoint adds a few more), so messages ÷ fsync calls ≈ actions per transaction.
strace attaches to every thread of the server for each send level; it stops the
server at every system call, so the rates here are lower than in the send benchmark:
read the batch sizes, not the throughput.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import common
import send

SYNCS = ("fsync", "fdatasync")


def count_syncs(summary: Path) -> int:
    """fsync + fdatasync calls from an ``strace -c`` summary."""
    calls = 0
    for line in summary.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[-1] in SYNCS and fields[3].isdigit():
            calls += int(fields[3])
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_server_options(parser)
    parser.add_argument("--levels", default="1,8,32")
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--client", choices=sorted(send.CLIENTS), default="raw")
    args = parser.parse_args()
    common.apply_server_options(args)
    if args.database_url:
        raise SystemExit("batch sizes are derived from SQLite's fsync calls: SQLite only")
    strace = shutil.which("strace")
    if strace is None:
        raise SystemExit("strace is not installed")
    levels = [int(v) for v in args.levels.split(",")]
    out = Path(tempfile.mkdtemp(prefix="tidings-batches-"))
    syncs: dict[int, int] = {}
    tracer: list[subprocess.Popen[bytes]] = []

    with common.running_server(None, args.synchronous) as server:
        database = common.database_label(server.database_url, server.synchronous)

        def on_level(level: int, phase: str) -> None:
            summary = out / f"strace-{level}.txt"
            if phase == "start":
                command = [strace, "-f", "-c", "-e", "trace=fsync,fdatasync"]
                command += ["-p", str(server.pid), "-o", str(summary)]
                tracer.append(subprocess.Popen(command, stderr=subprocess.DEVNULL))
            else:
                process = tracer.pop()
                process.send_signal(signal.SIGINT)
                process.wait(30)
                syncs[level] = count_syncs(summary)

        results, _ = send.measure(
            server, levels, args.duration, 1.0, args.client, on_level, args.quiet_wait
        )
    rows: list[list[Any]] = []
    for sent, _ in results:
        commits = syncs.get(sent.concurrency, 0)
        batch = f"{sent.done / commits:.1f}" if commits else "-"
        rows.append([sent.concurrency, f"{sent.done:,}", f"{sent.rate:,.0f}", commits, batch])
    figures = common.table(
        ("senders", "messages", "msg/s (under strace)", "fsync calls", "messages per commit"),
        rows,
    )
    print(figures)
    if args.no_doc:
        return
    body = (
        f"{common.section_header(database)}\n"
        f"{args.duration:g} s of sends per level ({args.client} client), strace counting "
        "the server's fsync calls meanwhile; messages per commit ≈ messages ÷ fsync calls "
        "(checkpoints make it a slight underestimate).\n\n"
        f"{figures}\n"
    )
    common.write_section(common.section_name("batches", args), body)


if __name__ == "__main__":
    main()
