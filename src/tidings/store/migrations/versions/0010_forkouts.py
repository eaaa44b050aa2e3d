"""forkouts: one message sent as separate direct messages

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tidings.store.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = tidings.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "forkouts",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("followed_up_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_forkouts_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
            name=op.f("fk_forkouts_author_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forkouts")),
    )
    with op.batch_alter_table("forkouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forkouts_author_id"), ["author_id"], unique=False)
    op.create_table(
        "forkout_recipients",
        sa.Column("forkout_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("message_id", ID, nullable=False),
        sa.Column("followup_message_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["forkout_id"],
            ["forkouts.id"],
            name=op.f("fk_forkout_recipients_forkout_id_forkouts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_forkout_recipients_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("forkout_id", "member_id", name=op.f("pk_forkout_recipients")),
    )


def downgrade() -> None:
    op.drop_table("forkout_recipients")
    op.drop_table("forkouts")
