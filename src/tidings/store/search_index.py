"""Keeping the full-text index in step with message bodies (same transaction)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

_INSERT = {
    "sqlite": text("INSERT INTO message_search(rowid, body) VALUES (:id, :body)"),
    "postgresql": text("INSERT INTO message_search(message_id, body) VALUES (:id, :body)"),
}
_DELETE = {
    "sqlite": text("DELETE FROM message_search WHERE rowid = :id"),
    "postgresql": text("DELETE FROM message_search WHERE message_id = :id"),
}


def index_message(conn: Connection, message_id: int, body: str) -> None:
    conn.execute(_INSERT[conn.dialect.name], {"id": message_id, "body": body})


def reindex_message(conn: Connection, message_id: int, body: str) -> None:
    unindex_message(conn, message_id)
    index_message(conn, message_id, body)


def unindex_message(conn: Connection, message_id: int) -> None:
    conn.execute(_DELETE[conn.dialect.name], {"id": message_id})
