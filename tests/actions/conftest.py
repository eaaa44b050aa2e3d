"""Actions on a real database with a clock that moves only when told: a small team
in several time zones, and a worker to run due jobs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.support import database_url_for
from tidings.actions.members import insert_member
from tidings.actions.workspaces import create_workspace
from tidings.clock import FrozenClock
from tidings.core.credentials import hash_password
from tidings.core.roles import Actor, Role
from tidings.jobs import Worker
from tidings.store.database import Database
from tidings.store.models import channels, events
from tidings.store.tx import Tx

# Monday 7 December 2026, 08:00 UTC: 09:00 in Berlin, 08:00 in Lisbon, 03:00 in Austin.
MONDAY = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
PEOPLE = {
    "lena": ("Lena Hoffmann", "Europe/Berlin", Role.OWNER),
    "ana": ("Ana Sousa", "Europe/Lisbon", Role.MEMBER),
    "marcus": ("Marcus Reed", "America/Chicago", Role.MEMBER),
    "joy": ("Joy Santos", "Asia/Manila", Role.MEMBER),
}


@dataclass
class Crew:
    db: Database
    clock: FrozenClock
    worker: Worker
    workspace_id: int
    actors: dict[str, Actor] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Actor:
        try:
            return self.actors[name]
        except KeyError:
            raise AttributeError(name) from None

    def do(self, fn: Callable[[Tx], Any]) -> Any:
        return self.db.write(fn)

    def read(self, fn: Callable[[Any], Any]) -> Any:
        return self.db.read(fn)

    def travel(self, delta: timedelta) -> int:
        """Move the clock and run whatever became due; returns the jobs attempted."""
        self.clock.advance(delta)
        return self.worker.run_due()

    def travel_to(self, moment: datetime) -> int:
        return self.travel(moment - self.clock.now())

    def channel(self, name: str) -> int:
        return int(
            self.read(
                lambda c: c.execute(
                    select(channels.c.id).where(
                        channels.c.workspace_id == self.workspace_id, channels.c.name == name
                    )
                ).scalar_one()
            )
        )

    def events(self, type_: str, member: str | None = None) -> list[dict[str, Any]]:
        import orjson

        rows = self.read(
            lambda c: c.execute(
                select(events.c.payload, events.c.member_ids)
                .where(events.c.workspace_id == self.workspace_id, events.c.type == type_)
                .order_by(events.c.seq)
            ).all()
        )
        found = []
        for payload, member_ids in rows:
            if member is not None:
                ids = orjson.loads(member_ids) if member_ids else []
                if self.actors[member].member_id not in ids:
                    continue
            found.append(orjson.loads(payload))
        return found


@pytest.fixture
def crew(database_kind: str, tmp_path: Path) -> Iterator[Crew]:
    clock = FrozenClock(MONDAY)
    with database_url_for(database_kind, tmp_path) as url:
        db = Database(url, clock=clock, synchronous="normal")
        db.migrate()
        try:
            yield _build(db, clock)
        finally:
            db.close()


def _build(db: Database, clock: FrozenClock) -> Crew:
    def build(tx: Tx) -> Crew:
        name, zone, _ = PEOPLE["lena"]
        made = create_workspace(
            tx,
            name="Acme",
            owner_email="lena@acme.test",
            owner_password_hash=hash_password("a long password"),
            owner_name=name,
            owner_time_zone=zone,
        )
        crew = Crew(db, clock, Worker(db), made["id"])
        crew.actors["lena"] = Actor(made["owner_id"], made["id"], Role.OWNER, "lena")
        for key, (name, zone, role) in PEOPLE.items():
            if key == "lena":
                continue
            member_id = insert_member(
                tx,
                made["id"],
                email=f"{key}@acme.test",
                password_hash=hash_password("a long password"),
                display_name=name,
                role=role,
                time_zone=zone,
            )
            crew.actors[key] = Actor(member_id, made["id"], role, key)
        return crew

    return db.write(build)
