"""hardening: a charter's round horizon; cancelled allocation rounds

Revision ID: 0007_hardening
Revises: 0003
Create Date: 2026-11-29 17:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_hardening"
down_revision = "0006_contact"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collectives", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("max_round_horizon_days", sa.Integer(), nullable=False, server_default="90")
        )
    with op.batch_alter_table("allocation_rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_by", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("allocation_rounds", schema=None) as batch_op:
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("cancelled_by")
    with op.batch_alter_table("collectives", schema=None) as batch_op:
        batch_op.drop_column("max_round_horizon_days")
