"""A digest due around a SIGKILL of ``tidings serve`` is sent exactly once."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.jobs.test_restart import wait_for
from tests.mailbox import Inbox, smtp_server
from tests.support import database_url_for, free_port
from tests.test_durability import ServerProcess
from tidings.actions import digests, topics
from tidings.actions.members import insert_member
from tidings.actions.workspaces import create_workspace
from tidings.core.credentials import hash_password
from tidings.core.roles import Actor, Role
from tidings.store.database import Database
from tidings.store.jobs import enqueue
from tidings.store.models import channels, jobs
from tidings.store.models import digests as digest_rows

pytestmark = pytest.mark.slow
LEASE_SECONDS = 2


@pytest.fixture
def database_url(database_kind: str, tmp_path: Path) -> Iterator[str]:
    with database_url_for(database_kind, tmp_path) as url:
        yield url


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as found:
        yield found


def _team_with_news(db: Database) -> tuple[int, int]:
    def build(tx: Any) -> tuple[int, int]:
        made = create_workspace(
            tx,
            name="Restart",
            owner_email="boss@restart.test",
            owner_password_hash=hash_password("a long password"),
        )
        owner = Actor(made["owner_id"], made["id"], Role.OWNER, "boss")
        member_id = insert_member(
            tx,
            made["id"],
            email="ana@restart.test",
            password_hash=hash_password("a long password"),
            display_name="Ana",
            role=Role.MEMBER,
            time_zone="UTC",
        )
        general = tx.conn.execute(
            select(channels.c.id).where(
                channels.c.workspace_id == made["id"], channels.c.name == "general"
            )
        ).scalar_one()
        handle = "ana"
        topics.create_topic(tx, owner, general, title="Rota", body=f"Friday, @{handle}?")
        return made["id"], member_id

    return db.write(build)


def test_a_digest_due_across_a_sigkill_sends_one_email(
    database_url: str, tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, smtp_port = smtp
    env = {
        **os.environ,
        "TIDINGS_DATABASE_URL": database_url,
        "TIDINGS_ACCESS_LOG": "false",
        "TIDINGS_SQLITE_SYNCHRONOUS": "full",
        "TIDINGS_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "TIDINGS_SMTP_HOST": "127.0.0.1",
        "TIDINGS_SMTP_PORT": str(smtp_port),
        "TIDINGS_SMTP_STARTTLS": "false",
    }
    server = ServerProcess(env, free_port(), tmp_path / "server.log")
    server.start()  # it migrates the database
    db = Database(database_url)
    try:
        workspace_id, member_id = _team_with_news(db)
        due = db.clock.now() + timedelta(seconds=1.5)
        day = due.date().isoformat()
        job_id = db.write(
            lambda tx: enqueue(
                tx,
                digests.SEND,
                due,
                {"member_id": member_id, "workspace_id": workspace_id, "local_date": day},
                workspace_id=workspace_id,
                dedupe_key=f"digest:{member_id}:{day}:v0",
            )
        )

        def state() -> str:
            query = select(jobs.c.state).where(jobs.c.id == job_id)
            return str(db.read(lambda c: c.execute(query).scalar_one()))

        wait_for(lambda: db.clock.now() >= due, 10, "the digest is due")
        server.kill()
        time.sleep(0.5)
        server.start()
        wait_for(lambda: state() == "done" and len(inbox.received) >= 1, 30, "the digest is sent")
        time.sleep(LEASE_SECONDS + 1.5)  # a second run, if any, would have come by now
    finally:
        server.stop()
        sent = db.read(lambda c: c.execute(select(digest_rows)).all())
        db.close()
    assert len(inbox.received) == 1
    assert [(row.member_id, row.local_date) for row in sent] == [(member_id, day)]
