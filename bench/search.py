"""Search latency over a generated history, through GET /api/v1/search.

The workspace (40 members, 10 public channels and a private one, 400 topics) is
built with the actions. Its history is then bulk-inserted: the send action runs
about a few hundred messages a second here (markdown parsed three times, ~15
statements per message), so 200,000 messages through it would take many minutes.
The bulk path writes the same rows the action writes for the search to read —
``messages`` (with the HTML the action renders, checked on a sample) and
``message_search`` — many thousand per transaction through ``Database.write``,
then sets the topic and channel counters. It leaves out what search never reads:
events, read pointers and topic subscriptions. Then the server starts on that
database and one member's client runs a mix of queries, round robin.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import common
import corpus
import httpx
from sqlalchemy import func, select, text

from tidings.actions.auth import API, issue_token
from tidings.actions.channels import create_channel
from tidings.actions.members import insert_member
from tidings.actions.topics import create_topic
from tidings.cli.operator import owner_actor
from tidings.core.markdown import plain_text, render_markdown
from tidings.core.roles import Actor, Role
from tidings.store.database import Database
from tidings.store.models import messages
from tidings.store.tx import Tx

SEARCHER = "ana"
TOPICS_PER_CHANNEL = 36
PRIVATE = "leadership"
HISTORY_DAYS = 365


def queries(last_day: datetime) -> list[tuple[str, str]]:
    month_ago = (last_day - timedelta(days=30)).date().isoformat()
    return [
        ("common word", "review"),
        ("common word", "meeting"),
        ("very common word", "the"),
        ("rare word", "quokka"),
        ("name", "priya"),
        ("codename", "falcon"),
        ("two words", "budget incident"),
        ("phrase", '"release notes"'),
        ("from: + word", "from:@bruno deploy"),
        ("in: + word", "in:#engineering incident"),
        ("exclusion", "deploy -staging"),
        ("filters only", "from:@chen in:#design"),
        ("in: + exclusion only", "in:#support -customer"),
        ("after: + word", f"launch after:{month_ago}"),
        ("rare author + quiet channel", "from:@marco in:#finance"),
        ("flag only", "is:urgent"),
        ("has: + word", "has:link budget"),
        ("has: only, no match", "has:link"),
        ("topic: + word", 'topic:"design thread 3" review'),
        ("no match", "xylograph"),
    ]


@dataclass
class World:
    workspace_id: int
    searcher_token: str
    member_ids: list[int]
    channel_ids: dict[str, int]
    topic_ids: list[tuple[int, int]]  # (topic id, channel id)
    action_rate: float = 0.0
    bulk_seconds: float = 0.0
    messages: int = 0


def build_places(db: Database) -> World:
    """Members, channels and topics through the actions (each topic's first message too)."""

    def people(tx: Tx) -> tuple[Actor, list[int]]:
        owner = owner_actor(tx, common.SLUG)
        ids = [
            insert_member(
                tx,
                owner.workspace_id,
                email=f"{name}@bench.test",
                password_hash=None,
                display_name=name.title(),
                role=Role.MEMBER,
            )
            for name in corpus.NAMES
        ]
        return owner, ids

    owner, member_ids = db.write(people)

    def places(tx: Tx) -> dict[str, int]:
        made = {}
        for name in corpus.CHANNELS:
            made[name] = create_channel(tx, owner, name=name, member_ids=member_ids)["id"]
        leaders = member_ids[1:6]  # the searcher (the first) is not among them
        made[PRIVATE] = create_channel(
            tx, owner, name=PRIVATE, is_private=True, member_ids=leaders
        )["id"]
        return made

    channel_ids = db.write(places)
    started = time.perf_counter()
    topic_ids = []
    for name, channel in channel_ids.items():

        def start_topics(tx: Tx, name: str = name, channel: int = channel) -> list[int]:
            return [
                create_topic(
                    tx, owner, channel, title=f"{name} thread {i + 1}", body=f"Kick-off {i + 1}."
                )["id"]
                for i in range(TOPICS_PER_CHANNEL)
            ]

        topic_ids += [(t, channel) for t in db.write(start_topics)]
    action_rate = len(topic_ids) / (time.perf_counter() - started)
    token = db.write(
        lambda tx: issue_token(
            tx, owner.workspace_id, member_ids[0], name="bench", kind=API, lifetime=None
        )["token"]
    )
    return World(owner.workspace_id, token, member_ids, channel_ids, topic_ids, action_rate)


def _html(body: str) -> str:
    return f"<p>{body}</p>\n"


def check_shape(sample: list[str]) -> None:
    """Generated bodies have no markdown: the action would store exactly this HTML and text."""
    for body in sample:
        if render_markdown(body) != _html(body) or plain_text(body) != body:
            raise SystemExit(f"the bulk path would differ from the action for {body!r}")


def _rows(
    world: World, gen: corpus.Generator, first_id: int, count: int, start: datetime, step: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    pick_topic = gen.weighted_index(len(world.topic_ids))
    pick_author = gen.weighted_index(len(world.member_ids), 0.7)
    rnd = gen.random
    places = rnd.choices(world.topic_ids, cum_weights=pick_topic, k=count)
    authors = rnd.choices(world.member_ids, cum_weights=pick_author, k=count)
    rows, search_rows = [], []
    for i in range(count):
        message_id = first_id + i
        body = gen.body()
        priority = "urgent" if rnd.random() < 0.01 else "normal"
        topic_id, channel_id = places[i]
        rows.append(
            {
                "id": message_id,
                "workspace_id": world.workspace_id,
                "channel_id": channel_id,
                "topic_id": topic_id,
                "conversation_id": None,
                "author_id": authors[i],
                "body": body,
                "html": _html(body),
                "priority": priority,
                "reply_to_id": None,
                "quote_of_id": None,
                "created_at": start + timedelta(seconds=step * i),
                "edited_at": None,
                "deleted_at": None,
            }
        )
        search_rows.append({"id": message_id, "body": body})
    return rows, search_rows


def _insert(tx: Tx, rows: list[dict[str, Any]], search_rows: list[dict[str, Any]]) -> None:
    tx.conn.execute(messages.insert(), rows)
    key = "rowid" if tx.dialect == "sqlite" else "message_id"
    tx.conn.execute(
        text(f"INSERT INTO message_search({key}, body) VALUES (:id, :body)"), search_rows
    )


COUNTERS = (
    "UPDATE topics SET"
    " message_count = (SELECT count(*) FROM messages m WHERE m.topic_id = topics.id),"
    " last_message_id = (SELECT max(m.id) FROM messages m WHERE m.topic_id = topics.id)",
    "UPDATE topics SET last_message_at ="
    " (SELECT m.created_at FROM messages m WHERE m.id = topics.last_message_id)",
    "UPDATE channels SET last_message_id ="
    " (SELECT max(m.id) FROM messages m WHERE m.channel_id = channels.id)",
)


def _counters(tx: Tx) -> None:
    """The per-topic and per-channel counters the send action keeps up to date."""
    for statement in COUNTERS:
        tx.conn.execute(text(statement))
    if tx.dialect == "postgresql":
        tx.conn.execute(
            text("SELECT setval(pg_get_serial_sequence('messages', 'id'), max(id)) FROM messages")
        )


def bulk_history(db: Database, world: World, count: int, batch: int) -> datetime:
    gen = corpus.Generator()
    check_shape([gen.body() for _ in range(300)])
    first = int(db.read(lambda c: c.execute(select(func.max(messages.c.id))).scalar())) + 1
    now = datetime.now(UTC)
    start = now - timedelta(days=HISTORY_DAYS)
    step = HISTORY_DAYS * 86400 / count
    started = time.perf_counter()
    done = 0
    while done < count:
        size = min(batch, count - done)
        rows, search_rows = _rows(
            world, gen, first + done, size, start + timedelta(seconds=step * done), step
        )
        db.write(lambda tx, r=rows, s=search_rows: _insert(tx, r, s))
        done += size
        if done % 50_000 < batch:
            print(f"  {done:,} / {count:,} messages", flush=True)
    db.write(_counters)
    world.bulk_seconds = time.perf_counter() - started
    world.messages = count
    print(f"  {count:,} messages in {world.bulk_seconds:.1f} s")
    return now


@dataclass
class Sample:
    label: str
    query: str
    latencies: list[float] = field(default_factory=list)
    hits: int = 0
    matches: int | None = None


def run_queries(
    server: common.Server, token: str, mix: list[tuple[str, str]], rounds: int, budget: float
) -> tuple[list[Sample], float]:
    samples = [Sample(label, q) for label, q in mix]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.api, headers=headers, timeout=120) as client:
        for sample in samples:  # one warm-up each; also checks every query is accepted
            response = client.get("/search", params={"q": sample.query})
            response.raise_for_status()
            sample.hits = len(response.json()["items"])
        started = time.perf_counter()
        for _ in range(rounds):
            for sample in samples:
                began = time.perf_counter()
                client.get("/search", params={"q": sample.query}).raise_for_status()
                sample.latencies.append(time.perf_counter() - began)
            if time.perf_counter() - started > budget:
                break
    return samples, time.perf_counter() - started


def count_matches(db: Database, samples: list[Sample]) -> None:
    """How many messages contain each plain-text query, whoever may read them."""
    if db.dialect != "sqlite":
        return
    for sample in samples:
        if ":" in sample.query or "-" in sample.query:
            continue
        fts = " ".join(
            f'"{w}"' for w in sample.query.replace('"', " ").split()
        )  # all words, as the search does
        if sample.query.startswith('"'):
            fts = sample.query
        sample.matches = db.read(
            lambda c, m=fts: c.execute(
                text("SELECT count(*) FROM message_search WHERE message_search MATCH :m"),
                {"m": m},
            ).scalar()
        )


HEADERS = ("kind", "query", "matching messages", "hits shown", "p50 ms", "p95 ms", "max ms")


def _cells(sample: Sample) -> list[Any]:
    return [
        sample.label,
        f"`{sample.query}`",
        "-" if sample.matches is None else f"{sample.matches:,}",
        sample.hits,
        common.ms(common.percentile(sample.latencies, 50)),
        common.ms(common.percentile(sample.latencies, 95)),
        common.ms(max(sample.latencies)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_server_options(parser)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5_000, help="Messages per transaction")
    parser.add_argument("--rounds", type=int, default=20, help="Times each query runs")
    parser.add_argument("--budget", type=float, default=45.0, help="Seconds of querying at most")
    args = parser.parse_args()
    common.apply_server_options(args)
    with common.prepared_database(args.database_url, args.synchronous) as (url, _, tmp):
        database = common.database_label(url, args.synchronous)
        print(f"building {args.messages:,} messages…")
        db = Database(url, synchronous=args.synchronous)
        try:
            world = build_places(db)
            last_day = bulk_history(db, world, args.messages, args.batch)
        finally:
            db.close()
        common.wait_for_quiet(max_wait=args.quiet_wait)
        with common.serving(url, args.synchronous, world.searcher_token, tmp) as server:
            watch = common.CpuWatch([server.pid])
            samples, elapsed = run_queries(
                server, world.searcher_token, queries(last_day), args.rounds, args.budget
            )
            cores = watch.stop()
        db = Database(url, synchronous=args.synchronous)
        try:
            count_matches(db, samples)
        finally:
            db.close()
    everything = [v for s in samples for v in s.latencies]
    overall = (
        f"All {len(everything)} searches: p50 {common.ms(common.percentile(everything, 50))} ms, "
        f"p95 {common.ms(common.percentile(everything, 95))} ms "
        f"({len(samples[0].latencies)} rounds of {len(samples)} queries in {elapsed:.1f} s; "
        f"server {cores[str(server.pid)]:.0%} of a core, other load {cores['others']:.0%})."
    )
    setup = (
        f"History: {world.messages:,} messages in {len(world.topic_ids)} topics of "
        f"{len(world.channel_ids)} channels by {len(world.member_ids)} authors, bulk-inserted "
        f"in {world.bulk_seconds:.1f} s ({world.messages / world.bulk_seconds:,.0f} msg/s, "
        f"{args.batch:,} per transaction); the topics' first messages went through the "
        f"send action at {world.action_rate:,.0f} msg/s (one transaction per channel)."
    )
    figures = common.table(HEADERS, [_cells(s) for s in samples])
    print(figures)
    print(overall)
    print(setup)
    if args.no_doc:
        return
    body = (
        f"{common.section_header(database)}\n{setup}\n\n"
        "Searches run one at a time from one keep-alive HTTP client as member "
        f"@{SEARCHER} (who is not in the private channel); latency is the full HTTP "
        'round trip of the first page (20 hits). "Matching messages" counts the '
        "full-text matches in the whole history, before the permission filter.\n\n"
        f"{figures}\n\n{overall}\n"
    )
    name = "search" if world.messages == 200_000 else f"search-{world.messages // 1000}k"
    common.write_section(common.section_name(name, args), body)


if __name__ == "__main__":
    main()
