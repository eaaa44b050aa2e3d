"""Run the send, fan-out, search and password-guessing benchmarks (``make bench``).

Each runs in its own process, starts its own server on a fresh database and
updates its own section of docs/benchmarks.md. Options given here (database,
SQLite synchronous mode, --no-doc, --quiet-wait, --switch-interval) are passed
to each.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("send.py", "fanout.py", "search.py", "login_guessing.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--synchronous", choices=("full", "normal"), default=None)
    parser.add_argument("--no-doc", action="store_true")
    parser.add_argument("--quiet-wait", type=float, default=None)
    parser.add_argument("--switch-interval", type=float, default=None)
    parser.add_argument(
        "--profile", action="store_true", help="Also profile the send path (needs py-spy)"
    )
    args = parser.parse_args()
    passed: list[str] = []
    for name in ("database_url", "synchronous", "quiet_wait", "switch_interval"):
        value = getattr(args, name)
        if value is not None:
            passed += [f"--{name.replace('_', '-')}", str(value)]
    if args.no_doc:
        passed.append("--no-doc")
    scripts = [*SCRIPTS, "profile_send.py"] if args.profile else list(SCRIPTS)
    failed = []
    for script in scripts:
        print(f"\n=== {script} ===", flush=True)
        started = time.monotonic()
        done = subprocess.run([sys.executable, str(HERE / script), *passed], check=False)
        print(f"=== {script}: {time.monotonic() - started:.0f} s, exit {done.returncode}")
        if done.returncode != 0:
            failed.append(script)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
