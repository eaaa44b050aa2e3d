"""Send throughput and latency, beside the same server's no-op endpoint.

For each concurrency level, N senders (each a member with its own token and one
keep-alive HTTP connection) post messages to topics of #general for a fixed time;
then the same N connections call ``GET /api/v1/noop`` for a fixed time. A message
is acknowledged only after the commit that holds it, so the send figures include
the fsync. The load generator runs in a separate process from the server, but on
the same 2 cores: the server gets what the client leaves.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

import common
import httpx
import orjson

TOPICS = 8
CONTENT_LENGTH = re.compile(rb"(?i)\r\ncontent-length: *(\d+)")
WORDS = [
    "review",
    "rollout",
    "budget",
    "roadmap",
    "migration",
    "launch",
    "onboarding",
    "retro",
    "incident",
    "design",
    "release",
    "sprint",
    "invoice",
    "hiring",
    "backlog",
    "dashboard",
]


@dataclass
class Run:
    kind: str
    concurrency: int
    done: int
    errors: int
    elapsed: float
    latencies: list[float]
    server_cpu: float
    client_cpu: float
    others_cpu: float

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed else 0.0

    @property
    def per_server_cpu(self) -> float:
        """Requests per second of server CPU: steadier than the rate on a shared machine."""
        return self.done / (self.server_cpu * self.elapsed) if self.server_cpu else 0.0


def _body(sender: int, n: int) -> dict[str, Any]:
    word, other = WORDS[(sender + n) % len(WORDS)], WORDS[(sender * 7 + n) % len(WORDS)]
    return {
        "body": f"Update {n} from sender {sender}: the **{word}** is done; "
        f"next is the {other} follow-up by Friday, notes in the doc."
    }


class HttpxClient:
    """httpx.AsyncClient holding one keep-alive connection."""

    def __init__(self, api: str, token: str) -> None:
        self.client = httpx.AsyncClient(
            base_url=api,
            headers={"Authorization": f"Bearer {token}"},
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            timeout=60,
        )

    async def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> int:
        response = await self.client.request(method, path, json=body)
        return response.status_code

    async def close(self) -> None:
        await self.client.aclose()


class RawClient:
    """HTTP/1.1 keep-alive on one asyncio stream, parsing no more than the status and
    Content-Length: a load generator that costs far less CPU than httpx."""

    def __init__(self, api: str, token: str) -> None:
        url = httpx.URL(api)
        self.host, self.port, self.prefix = url.host, url.port or 80, url.path.rstrip("/")
        self.auth = f"Authorization: Bearer {token}\r\n"
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        content = orjson.dumps(body) if body is not None else b""
        head = f"{method} {self.prefix}{path} HTTP/1.1\r\nHost: {self.host}\r\n{self.auth}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n"
        writer.write(head.encode() + b"\r\n" + content)
        header = await reader.readuntil(b"\r\n\r\n")
        found = CONTENT_LENGTH.search(header)
        await reader.readexactly(int(found.group(1)) if found else 0)
        return int(header[9:12])

    async def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()


CLIENTS = {"httpx": HttpxClient, "raw": RawClient}


async def _one_client(
    client: HttpxClient | RawClient,
    kind: str,
    topic: int,
    sender: int,
    start: asyncio.Event,
    deadline: list[float],
    latencies: list[float],
    errors: list[int],
) -> None:
    try:
        await client.request("GET", "/noop")  # open the connection before the clock starts
        await start.wait()
        n = 0
        while time.perf_counter() < deadline[0]:
            began = time.perf_counter()
            if kind == "send":
                status = await client.request("POST", f"/topics/{topic}/messages", _body(sender, n))
                ok = status == 201
            else:
                status = await client.request("GET", "/noop")
                ok = status == 200
            latencies.append(time.perf_counter() - began)
            if not ok:
                errors.append(status)
            n += 1
    finally:
        await client.close()


async def _generate(
    api: str, tokens: list[str], topics: list[int], kind: str, duration: float, client: str
) -> tuple[int, int, float, list[float]]:
    start = asyncio.Event()
    deadline = [0.0]
    latencies: list[float] = []
    errors: list[int] = []
    tasks = [
        asyncio.create_task(
            _one_client(
                CLIENTS[client](api, token),
                kind,
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
    elapsed = time.perf_counter() - began
    return len(latencies), len(errors), elapsed, latencies


def load(
    api: str, tokens: list[str], topics: list[int], kind: str, duration: float, client: str
) -> tuple[int, int, float, list[float]]:
    """In the load-generator process: run one level and return its figures."""
    return common.run(_generate(api, tokens, topics, kind, duration, client))


def _worker_pid() -> int:
    import os

    return os.getpid()


def run_level(
    pool: ProcessPoolExecutor,
    client_pid: int,
    server: common.Server,
    tokens: list[str],
    topics: list[int],
    kind: str,
    duration: float,
    client: str,
) -> Run:
    watch = common.CpuWatch([server.pid, client_pid])
    done, errors, elapsed, latencies = pool.submit(
        load, server.api, tokens, topics, kind, duration, client
    ).result()
    cores = watch.stop()
    return Run(
        kind,
        len(tokens),
        done,
        errors,
        elapsed,
        latencies,
        cores[str(server.pid)],
        cores[str(client_pid)],
        cores["others"],
    )


def stored_messages(server: common.Server, topics: list[int]) -> int:
    with server.client() as client:
        return sum(int(client.get(f"/topics/{t}").json()["message_count"]) for t in topics)


def writer_batch_note(server: common.Server) -> str:
    health = httpx.get(f"{server.api}/health").json()
    for key in ("writer_batch_average", "writer_batch_size", "batch_average"):
        if key in health:
            return f"Writer average batch size (from /health): {health[key]}."
    return (
        "Writer average batch size: not measured (/api/v1/health has no writer counters "
        f"— fields: {', '.join(sorted(health))})."
    )


def measure(
    server: common.Server,
    levels: list[int],
    duration: float,
    noop_duration: float,
    client: str = "httpx",
    on_level: Any = None,
    quiet_wait: float = 0.0,
) -> tuple[list[tuple[Run, Run]], str]:
    general = common.channel_id(server, "general")
    topics = common.create_topics(server, general, TOPICS)
    members = common.create_members(server, max(levels), prefix="sender")
    tokens = [m.token for m in members]
    before = stored_messages(server, topics)
    results = []
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        client_pid = pool.submit(_worker_pid).result()
        for level in levels:
            if quiet_wait:
                common.wait_for_quiet(max_wait=quiet_wait)
            if on_level is not None:
                on_level(level, "start")
            send = run_level(
                pool, client_pid, server, tokens[:level], topics, "send", duration, client
            )
            if on_level is not None:
                on_level(level, "stop")
            noop = run_level(
                pool, client_pid, server, tokens[:level], topics, "noop", noop_duration, client
            )
            print(_row(send, noop))
            results.append((send, noop))
    stored = stored_messages(server, topics) - before
    acknowledged = sum(send.done - send.errors for send, _ in results)
    check = f"Messages acknowledged: {acknowledged:,}; stored (topic counters): {stored:,}."
    return results, f"{check} {writer_batch_note(server)}"


HEADERS = (
    "senders",
    "send msg/s",
    "send p50 ms",
    "send p99 ms",
    "errors",
    "server CPU",
    "client CPU",
    "no-op req/s",
    "no-op p50 ms",
    "no-op p99 ms",
    "server CPU (no-op)",
    "client CPU (no-op)",
    "send / no-op",
    "msg per server CPU-s",
    "other load",
)


def _cells(send: Run, noop: Run) -> list[Any]:
    return [
        send.concurrency,
        f"{send.rate:,.0f}",
        common.ms(common.percentile(send.latencies, 50)),
        common.ms(common.percentile(send.latencies, 99)),
        send.errors + noop.errors,
        f"{send.server_cpu:.0%}",
        f"{send.client_cpu:.0%}",
        f"{noop.rate:,.0f}",
        common.ms(common.percentile(noop.latencies, 50)),
        common.ms(common.percentile(noop.latencies, 99)),
        f"{noop.server_cpu:.0%}",
        f"{noop.client_cpu:.0%}",
        f"{send.rate / noop.rate:.2f}" if noop.rate else "-",
        f"{send.per_server_cpu:,.0f}",
        f"{send.others_cpu:.0%} / {noop.others_cpu:.0%}",
    ]


def _row(send: Run, noop: Run) -> str:
    return "  ".join(f"{h}={c}" for h, c in zip(HEADERS, _cells(send, noop), strict=True))


CLIENT_NOTES = {
    "httpx": "httpx.AsyncClient, one keep-alive connection per sender",
    "raw": "a minimal HTTP/1.1 keep-alive client on asyncio streams (bench/send.py "
    "`RawClient`), one connection per sender",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_server_options(parser)
    parser.add_argument("--levels", default="1,8,32", help="Concurrent senders per level")
    parser.add_argument("--duration", type=float, default=10.0, help="Seconds of sending per level")
    parser.add_argument(
        "--noop-duration", type=float, default=5.0, help="Seconds of no-op calls per level"
    )
    parser.add_argument(
        "--client",
        choices=sorted(CLIENTS),
        default="httpx",
        help="Load generator HTTP client: httpx (default) or raw (cheaper on CPU)",
    )
    args = parser.parse_args()
    common.apply_server_options(args)
    levels = [int(v) for v in args.levels.split(",")]
    with common.running_server(args.database_url, args.synchronous) as server:
        database = common.database_label(server.database_url, server.synchronous)
        results, notes = measure(
            server,
            levels,
            args.duration,
            args.noop_duration,
            args.client,
            quiet_wait=args.quiet_wait,
        )
    figures = common.table(HEADERS, [_cells(s, n) for s, n in results])
    print()
    print(figures)
    print(notes)
    if args.no_doc:
        return
    body = (
        f"{common.section_header(database)}\n"
        f"Each level: {args.duration:g} s of sends, then {args.noop_duration:g} s of "
        "`GET /api/v1/noop` from the same senders. Load generator: one separate process "
        f"(asyncio on uvloop, {CLIENT_NOTES[args.client]}) sharing the 2 cores with the "
        "server. CPU columns: CPU seconds per wall second (100% = one core); msg per "
        "server CPU-s: messages per second of CPU the server used; other load: cores the "
        "rest of the machine used meanwhile (send / no-op).\n\n"
        f"{figures}\n\n{notes}\n"
    )
    name = "send" if args.client == "httpx" else f"send-{args.client}"
    common.write_section(common.section_name(name, args), body)


if __name__ == "__main__":
    main()
