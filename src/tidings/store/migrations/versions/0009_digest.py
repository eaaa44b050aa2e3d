"""digest: members' last activity, daily digest preferences, and the digests sent

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tidings.store.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = tidings.store.types.UTCDateTime(timezone=True)


def _member_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["member_id"],
        ["members.id"],
        name=op.f(f"fk_{table}_member_id_members"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "member_activity",
        sa.Column("member_id", ID, nullable=False),
        sa.Column("last_seen_at", WHEN, nullable=False),
        sa.Column("visit_started_at", WHEN, nullable=False),
        sa.Column("away_since", WHEN, nullable=True),
        _member_fk("member_activity"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_activity")),
    )
    op.create_table(
        "digest_preferences",
        sa.Column("member_id", ID, nullable=False),
        sa.Column("digest_time", sa.String(length=5), nullable=False, server_default="17:00"),
        sa.Column("email_enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("send_if_active", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_digest_at", WHEN, nullable=True),
        sa.Column("last_digest_date", sa.String(length=10), nullable=True),
        _member_fk("digest_preferences"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_digest_preferences")),
    )
    op.create_table(
        "digests",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("local_date", sa.String(length=10), nullable=False),
        sa.Column("period_start", WHEN, nullable=False),
        sa.Column("period_end", WHEN, nullable=False),
        sa.Column("sent_at", WHEN, nullable=False),
        sa.Column("email_status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("unsubscribe_token_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_digests_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        _member_fk("digests"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint(
            "member_id", "local_date", name=op.f("uq_digests_member_id_local_date")
        ),
        sa.UniqueConstraint(
            "unsubscribe_token_hash", name=op.f("uq_digests_unsubscribe_token_hash")
        ),
    )


def downgrade() -> None:
    op.drop_table("digests")
    op.drop_table("digest_preferences")
    op.drop_table("member_activity")
