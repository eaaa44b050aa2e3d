"""Profile the send hot path: py-spy samples the server during the 32-sender send run.

py-spy (``.venv/bin/pip install py-spy``; a profiling tool only, not a dependency)
attaches to the ``tidings serve`` process from outside, so the server runs as in
production. The raw stacks are kept in a temporary directory (or ``--keep DIR``) and
summarised here: share of samples per thread, and the functions with the most
inclusive and self time.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

import common
import send

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^():]+)(?::\d+)?\)$")


def _py_spy() -> str:
    found = shutil.which("py-spy", path=str(common.BIN)) or shutil.which("py-spy")
    if found is None:
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    return found


def _short(frame: str) -> str:
    """``send_to_topic (tidings/actions/messages.py:113)`` -> ``messages.py:send_to_topic``."""
    found = FRAME.match(frame)
    if found is None:
        return frame
    path = found["file"]
    for marker in ("site-packages/", "src/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{path}:{found['func']}"


def read_stacks(raw: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def _thread(frames: list[str]) -> str:
    head = frames[0]
    if "tidings-writer" in head or any("writer.py" in f for f in frames):
        return "writer thread (actions, SQL, commit)"
    if "MainThread" in head or any("uvicorn" in f or "asyncio" in f for f in frames):
        return "event loop (HTTP, routing, JSON)"
    return "other threads (thread pool reads)"


CATEGORIES = (
    ("sqlite3 (the driver's own work)", ("do_execute", "do_commit", "do_rollback")),
    ("SQLAlchemy (building, caching, binding)", ("sqlalchemy/",)),
    ("markdown (markdown-it, nh3, regexes)", ("markdown_it/", "nh3", "core/markdown.py", "re/")),
    ("HTTP stack (uvicorn, Starlette, FastAPI)", ("uvicorn/", "starlette/", "fastapi/")),
    ("tidings code itself", ("tidings/",)),
)


def _category(leaf: str) -> str:
    for name, markers in CATEGORIES:
        if any(marker in leaf for marker in markers):
            return name
    return "other (stdlib, asyncio, pydantic, …)"


def summarise(stacks: list[tuple[list[str], int]], top: int) -> str:
    total = sum(count for _, count in stacks) or 1
    threads: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, count in stacks:
        threads[_thread(frames)] += count
        names = [_short(f) for f in frames if not f.startswith(("thread ", "process "))]
        if not names:
            continue
        categories[_category(frames[-1])] += count
        own[names[-1]] += count
        for name in {n for n in names if n.startswith("tidings/") and "/cli/" not in n}:
            inclusive[name] += count

    def share(counter: Counter[str], headers: tuple[str, str], limit: int = top) -> str:
        rows = [(name, f"{n / total:.1%}") for name, n in counter.most_common(limit)]
        return common.table(headers, rows)

    return (
        f"{total} samples.\n\n"
        f"{share(threads, ('thread', 'share of samples'))}\n\n"
        "By the code that was running (the innermost frame):\n\n"
        f"{share(categories, ('code', 'share of samples'))}\n\n"
        "Tidings functions, inclusive (the function and what it calls):\n\n"
        f"{share(inclusive, ('function', 'inclusive'))}\n\n"
        "Functions with the most self time (their own code):\n\n"
        f"{share(own, ('function', 'self'), 15)}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_server_options(parser)
    parser.add_argument("--senders", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--idle", action="store_true", help="Also sample idle (waiting) threads")
    parser.add_argument(
        "--all-threads",
        action="store_true",
        help="Sample every running thread, not only the one holding the GIL",
    )
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--client", choices=sorted(send.CLIENTS), default="httpx")
    parser.add_argument("--keep", type=Path, default=None, help="Keep the raw stacks in DIR")
    args = parser.parse_args()
    common.apply_server_options(args)
    out_dir = Path(args.keep or tempfile.mkdtemp(prefix="tidings-profile-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = out_dir / "send-profile.txt"
    recorder: list[subprocess.Popen[bytes]] = []

    with common.running_server(args.database_url, args.synchronous) as server:
        database = common.database_label(server.database_url, server.synchronous)

        def on_level(level: int, phase: str) -> None:
            if phase == "start":
                command = [
                    _py_spy(),
                    "record",
                    "--pid",
                    str(server.pid),
                    "--duration",
                    str(int(args.duration)),
                    "--rate",
                    str(args.rate),
                    "--format",
                    "raw",
                    "--threads",
                    "--nonblocking",
                    "--output",
                    str(raw),
                ]
                if args.idle:
                    command.append("--idle")
                elif not args.all_threads:
                    command.append("--gil")
                recorder.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
            else:
                recorder.pop().wait(args.duration + 30)

        results, _ = send.measure(
            server, [args.senders], args.duration, 1.0, args.client, on_level, args.quiet_wait
        )
    run = results[0][0]
    summary = summarise(read_stacks(raw), args.top)
    print(summary)
    print(f"raw stacks: {raw}")
    if args.no_doc:
        return
    mode = (
        "every thread, idle ones too"
        if args.idle
        else "every running thread"
        if args.all_threads
        else "only the thread holding the GIL, i.e. where Python time goes"
    )
    body = (
        f"{common.section_header(database)}\n"
        f"py-spy {args.rate} Hz ({mode}) on the server "
        f"during {args.senders} senders for {args.duration:g} s "
        f"({run.rate:,.0f} msg/s while sampled; py-spy shares the cores too).\n\n"
        f"{summary}"
    )
    name = "profile-idle" if args.idle else "profile"
    common.write_section(common.section_name(name, args), body)


if __name__ == "__main__":
    main()
