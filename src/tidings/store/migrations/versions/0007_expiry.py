"""expiry: self-destructing messages

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tidings.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

WHEN = tidings.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", WHEN, nullable=True))
        batch_op.add_column(
            sa.Column("expire_after_read", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("expired_at", WHEN, nullable=True))
        batch_op.create_index(
            "ix_messages_expire_after_read", ["expire_after_read", "expired_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_expire_after_read")
        batch_op.drop_column("expired_at")
        batch_op.drop_column("expire_after_read")
        batch_op.drop_column("expires_at")
