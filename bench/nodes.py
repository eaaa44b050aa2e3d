"""Send throughput on PostgreSQL for 1, 2 and 3 ``tidings serve`` nodes.

Each node is its own ``tidings serve`` process on its own port of 127.0.0.1; all
share one fresh PostgreSQL database (created on the server of ``--database-url``
and dropped afterwards) and, but for the "NOTIFY" configuration, one Redis
database for wake-ups. Senders (each a member with its own keep-alive connection,
bench/send.py's raw client) are spread round-robin over the nodes and post to
topics of #general. The configurations are interleaved (1, 2, 3, 2 without Redis;
then again in reverse) so that noise on the shared machine hits all of them.

Server CPU is summed over every node's process tree. All nodes, PostgreSQL, Redis
and the load generator share this machine's cores, so more nodes cannot add cores:
the figure that matters is messages per server CPU-second, which tells whether a
node pays for its neighbours (wake-ups, contention) or not.

At the end of each multi-node run a subscriber on the last node must see, live,
every message sent through the first; the nodes look at the event log on their own
only once a minute here, so what arrives in time came by a wake-up. Finally every
acknowledged message must be stored.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import common
import httpx
import orjson
import send
from sqlalchemy.engine import make_url

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
LIVE_CHECK_MESSAGES = 20
# Nodes read the event log unprompted only this often: live delivery in the check
# must come from a wake-up.
POLL_SECONDS = "60"
# Several nodes start at once on a busy 2-core machine: give them longer than one.
common.START_TIMEOUT = 120.0
DEADLOCK = "DeadlockDetected) deadlock detected"  # once per failed write in a node's log


@dataclass(frozen=True)
class Config:
    nodes: int
    redis: bool

    @property
    def label(self) -> str:
        nodes = f"{self.nodes} node{'s' if self.nodes > 1 else ''}"
        return nodes if self.redis else f"{nodes}, NOTIFY"


CONFIGS = (Config(1, True), Config(2, True), Config(3, True), Config(2, False))


@dataclass
class Cluster:
    urls: list[str]
    processes: list[subprocess.Popen[bytes]]
    logs: list[Path]

    @property
    def apis(self) -> list[str]:
        return [f"{url}/api/v1" for url in self.urls]

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]


@contextlib.contextmanager
def running_nodes(
    database_url: str, tmp: Path, count: int, redis_url: str | None
) -> Iterator[Cluster]:
    """``count`` nodes started together on one database; stopped on leaving."""
    extra = {"TIDINGS_LIVE_POLL_SECONDS": POLL_SECONDS, "TIDINGS_STORAGE_DIR": str(tmp / "files")}
    if redis_url:
        extra["TIDINGS_REDIS_URL"] = redis_url
    env = common.server_env(database_url, "full", extra)
    cluster = Cluster([], [], [])
    try:
        for i in range(count):
            port = common.free_port()
            log_path = tmp / f"node-{time.monotonic_ns()}-{i}.log"
            with log_path.open("ab") as log:
                process = subprocess.Popen(
                    [str(common.BIN / "tidings"), "serve", "--port", str(port)],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            cluster.urls.append(f"http://127.0.0.1:{port}")
            cluster.processes.append(process)
            cluster.logs.append(log_path)
        for url, process, log_path in zip(
            cluster.urls, cluster.processes, cluster.logs, strict=True
        ):
            common._wait_healthy(url, process, log_path)
        _check_wakeups(cluster, "redis" if redis_url else "postgresql")
        yield cluster
    finally:
        for process in cluster.processes:
            common._stop(process)


def _check_wakeups(cluster: Cluster, expected: str) -> None:
    for api in cluster.apis:
        found = httpx.get(f"{api}/health").json().get("wakeups")
        if found != expected:
            raise RuntimeError(f"{api} wakes by {found!r}, not {expected!r}")


@dataclass
class NodeRun(send.Run):
    postgres_cpu: float = field(default=0.0)  # cores used by this database's backends


def postgres_cpu_seconds(database: str) -> float:
    """CPU seconds of the PostgreSQL backends serving ``database``: their process
    titles name it (PostgreSQL's own background processes are left out)."""
    needle = f" {database} ".encode()
    total = 0.0
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if needle in cmdline.read_bytes():
                total += common._own_cpu_seconds(int(cmdline.parent.name))
    return total


# --- the load generator (in its own process) ---------------------------------------------


async def _generate(
    apis: list[str], tokens: list[str], topics: list[int], duration: float
) -> tuple[int, int, float, list[float]]:
    start = asyncio.Event()
    deadline = [0.0]
    latencies: list[float] = []
    errors: list[int] = []
    tasks = [
        asyncio.create_task(
            send._one_client(
                send.RawClient(apis[i % len(apis)], token),  # round-robin over the nodes
                "send",
                topics[i % len(topics)],
                i,
                start,
                deadline,
                latencies,
                errors,
            )
        )
        for i, token in enumerate(tokens)
    ]
    await asyncio.sleep(0.5)  # connections open
    began = time.perf_counter()
    deadline[0] = began + duration
    start.set()
    await asyncio.gather(*tasks)
    return len(latencies), len(errors), time.perf_counter() - began, latencies


def load(
    apis: list[str], tokens: list[str], topics: list[int], duration: float
) -> tuple[int, int, float, list[float]]:
    return common.run(_generate(apis, tokens, topics, duration))


def run_level(
    pool: ProcessPoolExecutor,
    client_pid: int,
    cluster: Cluster,
    tokens: list[str],
    topics: list[int],
    duration: float,
    database: str,
) -> NodeRun:
    watch = common.CpuWatch([*cluster.pids, client_pid])
    postgres = postgres_cpu_seconds(database)
    done, errors, elapsed, latencies = pool.submit(
        load, cluster.apis, tokens, topics, duration
    ).result()
    postgres = postgres_cpu_seconds(database) - postgres
    cores = watch.stop()
    server = sum(cores[str(pid)] for pid in cluster.pids)
    return NodeRun(
        "send",
        len(tokens),
        done,
        errors,
        elapsed,
        latencies,
        server,
        cores[str(client_pid)],
        max(0.0, cores["others"] - postgres / cores["wall"]),
        postgres / cores["wall"],
    )


# --- checks ----------------------------------------------------------------------------------


async def _live_check(
    cluster: Cluster, sender: str, subscriber: str, topic: int
) -> tuple[int, int, list[float]]:
    """(posted, seen live on the last node, delays): sent through the first node."""
    from websockets.asyncio.client import connect

    ws_url = cluster.urls[-1].replace("http://", "ws://") + f"/api/v1/events?token={subscriber}"
    marker = f"live-check {time.monotonic():.6f}"
    sent_at: dict[str, float] = {}
    delays: list[float] = []
    headers = {"Authorization": f"Bearer {sender}"}
    async with (
        connect(ws_url, compression=None, open_timeout=30) as ws,
        httpx.AsyncClient(base_url=cluster.apis[0], headers=headers, timeout=30) as client,
    ):

        async def receive() -> None:
            async for frame in ws:
                event = orjson.loads(frame)
                body = event.get("data", {}).get("body") if event.get("type") else None
                if event.get("type") == "message.created" and body in sent_at:
                    delays.append(time.monotonic() - sent_at.pop(body))
                    if len(delays) == LIVE_CHECK_MESSAGES:
                        return

        reader = asyncio.create_task(receive())
        await asyncio.sleep(0.3)  # the stream is subscribed
        posted = 0
        for n in range(LIVE_CHECK_MESSAGES):
            body = f"{marker} #{n}"
            sent_at[body] = time.monotonic()
            made = await client.post(f"/topics/{topic}/messages", json={"body": body})
            posted += made.status_code == 201
            await asyncio.sleep(0.02)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(reader, 10)
    return posted, len(delays), delays


def stored_messages(api: str, token: str, topics: list[int]) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=api, headers=headers, timeout=60) as client:
        return sum(int(client.get(f"/topics/{t}").json()["message_count"]) for t in topics)


# --- the run ----------------------------------------------------------------------------------


@dataclass
class LiveCheck:
    config: Config
    posted: int
    seen: int
    delays: list[float]

    def __str__(self) -> str:
        worst = ""
        if self.delays:
            median, slowest = common.percentile(self.delays, 50), max(self.delays)
            worst = f", delay median {common.ms(median)} ms, slowest {common.ms(slowest)} ms"
        return f"{self.config.label}: {self.seen}/{self.posted} seen live on another node{worst}"


@dataclass
class Results:
    runs: dict[tuple[Config, int], list[NodeRun]]
    live: list[LiveCheck]
    acknowledged: int
    stored: int
    deadlocks: int  # failed writes the nodes logged as deadlocks


def measure(args: argparse.Namespace, database_url: str, owner: str, tmp: Path) -> Results:
    levels = [int(v) for v in args.levels.split(",")]
    order = [c for c in CONFIGS if c.nodes <= args.max_nodes]
    runs: dict[tuple[Config, int], list[NodeRun]] = {}
    live: list[LiveCheck] = []
    live_acknowledged = 0
    with running_nodes(database_url, tmp, 1, args.redis_url) as cluster:
        first = cluster.processes[0]
        server = common.Server(cluster.urls[0], database_url, "full", first, owner, tmp)
        general = common.channel_id(server, "general")
        topics = common.create_topics(server, general, send.TOPICS)
        members = common.create_members(server, max(levels) + 1, prefix="sender")
        before = stored_messages(server.api, owner, topics)
    tokens = [m.token for m in members]
    name = str(make_url(database_url).database)
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        client_pid = pool.submit(send._worker_pid).result()
        for round_ in range(args.rounds):
            for config in order if round_ % 2 == 0 else order[::-1]:
                redis = args.redis_url if config.redis else None
                with running_nodes(database_url, tmp, config.nodes, redis) as cluster:
                    for level in levels:
                        if args.quiet_wait:
                            common.wait_for_quiet(max_wait=args.quiet_wait)
                        run = run_level(
                            pool, client_pid, cluster, tokens[:level], topics, args.duration, name
                        )
                        runs.setdefault((config, level), []).append(run)
                        print(f"round {round_ + 1}, {config.label}: " + _line(run), flush=True)
                    if config.nodes > 1:
                        posted, seen, delays = common.run(
                            _live_check(cluster, tokens[0], tokens[-1], topics[0])
                        )
                        live.append(LiveCheck(config, posted, seen, delays))
                        live_acknowledged += posted
                        print(live[-1], flush=True)
    with running_nodes(database_url, tmp, 1, None) as cluster:
        stored = stored_messages(cluster.apis[0], owner, topics) - before
    acknowledged = live_acknowledged + sum(r.done - r.errors for rs in runs.values() for r in rs)
    deadlocks = sum(p.read_text(errors="replace").count(DEADLOCK) for p in tmp.glob("node-*.log"))
    return Results(runs, live, acknowledged, stored, deadlocks)


def _line(run: NodeRun) -> str:
    return (
        f"{run.concurrency} senders: {run.rate:,.0f} msg/s, "
        f"p50 {common.ms(common.percentile(run.latencies, 50))} ms, "
        f"p99 {common.ms(common.percentile(run.latencies, 99))} ms, errors {run.errors}, "
        f"server {run.server_cpu:.0%}, {run.per_server_cpu:,.0f} msg per server CPU-s, "
        f"PostgreSQL {run.postgres_cpu:.0%}, others {run.others_cpu:.0%}"
    )


HEADERS = (
    "configuration",
    "senders",
    "msg/s",
    "p50 ms",
    "p99 ms",
    "errors",
    "server CPU (all nodes)",
    "msg per server CPU-s",
    "range over rounds",
    "vs 1 node",
    "PostgreSQL CPU",
    "msg per CPU-s, nodes + PostgreSQL",
    "client CPU",
    "other load",
)


def _per_cpu(runs: list[NodeRun]) -> float:
    """Messages over server CPU-seconds, pooled over the rounds."""
    cpu = sum(r.server_cpu * r.elapsed for r in runs)
    return sum(r.done for r in runs) / cpu if cpu else 0.0


def _per_total_cpu(runs: list[NodeRun]) -> float:
    """Messages per CPU-second of the nodes and PostgreSQL together, pooled."""
    cpu = sum((r.server_cpu + r.postgres_cpu) * r.elapsed for r in runs)
    return sum(r.done for r in runs) / cpu if cpu else 0.0


def rows(results: Results) -> list[list[Any]]:
    table = []
    for (config, level), runs in results.runs.items():
        latencies = [x for r in runs for x in r.latencies]
        one = results.runs.get((CONFIGS[0], level))
        ratio = _per_cpu(runs) / _per_cpu(one) if one else float("nan")
        table.append(
            [
                config.label,
                level,
                f"{sum(r.rate for r in runs) / len(runs):,.0f}",
                common.ms(common.percentile(latencies, 50)),
                common.ms(common.percentile(latencies, 99)),
                sum(r.errors for r in runs),
                f"{sum(r.server_cpu for r in runs) / len(runs):.0%}",
                f"{_per_cpu(runs):,.0f}",
                f"{min(r.per_server_cpu for r in runs):,.0f}–"
                f"{max(r.per_server_cpu for r in runs):,.0f}",
                f"{ratio:.0%}",
                f"{sum(r.postgres_cpu for r in runs) / len(runs):.0%}",
                f"{_per_total_cpu(runs):,.0f}",
                f"{sum(r.client_cpu for r in runs) / len(runs):.0%}",
                f"{sum(r.others_cpu for r in runs) / len(runs):.0%}",
            ]
        )
    order = {c: i for i, c in enumerate(CONFIGS)}
    return sorted(table, key=lambda row: (order[_config(row[0])], row[1]))


def _config(label: str) -> Config:
    return next(c for c in CONFIGS if c.label == label)


def verdict(results: Results) -> str:
    levels = sorted({level for _, level in results.runs})
    parts = []
    for level in levels:
        one, two = results.runs.get((CONFIGS[0], level)), results.runs.get((CONFIGS[1], level))
        if one and two:
            share = _per_cpu(two) / _per_cpu(one)
            mark = "met" if share >= 0.85 else "not met"
            parts.append(f"{level} senders {share:.0%} ({mark})")
    return "2 nodes' msg per server CPU-s against 1 node's (target ≥ 85%): " + "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE,
        help="A PostgreSQL server (any database on it): a fresh database is created there "
        f"and dropped afterwards (default: {DEFAULT_DATABASE})",
    )
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS, help=f"Redis for wake-ups (default: {DEFAULT_REDIS})"
    )
    parser.add_argument("--levels", default="1,8,32", help="Concurrent senders per level")
    parser.add_argument("--duration", type=float, default=4.0, help="Seconds of sending per level")
    parser.add_argument(
        "--rounds", type=int, default=2, help="Passes over the configurations (default: 2)"
    )
    parser.add_argument(
        "--max-nodes", type=int, choices=(2, 3), default=3, help="Leave out 3 nodes with 2"
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=5.0,
        help="Before each level, wait up to this many seconds for other work on the machine "
        "to calm down (default: 5)",
    )
    parser.add_argument(
        "--no-doc", action="store_true", help="Print the figures only; leave docs/ alone"
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("--database-url must be a postgresql:// URL")
    with (
        tempfile.TemporaryDirectory(prefix="tidings-bench-") as tmp,
        common.fresh_database(args.database_url, Path(tmp)) as url,
    ):
        owner = common.init_workspace(common.server_env(url, "full"))
        database = common.database_label(url, "full")
        results = measure(args, url, owner, Path(tmp))
    figures = common.table(HEADERS, rows(results))
    checks = (
        f"Messages acknowledged: {results.acknowledged:,}; stored (topic counters): "
        f"{results.stored:,}. Live across nodes: "
        + "; ".join(map(str, results.live))
        + f". Writes that failed as PostgreSQL deadlocks (nodes' logs): {results.deadlocks}."
    )
    print()
    print(figures)
    print(verdict(results))
    print(checks)
    if args.no_doc:
        return
    body = (
        f"{common.section_header(database + f'; Redis at {args.redis_url}')}\n"
        f"Each level: {args.duration:g} s of sends from N senders (bench/send.py's raw "
        f"client, one keep-alive connection each, round-robin over the nodes); "
        f"{args.rounds} rounds over the configurations, the second in reverse order; one "
        "database for all. Rates and CPU are the rounds' mean; latencies pool the rounds; "
        "msg per server CPU-s is all messages over all nodes' CPU-seconds (pooled); "
        '"vs 1 node" compares that figure with one node\'s at the same level. The '
        'backends serving the benchmark\'s database are "PostgreSQL CPU" (found by their '
        "process titles; PostgreSQL's background writers are left out); Redis, the "
        'PostgreSQL background processes and the rest of the machine are "other load". '
        "Nodes read the event log unprompted once a minute only (TIDINGS_LIVE_POLL_SECONDS="
        f"{POLL_SECONDS}); Redis pub/sub channels are server-wide, so wake-ups of other "
        "Redis users on this machine also reach the nodes.\n\n"
        f"{figures}\n\n{verdict(results)}.\n\n{checks}\n"
    )
    common.write_section("nodes", body)


if __name__ == "__main__":
    main()
