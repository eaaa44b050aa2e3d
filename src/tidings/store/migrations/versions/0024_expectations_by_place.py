"""expectations by place: every message sent asks whether its topic or conversation
still expects a reply, found by an index rather than a scan

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_expectations_topic_id", "expectations", ["topic_id", "state"])
    op.create_index("ix_expectations_conversation_id", "expectations", ["conversation_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_expectations_conversation_id", table_name="expectations")
    op.drop_index("ix_expectations_topic_id", table_name="expectations")
