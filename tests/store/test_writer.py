"""Group commit: many actions in one transaction, a savepoint each."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support import database_url_for
from tidings.errors import InvalidInput
from tidings.store.database import Database
from tidings.store.models import events, workspaces
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


def _make_workspace(slug: str, *, fail: Exception | None = None):  # type: ignore[no-untyped-def]
    def action(tx: Tx) -> int:
        workspace_id = tx.insert(workspaces, slug=slug, name=slug, created_at=tx.now)
        tx.emit(workspace_id, "workspace.created", {"slug": slug})
        if fail is not None:
            raise fail
        return workspace_id

    return action


def _slugs(db: Database) -> set[str]:
    return set(db.read(lambda c: c.execute(select(workspaces.c.slug)).scalars().all()))


def test_a_failing_action_rolls_back_alone_within_its_batch(db: Database) -> None:
    gate = threading.Event()
    # Hold the writer busy so that the next five actions queue up into one batch.
    blocker = db.writer.submit(lambda tx: gate.wait(10))
    futures = [
        db.writer.submit(_make_workspace("one")),
        db.writer.submit(_make_workspace("two", fail=InvalidInput("refused"))),
        db.writer.submit(_make_workspace("one")),  # duplicate slug: the database refuses
        db.writer.submit(_make_workspace("three")),
    ]
    batches_before = db.writer.batches
    gate.set()
    blocker.result(10)
    assert isinstance(futures[0].result(10), int)
    with pytest.raises(InvalidInput):
        futures[1].result(10)
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        futures[2].result(10)
    assert isinstance(futures[3].result(10), int)
    assert db.writer.batches - batches_before == 1
    assert _slugs(db) == {"one", "three"}
    logged = db.read(lambda c: c.execute(select(func.count()).select_from(events)).scalar_one())
    assert logged == 2


def test_events_are_numbered_per_workspace_without_gaps(db: Database) -> None:
    first = db.write(_make_workspace("alpha"))
    second = db.write(_make_workspace("beta"))

    def emit_many(tx: Tx) -> None:
        for n in range(3):
            tx.emit(first, "tick", {"n": n})
            tx.emit(second, "tick", {"n": n})

    db.write(emit_many)
    rows = db.read(
        lambda c: c.execute(
            select(events.c.workspace_id, events.c.seq).order_by(
                events.c.workspace_id, events.c.seq
            )
        ).all()
    )
    assert [seq for ws, seq in rows if ws == first] == [1, 2, 3, 4]
    assert [seq for ws, seq in rows if ws == second] == [1, 2, 3, 4]


def test_writers_of_two_nodes_take_turns_instead_of_deadlocking(
    database_kind: str, tmp_path: Path
) -> None:
    """Two nodes' batches that touch the same rows in opposite orders (two topics of
    one channel, sent in different orders) would wait on each other forever; on
    PostgreSQL one would be killed as a deadlock after a second. The writers take
    turns per transaction, so both commit."""
    with database_url_for(database_kind, tmp_path) as url:
        nodes = [Database(url, synchronous="normal") for _ in range(2)]
        nodes[0].migrate()
        try:
            first, second = (nodes[0].write(_make_workspace(s)) for s in ("left", "right"))
            both_inside = threading.Barrier(2)

            def touch(order: tuple[int, int]):  # type: ignore[no-untyped-def]
                def action(tx: Tx) -> None:
                    for step, workspace_id in enumerate(order):
                        tx.conn.execute(
                            workspaces.update()
                            .where(workspaces.c.id == workspace_id)
                            .values(event_seq=workspaces.c.event_seq)
                        )
                        if step == 0:
                            # Both hold their first row here, unless one waits its turn.
                            with contextlib.suppress(threading.BrokenBarrierError):
                                both_inside.wait(timeout=2)

                return action

            futures = [
                nodes[0].writer.submit(touch((first, second))),
                nodes[1].writer.submit(touch((second, first))),
            ]
            for future in futures:
                assert future.result(30) is None
        finally:
            for node in nodes:
                node.close()
