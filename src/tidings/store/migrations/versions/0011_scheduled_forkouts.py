"""scheduled messages may be forkouts

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheduled_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("forkout", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "sent_forkout_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("scheduled_messages", schema=None) as batch_op:
        batch_op.drop_column("sent_forkout_id")
        batch_op.drop_column("forkout")
