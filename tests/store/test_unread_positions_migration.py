"""Migration 0023: messages already stored get their positions, conversations their
counts, and the Inbox of an upgraded database reads as it did before."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import func, select

from tests.actions.conftest import MONDAY, Crew, _build
from tests.queries.test_inbox import PEOPLE, History, more_channels, reference_inbox
from tests.support import database_url_for
from tidings.clock import FrozenClock
from tidings.queries.inbox import inbox
from tidings.store.database import Database
from tidings.store.models import conversations, mentions, messages, topics
from tidings.store.schema import alembic_config


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


def _alembic(db: Database, verb: str, target: str) -> None:
    config = alembic_config(db.write_engine)
    with db.write_engine.begin() as conn:
        config.attributes["connection"] = conn
        getattr(command, verb)(config, target)


def _state(crew: Crew) -> dict[str, Any]:
    def read(conn: Any) -> dict[str, Any]:
        return {
            "positions": conn.execute(select(messages.c.id, messages.c.seq).order_by("id")).all(),
            "topics": conn.execute(
                select(topics.c.id, topics.c.message_count).order_by("id")
            ).all(),
            "conversations": conn.execute(
                select(conversations.c.id, conversations.c.message_count).order_by("id")
            ).all(),
            "mentions": conn.execute(select(func.count()).select_from(mentions)).scalar_one(),
            "inbox": {p: inbox(conn, crew.actors[p]) for p in PEOPLE},
        }

    return dict(crew.read(read))


def test_upgrade_numbers_stored_messages_and_keeps_the_inbox(crew: Crew) -> None:
    history = History(crew, random.Random(7))
    history.channel_ids += more_channels(crew)
    for _ in range(80):
        history.step()
    before = _state(crew)
    assert before["positions"] and all(seq > 0 for _, seq in before["positions"])
    _alembic(crew.db, "downgrade", "0022")
    _alembic(crew.db, "upgrade", "head")
    after = _state(crew)
    assert after == before
    for person in PEOPLE:
        actor = crew.actors[person]
        assert after["inbox"][person] == crew.read(lambda c, a=actor: reference_inbox(c, a))
