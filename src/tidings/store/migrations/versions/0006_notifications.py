"""notifications: each decision about notifying a member, and its delivery

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tidings.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = tidings.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("message_id", ID, nullable=True),
        sa.Column("expectation_id", ID, nullable=True),
        sa.Column("priority", sa.String(length=8), nullable=False, server_default="normal"),
        sa.Column("title", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("deliver_at", WHEN, nullable=True),
        sa.Column("delivered_at", WHEN, nullable=True),
        sa.Column("seen_at", WHEN, nullable=True),
        sa.Column("repeats", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_notifications_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_notifications_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_member_id"), ["member_id", "id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("notifications")
