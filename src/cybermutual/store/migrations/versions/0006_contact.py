"""contact: inbox items remember who acted, so messages name them when read

Revision ID: 0006_contact
Revises: 0003
Create Date: 2026-11-29 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_contact"
down_revision = "0005_escrow"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.drop_column("actor_id")
