"""The unit of work an action runs in: one connection, a clock, and what
must happen only after commit (events to publish, caches to drop)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import Table, bindparam, update
from sqlalchemy.engine import Connection

from tidings.clock import Clock
from tidings.store.models import events, workspaces

# Audiences of an event: everyone in the workspace, every non-guest, every guest,
# whoever may read one channel, or a fixed list of members.
WORKSPACE = "workspace"
STAFF = "staff"
GUESTS = "guests"
CHANNEL = "channel"
MEMBERS = "members"


_INSERT_EVENTS = events.insert()
_ALLOCATE_SEQ = (
    update(workspaces)
    .where(workspaces.c.id == bindparam("workspace_id"))
    .values(event_seq=workspaces.c.event_seq + bindparam("count"))
    .returning(workspaces.c.event_seq)
)


@cache
def _insert_into(table: Table) -> Any:
    # Built once: a statement built per call costs more than running it.
    return table.insert()


@dataclass(frozen=True)
class PendingEvent:
    workspace_id: int
    type: str
    payload: dict[str, Any]
    audience: str
    channel_id: int | None = None
    member_ids: tuple[int, ...] = ()


@dataclass
class Tx:
    conn: Connection
    clock: Clock
    now: datetime = field(init=False)
    _events: list[PendingEvent] = field(default_factory=list)
    _after_commit: list[Callable[[], None]] = field(default_factory=list)
    committed_events: list[PendingEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.now = self.clock.now()

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name

    def emit(
        self,
        workspace_id: int,
        type_: str,
        payload: dict[str, Any],
        *,
        audience: str = WORKSPACE,
        channel_id: int | None = None,
        member_ids: Iterable[int] = (),
    ) -> None:
        """Queue an event; it is written with the change and published after commit."""
        self._events.append(
            PendingEvent(workspace_id, type_, payload, audience, channel_id, tuple(member_ids))
        )

    def insert(self, table: Table, **values: Any) -> int:
        """Insert one row and return its new id."""
        key = self.conn.execute(_insert_into(table), values).inserted_primary_key
        assert key is not None
        return int(key[0])

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def flush_events(self) -> None:
        """Write queued events into the log now (see ``write_events``)."""
        pending = self.take_events()
        write_events(self.conn, event_rows(pending, self.now))
        self.committed_events.extend(pending)

    def take_events(self) -> list[PendingEvent]:
        """Hand the queued events to whoever writes them (the writer, once per batch)."""
        pending, self._events = self._events, []
        return pending

    def run_after_commit(self) -> None:
        for callback in self._after_commit:
            callback()


def write_events(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Write event rows (``event_rows``) into the log, numbered per workspace in the
    order given: one number allocation per workspace and one multi-row insert.

    The ``UPDATE … RETURNING`` on the workspace row both allocates the numbers and
    locks the row, so on PostgreSQL with several writers the log is committed in
    number order and a tailer never skips a gap.
    """
    if not rows:
        return
    by_workspace: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_workspace.setdefault(row["workspace_id"], []).append(row)
    for workspace_id, group in by_workspace.items():
        last = conn.execute(
            _ALLOCATE_SEQ, {"workspace_id": workspace_id, "count": len(group)}
        ).scalar_one()
        for number, row in enumerate(group, start=last - len(group) + 1):
            row["seq"] = number
    conn.execute(_INSERT_EVENTS, rows)


def event_rows(items: list[PendingEvent], now: datetime) -> list[dict[str, Any]]:
    """The log rows of events, encoded, still to be numbered."""
    return [
        {
            "workspace_id": item.workspace_id,
            "seq": None,
            "type": item.type,
            "audience": item.audience,
            "channel_id": item.channel_id,
            "member_ids": orjson.dumps(item.member_ids).decode() if item.member_ids else None,
            "payload": orjson.dumps(item.payload).decode(),
            "created_at": now,
        }
        for item in items
    ]
