"""Migration 0015: reactions stored before it become canonical emoji."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert, select

from tests.support import database_url_for
from tidings.actions.topics import create_topic
from tidings.actions.workspaces import create_workspace
from tidings.core.roles import Actor, Role
from tidings.store.database import Database
from tidings.store.models import channels, reactions
from tidings.store.schema import alembic_config
from tidings.store.tx import Tx


@pytest.fixture
def db(database_kind: str, tmp_path: Path) -> Iterator[Database]:
    with database_url_for(database_kind, tmp_path) as url:
        database = Database(url, synchronous="normal")
        database.migrate()
        try:
            yield database
        finally:
            database.close()


def _alembic(db: Database, verb: str, target: str) -> None:
    config = alembic_config(db.write_engine)
    with db.write_engine.begin() as conn:
        config.attributes["connection"] = conn
        getattr(command, verb)(config, target)


def test_old_reactions_become_canonical_and_merge(db: Database) -> None:
    def seed(tx: Tx) -> tuple[int, int]:
        made = create_workspace(
            tx, name="olden", owner_email="o@olden.test", owner_password_hash=None
        )
        actor = Actor(made["owner_id"], made["id"], Role.OWNER, "o")
        channel = tx.conn.execute(
            select(channels.c.id).where(
                channels.c.workspace_id == made["id"], channels.c.name == "general"
            )
        ).scalar_one()
        topic = create_topic(tx, actor, channel, title="then", body="hello")
        return made["owner_id"], topic["first_message"]["id"]

    member_id, message_id = db.write(seed)
    _alembic(db, "downgrade", "0015-1")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    old = ["thumbs_up", "👍", "\u202e", "heart", "✔", "tada", "not an emoji"]
    rows = [
        {"message_id": message_id, "member_id": member_id, "emoji": emoji, "created_at": at}
        for emoji, at in zip(old, (start + timedelta(minutes=i) for i in range(9)), strict=False)
    ]
    db.write(lambda tx: tx.conn.execute(insert(reactions), rows))
    _alembic(db, "upgrade", "head")
    stored = db.read(lambda c: c.execute(select(reactions.c.emoji)).scalars().all())
    assert sorted(stored) == sorted(["👍", "❤️", "✔️", "🎉"])
