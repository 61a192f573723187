"""wallet and inbox pages: one person's inbox across collectives, and its unread count

Every page's header counts the viewer's unread items in every collective, and ``/inbox`` lists
them newest first; ``ix_inbox_member`` starts with the collective, so neither could use it.
``ix_inbox_unread`` is partial (unread items only): the count reads nothing already read.

Revision ID: 0013_wallet
Revises: 0012_moneysink
Create Date: 2026-11-29 20:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_wallet"
down_revision = "0012_moneysink"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_person", ["member_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_inbox_unread",
            ["member_id"],
            unique=False,
            sqlite_where=sa.text("read_at IS NULL"),
            postgresql_where=sa.text("read_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_unread")
        batch_op.drop_index("ix_inbox_person")
