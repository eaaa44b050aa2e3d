"""Live fan-out from one server process beside ``serve --workers 2``, on one SQLite file.

Two servers run side by side, each on its own fresh database with the same 500
members in #general: one with ``TIDINGS_WORKERS=1``, one with ``=2``. For each rate,
the same fan-out run as ``bench/fanout.py`` (one sender, 500 WebSockets spread over
subscriber processes) goes to one server and then the other, the order alternating
from rate to rate, so both meet the same machine. The kernel spreads the sockets
over the two processes; each tails the log and writes to its own. Server CPU is
summed over each server's whole process tree.
"""

from __future__ import annotations

import argparse
import contextlib

import common
import fanout


def _prepared(args: argparse.Namespace, workers: int, stack: contextlib.ExitStack) -> tuple:
    extra = {"TIDINGS_WORKERS": str(workers)}
    server = stack.enter_context(common.running_server(args.database_url, args.synchronous, extra))
    general = common.channel_id(server, "general")
    topic = common.create_topics(server, general, 1, title="Fan-out")[0]
    members = common.create_members(server, args.subscribers, prefix="reader")
    return server, topic, [m.token for m in members]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_server_options(parser)
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--processes", type=int, default=4, help="Subscriber processes")
    parser.add_argument("--rates", default="50,100,200", help="Messages per second")
    parser.add_argument("--duration", type=float, default=10.0, help="Seconds of sending")
    parser.add_argument("--drain", type=float, default=20.0, help="Seconds to wait after")
    parser.add_argument(
        "--batch", action="store_true", help="Subscribers ask for batched frames (batch=1)"
    )
    args = parser.parse_args()
    common.apply_server_options(args)
    rates = [float(r) for r in args.rates.split(",")]
    rows = []
    with contextlib.ExitStack() as stack:
        servers = {w: _prepared(args, w, stack) for w in (1, 2)}
        database = common.database_label(servers[1][0].database_url, args.synchronous)
        for n, rate in enumerate(rates):
            for workers in (1, 2) if n % 2 == 0 else (2, 1):
                server, topic, tokens = servers[workers]
                common.wait_for_quiet(max_wait=args.quiet_wait)
                outcome = fanout.run_rate(
                    server,
                    tokens,
                    topic,
                    rate,
                    args.duration,
                    args.processes,
                    args.drain,
                    args.batch,
                )
                row = [workers, *fanout._cells(outcome)]
                print(dict(zip(("processes", *fanout.HEADERS), row, strict=True)), flush=True)
                rows.append(row)
    rows.sort(key=lambda row: (float(row[1]), row[0]))
    figures = common.table(("processes", *fanout.HEADERS), rows)
    print(figures)
    if args.no_doc:
        return
    frames = "batched frames (`batch=1`)" if args.batch else "one event per frame"
    body = (
        f"{common.section_header(database)}\n"
        f"{args.subscribers} members in #general, each with one WebSocket ({frames}), spread "
        f"over {args.processes} subscriber processes; one sender posts for "
        f"{args.duration:g} s at a fixed rate, then subscribers wait up to {args.drain:g} s. "
        "Both servers were up for the whole run; rates ran in the order shown, the "
        "server order alternating. Columns as in the fan-out section above; server CPU "
        "is the whole process tree's.\n\n"
        f"{figures}\n"
    )
    common.write_section(common.section_name("fanout-workers", args), body)


if __name__ == "__main__":
    main()
