"""link preview images: the page's image, fetched by the server and kept as a small
thumbnail in the blob store, named by its digest

Revision ID: 0022
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("link_previews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("image_width", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("image_height", sa.Integer(), nullable=True))
        batch_op.create_index("ix_link_previews_image_sha256", ["image_sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("link_previews", schema=None) as batch_op:
        batch_op.drop_index("ix_link_previews_image_sha256")
        batch_op.drop_column("image_height")
        batch_op.drop_column("image_width")
        batch_op.drop_column("image_sha256")
