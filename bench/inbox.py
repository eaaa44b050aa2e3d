"""Inbox latency for a member of many channels with a long history, through GET /api/v1/inbox.

The reader belongs to 200 channels of 20 topics each and has a conversation with each
of 30 others. 200,000 messages fill them over a year, by the others and now and then
by the reader; 1% of the others' messages mention the reader, 1% are high priority
and 0.2% urgent, 0.5% are deleted. The reader has read every place up to a cut-off;
what came after (the last ``--unread-share`` of the history) is unread, spread over
most places. Members, channels, topics (with their first messages) and conversations
come from the actions; the history is then bulk-inserted with the rows the send
action writes that the Inbox reads: messages (with their positions where the schema
has them), mentions, the places' counters, and the reader's read pointers as
marking read would leave them.

With ``--baseline-src DIR`` (e.g. ``/work/main/src``) the same world is built a
second time by that code, in its own database, a server runs that code on it, and
requests alternate between the two servers; their answers must agree.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import common
import httpx

READER = "reader"
OTHERS = 30
START = datetime(2025, 12, 1, tzinfo=UTC)
SEED = 2026


# --- building the world (runs under the code being measured) -----------------------


def _people(tx: Any) -> tuple[Any, int, list[int]]:
    from tidings.actions.members import insert_member
    from tidings.cli.operator import owner_actor
    from tidings.core.roles import Role

    owner = owner_actor(tx, common.SLUG)

    def add(name: str) -> int:
        return insert_member(
            tx,
            owner.workspace_id,
            email=f"{name}@bench.test",
            password_hash=None,
            display_name=name.title(),
            role=Role.MEMBER,
        )

    return owner, add(READER), [add(f"other{i}") for i in range(OTHERS)]


def _places(db: Any, args: argparse.Namespace) -> dict[str, Any]:
    from tidings.actions.channels import create_channel
    from tidings.actions.conversations import open_conversation
    from tidings.actions.topics import create_topic
    from tidings.core.roles import Actor, Role

    owner, reader, others = db.write(_people)
    rng = random.Random(SEED)
    topic_ids: list[tuple[int, int]] = []
    for c in range(args.channels):
        joined = [reader, *rng.sample(others, 10)]

        def make(tx: Any, c: int = c, joined: list[int] = joined) -> list[tuple[int, int]]:
            channel = create_channel(tx, owner, name=f"channel-{c}", member_ids=joined)["id"]
            return [
                (create_topic(tx, owner, channel, title=f"t{t}", body="Kick-off.")["id"], channel)
                for t in range(args.topics)
            ]

        topic_ids += db.write(make)
    me = Actor(reader, owner.workspace_id, Role.MEMBER, READER)
    conversation_ids = db.write(
        lambda tx: [(open_conversation(tx, me, [o])["id"], o) for o in others]
    )
    return {
        "workspace_id": owner.workspace_id,
        "reader": reader,
        "others": others,
        "topics": topic_ids,
        "conversations": conversation_ids,
    }


@dataclass
class Rows:
    messages: list[dict[str, Any]] = field(default_factory=list)
    mentions: list[dict[str, Any]] = field(default_factory=list)


def _history(world: dict[str, Any], first_id: int, args: argparse.Namespace) -> Any:
    """Batches of rows, and after them the reader's read pointers."""
    from tidings.store.models import messages

    numbered = "seq" in messages.c
    rng = random.Random(SEED)
    reader, others = world["reader"], world["others"]
    seqs: dict[tuple[str, int], int] = {("t", t): 1 for t, _ in world["topics"]}
    seqs.update({("c", c): 0 for c, _ in world["conversations"]})
    cutoff = int(args.messages * (1 - args.unread_share))
    pointers: dict[tuple[str, int], int] = {}
    step = 365 * 86400 / args.messages
    rows = Rows()
    for i in range(args.messages):
        message_id = first_id + i
        if rng.random() < 0.9:
            topic_id, channel_id = rng.choice(world["topics"])
            place, columns = ("t", topic_id), {"channel_id": channel_id, "topic_id": topic_id}
            columns["conversation_id"] = None
            author = reader if rng.random() < 0.03 else rng.choice(others)
        else:
            conversation_id, other = rng.choice(world["conversations"])
            place = ("c", conversation_id)
            columns = {"channel_id": None, "topic_id": None, "conversation_id": conversation_id}
            author = reader if rng.random() < 0.3 else other
        seqs[place] += 1
        roll = rng.random()
        deleted = rng.random() < 0.005
        row = {
            "id": message_id,
            "workspace_id": world["workspace_id"],
            **columns,
            "author_id": author,
            "body": "" if deleted else f"Message {i}.",
            "html": "" if deleted else f"<p>Message {i}.</p>\n",
            "priority": "urgent" if roll < 0.002 else "high" if roll < 0.012 else "normal",
            "created_at": START + timedelta(seconds=step * i),
            "deleted_at": START + timedelta(seconds=step * i + 60) if deleted else None,
        }
        if numbered:
            row["seq"] = seqs[place]
        rows.messages.append(row)
        if author != reader and not deleted and rng.random() < 0.01:
            mention = {"message_id": message_id, "member_id": reader, **columns}
            del mention["channel_id"]
            rows.mentions.append(mention)
        if i < cutoff:
            pointers[place] = message_id
        if len(rows.messages) == args.batch:
            yield rows
            rows = Rows()
    yield rows
    yield pointers


COUNTERS = (
    "UPDATE topics SET"
    " message_count = (SELECT count(*) FROM messages m WHERE m.topic_id = topics.id),"
    " last_message_id = (SELECT max(m.id) FROM messages m WHERE m.topic_id = topics.id)",
    "UPDATE topics SET last_message_at ="
    " (SELECT m.created_at FROM messages m WHERE m.id = topics.last_message_id)",
    "UPDATE channels SET last_message_id ="
    " (SELECT max(m.id) FROM messages m WHERE m.channel_id = channels.id)",
    "UPDATE conversations SET last_message_id ="
    " (SELECT max(m.id) FROM messages m WHERE m.conversation_id = conversations.id)",
    "UPDATE conversations SET last_message_at ="
    " (SELECT m.created_at FROM messages m WHERE m.id = conversations.last_message_id)",
)
CONVERSATION_COUNT = (
    "UPDATE conversations SET message_count ="
    " (SELECT count(*) FROM messages m WHERE m.conversation_id = conversations.id)"
)


def _finish(tx: Any, world: dict[str, Any], pointers: dict[tuple[str, int], int]) -> None:
    from sqlalchemy import text

    from tidings.store.models import conversation_reads, conversations, topic_reads

    for statement in COUNTERS:
        tx.conn.execute(text(statement))
    if "message_count" in conversations.c:
        tx.conn.execute(text(CONVERSATION_COUNT))
    reader = world["reader"]
    topic_rows = [
        {"member_id": reader, "topic_id": p, "last_read_id": m}
        for (kind, p), m in pointers.items()
        if kind == "t"
    ]
    conversation_rows = [
        {"member_id": reader, "conversation_id": p, "last_read_id": m}
        for (kind, p), m in pointers.items()
        if kind == "c"
    ]
    tx.conn.execute(topic_reads.insert(), topic_rows)
    tx.conn.execute(conversation_reads.insert(), conversation_rows)
    if tx.dialect == "postgresql":
        tx.conn.execute(
            text("SELECT setval(pg_get_serial_sequence('messages', 'id'), max(id)) FROM messages")
        )


def build(url: str, args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import func, select

    from tidings.actions.auth import API, issue_token
    from tidings.store.database import Database
    from tidings.store.models import mentions, messages

    db = Database(url, synchronous=args.synchronous)
    try:
        world = _places(db, args)
        first = int(db.read(lambda c: c.execute(select(func.max(messages.c.id))).scalar())) + 1
        for batch in _history(world, first, args):
            if isinstance(batch, dict):
                db.write(lambda tx, p=batch: _finish(tx, world, p))
                continue

            def insert(tx: Any, rows: Rows = batch) -> None:
                if rows.messages:
                    tx.conn.execute(messages.insert(), rows.messages)
                if rows.mentions:
                    tx.conn.execute(mentions.insert(), rows.mentions)

            db.write(insert)
        token = db.write(
            lambda tx: issue_token(
                tx, world["workspace_id"], world["reader"], name="bench", kind=API, lifetime=None
            )["token"]
        )
    finally:
        db.close()
    return {"token": token, "topics": len(world["topics"])}


# --- measuring ------------------------------------------------------------------------


@dataclass
class Version:
    label: str
    src: str
    url: str = ""
    token: str = ""
    server: common.Server | None = None
    latencies: list[float] = field(default_factory=list)
    cpu: float = 0.0
    answer: dict[str, Any] = field(default_factory=dict)


def _builder_args(args: argparse.Namespace, url: str) -> list[str]:
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--build-into",
        url,
        "--channels",
        str(args.channels),
        "--topics",
        str(args.topics),
        "--messages",
        str(args.messages),
        "--unread-share",
        str(args.unread_share),
        "--batch",
        str(args.batch),
        "--synchronous",
        args.synchronous,
    ]


def prepare(version: Version, args: argparse.Namespace) -> None:
    env = common.server_env(version.url, args.synchronous, {"PYTHONPATH": version.src})
    common.init_workspace(env)
    started = time.perf_counter()
    done = subprocess.run(
        _builder_args(args, version.url), env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"building for {version.label} failed:\n{done.stdout}\n{done.stderr}")
    version.token = json.loads(done.stdout.strip().splitlines()[-1])["token"]
    print(f"  {version.label}: built in {time.perf_counter() - started:.0f} s", flush=True)


def _shape(answer: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What both versions must agree on (times differ: the builds ran at different times)."""
    return [
        (
            e["kind"],
            e.get("topic_id") or e.get("conversation_id"),
            e["unread"],
            e["mentions"],
            e["priority"],
            e["first_unread_id"],
        )
        for e in answer["items"]
    ]


def measure(versions: list[Version], rounds: int, budget: float) -> float:
    clients = {
        v.label: httpx.Client(
            base_url=v.server.api,  # type: ignore[union-attr]
            headers={"Authorization": f"Bearer {v.token}"},
            timeout=120,
        )
        for v in versions
    }
    try:
        for v in versions:  # warm-up, and the answers to compare
            v.answer = clients[v.label].get("/inbox").raise_for_status().json()
        if len({repr(_shape(v.answer)) for v in versions}) != 1:
            raise SystemExit("the versions disagree about the Inbox")
        cpu_before = {v.label: common.cpu_seconds(v.server.pid) for v in versions}  # type: ignore[union-attr]
        started = time.perf_counter()
        for _ in range(rounds):
            for v in versions:
                began = time.perf_counter()
                clients[v.label].get("/inbox").raise_for_status()
                v.latencies.append(time.perf_counter() - began)
            if time.perf_counter() - started > budget:
                break
        for v in versions:
            v.cpu = common.cpu_seconds(v.server.pid) - cpu_before[v.label]  # type: ignore[union-attr]
        return time.perf_counter() - started
    finally:
        for client in clients.values():
            client.close()


HEADERS = ("code", "requests", "p50 ms", "p95 ms", "max ms", "server CPU ms per request")


def _cells(v: Version) -> list[Any]:
    return [
        v.label,
        len(v.latencies),
        common.ms(common.percentile(v.latencies, 50)),
        common.ms(common.percentile(v.latencies, 95)),
        common.ms(max(v.latencies)),
        common.ms(v.cpu / len(v.latencies)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_server_options(parser)
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--topics", type=int, default=20, help="Topics per channel")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument(
        "--unread-share", type=float, default=0.05, help="The newest share of history unread"
    )
    parser.add_argument("--batch", type=int, default=10_000, help="Messages per transaction")
    parser.add_argument("--rounds", type=int, default=40, help="Requests per version")
    parser.add_argument("--budget", type=float, default=60.0, help="Seconds of requests at most")
    parser.add_argument("--baseline-src", default=None, help="Also measure the code in this src/")
    parser.add_argument("--build-into", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_into:
        print(json.dumps(build(args.build_into, args)))
        return
    common.apply_server_options(args)
    given = os.environ.get("PYTHONPATH", "").split(os.pathsep)[0]
    current = str(Path(given).resolve()) if given else str(common.ROOT / "src")
    versions = [Version("this branch", current)]
    if args.baseline_src:
        versions.insert(0, Version("baseline", args.baseline_src))
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tidings-bench-")))
        print(f"building {args.messages:,} messages for each version…", flush=True)
        for i, v in enumerate(versions):
            (tmp / str(i)).mkdir()
            v.url = stack.enter_context(common.fresh_database(args.database_url, tmp / str(i)))
            prepare(v, args)
        database = common.database_label(versions[0].url, args.synchronous)
        for i, v in enumerate(versions):
            env = {"PYTHONPATH": v.src}
            v.server = stack.enter_context(
                common.serving(v.url, args.synchronous, v.token, tmp / str(i), env)
            )
        common.wait_for_quiet(max_wait=args.quiet_wait)
        watch = common.CpuWatch([v.server.pid for v in versions])  # type: ignore[union-attr]
        elapsed = measure(versions, args.rounds, args.budget)
        cores = watch.stop()
    answer = versions[-1].answer
    figures = common.table(HEADERS, [_cells(v) for v in versions])
    setup = (
        f"The reader: {args.channels} channels × {args.topics} topics and {OTHERS} "
        f"conversations; {args.messages:,} messages of history, the newest "
        f"{args.unread_share:.0%} unread: the Inbox lists {len(answer['items'])} places, "
        f"{answer['total_unread']:,} unread messages, {answer['total_mentions']} mentions."
    )
    overall = (
        f"Requests alternated between the versions, one at a time, for {elapsed:.1f} s "
        f"(other load {cores['others']:.0%} of a core)."
    )
    print(figures)
    print(setup)
    print(overall)
    if args.no_doc:
        return
    body = (
        f"{common.section_header(database)}\n{setup}\n\n"
        "Latency is the full HTTP round trip of `GET /api/v1/inbox` from one keep-alive "
        "client; server CPU is the server process's user and system time over the "
        "requests, divided by their number.\n\n"
        f"{figures}\n\n{overall}\n"
    )
    name = "inbox"
    if (args.channels, args.topics, args.unread_share) != (200, 20, 0.05):
        name += f"-{args.channels}x{args.topics}-unread{round(args.unread_share * 100)}"
    common.write_section(common.section_name(name, args), body)


if __name__ == "__main__":
    main()
