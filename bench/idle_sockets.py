"""Memory held by idle live-event WebSockets: the server's RSS before and after
opening them.

A server (``--workers`` processes, 1 by default) on a fresh database; 50 members,
whose tokens the sockets share round-robin. Sockets are opened in steps (1,000 then
up to 3,000 by default) from several client processes; after each step, once every
socket is open and has settled, the resident memory of the server's whole process
tree is read from /proc. Nothing is sent on the sockets.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import common

SETTLE_SECONDS = 2.0


def rss_bytes(pid: int) -> int:
    """Resident memory of a process and its descendants (shared pages count in each)."""
    total = 0
    for p in (pid, *common._descendants(pid)):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except FileNotFoundError:
            continue
    return total


async def _hold(
    url: str, tokens: list[str], counts: list[int], control: Any, deflate: bool
) -> None:
    """Open sockets in steps (``counts``: how many in all after each step); report after
    each; hold them until told to stop."""
    from websockets.asyncio.client import connect

    gate = asyncio.Semaphore(25)
    sockets: list[Any] = []
    loop = asyncio.get_running_loop()

    async def open_one(token: str) -> Any:
        async with gate:
            return await connect(
                f"{url}?token={token}",
                ping_interval=None,
                open_timeout=120,
                compression="deflate" if deflate else None,
            )

    for count in counts:
        todo = [tokens[i % len(tokens)] for i in range(len(sockets), count)]
        sockets += await asyncio.gather(*(open_one(t) for t in todo))
        control.send(len(sockets))
        await loop.run_in_executor(None, control.recv)  # go on
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


def client_process(
    url: str, tokens: list[str], counts: list[int], control: Any, deflate: bool
) -> None:
    common.run(_hold(url, tokens, counts, control, deflate))


def measure(
    server: common.Server, tokens: list[str], steps: list[int], processes: int, deflate: bool
) -> list:
    ctx = get_context("spawn")
    url = server.url.replace("http://", "ws://") + "/api/v1/events"
    rows = []
    time.sleep(SETTLE_SECONDS)
    base = rss_bytes(server.pid)
    rows.append((0, base))
    controls, workers = [], []
    for i in range(processes):
        counts = [step // processes + (1 if i < step % processes else 0) for step in steps]
        mine, theirs = ctx.Pipe()
        worker = ctx.Process(target=client_process, args=(url, tokens, counts, theirs, deflate))
        worker.start()
        controls.append(mine)
        workers.append(worker)
    for _ in steps:
        opened = sum(c.recv() for c in controls)
        time.sleep(SETTLE_SECONDS)
        rss = rss_bytes(server.pid)
        rows.append((opened, rss))
        print(f"{opened} sockets: RSS {rss / 2**20:.1f} MiB", flush=True)
        for control in controls:
            control.send(True)
    for worker in workers:
        worker.join(60)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_server_options(parser)
    parser.add_argument("--steps", default="1000,3000", help="Sockets open in all, per step")
    parser.add_argument("--workers", default="1,2", help="Server processes, one server each")
    parser.add_argument("--processes", type=int, default=4, help="Client processes")
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="Clients offer permessage-deflate, as browsers do (default: they do not)",
    )
    args = parser.parse_args()
    common.apply_server_options(args)
    steps = [int(s) for s in args.steps.split(",")]
    rows = []
    for workers in (int(w) for w in args.workers.split(",")):
        # Room for every socket under the connection cap.
        extra = {"TIDINGS_WORKERS": str(workers), "TIDINGS_MAX_CONNECTIONS": str(max(steps) + 500)}
        with common.running_server(args.database_url, args.synchronous, extra) as server:
            database = common.database_label(server.database_url, args.synchronous)
            tokens = [m.token for m in common.create_members(server, 50, prefix="idle")]
            common.wait_for_quiet(max_wait=args.quiet_wait)
            measured = measure(server, tokens, steps, args.processes, args.deflate)
        base = measured[0][1]
        for opened, rss in measured:
            per_k = (rss - base) / opened * 1000 / 2**20 if opened else 0.0
            rows.append(
                [
                    workers,
                    f"{opened:,}",
                    f"{rss / 2**20:.1f}",
                    f"{(rss - base) / 2**20:.1f}",
                    f"{per_k:.1f}" if opened else "-",
                ]
            )
    headers = ("processes", "idle sockets", "server RSS MiB", "added MiB", "MiB per 1,000")
    figures = common.table(headers, rows)
    print(figures)
    if args.no_doc:
        return
    body = (
        f"{common.section_header(database)}\n"
        "Resident memory of the server's process tree (the sum of each process's RSS) "
        f"with no socket open, then after opening idle event WebSockets in steps, "
        f"from {args.processes} client processes, {SETTLE_SECONDS:g} s after the last "
        "one opened. 50 members share the sockets. Nothing is sent but heartbeats.\n\n"
        f"{figures}\n"
    )
    common.write_section(common.section_name("idle-sockets", args), body)


if __name__ == "__main__":
    main()
