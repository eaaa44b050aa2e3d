"""A simulated week: eight people in six time zones, a week of traffic through the
actions on a clock that jumps from event to event, and the promises checked after.

- No non-urgent notification reaches anyone outside their working hours or in focus.
- Every held notification is delivered when its recipient's next working period starts.
- Every due time equals a minute-stepping oracle's.
- Every breach fires exactly once.
- Urgent beyond the daily budget is refused with a clear error.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.core.test_worktime import oracle_add
from tests.support import database_url_for
from tidings.actions import availability, conversations, messages, topics
from tidings.actions.members import insert_member
from tidings.actions.notifications import UrgentBudgetExceeded
from tidings.actions.workspaces import create_workspace
from tidings.clock import FrozenClock
from tidings.core.credentials import hash_password
from tidings.core.roles import Actor, Role
from tidings.core.worktime import is_working
from tidings.jobs import Worker
from tidings.queries.availability import member_schedule
from tidings.store.database import Database
from tidings.store.models import channels, expectations, jobs, notifications
from tidings.store.tx import Tx

# Wednesday 21 October 2026; Europe leaves summer time on Sunday the 25th.
START = datetime(2026, 10, 21, 0, 0, tzinfo=UTC)
END = START + timedelta(days=7)
TEAM = {
    # key: (name, zone, working hours)
    "lena": (
        "Lena Hoffmann",
        "Europe/Berlin",
        {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    ),
    "jonas": (
        "Jonas Weber",
        "Europe/Berlin",
        {d: [["08:00", "12:00"], ["13:00", "16:30"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    ),
    "ana": (
        "Ana Sousa",
        "Europe/Lisbon",
        {d: [["09:30", "13:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    ),
    "marcus": (
        "Marcus Reed",
        "America/Chicago",
        {d: [["08:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    ),
    "dana": (
        "Dana Whitfield",
        "America/New_York",
        {
            **{d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu")},
            "fri": [["09:00", "13:00"]],
        },
    ),
    "priya": (
        "Priya Nair",
        "Asia/Kolkata",
        {d: [["10:00", "18:30"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    ),
    "joy": (
        "Joy Santos",
        "Asia/Manila",
        {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    ),
    "kai": (
        "Kai Tanaka",
        "Asia/Manila",
        {
            **{d: [["10:00", "19:00"]] for d in ("tue", "wed", "thu", "fri")},
            "sat": [["10:00", "14:00"]],
        },
    ),
}
JOY_HOLIDAY = "2026-10-23"
JONAS_AWAY = (datetime(2026, 10, 21, 22, 0, tzinfo=UTC), datetime(2026, 10, 23, 22, 0, tzinfo=UTC))
DANA_FOCUS = (datetime(2026, 10, 22, 18, 0, tzinfo=UTC), datetime(2026, 10, 22, 20, 0, tzinfo=UTC))


class Week:
    def __init__(self, db: Database, clock: FrozenClock) -> None:
        self.db, self.clock, self.worker = db, clock, Worker(db)
        self.rng = random.Random(20261021)
        self.actors: dict[str, Actor] = {}
        self.topics: list[int] = []
        self.conversations: dict[frozenset[str], int] = {}
        self.urgent_sent: list[int] = []

    def setup(self) -> None:
        def build(tx: Tx) -> None:
            name, zone, _ = TEAM["lena"]
            made = create_workspace(
                tx,
                name="Acme",
                owner_email="lena@acme.test",
                owner_password_hash=hash_password("long password"),
                owner_name=name,
                owner_time_zone=zone,
            )
            self.actors["lena"] = Actor(made["owner_id"], made["id"], Role.OWNER, "lena")
            for key, (name, zone, _) in TEAM.items():
                if key != "lena":
                    member_id = insert_member(
                        tx,
                        made["id"],
                        email=f"{key}@acme.test",
                        password_hash=hash_password("long password"),
                        display_name=name,
                        role=Role.MEMBER,
                        time_zone=zone,
                    )
                    self.actors[key] = Actor(member_id, made["id"], Role.MEMBER, key)
            for key, (_, _, hours) in TEAM.items():
                holidays = [JOY_HOLIDAY] if key == "joy" else []
                availability.set_hours(tx, self.actors[key], working_hours=hours, holidays=holidays)
            availability.add_absence(tx, self.actors["jonas"], *JONAS_AWAY, note="Conference")
            general = tx.conn.execute(
                select(channels.c.id).where(
                    channels.c.workspace_id == made["id"], channels.c.name == "general"
                )
            ).scalar_one()
            self.general = general

        self.db.write(build)

    def schedule(self, key: str) -> Any:
        actor = self.actors[key]
        return self.db.read(lambda c: member_schedule(c, actor.workspace_id, actor.member_id))

    # --- traffic -------------------------------------------------------------------------

    def working(self, key: str, at: datetime) -> bool:
        return is_working(at, self.schedules[key])

    def step(self) -> None:
        now = self.clock.now()
        senders = [k for k in TEAM if self.working(k, now)]
        if not senders:
            return
        sender = self.rng.choice(senders)
        others = [k for k in TEAM if k != sender]
        roll = self.rng.random()
        if roll < 0.3 and self.reply_owed(sender):
            return
        if roll < 0.55:
            self.dm(sender, self.rng.choice(others), "Quick one: can you check the numbers?")
        elif roll < 0.7 or not self.topics:
            self.new_topic(sender, self.rng.sample(others, 2))
        else:
            target = self.rng.choice(others)
            deadline = None
            if self.rng.random() < 0.3:
                deadline = now + timedelta(hours=self.rng.choice((6, 20, 30)))
            self.post(
                sender,
                self.rng.choice(self.topics),
                f"@{target} what do you think?",
                asks=[target],
                deadline=deadline,
            )
        if self.rng.random() < 0.04:
            self.urgent(sender, self.rng.choice(others))

    def dm(self, sender: str, to: str, body: str, priority: str = "normal") -> dict[str, Any]:
        actor = self.actors[sender]

        def send(tx: Tx) -> dict[str, Any]:
            conversation = conversations.open_conversation(tx, actor, [self.actors[to].member_id])
            return messages.send_to_conversation(
                tx, actor, conversation["id"], body=body, priority=priority
            )

        return self.db.write(send)

    def urgent(self, sender: str, to: str) -> None:
        try:
            made = self.dm(
                sender, to, "Production is down, please join the call", priority="urgent"
            )
            self.urgent_sent.append(made["id"])
        except UrgentBudgetExceeded:
            pass

    def new_topic(self, sender: str, asked: list[str]) -> None:
        actor = self.actors[sender]
        title = f"Topic {len(self.topics) + 1}"
        asks = [{"member_id": self.actors[k].member_id} for k in asked]
        made = self.db.write(
            lambda tx: topics.create_topic(
                tx, actor, self.general, title=title, body="Context and a question", asks=asks
            )
        )
        self.topics.append(made["id"])

    def post(
        self,
        sender: str,
        topic_id: int,
        body: str,
        asks: list[str] = (),
        deadline: datetime | None = None,
    ) -> None:
        actor = self.actors[sender]
        wanted = [{"member_id": self.actors[k].member_id, "deadline": deadline} for k in asks]
        self.db.write(
            lambda tx: messages.send_to_topic(tx, actor, topic_id, body=body, asks=wanted)
        )

    def reply_owed(self, key: str) -> bool:
        actor = self.actors[key]
        row = self.db.read(
            lambda c: c.execute(
                select(expectations.c.topic_id, expectations.c.conversation_id)
                .where(
                    expectations.c.debtor_id == actor.member_id,
                    expectations.c.state.in_(("open", "breached")),
                )
                .order_by(expectations.c.id)
                .limit(1)
            ).first()
        )
        if row is None:
            return False
        if row.topic_id is not None:
            self.db.write(
                lambda tx: messages.send_to_topic(tx, actor, row.topic_id, body="Here is my answer")
            )
        else:
            self.db.write(
                lambda tx: messages.send_to_conversation(
                    tx, actor, row.conversation_id, body="Done, see above"
                )
            )
        return True

    # --- time ----------------------------------------------------------------------------

    def next_job(self) -> datetime | None:
        return self.db.read(
            lambda c: c.execute(
                select(func.min(jobs.c.run_at)).where(jobs.c.state == "pending")
            ).scalar()
        )

    def run(self, until: datetime, traffic: Callable[[], None] | None, every: timedelta) -> None:
        """Jump from event to event: the next traffic tick or the next due job."""
        tick = self.clock.now()
        for _ in range(20_000):  # bounded: a week has far fewer events
            due = self.next_job()
            target = min(t for t in (tick, due, until) if t is not None)
            if target > self.clock.now():
                self.clock.advance(target - self.clock.now())
            self.worker.run_due()
            if target >= until and (due is None or due > until):
                return
            if target == tick:
                for action in self.scheduled.pop(tick, []):
                    action()
                if traffic is not None:
                    traffic()
                tick += every
        raise AssertionError("the simulation did not finish")


@pytest.fixture
def week(database_kind: str, tmp_path: Path) -> Iterator[Week]:
    clock = FrozenClock(START)
    with database_url_for(database_kind, tmp_path) as url:
        db = Database(url, clock=clock, synchronous="normal")
        db.migrate()
        try:
            yield Week(db, clock)
        finally:
            db.close()


def test_a_week_of_traffic_keeps_every_promise(week: Week) -> None:
    week.setup()
    week.schedules = {k: week.schedule(k) for k in TEAM}
    dana = week.actors["dana"]
    focus_at = DANA_FOCUS[0]
    week.scheduled = {}
    # Dana goes into focus for two hours on Thursday afternoon, New York time.
    every = timedelta(minutes=23)
    ticks = START + every * ((focus_at - START) // every)
    week.scheduled[ticks] = [
        lambda: week.db.write(
            lambda tx: availability.set_status(tx, dana, "focus", until=DANA_FOCUS[1])
        )
    ]
    week.scheduled[ticks + every] = [lambda: week.dm("lena", "dana", "Can you look at the draft?")]
    focus = (ticks, DANA_FOCUS[1])
    week.run(END, week.step, every)
    week.run(END + timedelta(days=4), None, timedelta(days=1))  # let held work finish

    rows = week.db.read(lambda c: c.execute(select(notifications)).mappings().all())
    by_member = {a.member_id: k for k, a in week.actors.items()}
    assert len(rows) > 200, "the week should produce plenty of notifications"

    def reachable(key: str, t: datetime) -> bool:
        in_focus = key == "dana" and focus[0] <= t < focus[1]
        return week.working(key, t) and not in_focus

    delivered = [r for r in rows if r["delivered_at"] is not None]
    bypassing = [r for r in delivered if r["priority"] == "urgent"]
    for row in delivered:
        if row["priority"] == "urgent":
            continue
        key = by_member[row["member_id"]]
        assert reachable(key, row["delivered_at"]), (
            key,
            row["kind"],
            row["delivered_at"],
            row["reason"],
        )

    held = [r for r in rows if r["action"] == "hold"]
    assert held, "some notifications must have been held"
    for row in held:
        key = by_member[row["member_id"]]
        assert row["delivered_at"] == row["deliver_at"], row
        minute_before = row["delivered_at"] - timedelta(minutes=1)
        assert not reachable(key, minute_before), (key, row["delivered_at"], row["reason"])
        assert row["reason"].startswith("held: "), row["reason"]
    assert [r for r in rows if r["action"] == "hold" and r["delivered_at"] is None] == []
    codes = {r["code"] for r in held}
    assert {"outside_hours", "focus", "holiday", "out_of_office"} <= codes, codes
    [in_focus] = [r for r in held if r["code"] == "focus"]
    assert in_focus["delivered_at"] == DANA_FOCUS[1]  # focus ended inside her working hours

    owed = week.db.read(lambda c: c.execute(select(expectations)).mappings().all())
    assert len(owed) > 100
    for row in owed:
        if row["deadline"] is not None:
            assert row["due_at"] == row["deadline"]
            continue
        key = by_member[row["debtor_id"]]
        expected = oracle_add(
            row["visible_at"],
            row["window_minutes"],
            week.schedules[key],
            row["visible_at"] + timedelta(days=30),
        )
        assert row["due_at"] == expected, (key, row["visible_at"], row["window_minutes"])

    breaches = [r for r in rows if r["kind"] == "breach"]
    breached = [r for r in owed if r["breached_at"] is not None]
    assert breached, "some replies must have come late"
    assert sorted(r["expectation_id"] for r in breaches) == sorted(r["id"] for r in breached)
    nudged = [r for r in rows if r["kind"] == "nudge"]
    assert len({r["expectation_id"] for r in nudged}) == len(nudged)

    # Urgent direct messages went through at once, and a fourth in a day is refused.
    assert bypassing or week.urgent_sent == []
    late_night = datetime(2026, 10, 29, 2, 0, tzinfo=UTC)
    week.clock.advance(late_night - week.clock.now())
    for _ in range(3):
        week.dm("lena", "ana", "Urgent: the release is blocked", priority="urgent")
    with pytest.raises(UrgentBudgetExceeded, match="3 urgent messages in direct messages today"):
        week.dm("lena", "ana", "Urgent again", priority="urgent")
    ana_urgent = week.db.read(
        lambda c: (
            c.execute(
                select(notifications.c.action).where(
                    notifications.c.member_id == week.actors["ana"].member_id,
                    notifications.c.priority == "urgent",
                    notifications.c.created_at == late_night,
                )
            )
            .scalars()
            .all()
        )
    )
    assert ana_urgent == ["now", "now", "now"]  # 02:00 in Lisbon, and still delivered
