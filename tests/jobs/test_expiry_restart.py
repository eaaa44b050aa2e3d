"""Self-destructing messages survive a SIGKILL of ``tidings serve`` around their time:
each one expires, and announces it, exactly once."""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select, update

from tests.jobs.test_restart import LEASE_SECONDS, _states, database_url, wait_for
from tests.support import free_port
from tests.test_durability import ServerProcess
from tidings.actions import topics
from tidings.actions.expiry import EXPIRE
from tidings.actions.workspaces import create_workspace
from tidings.core.credentials import hash_password
from tidings.core.roles import Actor, Role
from tidings.store.database import Database
from tidings.store.models import channels, events, jobs, messages

pytestmark = pytest.mark.slow
__all__ = ["database_url"]  # the fixture, shared with the jobs' own restart test
MESSAGES = 60


def _expired_at(db: Database) -> dict[int, object]:
    rows = db.read(lambda c: c.execute(select(messages.c.id, messages.c.expired_at)).all())
    return {row.id: row.expired_at for row in rows}


def _send_all(db: Database) -> list[int]:
    def send(tx):  # type: ignore[no-untyped-def]
        made = create_workspace(
            tx,
            name="Acme",
            owner_email="lena@acme.test",
            owner_password_hash=hash_password("a long password"),
            owner_name="Lena",
            owner_time_zone="Europe/Berlin",
        )
        owner = Actor(made["owner_id"], made["id"], Role.OWNER, "lena")
        general = _general(tx, made["id"])
        return [
            topics.create_topic(
                tx,
                owner,
                general,
                title=f"Secret {n}",
                body=f"Secret number {n}",
                expires_in_minutes=1,
            )["first_message"]["id"]
            for n in range(MESSAGES)
        ]

    return db.write(send)


def _general(tx, workspace_id: int) -> int:  # type: ignore[no-untyped-def]
    return int(
        tx.conn.execute(
            select(channels.c.id).where(
                channels.c.workspace_id == workspace_id, channels.c.name == "general"
            )
        ).scalar_one()
    )


def test_sigkill_around_expiry_time_expires_each_message_exactly_once(
    database_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "TIDINGS_DATABASE_URL": database_url,
        "TIDINGS_ACCESS_LOG": "false",
        "TIDINGS_SQLITE_SYNCHRONOUS": "full",
        "TIDINGS_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    server = ServerProcess(env, free_port(), tmp_path / "server.log")
    server.start()
    db = Database(database_url)
    try:
        ids = _send_all(db)
        due = db.clock.now() + timedelta(seconds=2)

        def bring_forward(tx):  # type: ignore[no-untyped-def]
            # A minute is the shortest lifetime; the test does not wait for it.
            tx.conn.execute(update(messages).values(expires_at=due))
            tx.conn.execute(update(jobs).where(jobs.c.kind == EXPIRE).values(run_at=due))

        db.write(bring_forward)
        wait_for(lambda: "done" in _states(db) or "running" in _states(db), 30, "expiry starts")
        server.kill()
        time.sleep(0.5)
        at_kill = _expired_at(db)
        server.start()
        wait_for(lambda: all(_expired_at(db).values()), 30, "every message expired")
        after = _expired_at(db)
        announced = db.read(
            lambda c: (
                c.execute(select(events.c.payload).where(events.c.type == "message.expired"))
                .scalars()
                .all()
            )
        )
        states = db.read(
            lambda c: c.execute(select(jobs.c.state).where(jobs.c.kind == EXPIRE)).scalars().all()
        )
    finally:
        server.stop()
        db.close()

    assert Counter(orjson.loads(p)["id"] for p in announced) == dict.fromkeys(ids, 1)
    assert set(states) == {"done"} and len(states) == MESSAGES
    for message_id in ids:
        assert after[message_id] >= due  # type: ignore[operator]
        if at_kill[message_id] is not None:  # expired before the kill: never again
            assert after[message_id] == at_kill[message_id]
