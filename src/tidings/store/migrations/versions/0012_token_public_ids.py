"""tokens get random public ids, used in every URL and list instead of the row id

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _public_id() -> str:
    while (public_id := secrets.token_urlsafe(12)).startswith("-"):
        pass
    return public_id


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_id", sa.String(length=32), nullable=True))
    tokens = sa.table("api_tokens", sa.column("id", sa.BigInteger()), sa.column("public_id"))
    conn = op.get_bind()
    ids = conn.execute(sa.select(tokens.c.id)).scalars().all()
    for token_id in ids:
        conn.execute(tokens.update().where(tokens.c.id == token_id).values(public_id=_public_id()))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("public_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(op.f("uq_api_tokens_public_id"), ["public_id"])


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_api_tokens_public_id"), type_="unique")
        batch_op.drop_column("public_id")
