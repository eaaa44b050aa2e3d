"""Send latency while clients guess passwords, beside the same without guessers.

One sender posts messages to a topic of #general, one after another, and the time
of each acknowledged send is recorded. In alternate phases of one run (quiet,
guessing, guessing, quiet, ...: the order flips each round so that drift on a shared
machine falls on both sides) four more clients post wrong passwords to
``POST /auth/login`` without pause. The sign-in limiter is opened wide for the run
so that every guess costs a real argon2id check (the server's default cost): the
figure shows what password checking does to writes, not how soon guessers are
refused. Sender and guessers run in one load-generator process, apart from the
server, on the same cores.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

import common
import httpx

GUESSERS = 4
WIDE_OPEN = "1000000000"
LIMITS_OFF = {
    "TIDINGS_LOGIN_PAIR_FAILURES": WIDE_OPEN,
    "TIDINGS_LOGIN_ACCOUNT_FAILURES": WIDE_OPEN,
    "TIDINGS_LOGIN_ADDRESS_FAILURES": WIDE_OPEN,
    "TIDINGS_LOGIN_GLOBAL_FAILURES": WIDE_OPEN,
}


@dataclass
class Phase:
    guessing: bool
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    guesses: int = 0
    refused: int = 0
    elapsed: float = 0.0
    server_cpu: float = 0.0
    others_cpu: float = 0.0


async def _send(api: str, token: str, topic: int, stop: list[float], phase: dict) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=api, headers=headers, timeout=120) as client:
        n = 0
        while time.perf_counter() < stop[0]:
            body = {"body": f"Status {n}: the rollout is on track, notes in the doc by Friday."}
            began = time.perf_counter()
            response = await client.post(f"/topics/{topic}/messages", json=body)
            phase["latencies"].append(time.perf_counter() - began)
            if response.status_code != 201:
                phase["errors"] += 1
            n += 1


async def _guess(api: str, email: str, stop: list[float], phase: dict, who: int) -> None:
    async with httpx.AsyncClient(base_url=api, timeout=120) as client:
        n = 0
        while time.perf_counter() < stop[0]:
            body = {"email": email, "password": f"guess {who}-{n}"}
            response = await client.post("/auth/login", json=body)
            if response.status_code == 401:
                phase["guesses"] += 1
            elif response.status_code == 429:
                phase["refused"] += 1
            n += 1


async def _phase(api: str, token: str, topic: int, email: str, guessing: bool, seconds: float):
    phase: dict = {"latencies": [], "errors": 0, "guesses": 0, "refused": 0}
    stop = [time.perf_counter() + seconds]
    tasks = [_send(api, token, topic, stop, phase)]
    if guessing:
        tasks += [_guess(api, email, stop, phase, who) for who in range(GUESSERS)]
    began = time.perf_counter()
    await asyncio.gather(*tasks)
    phase["elapsed"] = time.perf_counter() - began
    return phase


def run_phase(api: str, token: str, topic: int, email: str, guessing: bool, seconds: float):
    """In the load-generator process."""
    return common.run(_phase(api, token, topic, email, guessing, seconds))


def _worker_pid() -> int:
    import os

    return os.getpid()


def measure(server: common.Server, rounds: int, seconds: float) -> tuple[Phase, Phase]:
    general = common.channel_id(server, "general")
    topic = common.create_topics(server, general, 1, title="Guessing")[0]
    sender = common.create_members(server, 1, prefix="sender")[0]
    quiet, guessing = Phase(False), Phase(True)
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        client_pid = pool.submit(_worker_pid).result()
        for n in range(rounds):
            order = (quiet, guessing) if n % 2 == 0 else (guessing, quiet)
            for phase in order:
                watch = common.CpuWatch([server.pid, client_pid])
                got = pool.submit(
                    run_phase,
                    server.api,
                    sender.token,
                    topic,
                    common.OWNER_EMAIL,
                    phase.guessing,
                    seconds,
                ).result()
                cores = watch.stop()
                phase.latencies += got["latencies"]
                phase.errors += got["errors"]
                phase.guesses += got["guesses"]
                phase.refused += got["refused"]
                phase.elapsed += got["elapsed"]
                phase.server_cpu += cores[str(server.pid)] * got["elapsed"]
                phase.others_cpu += cores["others"] * got["elapsed"]
                label = "guessing" if phase.guessing else "quiet"
                print(f"round {n + 1} {label}: {len(got['latencies'])} sends")
    return quiet, guessing


HEADERS = (
    "phase",
    "sends",
    "send p50 ms",
    "send p99 ms",
    "errors",
    "guesses checked/s",
    "guesses refused",
    "server CPU",
    "other load",
)


def _cells(phase: Phase) -> list:
    elapsed = phase.elapsed or 1.0
    return [
        f"{GUESSERS} guessers" if phase.guessing else "no guessers",
        len(phase.latencies),
        common.ms(common.percentile(phase.latencies, 50)),
        common.ms(common.percentile(phase.latencies, 99)),
        phase.errors,
        f"{phase.guesses / elapsed:.1f}",
        phase.refused,
        f"{phase.server_cpu / elapsed:.0%}",
        f"{phase.others_cpu / elapsed:.0%}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_server_options(parser)
    parser.add_argument("--rounds", type=int, default=4, help="Pairs of phases (default 4)")
    parser.add_argument("--seconds", type=float, default=10.0, help="Seconds per phase")
    parser.add_argument(
        "--password-threads",
        type=int,
        default=None,
        help="TIDINGS_PASSWORD_HASH_THREADS for the server (default: the server's default)",
    )
    args = parser.parse_args()
    common.apply_server_options(args)
    env = dict(LIMITS_OFF)
    if args.password_threads:
        env["TIDINGS_PASSWORD_HASH_THREADS"] = str(args.password_threads)
    with common.running_server(args.database_url, args.synchronous, env) as server:
        database = common.database_label(server.database_url, server.synchronous)
        if args.quiet_wait:
            common.wait_for_quiet(max_wait=args.quiet_wait)
        quiet, guessing = measure(server, args.rounds, args.seconds)
    figures = common.table(HEADERS, [_cells(quiet), _cells(guessing)])
    ratio_50 = common.percentile(guessing.latencies, 50) / common.percentile(quiet.latencies, 50)
    ratio_99 = common.percentile(guessing.latencies, 99) / common.percentile(quiet.latencies, 99)
    ratios = f"With guessers / without: p50 x{ratio_50:.2f}, p99 x{ratio_99:.2f}."
    print()
    print(figures)
    print(ratios)
    if args.no_doc:
        return
    body = (
        f"{common.section_header(database)}\n"
        f"{args.rounds} rounds of two {args.seconds:g} s phases, one with {GUESSERS} clients "
        "posting wrong passwords without pause and one without, in alternating order. One "
        "sender posts messages one after another throughout. The sign-in limiter is opened "
        "wide (every guess is checked with argon2id at the default cost); passwords are "
        "checked in their own low-priority threads, never in the writer. CPU columns: "
        "cores used per wall second; other load: cores the rest of the machine used.\n\n"
        f"{figures}\n\n{ratios}\n"
    )
    common.write_section(common.section_name("login-guessing", args), body)


if __name__ == "__main__":
    main()
