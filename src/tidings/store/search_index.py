"""Keeping the full-text index in step with message bodies (same transaction).

A message's row also holds the finished transcripts of its clips, so what was
said in a voice note or video finds the message; it goes with the row when the
message is edited (and indexed again), deleted or expires."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from tidings.store.clips import transcripts_of_messages

_INSERT = {
    "sqlite": text("INSERT INTO message_search(rowid, body) VALUES (:id, :body)"),
    "postgresql": text("INSERT INTO message_search(message_id, body) VALUES (:id, :body)"),
}
_DELETE = {
    "sqlite": text("DELETE FROM message_search WHERE rowid = :id"),
    "postgresql": text("DELETE FROM message_search WHERE message_id = :id"),
}


def index_message(conn: Connection, message_id: int, body: str, *, files: bool = True) -> None:
    """Index the body and the transcripts of the message's clips (a message sent
    without ``files`` has none, so nothing is looked up)."""
    spoken = transcripts_of_messages(conn, [message_id]).get(message_id, []) if files else []
    text = "\n".join([body, *spoken])
    conn.execute(_INSERT[conn.dialect.name], {"id": message_id, "body": text})


def reindex_message(conn: Connection, message_id: int, body: str) -> None:
    unindex_message(conn, message_id)
    index_message(conn, message_id, body)


def unindex_message(conn: Connection, message_id: int) -> None:
    conn.execute(_DELETE[conn.dialect.name], {"id": message_id})
