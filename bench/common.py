"""What every benchmark shares: a real server in a subprocess, members with tokens,
percentiles, machine facts, and writing a section of docs/benchmarks.md.

The server is ``tidings serve`` on a free port of 127.0.0.1, with a fresh SQLite file
in a temporary directory (or a fresh PostgreSQL database, dropped afterwards), rate
limits off, the access log off and the application log at ``warning``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import shlex
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BIN = Path(sys.executable).parent
WORKSPACE = "Bench"
SLUG = "bench"
OWNER_EMAIL = "owner@bench.test"
OWNER_PASSWORD = "bench owner password"
START_TIMEOUT = 30.0
# Set by --switch-interval: an experiment on how the writer thread and the event loop
# share the GIL (Python's default is 0.005 s).
SWITCH_INTERVAL: float | None = None
SERVE_WITH_SWITCH_INTERVAL = (
    "import sys; sys.setswitchinterval(float(sys.argv.pop(1))); sys.argv[0] = 'tidings'; "
    "from tidings.cli import main; main()"
)


@dataclass
class Member:
    id: int
    handle: str
    token: str


@dataclass
class Server:
    url: str
    database_url: str
    synchronous: str
    process: subprocess.Popen[bytes]
    owner_token: str
    log_path: Path

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    @property
    def pid(self) -> int:
        return self.process.pid

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.owner_token}"}
        return httpx.Client(base_url=self.api, headers=headers, timeout=60, **kwargs)


def add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql://user@host/db to run against PostgreSQL: a fresh database is "
        "created on that server and dropped afterwards (default: a fresh SQLite file)",
    )
    parser.add_argument(
        "--synchronous",
        choices=("full", "normal"),
        default="full",
        help="TIDINGS_SQLITE_SYNCHRONOUS for the server (default: full)",
    )
    parser.add_argument(
        "--no-doc", action="store_true", help="Print the figures only; leave docs/ alone"
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        default=None,
        help="Experiment: run the server under sys.setswitchinterval(SECONDS)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=10.0,
        help="Before each measurement, wait up to this many seconds for other work on the "
        "machine to calm down (default: 10)",
    )


def apply_server_options(args: argparse.Namespace) -> None:
    global SWITCH_INTERVAL
    SWITCH_INTERVAL = args.switch_interval


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- databases ---------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(given: str | None, tmp: Path) -> Iterator[str]:
    """A SQLite file in ``tmp``; or a new database on the PostgreSQL server of ``given``."""
    if not given:
        yield f"sqlite:///{tmp / 'tidings.db'}"
        return
    if not given.startswith("postgresql"):
        raise SystemExit("--database-url must be a postgresql:// URL (SQLite is the default)")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tidings.store.engine import normalize_url

    base = make_url(normalize_url(given))
    name = f"tidings_bench_{uuid.uuid4().hex[:10]}"
    # Administer through the maintenance database: the one named in the URL may not exist.
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def database_label(database_url: str, synchronous: str) -> str:
    if database_url.startswith("sqlite"):
        return f"SQLite {sqlite3.sqlite_version} file (WAL, synchronous={synchronous})"
    from sqlalchemy import create_engine, text

    from tidings.store.engine import normalize_url

    engine = create_engine(normalize_url(database_url))
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
    finally:
        engine.dispose()
    return f"PostgreSQL {version} on 127.0.0.1"


# --- the server ----------------------------------------------------------------------


def server_env(database_url: str, synchronous: str, extra: dict[str, str] | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIDINGS_")}
    env.update(
        {
            "TIDINGS_DATABASE_URL": database_url,
            "TIDINGS_HOST": "127.0.0.1",
            "TIDINGS_RATE_LIMIT_PER_MINUTE": "0",
            "TIDINGS_ACCESS_LOG": "false",
            "TIDINGS_LOG_LEVEL": "warning",
            "TIDINGS_SQLITE_SYNCHRONOUS": synchronous,
            "TIDINGS_WORKERS": "1",  # one server process unless a benchmark sets more
        }
    )
    env.update(extra or {})
    return env


def tidings_cli(args: Sequence[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(BIN / "tidings"), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"tidings {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def init_workspace(env: dict[str, str]) -> str:
    """``tidings init`` then ``tidings token create`` for the owner; returns the token."""
    tidings_cli(
        [
            "init",
            "--workspace",
            WORKSPACE,
            "--owner-email",
            OWNER_EMAIL,
            "--owner-password",
            OWNER_PASSWORD,
            "--owner-name",
            "Bench Owner",
        ],
        env,
    )
    out = tidings_cli(["token", "create", OWNER_EMAIL, "--workspace", SLUG, "--name", "bench"], env)
    found = re.search(r"(tdg_\S+)", out)
    if found is None:
        raise RuntimeError(f"no token in: {out!r}")
    return found.group(1)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{log_path.read_text()[-4000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    tail = log_path.read_text()[-4000:]
    raise RuntimeError(f"server not healthy after {START_TIMEOUT}s:\n{tail}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # uvicorn drains, then exits
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def start_server(
    database_url: str,
    synchronous: str,
    owner_token: str,
    log_path: Path,
    extra_env: dict[str, str] | None = None,
) -> Server:
    port = free_port()
    env = server_env(database_url, synchronous, extra_env)
    url = f"http://127.0.0.1:{port}"
    command = [str(BIN / "tidings")]
    if SWITCH_INTERVAL is not None:
        command = [sys.executable, "-c", SERVE_WITH_SWITCH_INTERVAL, str(SWITCH_INTERVAL)]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(url, process, log_path)
    except BaseException:
        _stop(process)
        raise
    return Server(url, database_url, synchronous, process, owner_token, log_path)


@contextlib.contextmanager
def prepared_database(given: str | None, synchronous: str) -> Iterator[tuple[str, str, Path]]:
    """(database URL, owner token, temp dir): a fresh database with the workspace in it."""
    with (
        tempfile.TemporaryDirectory(prefix="tidings-bench-") as tmp,
        fresh_database(given, Path(tmp)) as url,
    ):
        token = init_workspace(server_env(url, synchronous))
        yield url, token, Path(tmp)


@contextlib.contextmanager
def serving(
    database_url: str,
    synchronous: str,
    owner_token: str,
    tmp: Path,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Server]:
    server = start_server(database_url, synchronous, owner_token, tmp / "server.log", extra_env)
    try:
        yield server
    finally:
        _stop(server.process)


@contextlib.contextmanager
def running_server(
    given: str | None, synchronous: str = "full", extra_env: dict[str, str] | None = None
) -> Iterator[Server]:
    """A fresh database with the workspace, and ``tidings serve`` on it."""
    with (
        prepared_database(given, synchronous) as (url, token, tmp),
        serving(url, synchronous, token, tmp, extra_env) as server,
    ):
        yield server


# --- members and tokens ---------------------------------------------------------------


async def _add_users(server: Server, prefix: str, count: int, concurrency: int) -> list[dict]:
    gate = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {server.owner_token}"}
    async with httpx.AsyncClient(base_url=server.api, headers=headers, timeout=60) as client:

        async def add(i: int) -> dict:
            async with gate:
                body = {"email": f"{prefix}{i}@bench.test", "display_name": f"{prefix} {i}"}
                response = await client.post("/users", json=body)
                response.raise_for_status()
                return dict(response.json())

        return list(await asyncio.gather(*(add(i) for i in range(count))))


def issue_tokens(database_url: str, synchronous: str, member_ids: Sequence[int]) -> list[str]:
    """API tokens for members, in one transaction, by the action ``tidings token create`` runs."""
    from sqlalchemy import select

    from tidings.actions.auth import API, issue_token
    from tidings.store.database import Database
    from tidings.store.models import members

    def issue(tx: Any) -> list[str]:
        rows = tx.conn.execute(
            select(members.c.id, members.c.workspace_id).where(members.c.id.in_(member_ids))
        )
        workspace_of = dict(rows.all())
        return [
            issue_token(tx, workspace_of[m], m, name="bench", kind=API, lifetime=None)["token"]
            for m in member_ids
        ]

    db = Database(database_url, synchronous=synchronous)
    try:
        return db.write(issue)
    finally:
        db.close()


def create_members(server: Server, count: int, prefix: str = "m", concurrency: int = 8) -> list:
    """``count`` members added by the owner through ``POST /users``, each with an API token.

    New members join #general. Tokens are issued straight through the token action in
    one transaction: ``POST /auth/login`` would cost an argon2id hash at creation and a
    verification at sign-in (about 0.25 s each on this machine) per member.
    """
    users = run(_add_users(server, prefix, count, concurrency))
    ids = [int(user["id"]) for user in users]
    tokens = issue_tokens(server.database_url, server.synchronous, ids)
    return [
        Member(int(user["id"]), user["handle"], token)
        for user, token in zip(users, tokens, strict=True)
    ]


def channel_id(server: Server, name: str) -> int:
    with server.client() as client:
        for channel in client.get("/channels").raise_for_status().json():
            if channel["name"] == name:
                return int(channel["id"])
    raise KeyError(name)


def create_topics(server: Server, channel: int, count: int, title: str = "Bench topic") -> list:
    ids = []
    with server.client() as client:
        for i in range(count):
            body = {"title": f"{title} {i + 1}", "body": f"Opening {title.lower()} {i + 1}."}
            response = client.post(f"/channels/{channel}/topics", json=body).raise_for_status()
            ids.append(int(response.json()["id"]))
    return ids


# --- figures ---------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, its reaped children, and the processes
    still running under it (``serve --workers`` runs the server in children)."""
    return sum(_own_cpu_seconds(p) for p in (pid, *_descendants(pid)))


def _own_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:  # ended meanwhile
        return 0.0
    ticks = sum(int(v) for v in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    align = [":---", *("---:" for _ in headers[1:])]  # the first column names the row
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def machine_facts(database: str) -> str:
    return (
        f"{os.cpu_count()} cores ({cpu_model()}), "
        f"{platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
        f"database: {database}"
    )


def command_line() -> str:
    script = Path(sys.argv[0]).resolve()
    with contextlib.suppress(ValueError):
        script = script.relative_to(ROOT)
    return " ".join([".venv/bin/python", str(script), *map(shlex.quote, sys.argv[1:])])


def section_header(database: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"Measured {stamp} on {machine_facts(database)}.\n\nCommand: `{command_line()}`\n"


def section_name(base: str, args: argparse.Namespace) -> str:
    """Runs on PostgreSQL or with synchronous=normal keep their own sections."""
    if args.database_url:
        base += "-postgresql"
    elif args.synchronous != "full":
        base += f"-{args.synchronous}"
    return base


def write_section(name: str, body: str) -> None:
    """Replace what is between ``<!-- bench:name -->`` and ``<!-- /bench:name -->``."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)
    print(f"updated {DOC.relative_to(ROOT)} section {name!r}")


def run(coroutine: Any) -> Any:
    """Run a load generator on uvloop when present, as the server runs."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def _cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of all cores, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return float(sum(values) - idle), float(sum(values))


class CpuWatch:
    """Core usage over an interval: of the whole machine and of some processes (cores)."""

    def __init__(self, pids: Sequence[int]) -> None:
        self.pids = list(pids)
        self.wall = time.monotonic()
        self.busy, self.total = _cpu_times()
        self.before = {pid: cpu_seconds(pid) for pid in self.pids}

    def stop(self) -> dict[str, float]:
        """Cores used per pid, by everything ('machine') and by everything else ('others');
        and the seconds watched ('wall')."""
        wall = time.monotonic() - self.wall
        busy, total = _cpu_times()
        cores = os.cpu_count() or 1
        machine = (busy - self.busy) / max(total - self.total, 1.0) * cores
        used = {str(pid): (cpu_seconds(pid) - self.before[pid]) / wall for pid in self.pids}
        used["machine"] = machine
        used["others"] = max(0.0, machine - sum(used[str(pid)] for pid in self.pids))
        used["wall"] = wall
        return used


def wait_for_quiet(limit: float = 0.3, max_wait: float = 60.0) -> float:
    """Wait (up to ``max_wait`` s) until the machine's other load is under ``limit`` cores.

    Other work on the same 2 cores skews every figure; returns the load last seen.
    """
    deadline = time.monotonic() + max_wait
    while True:
        busy, total = _cpu_times()
        time.sleep(1.0)
        busy2, total2 = _cpu_times()
        load = (busy2 - busy) / max(total2 - total, 1.0) * (os.cpu_count() or 1)
        if load < limit or time.monotonic() > deadline:
            if load >= limit:
                print(f"warning: the machine is busy ({load:.2f} cores used by other work)")
            return load
