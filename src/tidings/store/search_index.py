"""Keeping the full-text index in step with message bodies (same transaction)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection


def index_message(conn: Connection, message_id: int, body: str) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(
            text("INSERT INTO message_search(rowid, body) VALUES (:id, :body)"),
            {"id": message_id, "body": body},
        )
    else:
        conn.execute(
            text("INSERT INTO message_search(message_id, body) VALUES (:id, :body)"),
            {"id": message_id, "body": body},
        )


def reindex_message(conn: Connection, message_id: int, body: str) -> None:
    unindex_message(conn, message_id)
    index_message(conn, message_id, body)


def unindex_message(conn: Connection, message_id: int) -> None:
    key = "rowid" if conn.dialect.name == "sqlite" else "message_id"
    conn.execute(text(f"DELETE FROM message_search WHERE {key} = :id"), {"id": message_id})
