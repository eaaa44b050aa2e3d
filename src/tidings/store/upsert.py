"""INSERT … ON CONFLICT, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def _insert(conn: Connection, table: Table) -> Any:
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    return module.insert(table)


def insert_ignore(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> int:
    """Insert rows, skipping those whose key exists; returns how many were new."""
    if not rows:
        return 0
    statement = _insert(conn, table).on_conflict_do_nothing(index_elements=list(keys))
    return int(conn.execute(statement, list(rows)).rowcount or 0)


def upsert(
    conn: Connection,
    table: Table,
    values: dict[str, Any],
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    statement = _insert(conn, table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in update}
    )
    conn.execute(statement)


def raise_pointer(
    conn: Connection, table: Table, values: dict[str, Any], keys: Sequence[str], column: str
) -> None:
    """Upsert that only ever moves ``column`` forward (read pointers)."""
    statement = _insert(conn, table).values(**values)
    current, proposed = table.c[column], statement.excluded[column]
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={column: case((proposed > current, proposed), else_=current)},
    )
    conn.execute(statement)
