"""Send throughput on one SQLite file: one server process beside ``--workers 2``.

The same load (N senders, each a member with its own keep-alive connection,
posting to topics of #general; then the same connections on the no-op endpoint)
against a server started with ``TIDINGS_WORKERS=1`` and one with ``=2``, level by
level, alternating, each on a fresh database. Server CPU is summed over the
server's whole process tree. The load generator shares the 2 cores.
"""

from __future__ import annotations

import argparse

import common
import send


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_server_options(parser)
    parser.add_argument("--levels", default="1,8,32", help="Concurrent senders per level")
    parser.add_argument("--duration", type=float, default=8.0, help="Seconds of sending per level")
    parser.add_argument("--noop-duration", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=2, help="Alternations of 1 and 2 processes")
    args = parser.parse_args()
    common.apply_server_options(args)
    levels = [int(v) for v in args.levels.split(",")]
    rows: dict[tuple[int, int], list[tuple[send.Run, send.Run]]] = {}
    notes = []
    for round_ in range(args.rounds):
        for workers in (1, 2) if round_ % 2 == 0 else (2, 1):
            extra = {"TIDINGS_WORKERS": str(workers)}
            with common.running_server(args.database_url, args.synchronous, extra) as server:
                print(f"round {round_ + 1}, {workers} process(es)")
                results, note = send.measure(
                    server, levels, args.duration, args.noop_duration, quiet_wait=args.quiet_wait
                )
                notes.append(f"{workers} process(es), round {round_ + 1}: {note}")
                database = common.database_label(server.database_url, server.synchronous)
            for level, pair in zip(levels, results, strict=True):
                rows.setdefault((workers, level), []).append(pair)
    headers = ("processes", *send.HEADERS)
    table_rows = []
    for (workers, _level), pairs in sorted(rows.items()):
        best = max(pairs, key=lambda pair: pair[0].rate)  # the least disturbed run
        table_rows.append([workers, *send._cells(*best)])
    figures = common.table(headers, table_rows)
    ratios = []
    for level in levels:
        one = max(p[0].rate for p in rows[(1, level)])
        two = max(p[0].rate for p in rows[(2, level)])
        one_cpu = max(p[0].per_server_cpu for p in rows[(1, level)])
        two_cpu = max(p[0].per_server_cpu for p in rows[(2, level)])
        ratios.append(
            f"{level} senders: msg/s ×{two / one:.2f}, "
            f"msg per server CPU-s ×{two_cpu / one_cpu:.2f}"
        )
    print()
    print(figures)
    print("; ".join(ratios))
    if args.no_doc:
        return
    body = (
        f"{common.section_header(database)}\n"
        f"Each level: {args.duration:g} s of sends, then {args.noop_duration:g} s of no-op "
        f"calls; {args.rounds} rounds alternating 1 and 2 processes, each on a fresh database; "
        "the best round of each is shown. Server CPU is the whole process tree's.\n\n"
        f"{figures}\n\n2 processes against 1: {'; '.join(ratios)}.\n\n"
        + "\n".join(f"- {n}" for n in notes)
        + "\n"
    )
    common.write_section(common.section_name("workers", args), body)


if __name__ == "__main__":
    main()
