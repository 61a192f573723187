"""an enterprise's own bids in allocation rounds

A member with the ``bid`` power in an enterprise bids *for* it, from their own token budget:
``allocation_bids.enterprise_id`` names the enterprise, ``allocation_shares.enterprise_id`` the
enterprise holding the share, and ``usage_records.enterprise_id`` the enterprise whose share was
used (its productivity is measured on that use and its account's sales). All nullable: a row
without one is a member's own, as before.

Revision ID: 0015_entbids
Revises: 0014_entgov
Create Date: 2026-11-30 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_entbids"
down_revision = "0014_scale"
branch_labels = None
depends_on = None

#: table -> the index added on its new column (None: none)
_INDEXES: dict[str, tuple[str, list[str]] | None] = {
    "allocation_bids": None,
    "allocation_shares": ("ix_allocation_shares_enterprise", ["enterprise_id", "round_id"]),
    "usage_records": ("ix_usage_records_enterprise", ["round_id", "enterprise_id", "asset_id"]),
}


def upgrade() -> None:
    for table, index in _INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("enterprise_id", sa.String(length=32), nullable=True))
            if index is not None:
                batch_op.create_index(index[0], index[1], unique=False)
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_enterprise_id_enterprises"),
                "enterprises",
                ["enterprise_id"],
                ["id"],
            )


def downgrade() -> None:
    for table, index in reversed(_INDEXES.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_enterprise_id_enterprises"), type_="foreignkey"
            )
            if index is not None:
                batch_op.drop_index(index[0])
            batch_op.drop_column("enterprise_id")
