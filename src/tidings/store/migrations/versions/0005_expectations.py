"""reply expectations, channel response settings and responders

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tidings.store.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = tidings.store.types.UTCDateTime(timezone=True)


def _fk(column: str, target: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("response_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("allow_urgent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("urgent_budget", sa.Integer(), server_default="3", nullable=False)
        )
    op.create_table(
        "channel_responders",
        sa.Column("channel_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=True),
        sa.Column("group_id", ID, nullable=True),
        _fk("channel_id", "channels", "channel_responders"),
        _fk("member_id", "members", "channel_responders"),
        _fk("group_id", "user_groups", "channel_responders"),
    )
    with op.batch_alter_table("channel_responders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_channel_responders_channel_id"), ["channel_id"], unique=False
        )
    op.create_table(
        "expectations",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("message_id", ID, nullable=False),
        sa.Column("channel_id", ID, nullable=True),
        sa.Column("topic_id", ID, nullable=True),
        sa.Column("conversation_id", ID, nullable=True),
        sa.Column("debtor_id", ID, nullable=False),
        sa.Column("creditor_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("window_minutes", sa.Integer(), nullable=True),
        sa.Column("deadline", WHEN, nullable=True),
        sa.Column("visible_at", WHEN, nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("nudged_at", WHEN, nullable=True),
        sa.Column("breached_at", WHEN, nullable=True),
        sa.Column("resolved_at", WHEN, nullable=True),
        sa.Column("resolved_by_message_id", ID, nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False, server_default=""),
        _fk("workspace_id", "workspaces", "expectations"),
        _fk("message_id", "messages", "expectations"),
        _fk("debtor_id", "members", "expectations"),
        _fk("creditor_id", "members", "expectations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expectations")),
    )
    with op.batch_alter_table("expectations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_expectations_debtor_id"), ["debtor_id", "state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_expectations_creditor_id"), ["creditor_id", "state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_expectations_message_id"), ["message_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("expectations")
    op.drop_table("channel_responders")
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("urgent_budget")
        batch_op.drop_column("allow_urgent")
        batch_op.drop_column("response_minutes")
