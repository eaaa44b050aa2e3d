"""later_marks and scheduled_messages: respond later, and scheduled send

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tidings.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = tidings.store.types.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "later_marks",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("message_id", ID, nullable=False),
        sa.Column("remind_at", WHEN, nullable=True),
        sa.Column("reminded_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("cleared_at", WHEN, nullable=True),
        sa.Column("cleared_reason", sa.String(length=16), nullable=True),
        _fk("later_marks", "workspace_id", "workspaces"),
        _fk("later_marks", "member_id", "members"),
        _fk("later_marks", "message_id", "messages"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_later_marks")),
    )
    with op.batch_alter_table("later_marks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_later_marks_member_id"), ["member_id", "cleared_at"], unique=False
        )
        batch_op.create_index(
            "uq_later_marks_active",
            ["member_id", "message_id"],
            unique=True,
            sqlite_where=sa.text("cleared_at IS NULL"),
            postgresql_where=sa.text("cleared_at IS NULL"),
        )
    op.create_table(
        "scheduled_messages",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("topic_id", ID, nullable=True),
        sa.Column("conversation_id", ID, nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False, server_default="normal"),
        sa.Column("asks", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("send_at", WHEN, nullable=False),
        sa.Column("at_recipient_day", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("sent_message_id", ID, nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        _fk("scheduled_messages", "workspace_id", "workspaces"),
        _fk("scheduled_messages", "author_id", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_messages")),
    )
    with op.batch_alter_table("scheduled_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheduled_messages_author_id"), ["author_id", "state"], unique=False
        )


def downgrade() -> None:
    op.drop_table("scheduled_messages")
    op.drop_table("later_marks")
