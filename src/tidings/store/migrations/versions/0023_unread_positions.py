"""unread positions: each message's place in its topic or conversation, a message count
per conversation, and the indexes the Inbox subtracts with

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

MARKED = "(deleted_at IS NOT NULL OR priority <> 'normal')"

# Positions from 1, in id order, per topic and per conversation. UPDATE … FROM reads
# the same on SQLite (3.33 and later) and PostgreSQL.
_NUMBER = """
UPDATE messages SET seq = numbered.position
FROM (
    SELECT id, row_number() OVER (PARTITION BY {place} ORDER BY id) AS position
    FROM messages WHERE {place} IS NOT NULL
) AS numbered
WHERE messages.id = numbered.id
"""
# Counts as the positions say, so that a place's count and its last position agree.
_COUNT = """
UPDATE {table} SET message_count = COALESCE(
    (SELECT max(seq) FROM messages WHERE messages.{place} = {table}.id), 0
)
"""


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("message_count", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(_NUMBER.format(place="topic_id"))
    op.execute(_NUMBER.format(place="conversation_id"))
    op.execute(_COUNT.format(table="topics", place="topic_id"))
    op.execute(_COUNT.format(table="conversations", place="conversation_id"))
    with op.batch_alter_table("messages", schema=None) as batch_op:
        for place in ("topic_id", "conversation_id"):
            kind = place.removesuffix("_id")
            present = sa.text(f"{place} IS NOT NULL")
            batch_op.create_index(
                f"ix_messages_{kind}_author",
                [place, "author_id", "id"],
                unique=False,
                sqlite_where=present,
                postgresql_where=present,
            )
            batch_op.create_index(
                f"ix_messages_{kind}_marked",
                [place, "id"],
                unique=False,
                sqlite_where=sa.text(MARKED),
                postgresql_where=sa.text(MARKED),
            )
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mentions_member_topic", ["member_id", "topic_id", "message_id"], unique=False
        )
        batch_op.create_index(
            "ix_mentions_member_conversation",
            ["member_id", "conversation_id", "message_id"],
            unique=False,
        )


def downgrade() -> None:
    # Not in batch mode: rebuilding ``messages`` on SQLite would drop the old table with
    # foreign keys on, and its cascades would empty mentions, reactions and files.
    # SQLite drops a column in place since 3.35.
    op.drop_index("ix_mentions_member_conversation", table_name="mentions")
    op.drop_index("ix_mentions_member_topic", table_name="mentions")
    for kind in ("conversation", "topic"):
        op.drop_index(f"ix_messages_{kind}_marked", table_name="messages")
        op.drop_index(f"ix_messages_{kind}_author", table_name="messages")
    op.drop_column("messages", "seq")
    op.drop_column("conversations", "message_count")
