"""INSERT … ON CONFLICT, the same on SQLite and PostgreSQL.

Statements are built once per dialect and table and then executed with plain
parameters: building them anew on every call cost more than running them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def _insert(dialect: str, table: Table) -> Any:
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


@cache
def _ignoring(dialect: str, table: Table, keys: tuple[str, ...]) -> Any:
    return _insert(dialect, table).on_conflict_do_nothing(index_elements=list(keys))


@cache
def _replacing(dialect: str, table: Table, keys: tuple[str, ...], update: tuple[str, ...]) -> Any:
    statement = _insert(dialect, table)
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in update}
    )


@cache
def _raising(dialect: str, table: Table, keys: tuple[str, ...], column: str) -> Any:
    statement = _insert(dialect, table)
    current, proposed = table.c[column], statement.excluded[column]
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={column: case((proposed > current, proposed), else_=current)},
    )


def insert_ignore(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> int:
    """Insert rows, skipping those whose key exists; returns how many were new."""
    if not rows:
        return 0
    statement = _ignoring(conn.dialect.name, table, tuple(keys))
    return int(conn.execute(statement, list(rows)).rowcount or 0)


def upsert(
    conn: Connection,
    table: Table,
    values: dict[str, Any],
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    conn.execute(_replacing(conn.dialect.name, table, tuple(keys), tuple(update)), values)


def raise_pointer(
    conn: Connection, table: Table, values: dict[str, Any], keys: Sequence[str], column: str
) -> None:
    """Upsert that only ever moves ``column`` forward (read pointers)."""
    conn.execute(_raising(conn.dialect.name, table, tuple(keys), column), values)
