"""Mixed load: N active members, each with a live WebSocket, reading and sending.

Each simulated member holds one WebSocket on ``/api/v1/events`` and one keep-alive
HTTP connection (opened again when the server has closed it while idle). Members
are in teams (default 50 to a private channel with 5 topics). With think times
drawn from exponential distributions, a member:

- visits every ~3 s (mean): ``GET /api/v1/inbox``; then the page of the topic the
  inbox names first (or one of the team's topics), ``GET /topics/{id}/messages
  ?anchor=newest&limit=30``; then ``POST /api/v1/read`` for it if it was unread;
- sends every ~12 s (mean): ``POST /topics/{id}/messages`` to a team topic.

That is a working day compressed ten times: a person looks every ~30 s and writes
every ~2 min. ``--read-every 30 --send-every 120`` runs at a person's pace, into a
section of its own (``mixed-person``). Every message carries the machine-wide
monotonic time it was sent, so each receiving socket measures its live delivery delay.

N ramps up (50, 100, 200, 400, …): members are added to those already active; after
a settling pause, a window of fixed length is measured (request latency over all
requests, errors, delivery delay, CPU). The ramp stops at the first N whose request
p99 exceeds the limit (500 ms) or that had an error; the result is the largest N
before it. The simulated members live in several client processes (asyncio on
uvloop), which share the machine's cores with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import re
import resource
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection
from typing import Any

import common
import httpx
import orjson

# A person's pace, as the targets put it: a look every ~30 s, a message every ~2 min.
PERSON_READ_EVERY, PERSON_SEND_EVERY = 30.0, 120.0
CONTENT_LENGTH = re.compile(rb"(?i)\r\ncontent-length: *(\d+)")
STAMP = re.compile(r" t=([0-9.]+)")
KINDS = ("inbox", "topic", "read", "send")
MAX_CONNECTIONS = "20000"


@dataclass
class User:
    token: str
    topics: list[int]


# --- one simulated member's HTTP connection ---------------------------------------------


class Http:
    """HTTP/1.1 keep-alive on one asyncio stream; reopened when the server closed it."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.auth = f"Authorization: Bearer {token}\r\n"
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        if self.streams is not None and self.streams[0].at_eof():
            self.close()  # the server ended the idle connection (keep_alive_seconds)
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
            return await self._exchange(method, path, body)
        try:
            return await self._exchange(method, path, body)
        except (asyncio.IncompleteReadError, ConnectionError):
            # Closed as we sent: nothing was answered, so asking again on a new one is safe.
            self.close()
            self.streams = await asyncio.open_connection(self.host, self.port)
            return await self._exchange(method, path, body)

    async def _exchange(self, method: str, path: str, body: Any) -> tuple[int, bytes]:
        assert self.streams is not None
        reader, writer = self.streams
        content = orjson.dumps(body) if body is not None else b""
        head = f"{method} /api/v1{path} HTTP/1.1\r\nHost: {self.host}\r\n{self.auth}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n"
        writer.write(head.encode() + b"\r\n" + content)
        header = await reader.readuntil(b"\r\n\r\n")
        found = CONTENT_LENGTH.search(header)
        data = await reader.readexactly(int(found.group(1)) if found else 0)
        return int(header[9:12]), data

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


# --- a client process: many simulated members ------------------------------------------


@dataclass
class Tally:
    latencies: dict[str, array] = field(default_factory=lambda: {k: array("d") for k in KINDS})
    errors: Counter[str] = field(default_factory=Counter)
    deliveries: array = field(default_factory=lambda: array("d"))

    def dump(self) -> dict[str, Any]:
        return {
            "latencies": {k: v.tobytes() for k, v in self.latencies.items()},
            "errors": dict(self.errors),
            "deliveries": self.deliveries.tobytes(),
        }


class Simulation:
    def __init__(self, url: str, read_every: float, send_every: float) -> None:
        parsed = httpx.URL(url)
        self.host, self.port = parsed.host, parsed.port or 80
        self.ws_base = url.replace("http://", "ws://") + "/api/v1/events"
        self.read_every, self.send_every = read_every, send_every
        self.tally = Tally()
        self.tasks: list[asyncio.Task[None]] = []
        self.sockets: list[Any] = []
        self.gate = asyncio.Semaphore(50)
        self.stopping = False
        self.count = 0

    async def add(self, users: list[User]) -> int:
        opened = await asyncio.gather(*(self._connect(u) for u in users))
        return sum(opened)

    async def _connect(self, user: User) -> bool:
        from websockets.asyncio.client import connect

        try:
            async with self.gate:
                ws = await connect(
                    f"{self.ws_base}?token={user.token}",
                    compression=None,
                    ping_interval=None,
                    max_size=2**20,
                    open_timeout=60,
                )
        except Exception as error:  # refused or timed out: counted, not raised
            self.tally.errors[f"ws connect: {type(error).__name__}"] += 1
            return False
        self.sockets.append(ws)
        self.tasks.append(asyncio.create_task(self._listen(ws)))
        self.tasks.append(asyncio.create_task(self._act(user, self.count)))
        self.count += 1
        return True

    async def _listen(self, ws: Any) -> None:
        try:
            async for frame in ws:
                if '"message.created"' not in frame:
                    continue
                found = STAMP.search(orjson.loads(frame)["data"]["body"])
                if found:
                    self.tally.deliveries.append(time.monotonic() - float(found.group(1)))
        except Exception as error:
            if not self.stopping:
                self.tally.errors[f"ws: {type(error).__name__}"] += 1
            return
        if not self.stopping:
            self.tally.errors["ws closed by the server"] += 1

    async def _act(self, user: User, n: int) -> None:
        http = Http(self.host, self.port, user.token)
        rng = random.Random(n)
        now = time.monotonic()
        next_visit = now + rng.uniform(0, self.read_every)
        next_send = now + rng.expovariate(1 / self.send_every)
        sent = 0
        try:
            while not self.stopping:
                due = min(next_visit, next_send)
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                if self.stopping:
                    return
                if next_send <= next_visit:
                    topic = rng.choice(user.topics)
                    body = {
                        "body": f"Note {sent} t={time.monotonic():.6f} on the "
                        f"{rng.choice(WORDS)}: done, next the {rng.choice(WORDS)} by Friday."
                    }
                    await self._call(http, "send", "POST", f"/topics/{topic}/messages", body)
                    sent += 1
                    next_send = max(next_send, time.monotonic() - 1) + rng.expovariate(
                        1 / self.send_every
                    )
                else:
                    await self._visit(http, user, rng)
                    next_visit = max(next_visit, time.monotonic() - 1) + rng.expovariate(
                        1 / self.read_every
                    )
        finally:
            http.close()

    async def _visit(self, http: Http, user: User, rng: random.Random) -> None:
        inbox = await self._call(http, "inbox", "GET", "/inbox")
        unread = None
        if inbox is not None:
            items = orjson.loads(inbox)["items"]
            unread = next((i["topic_id"] for i in items if i.get("topic_id")), None)
        topic = unread or rng.choice(user.topics)
        await self._call(http, "topic", "GET", f"/topics/{topic}/messages?anchor=newest&limit=30")
        if unread:
            await self._call(http, "read", "POST", "/read", {"topic_id": topic})

    async def _call(
        self, http: Http, kind: str, method: str, path: str, body: Any = None
    ) -> bytes | None:
        began = time.monotonic()
        try:
            status, data = await http.request(method, path, body)
        except (OSError, asyncio.IncompleteReadError) as error:
            http.close()
            self.tally.latencies[kind].append(time.monotonic() - began)
            self.tally.errors[f"{kind}: {type(error).__name__}"] += 1
            return None
        self.tally.latencies[kind].append(time.monotonic() - began)
        if status >= 300:
            self.tally.errors[f"{kind}: {status}"] += 1
            return None
        return data

    async def stop(self) -> None:
        self.stopping = True
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)


async def _serve_commands(url: str, read_every: float, send_every: float, pipe: Connection) -> None:
    simulation = Simulation(url, read_every, send_every)
    loop = asyncio.get_running_loop()
    while True:
        command, arg = await loop.run_in_executor(None, pipe.recv)
        if command == "add":
            pipe.send(await simulation.add([User(*u) for u in arg]))
        elif command == "take":
            taken, simulation.tally = simulation.tally, Tally()
            pipe.send(taken.dump())
        else:
            await simulation.stop()
            pipe.send(None)
            return


def client_process(url: str, read_every: float, send_every: float, pipe: Connection) -> None:
    _raise_open_files()
    common.run(_serve_commands(url, read_every, send_every, pipe))


WORDS = ["budget", "rollout", "roadmap", "launch", "retro", "release", "hiring", "design"]


# --- the driver ----------------------------------------------------------------------------


def _raise_open_files(needed: int = 0) -> None:
    """Two sockets per simulated member, on each side: lift the soft limit to the hard one
    (the server, started from here, inherits it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise SystemExit(f"{needed} open files needed, the limit is {hard}: lower --levels")


@dataclass
class Level:
    users: int
    window: float
    latencies: dict[str, list[float]]
    errors: Counter[str]
    deliveries: list[float]
    server_cpu: float
    client_cpu: float
    others_cpu: float

    @property
    def all_latencies(self) -> list[float]:
        return [x for v in self.latencies.values() for x in v]

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def p(self, q: float) -> float:
        return common.percentile(self.all_latencies, q)

    def passed(self, limit: float) -> bool:
        return self.error_count == 0 and self.p(99) <= limit


class Clients:
    """Client processes, each driving its share of the simulated members."""

    def __init__(self, url: str, processes: int, read_every: float, send_every: float) -> None:
        ctx = get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes = []
        for _ in range(processes):
            mine, theirs = ctx.Pipe()
            process = ctx.Process(
                target=client_process, args=(url, read_every, send_every, theirs), daemon=True
            )
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)
        self.added = 0

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid]

    def add(self, users: list[User]) -> int:
        shares = [users[i :: len(self.pipes)] for i in range(len(self.pipes))]
        for pipe, share in zip(self.pipes, shares, strict=True):
            pipe.send(("add", [(u.token, u.topics) for u in share]))
        opened = sum(pipe.recv() for pipe in self.pipes)
        self.added += opened
        return opened

    def take(self) -> tuple[dict[str, list[float]], Counter[str], list[float]]:
        for pipe in self.pipes:
            pipe.send(("take", None))
        latencies: dict[str, list[float]] = {k: [] for k in KINDS}
        errors: Counter[str] = Counter()
        deliveries: list[float] = []
        for pipe in self.pipes:
            got = pipe.recv()
            for kind, raw in got["latencies"].items():
                latencies[kind] += array("d", raw).tolist()
            errors.update(got["errors"])
            deliveries += array("d", got["deliveries"]).tolist()
        return latencies, errors, deliveries

    def stop(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(OSError):
                pipe.send(("stop", None))
        for pipe, process in zip(self.pipes, self.processes, strict=True):
            with contextlib.suppress(EOFError, OSError):
                if pipe.poll(60):
                    pipe.recv()
            process.join(10)
            if process.is_alive():
                process.kill()


def add_members(database_url: str, synchronous: str, count: int) -> list[common.Member]:
    """``count`` members with API tokens, in one transaction, by the actions ``POST /users``
    and ``tidings token create`` run: thousands of ``POST /users`` would take minutes here.
    """
    from sqlalchemy import select

    from tidings.actions.auth import API, issue_token
    from tidings.actions.members import insert_member
    from tidings.core.roles import Role
    from tidings.store.database import Database
    from tidings.store.models import workspaces

    def add(tx: Any) -> list[common.Member]:
        slug = workspaces.c.slug == common.SLUG
        workspace_id = tx.conn.execute(select(workspaces.c.id).where(slug)).scalar_one()
        made = []
        for i in range(count):
            member_id = insert_member(
                tx,
                workspace_id,
                email=f"user{i}@bench.test",
                password_hash=None,
                display_name=f"User {i}",
                role=Role.MEMBER,
            )
            issued = issue_token(tx, workspace_id, member_id, name="bench", kind=API, lifetime=None)
            made.append(common.Member(member_id, "", issued["token"]))
        return made

    db = Database(database_url, synchronous=synchronous)
    try:
        return list(db.write(add))
    finally:
        db.close()


def make_users(server: common.Server, count: int, team_size: int, topics: int) -> list[User]:
    """``count`` members in teams of ``team_size``, each team a private channel with topics.

    Made before any stream is open: each new member is an event for the whole workspace.
    """
    members = add_members(server.database_url, server.synchronous, count)
    users = []
    with server.client() as client:
        for start in range(0, count, team_size):
            team = members[start : start + team_size]
            made = client.post(
                "/channels",
                json={
                    "name": f"team-{start // team_size + 1}",
                    "is_private": True,
                    "member_ids": [m.id for m in team],
                },
            ).raise_for_status()
            channel = int(made.json()["id"])
            ids = []
            for t in range(topics):
                body = {"title": f"Team topic {t + 1}", "body": f"What topic {t + 1} is for."}
                made = client.post(f"/channels/{channel}/topics", json=body).raise_for_status()
                ids.append(int(made.json()["id"]))
            users += [User(m.token, ids) for m in team]
    return users


def ramp(server: common.Server, args: argparse.Namespace, levels: list[int]) -> list[Level]:
    started = time.monotonic()
    users = make_users(server, max(levels), args.team_size, args.topics)
    print(f"{len(users)} members in teams made in {time.monotonic() - started:.0f} s", flush=True)
    clients = Clients(server.url, args.clients, args.read_every, args.send_every)
    results: list[Level] = []
    try:
        for n in levels:
            opened = clients.add(users[clients.added : n])
            time.sleep(args.settle)
            _, settling_errors, _ = clients.take()  # streams refused while opening count
            watch = common.CpuWatch([server.pid, *clients.pids])
            time.sleep(args.window)
            cores = watch.stop()
            latencies, errors, deliveries = clients.take()
            errors.update(settling_errors)
            level = Level(
                n,
                cores["wall"],
                latencies,
                errors,
                deliveries,
                cores[str(server.pid)],
                sum(cores[str(pid)] for pid in clients.pids),
                cores["others"],
            )
            results.append(level)
            print(_line(level, opened), flush=True)
            if not level.passed(args.p99_limit):
                break
    finally:
        clients.stop()
    return results


def _line(level: Level, opened: int) -> str:
    cells = _cells(level, 0.5)
    figures = ", ".join(f"{h}={c}" for h, c in zip(HEADERS[1:], cells[1:], strict=True))
    return f"N={level.users} (+{opened} streams): {figures}; errors: {_errors(level)}"


def _errors(level: Level) -> str:
    return ", ".join(f"{kind} ×{n}" for kind, n in level.errors.most_common(4)) or "none"


HEADERS = (
    "members",
    "visits/s",
    "sends/s",
    "requests/s",
    "request p50 ms",
    "request p99 ms",
    "inbox p99 ms",
    "send p99 ms",
    "errors",
    "deliveries/s",
    "delivery p50 ms",
    "delivery p99 ms",
    "server CPU",
    "server CPU ms per member-s",
    "client CPU",
    "other load",
    "p99 ≤ limit, no errors",
)


def _cells(level: Level, limit: float) -> list[Any]:
    w = level.window
    return [
        level.users,
        f"{len(level.latencies['inbox']) / w:,.0f}",
        f"{len(level.latencies['send']) / w:,.1f}",
        f"{len(level.all_latencies) / w:,.0f}",
        common.ms(level.p(50)),
        common.ms(level.p(99)),
        common.ms(common.percentile(level.latencies["inbox"], 99)),
        common.ms(common.percentile(level.latencies["send"], 99)),
        level.error_count,
        f"{len(level.deliveries) / w:,.0f}",
        common.ms(common.percentile(level.deliveries, 50)),
        common.ms(common.percentile(level.deliveries, 99)),
        f"{level.server_cpu:.0%}",
        f"{level.server_cpu / level.users * 1000:.1f}",
        f"{level.client_cpu:.0%}",
        f"{level.others_cpu:.0%}",
        "yes" if level.passed(limit) else "no",
    ]


def served(results: list[Level], limit: float) -> int:
    best = 0
    for level in results:
        if not level.passed(limit):
            break
        best = level.users
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_server_options(parser)
    parser.add_argument(
        "--workers", default="1,2", help="Server processes to compare, in turn (default: 1,2)"
    )
    parser.add_argument(
        "--levels",
        default="50,100,200,400,800,1200,1600,2000",
        help="Active members at each step of the ramp",
    )
    parser.add_argument("--window", type=float, default=10.0, help="Seconds measured per step")
    parser.add_argument(
        "--settle", type=float, default=4.0, help="Seconds after adding members, unmeasured"
    )
    parser.add_argument("--read-every", type=float, default=3.0, help="Mean seconds per visit")
    parser.add_argument("--send-every", type=float, default=12.0, help="Mean seconds per send")
    parser.add_argument("--team-size", type=int, default=50)
    parser.add_argument("--topics", type=int, default=5, help="Topics per team channel")
    parser.add_argument("--clients", type=int, default=2, help="Client processes")
    parser.add_argument(
        "--p99-limit", type=float, default=0.5, help="Request p99 a step must stay under (s)"
    )
    args = parser.parse_args()
    common.apply_server_options(args)
    levels = [int(v) for v in args.levels.split(",")]
    _raise_open_files(needed=2 * max(levels) + 512)
    tables, verdicts = [], []
    database = ""
    for workers in (int(v) for v in args.workers.split(",")):
        extra = {"TIDINGS_WORKERS": str(workers), "TIDINGS_MAX_CONNECTIONS": MAX_CONNECTIONS}
        with common.running_server(args.database_url, args.synchronous, extra) as server:
            database = common.database_label(server.database_url, server.synchronous)
            print(f"--- {workers} process(es)", flush=True)
            if args.quiet_wait:  # once per ramp: the ramp itself loads the machine
                common.wait_for_quiet(max_wait=args.quiet_wait)
            results = ramp(server, args, levels)
        label = f"{workers} process{'es' if workers > 1 else ''}"
        rows = [_cells(level, args.p99_limit) for level in results]
        tables.append(f"**{label}**\n\n{common.table(HEADERS, rows)}")
        verdicts.append(f"{label}: {served(results, args.p99_limit):,}")
    limit_ms = f"{args.p99_limit * 1000:.0f} ms"
    verdict = f"Largest N served with request p99 ≤ {limit_ms} and no errors: " + "; ".join(
        verdicts
    )
    print()
    print("\n\n".join(tables))
    print(verdict)
    if args.no_doc:
        return
    body = (
        f"{common.section_header(database)}\n"
        f"{_pace(args.read_every, args.send_every)} "
        "A visit is `GET /inbox`, `GET /topics/{id}/messages?anchor=newest&limit=30` "
        "of the first unread topic (or one of the team's), and `POST /read` when it was "
        f"unread. Teams of {args.team_size} members, each a private channel with "
        f"{args.topics} topics; each member holds a WebSocket and one keep-alive HTTP "
        f"connection. Steps of {args.window:g} s measured after {args.settle:g} s of "
        f"settling; the members live in {args.clients} client processes (asyncio, uvloop) "
        "sharing the 2 cores with the server. The server runs with "
        f"`TIDINGS_MAX_CONNECTIONS={MAX_CONNECTIONS}` (the default, 2,048 per process, "
        "would refuse past ~1,000 members). Requests: every HTTP request; deliveries: "
        "`message.created` frames received, delay from the send. Server CPU ms per "
        "member-s: the server's CPU time per second per active member, at this pace.\n\n"
        + "\n\n".join(tables)
        + f"\n\n{verdict}.\n"
    )
    name = "mixed" if args.read_every < PERSON_READ_EVERY else "mixed-person"
    common.write_section(common.section_name(name, args), body)


def _pace(read_every: float, send_every: float) -> str:
    visits = f"a visit every ~{read_every:g} s and a send every ~{send_every:g} s per member"
    if (read_every, send_every) == (PERSON_READ_EVERY, PERSON_SEND_EVERY):
        return f"Think times at a person's pace: {visits} (exponential)."
    factor = PERSON_READ_EVERY / read_every
    return (
        f"Think times {factor:g}× compressed: {visits} (exponential; a person's "
        f"~{PERSON_READ_EVERY:g} s and ~{PERSON_SEND_EVERY / 60:g} min)."
    )


if __name__ == "__main__":
    main()
