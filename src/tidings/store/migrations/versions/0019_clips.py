"""clips: processing state, who watched, comments pinned to a moment, transcripts

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tidings.store.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = tidings.store.types.UTCDateTime(timezone=True)
DIGEST = sa.String(length=64)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("processing", sa.String(length=16), nullable=False, server_default="ready")
        )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clip_file_id", ID, nullable=True))
        batch_op.add_column(sa.Column("clip_at_ms", sa.Integer(), nullable=True))
        batch_op.create_index("ix_messages_clip_file_id", ["clip_file_id"], unique=False)
    op.create_table(
        "clip_views",
        sa.Column("attachment_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("last_watched_at", WHEN, nullable=False),
        sa.Column("position_ms", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("furthest_ms", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("completed_at", WHEN, nullable=True),
        _fk("clip_views", "attachment_id", "attachments"),
        _fk("clip_views", "member_id", "members"),
        _fk("clip_views", "workspace_id", "workspaces"),
        sa.PrimaryKeyConstraint("attachment_id", "member_id", name=op.f("pk_clip_views")),
    )
    op.create_table(
        "transcripts",
        sa.Column("source_sha256", DIGEST, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("engine", sa.String(length=32), nullable=False, server_default=""),
        sa.Column("language", sa.String(length=16), nullable=False, server_default=""),
        sa.Column("text", sa.Text(), nullable=False, server_default=""),
        sa.Column("error", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("source_sha256", name=op.f("pk_transcripts")),
    )
    op.create_table(
        "transcript_segments",
        sa.Column("id", ID, nullable=False),
        sa.Column("source_sha256", DIGEST, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("start_ms", sa.Integer(), nullable=False),
        sa.Column("end_ms", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcript_segments")),
    )
    with op.batch_alter_table("transcript_segments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transcript_segments_source_sha256", ["source_sha256", "position"], unique=False
        )


def downgrade() -> None:
    op.drop_table("transcript_segments")
    op.drop_table("transcripts")
    op.drop_table("clip_views")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_clip_file_id")
        batch_op.drop_column("clip_at_ms")
        batch_op.drop_column("clip_file_id")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_column("processing")
