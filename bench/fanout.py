"""Live fan-out: one sender, hundreds of WebSocket subscribers in one channel.

500 members (all in #general, which new members join) each hold one WebSocket on
``/api/v1/events``; one sender posts to a topic of #general at a fixed rate. Each
message body carries the sender's ``time.monotonic()`` at the moment it posted
(the clock is shared by all processes of the machine), so every subscriber
measures, per delivery, the time from send to receipt. Subscribers live in
separate processes (default 4 × 125 sockets) so the client side is spread out.
After the sending stops, subscribers wait up to ``--drain`` seconds for the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

import common
import httpx
import orjson

STAMP = re.compile(r"fanout (\d+) t=([0-9.]+)")


# --- subscriber processes ---------------------------------------------------------------


async def _subscribe(
    ws_url: str, tokens: list[str], ready: Any, control: Any, deflate: bool
) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    latencies = array("d")
    received = [0] * len(tokens)
    expected = [-1]
    stop_at = [float("inf")]
    last = [0.0]
    gate = asyncio.Semaphore(25)

    async def open_socket(token: str) -> Any:
        async with gate:
            return await connect(
                f"{ws_url}token={token}",
                compression="deflate" if deflate else None,
                ping_interval=None,
                max_size=2**20,
                open_timeout=60,
            )

    sockets = await asyncio.gather(*(open_socket(t) for t in tokens))

    async def read(i: int, ws: Any) -> None:
        with contextlib.suppress(Exception):
            async for frame in ws:
                parsed = orjson.loads(frame)
                now = time.monotonic()
                # With batch=1 a frame is an array of events.
                for event in parsed if isinstance(parsed, list) else (parsed,):
                    if event.get("type") != "message.created":
                        continue
                    found = STAMP.search(event["data"]["body"])
                    if found is None:
                        continue
                    if now > stop_at[0]:
                        return  # a receipt after the deadline does not count
                    latencies.append(now - float(found.group(2)))
                    last[0] = now
                    received[i] += 1
                    if 0 <= expected[0] <= received[i]:
                        return

    readers = [asyncio.create_task(read(i, ws)) for i, ws in enumerate(sockets)]
    ready.put(len(sockets))
    loop = asyncio.get_running_loop()
    # The number of messages posted, and the (machine-wide monotonic) time to stop at.
    expected[0], stop_at[0] = await loop.run_in_executor(None, control.recv)
    deadline = stop_at[0]
    pending = [r for r, n in zip(readers, received, strict=True) if n < expected[0]]
    if pending:
        await asyncio.wait(pending, timeout=max(0.0, deadline - time.monotonic()))
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return {
        "sockets": len(sockets),
        "received": sum(received),
        "complete": sum(1 for n in received if n >= expected[0]),
        "latencies": latencies.tobytes(),
        "last": last[0],
    }


def subscriber_process(
    ws_url: str, tokens: list[str], ready: Any, control: Any, results: Any, deflate: bool
) -> None:
    results.put(common.run(_subscribe(ws_url, tokens, ready, control, deflate)))


# --- the sender ---------------------------------------------------------------------------


@dataclass
class Sent:
    posted: int
    errors: int
    unanswered: int
    post_latencies: list[float]


async def _send(
    api: str,
    token: str,
    topic: int,
    rate: float,
    duration: float,
    drain: float,
    scheduled: Callable[[int, float], None],
) -> Sent:
    """Post at ``rate`` for ``duration``; wait for answers until ``drain`` s after that."""
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
    latencies: list[float] = []
    errors = [0]
    async with httpx.AsyncClient(base_url=api, headers=headers, limits=limits, timeout=60) as c:
        await c.get("/noop")

        async def post(n: int) -> None:
            sent_at = time.monotonic()
            body = {"body": f"fanout {n} t={sent_at:.6f} status update for everyone"}
            try:
                response = await c.post(f"/topics/{topic}/messages", json=body)
                if response.status_code != 201:
                    errors[0] += 1
            except httpx.HTTPError:
                errors[0] += 1
            latencies.append(time.monotonic() - sent_at)

        total = int(rate * duration)
        began = time.monotonic()
        tasks = []
        for n in range(total):
            # A fixed schedule: a slow answer delays no later message.
            await asyncio.sleep(max(0.0, began + n / rate - time.monotonic()))
            tasks.append(asyncio.create_task(post(n)))
        deadline = began + duration + drain
        scheduled(total, deadline)
        _, pending = await asyncio.wait(tasks, timeout=max(0.0, deadline - time.monotonic()))
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    return Sent(total, errors[0], len(pending), latencies)


# --- one run --------------------------------------------------------------------------------


@dataclass
class Outcome:
    rate: float
    subscribers: int
    sent: Sent
    expected: int
    received: int
    complete_sockets: int
    latencies: list[float]
    delivery_seconds: float
    server_cpu: float
    client_cpu: float
    others_cpu: float
    server_cpu_seconds: float


def run_rate(
    server: common.Server,
    tokens: list[str],
    topic: int,
    rate: float,
    duration: float,
    processes: int,
    drain: float,
    batch: bool = False,
    deflate: bool = False,
) -> Outcome:
    ctx = get_context("spawn")
    ws_url = server.url.replace("http://", "ws://") + "/api/v1/events"
    ws_url += "?batch=1&" if batch else "?"  # the subscribers add token=…
    ready, results = ctx.Queue(), ctx.Queue()
    chunks = [tokens[i::processes] for i in range(processes)]
    workers, controls = [], []
    for chunk in chunks:
        mine, theirs = ctx.Pipe()
        worker = ctx.Process(
            target=subscriber_process, args=(ws_url, chunk, ready, theirs, results, deflate)
        )
        worker.start()
        workers.append(worker)
        controls.append(mine)
    connected = sum(ready.get(timeout=120) for _ in workers)
    time.sleep(1.0)  # let the last subscriptions settle
    watch = common.CpuWatch([server.pid, *(w.pid for w in workers if w.pid)])
    began = time.monotonic()
    last = [began]

    def scheduled(total: int, deadline: float) -> None:
        for control in controls:
            control.send((total, deadline))

    sent = common.run(
        _send(server.api, server.owner_token, topic, rate, duration, drain, scheduled)
    )
    gathered = [results.get(timeout=drain + 120) for _ in workers]
    last[0] = max(p["last"] for p in gathered) or time.monotonic()
    delivery_seconds = last[0] - began
    cores = watch.stop()
    for worker in workers:
        worker.join(30)
    latencies: list[float] = []
    for part in gathered:
        values = array("d")
        values.frombytes(part["latencies"])
        latencies.extend(values)
    named = (str(server.pid), "machine", "others", "wall")
    client = sum(v for k, v in cores.items() if k not in named)
    return Outcome(
        rate,
        connected,
        sent,
        sent.posted * connected,
        sum(p["received"] for p in gathered),
        sum(p["complete"] for p in gathered),
        latencies,
        delivery_seconds,
        cores[str(server.pid)],
        client,
        cores["others"],
        cores[str(server.pid)] * cores["wall"],
    )


HEADERS = (
    "msg/s sent",
    "subscribers",
    "messages",
    "deliveries expected",
    "received",
    "p50 ms",
    "p99 ms",
    "max ms",
    "deliveries/s",
    "per server CPU-s",
    "send p50 / p99 ms",
    "server CPU",
    "subscribers CPU",
    "other load",
)


def _cells(o: Outcome) -> list[Any]:
    post = o.sent.post_latencies
    # Deliveries still missing at the deadline would all be slower than any received:
    # when more than 1% are missing, the true p99 is above the one measured.
    bound = "≥ " if o.received < 0.99 * o.expected else ""
    p50, p99 = (common.ms(common.percentile(post, q)) for q in (50, 99))
    answered = f"{p50} / {p99}"
    if o.sent.errors or o.sent.unanswered:
        answered += f" ({o.sent.errors} errors, {o.sent.unanswered} unanswered)"
    return [
        f"{o.rate:g}",
        o.subscribers,
        o.sent.posted,
        f"{o.expected:,}",
        f"{o.received:,} ({o.received / o.expected:.1%})" if o.expected else "0",
        common.ms(common.percentile(o.latencies, 50)),
        bound + common.ms(common.percentile(o.latencies, 99)),
        common.ms(max(o.latencies, default=float("nan"))),
        f"{o.received / o.delivery_seconds:,.0f}",
        f"{o.received / o.server_cpu_seconds:,.0f}" if o.server_cpu_seconds else "-",
        answered,
        f"{o.server_cpu:.0%}",
        f"{o.client_cpu:.0%}",
        f"{o.others_cpu:.0%}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_server_options(parser)
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--processes", type=int, default=4, help="Subscriber processes")
    parser.add_argument(
        "--rates", default="200,20", help="Messages per second, one run each (default 200,20)"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="Seconds of sending")
    parser.add_argument("--drain", type=float, default=20.0, help="Seconds to wait after")
    parser.add_argument(
        "--batch", action="store_true", help="Subscribers ask for batched frames (batch=1)"
    )
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="Subscribers offer permessage-deflate, as browsers do (default: they do not)",
    )
    args = parser.parse_args()
    common.apply_server_options(args)
    rates = [float(r) for r in args.rates.split(",")]
    outcomes = []
    with common.running_server(args.database_url, args.synchronous) as server:
        database = common.database_label(server.database_url, server.synchronous)
        general = common.channel_id(server, "general")
        topic = common.create_topics(server, general, 1, title="Fan-out")[0]
        members = common.create_members(server, args.subscribers, prefix="reader")
        tokens = [m.token for m in members]
        for rate in rates:
            common.wait_for_quiet(max_wait=args.quiet_wait)
            outcome = run_rate(
                server,
                tokens,
                topic,
                rate,
                args.duration,
                args.processes,
                args.drain,
                args.batch,
                args.deflate,
            )
            print(dict(zip(HEADERS, _cells(outcome), strict=True)))
            outcomes.append(outcome)
    figures = common.table(HEADERS, [_cells(o) for o in outcomes])
    print(figures)
    if args.no_doc:
        return
    body = (
        f"{common.section_header(database)}\n"
        f"{args.subscribers} members in #general, each with one WebSocket, spread over "
        f"{args.processes} subscriber processes; one sender process posts for "
        f"{args.duration:g} s at a fixed rate (it does not wait for one answer before the "
        f"next post), then subscribers wait up to {args.drain:g} s for what is still on "
        "its way. Latency: from the sender's clock just before the POST to the "
        "subscriber's receipt of `message.created`, per delivery (so it includes the "
        "commit). Deliveries/s: received over the time from the first post to the last "
        "receipt or the drain deadline; per server CPU-s: deliveries per second of CPU "
        "the server used (steadier than wall-clock rates when other work shares the "
        "machine). Send p50/p99: the POST round trip.\n\n"
        f"{figures}\n"
    )
    common.write_section(common.section_name("fanout", args), body)


if __name__ == "__main__":
    main()
