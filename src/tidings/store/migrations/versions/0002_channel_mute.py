"""members may mute a channel

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_muted", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("channel_members", schema=None) as batch_op:
        batch_op.drop_column("is_muted")
