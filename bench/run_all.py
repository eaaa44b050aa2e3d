"""Run the send, fan-out, search and password-guessing benchmarks (``make bench``).

``--scale`` adds the several-nodes benchmark (PostgreSQL + Redis) and the mixed load.

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
# With --scale: several nodes on PostgreSQL + Redis, and the mixed load on one machine.
# nodes.py takes its own PostgreSQL URL, and only --no-doc and --quiet-wait from here.
SCALE = ("nodes.py", "mixed.py")


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
    parser.add_argument(
        "--scale",
        action="store_true",
        help="Also nodes.py (1-3 nodes; needs PostgreSQL and Redis) and mixed.py",
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
    if args.scale:
        scripts += SCALE
    failed = []
    for script in scripts:
        print(f"\n=== {script} ===", flush=True)
        started = time.monotonic()
        options = _for_nodes(passed) if script == "nodes.py" else passed
        done = subprocess.run([sys.executable, str(HERE / script), *options], check=False)
        print(f"=== {script}: {time.monotonic() - started:.0f} s, exit {done.returncode}")
        if done.returncode != 0:
            failed.append(script)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


def _for_nodes(passed: list[str]) -> list[str]:
    kept = ["--no-doc"] if "--no-doc" in passed else []
    if "--quiet-wait" in passed:
        at = passed.index("--quiet-wait")
        kept += passed[at : at + 2]
    return kept


if __name__ == "__main__":
    main()
