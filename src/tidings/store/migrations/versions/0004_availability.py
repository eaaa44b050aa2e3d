"""availability: working hours, holidays, status, reply window, absences

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tidings.store.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = tidings.store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "member_availability",
        sa.Column("member_id", ID, nullable=False),
        sa.Column("working_hours", sa.Text(), nullable=False),
        sa.Column("office_hours", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("holidays", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("dm_reply_minutes", sa.Integer(), nullable=False, server_default="480"),
        sa.Column("status", sa.String(length=16), nullable=False, server_default="available"),
        sa.Column("status_since", WHEN, nullable=True),
        sa.Column("status_until", WHEN, nullable=True),
        sa.Column("status_text", sa.String(length=120), nullable=False, server_default=""),
        sa.Column("status_emoji", sa.String(length=32), nullable=False, server_default=""),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_member_availability_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_availability")),
    )
    op.create_table(
        "absences",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("ends_at", WHEN, nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_absences_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_absences_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
    )
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_absences_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_table("absences")
    op.drop_table("member_availability")
