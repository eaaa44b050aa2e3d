"""The cost of deciding notifications and due times when sending to a 500-member channel.

In-process, on a fresh SQLite file: 500 members in six time zones with their own working
hours, all in one channel. Each scenario sends messages into one topic through the real
``send_to_topic`` action and reports the action's time per message:

- baseline: the send path with reply expectations and notifications switched off (the
  cost before they existed);
- quiet: on, but nobody follows the topic and nobody is mentioned or asked;
- typical: 50 followers, 3 mentions and 2 asks per message, and a channel response window;
- everyone follows: all 500 members follow the topic (normal priority: the digest, so
  no schedule is loaded and nothing is stored per follower);
- everyone follows, high priority: 500 timed decisions and notification rows per message.

Writes the "notify" section of docs/benchmarks.md unless --no-doc.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ms, section_header, table, write_section  # noqa: E402

from tidings.actions import availability, channels, messages, subscriptions, topics  # noqa: E402
from tidings.actions.members import insert_member  # noqa: E402
from tidings.actions.workspaces import create_workspace  # noqa: E402
from tidings.core.roles import Actor, Role  # noqa: E402
from tidings.store.database import Database  # noqa: E402
from tidings.store.tx import Tx  # noqa: E402

ZONES = (
    "Europe/Berlin",
    "Europe/Lisbon",
    "America/Chicago",
    "America/New_York",
    "Asia/Kolkata",
    "Asia/Manila",
)
HOURS = (
    {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    {d: [["08:00", "12:00"], ["13:00", "16:30"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    {d: [["10:00", "18:30"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")},
)


def build(db: Database, size: int) -> dict[str, Any]:
    def make(tx: Tx) -> dict[str, Any]:
        made = create_workspace(
            tx,
            name="Bench",
            owner_email="owner@bench.test",
            owner_password_hash=None,
            owner_time_zone="Europe/Berlin",
        )
        owner = Actor(made["owner_id"], made["id"], Role.OWNER, "owner")
        people = []
        for n in range(size - 1):
            member_id = insert_member(
                tx,
                made["id"],
                email=f"m{n}@bench.test",
                password_hash=None,
                display_name=f"Member {n}",
                role=Role.MEMBER,
                time_zone=ZONES[n % len(ZONES)],
            )
            actor = Actor(member_id, made["id"], Role.MEMBER, f"m{n}")
            availability.set_hours(tx, actor, working_hours=HOURS[n % len(HOURS)])
            people.append(actor)
        channel = channels.create_channel(
            tx, owner, name="everyone", member_ids=[p.member_id for p in people]
        )
        return {"owner": owner, "people": people, "channel": channel["id"]}

    return db.write(make)


@contextmanager
def switched_off() -> Iterator[None]:
    """The send path as it was before expectations and notifications."""
    saved = {
        name: getattr(messages, name)
        for name in (
            "check_asks",
            "check_urgent_budget",
            "settle_by_reply",
            "expect_replies",
            "notify_message",
        )
    }
    messages.check_asks = lambda tx, actor, place, asks: []  # type: ignore[assignment]
    messages.check_urgent_budget = lambda *a: False  # type: ignore[assignment]
    messages.settle_by_reply = lambda *a: []  # type: ignore[assignment]
    messages.expect_replies = lambda *a, **k: []  # type: ignore[assignment]
    messages.notify_message = lambda *a: 0  # type: ignore[assignment]
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(messages, name, fn)


def run(
    db: Database,
    world: dict[str, Any],
    title: str,
    count: int,
    body: Callable[[int], dict],
    followers: Sequence[Actor] = (),
) -> list[float]:
    """Send ``count`` messages into a new topic that ``followers`` follow; seconds each."""
    owner = world["owner"]
    topic = db.write(
        lambda tx: topics.create_topic(tx, owner, world["channel"], title=title, body="Start")
    )
    db.write(
        lambda tx: [
            subscriptions.set_subscription(tx, p, topic["id"], "following") for p in followers
        ]
    )
    times = []
    for n in range(count):
        fields = body(n)
        started = time.perf_counter()
        db.write(lambda tx, f=fields: messages.send_to_topic(tx, owner, topic["id"], **f))
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--no-doc", action="store_true")
    args = parser.parse_args()
    from argon2.profiles import CHEAPEST

    from tidings.core.credentials import use_hash_parameters

    use_hash_parameters(CHEAPEST)  # member creation is not what is measured
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}", synchronous="normal")
        db.migrate()
        world = build(db, args.members)
        people = world["people"]
        plain = lambda n: {"body": f"Update {n}: all good"}  # noqa: E731

        def typical(n: int) -> dict:
            named = [people[(n * 7 + k) % len(people)] for k in range(5)]
            mentions = " ".join(f"@{p.handle}" for p in named[:3])
            return {
                "body": f"Update {n} for {mentions}",
                "asks": [{"member_id": p.member_id} for p in named[3:]],
            }

        results = []
        with switched_off():
            base = run(db, world, "Baseline", args.messages, plain)
        results.append(("baseline (off)", base))
        results.append(("quiet", run(db, world, "Quiet", args.messages, plain)))
        db.write(
            lambda tx: channels.set_response(
                tx,
                world["owner"],
                world["channel"],
                response_minutes=240,
                allow_urgent=False,
                urgent_budget=3,
                responder_ids=[p.member_id for p in people[:5]],
            )
        )
        results.append(("typical", run(db, world, "Typical", args.messages, typical, people[:50])))
        results.append(("everyone follows", run(db, world, "All", args.messages, plain, people)))
        loud = lambda n: {"body": f"Heads-up {n}", "priority": "high"}  # noqa: E731
        results.append(
            ("everyone follows, high priority", run(db, world, "Loud", args.messages, loud, people))
        )
        db.close()

    baseline = statistics.median(base)
    rows = []
    for label, times in results:
        median = statistics.median(times)
        rows.append(
            (
                label,
                ms(median),
                ms(sorted(times)[int(len(times) * 0.95)]),
                f"{median / baseline:.2f}×",
            )
        )
    report = table(["scenario", "median ms/message", "p95 ms", "vs baseline"], rows)
    print(report)
    if not args.no_doc:
        body = (
            section_header("SQLite file, synchronous=normal, in-process (no HTTP)")
            + f"\n{args.members} members in {len(ZONES)} zones, {args.messages} messages per "
            "scenario; the time is the whole `send_to_topic` action in the writer, commit "
            "included.\n\n" + report
        )
        write_section("notify", "## Notification decisions and due times\n\n" + body)


if __name__ == "__main__":
    main()
