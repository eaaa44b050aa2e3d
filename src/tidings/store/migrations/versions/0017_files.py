"""files: resumable uploads, attachments on messages, derived files, server keys

Revision ID: 0017
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tidings.store.types

revision = "0017"
down_revision = "0015"
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
    with op.batch_alter_table("scheduled_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("attachments", sa.Text(), nullable=False, server_default="[]")
        )
    op.create_table(
        "uploads",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("expected_sha256", DIGEST, nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("sha256", DIGEST, nullable=True),
        sa.Column("stored_size", sa.BigInteger(), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        _fk("uploads", "workspace_id", "workspaces"),
        _fk("uploads", "member_id", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
    )
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.create_index("ix_uploads_member_id", ["member_id"], unique=False)
        batch_op.create_index("ix_uploads_sha256", ["sha256"], unique=False)
        batch_op.create_index("ix_uploads_workspace_id", ["workspace_id", "state"], unique=False)
    op.create_table(
        "attachments",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("message_id", ID, nullable=False),
        sa.Column("upload_id", ID, nullable=True),
        sa.Column("uploader_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("sha256", DIGEST, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("alt_text", sa.String(length=1000), nullable=False, server_default=""),
        sa.Column("created_at", WHEN, nullable=False),
        _fk("attachments", "workspace_id", "workspaces"),
        _fk("attachments", "message_id", "messages"),
        _fk("attachments", "uploader_id", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_message_id", ["message_id"], unique=False)
        batch_op.create_index("ix_attachments_sha256", ["sha256"], unique=False)
    op.create_table(
        "derived_files",
        sa.Column("source_sha256", DIGEST, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sha256", DIGEST, nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("source_sha256", "kind", name=op.f("pk_derived_files")),
    )
    with op.batch_alter_table("derived_files", schema=None) as batch_op:
        batch_op.create_index("ix_derived_files_sha256", ["sha256"], unique=False)
    op.create_table(
        "server_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_server_secrets")),
    )


def downgrade() -> None:
    op.drop_table("server_secrets")
    op.drop_table("derived_files")
    op.drop_table("attachments")
    op.drop_table("uploads")
    with op.batch_alter_table("scheduled_messages", schema=None) as batch_op:
        batch_op.drop_column("attachments")
