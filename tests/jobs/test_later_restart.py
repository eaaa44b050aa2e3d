"""A scheduled message and a respond-later reminder due around a SIGKILL of
``tidings serve``: after the restart each has fired exactly once."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.jobs.test_restart import database_url, wait_for  # noqa: F401  (a fixture)
from tests.support import free_port
from tests.test_durability import ServerProcess
from tidings.actions import conversations, later, scheduled, topics
from tidings.actions.members import insert_member
from tidings.actions.workspaces import create_workspace
from tidings.core.credentials import hash_password
from tidings.core.roles import Actor, Role
from tidings.store.database import Database
from tidings.store.models import channels, jobs, messages, notifications, scheduled_messages

pytestmark = pytest.mark.slow
EACH = 20


def _team(tx: Any) -> tuple[Actor, Actor]:
    made = create_workspace(
        tx,
        name="Restart",
        owner_email="o@restart.test",
        owner_password_hash=hash_password("a long password"),
    )
    owner = Actor(made["owner_id"], made["id"], Role.OWNER, "o")
    member_id = insert_member(
        tx,
        made["id"],
        email="m@restart.test",
        password_hash=hash_password("a long password"),
        display_name="Mia",
        role=Role.MEMBER,
        time_zone="Asia/Manila",
    )
    return owner, Actor(member_id, made["id"], Role.MEMBER, "m")


def _count(db: Database, query: Any) -> int:
    return int(db.read(lambda c: c.execute(query).scalar_one()))


def test_scheduled_sends_and_reminders_fire_once_across_a_sigkill(
    database_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "TIDINGS_DATABASE_URL": database_url,
        "TIDINGS_ACCESS_LOG": "false",
        "TIDINGS_SQLITE_SYNCHRONOUS": "full",
        "TIDINGS_JOB_LEASE_SECONDS": "2",
    }
    server = ServerProcess(env, free_port(), tmp_path / "server.log")
    server.start()
    db = Database(database_url)
    try:
        owner, member = db.write(_team)
        due = db.clock.now() + timedelta(seconds=3)

        def plan(tx: Any) -> None:
            dm = conversations.open_conversation(tx, owner, [member.member_id])
            general = tx.conn.execute(
                select(channels.c.id).where(
                    channels.c.workspace_id == owner.workspace_id,
                    channels.c.name == "general",
                )
            ).scalar_one()
            for n in range(EACH):
                topic = topics.create_topic(tx, owner, general, title=f"T{n}", body=f"About {n}")
                later.mark_later(
                    tx, member, topic["first_message"]["id"], due + timedelta(milliseconds=10 * n)
                )
                scheduled.schedule_message(
                    tx,
                    owner,
                    conversation_id=dm["id"],
                    body=f"scheduled {n}",
                    send_at=due + timedelta(milliseconds=10 * n),
                )

        db.write(plan)
        wait_for(lambda: db.clock.now() >= due, 10, "the due time")
        # Around the due time: some may be done, a batch claimed, others pending.
        time.sleep(0.05)
        server.kill()
        time.sleep(0.5)
        server.start()
        ours = jobs.c.kind.in_((later.REMIND, scheduled.SEND))
        wait_for(
            lambda: _count(db, select(func.count()).where(ours, jobs.c.state != "done")) == 0,
            30,
            "every job is done",
        )
    finally:
        server.stop()
    try:
        sent = db.read(
            lambda c: sorted(
                c.execute(
                    select(messages.c.body).where(messages.c.body.like("scheduled %"))
                ).scalars()
            )
        )
        assert sent == sorted(f"scheduled {n}" for n in range(EACH))
        reminders = select(func.count()).where(
            notifications.c.kind == "reminder", notifications.c.member_id == member.member_id
        )
        assert _count(db, reminders) == EACH
        states = db.read(lambda c: set(c.execute(select(scheduled_messages.c.state)).scalars()))
        assert states == {"sent"}
    finally:
        db.close()
