"""CPU per message of the send action itself: the writer's share of a send, no HTTP.

In one process, on a fresh SQLite file (synchronous=normal, so the fsync does not
dominate), 32 members post the bodies of ``bench/send.py`` round-robin into 8 topics
of #general, in writer batches of 14 (the average batch the writer gathers at 32
senders). Each batch runs as the writer runs it (one transaction, a savepoint per
action, the events written once per batch), but in the calling thread, so the CPU
time measured is the action's and the commit's, and a separate pass counts the SQL
statements per message. It runs against whatever ``tidings`` is importable, so the
same script measures two checkouts: ``PYTHONPATH=../other/src python bench/send_action.py``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import section_header, table, write_section
from send import _body
from sqlalchemy import event, select

from tidings.actions.members import insert_member
from tidings.actions.messages import send_to_topic
from tidings.actions.topics import create_topic
from tidings.actions.workspaces import create_workspace
from tidings.clock import FrozenClock
from tidings.core.roles import Actor, Role
from tidings.store.database import Database
from tidings.store.models import channels
from tidings.store.writer import _Work

MEMBERS = 32
TOPICS = 8
BATCH = 14


def _team(db: Database) -> tuple[list[Actor], list[int]]:
    def build(tx: Any) -> tuple[list[Actor], int]:
        made = create_workspace(
            tx,
            name="Bench",
            owner_email="owner@bench.test",
            owner_password_hash="unused",
            owner_name="Owner",
            owner_time_zone="Europe/Berlin",
        )
        actors = [Actor(made["owner_id"], made["id"], Role.OWNER, "owner")]
        for n in range(MEMBERS - 1):
            member_id = insert_member(
                tx,
                made["id"],
                email=f"m{n}@bench.test",
                password_hash="unused",
                display_name=f"Member {n}",
                role=Role.MEMBER,
                time_zone="Europe/Lisbon",
            )
            actors.append(Actor(member_id, made["id"], Role.MEMBER, f"m{n}"))
        general = tx.conn.execute(
            select(channels.c.id).where(
                channels.c.workspace_id == made["id"], channels.c.name == "general"
            )
        ).scalar_one()
        return actors, general

    actors, general = db.write(build)
    topic_ids = [
        db.write(
            lambda tx, n=n: create_topic(tx, actors[0], general, title=f"Topic {n}", body="Hello")
        )["id"]
        for n in range(TOPICS)
    ]
    return actors, topic_ids


def _send(db: Database, actors: list[Actor], topic_ids: list[int], first: int, count: int) -> None:
    """``count`` messages in writer batches, run in this thread."""
    batch: list[_Work] = []
    for n in range(first, first + count):
        actor, topic_id = actors[n % len(actors)], topic_ids[n % len(topic_ids)]
        fields = _body(n % len(actors), n)
        batch.append(
            _Work(lambda tx, a=actor, t=topic_id, f=fields: send_to_topic(tx, a, t, **f), Future())
        )
        if len(batch) == BATCH or n == first + count - 1:
            db.writer._commit(batch)
            for work in batch:
                work.future.result()  # raises if the action failed
            batch = []


def measure(messages: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="tidings-bench-") as tmp:
        db = Database(
            f"sqlite:///{Path(tmp) / 'bench.db'}",
            clock=FrozenClock(datetime(2026, 12, 7, 8, tzinfo=UTC)),
            synchronous="normal",
        )
        db.migrate()
        try:
            actors, topic_ids = _team(db)
            _send(db, actors, topic_ids, 0, 300)  # warm: statement caches, pages
            per_message = []
            sent = 300
            for _ in range(rounds):
                started = time.process_time()
                _send(db, actors, topic_ids, sent, messages)
                per_message.append((time.process_time() - started) / messages)
                sent += messages
            statements = _statements(db, actors, topic_ids, sent)
        finally:
            db.close()
    return {
        "median_us": statistics.median(per_message) * 1e6,
        "best_us": min(per_message) * 1e6,
        "statements": statements,
    }


def _statements(db: Database, actors: list[Actor], topic_ids: list[int], first: int) -> float:
    """SQL statements sent to the database per message, commits and savepoints included."""
    seen = 0

    def count(*_: Any) -> None:
        nonlocal seen
        seen += 1

    event.listen(db.write_engine, "before_cursor_execute", count)
    try:
        _send(db, actors, topic_ids, first, BATCH * 20)
    finally:
        event.remove(db.write_engine, "before_cursor_execute", count)
    return seen / (BATCH * 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000, help="Messages per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--label", default="this checkout", help="Row label in the table")
    parser.add_argument("--no-doc", action="store_true", help="Print only; leave docs/ alone")
    args = parser.parse_args()
    found = measure(args.messages, args.rounds)
    rows = [
        (
            args.label,
            f"{found['median_us']:.0f}",
            f"{found['best_us']:.0f}",
            f"{found['statements']:.1f}",
            f"{1e6 / found['median_us']:.0f}",
        )
    ]
    report = table(
        [
            "code",
            "µs CPU per message (median)",
            "best round",
            "SQL statements per message",
            "messages per CPU-s",
        ],
        rows,
    )
    print(report)
    if not args.no_doc:
        body = section_header("SQLite file (WAL, synchronous=normal), in-process") + "\n" + report
        write_section("send-action", body)


if __name__ == "__main__":
    main()
