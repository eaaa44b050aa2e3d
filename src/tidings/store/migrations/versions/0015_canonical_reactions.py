"""reactions are stored as one fully qualified emoji

Revision ID: 0015
Revises: 0012

Reactions used to be any text of up to 64 characters: short names (thumbs_up, +1),
emoji in any qualification, or text that is neither. Each becomes the emoji it
names, in its fully qualified form; a member's duplicates on one message (👍 and
thumbs_up) merge into the earliest; text that names no emoji is dropped.
"""

from __future__ import annotations

import emoji
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None

reactions = sa.table(
    "reactions",
    sa.column("message_id"),
    sa.column("member_id"),
    sa.column("emoji"),
    sa.column("created_at"),
)


def _canonical(value: str) -> str | None:
    raw = value.strip()
    if not emoji.is_emoji(raw):
        raw = emoji.emojize(f":{raw.strip(':')}:", language="alias")
    return emoji.emojize(emoji.demojize(raw)) if emoji.is_emoji(raw) else None


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(reactions).order_by(reactions.c.created_at, reactions.c.emoji)
    ).all()
    kept: set[tuple[int, int, str]] = set()
    renames = []
    for row in rows:
        canonical = _canonical(row.emoji)
        key = (row.message_id, row.member_id, canonical or "")
        if canonical is None or key in kept:
            _delete(conn, row)
            continue
        kept.add(key)
        if canonical != row.emoji:
            _delete(conn, row)
            renames.append({**row._asdict(), "emoji": canonical})
    if renames:
        conn.execute(sa.insert(reactions), renames)


def _delete(conn: sa.Connection, row: sa.Row) -> None:
    conn.execute(
        sa.delete(reactions).where(
            reactions.c.message_id == row.message_id,
            reactions.c.member_id == row.member_id,
            reactions.c.emoji == row.emoji,
        )
    )


def downgrade() -> None:
    pass  # the canonical emoji are valid reactions for the older code too
