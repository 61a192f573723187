"""escrow: its own transfer kind, the levy remainder, auto-confirmations set aside

- ``transfers.kind = 'escrow'`` for every transfer an order or task holds in escrow (they were
  ordinary ``payment``s, so a party could void them through the ledger). The journal keeps the
  kind each entry was written with; its hashes do not change.
- ``accounts.levy_carry``: the payee's levy remainder, in millionths of a minor unit.
- ``ledger_heads.levy_carry_from``: the journal position from which levies carry remainders
  (existing journals: their current end, since their levies were rounded payment by payment).
- ``orders.auto_confirm_failed_at`` / ``auto_confirm_error``: an order whose automatic
  confirmation failed is set aside instead of blocking the others.

Revision ID: 0005_escrow
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_escrow"
down_revision = "0004_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("levy_carry", sa.BigInteger(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("ledger_heads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("levy_carry_from", sa.BigInteger(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("auto_confirm_failed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("auto_confirm_error", sa.Text(), nullable=True))
        batch_op.create_index("ix_orders_escrow", ["escrow_id"], unique=False)
    op.execute("UPDATE ledger_heads SET levy_carry_from = seq")
    op.execute(
        "UPDATE transfers SET kind = 'escrow' "
        "WHERE kind = 'payment' AND id IN (SELECT escrow_id FROM orders)"
    )


def downgrade() -> None:
    # plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ has it): a batch copy of ``accounts``
    # would break the foreign keys of every transfer
    op.execute("UPDATE transfers SET kind = 'payment' WHERE kind = 'escrow'")
    op.drop_index("ix_orders_escrow", table_name="orders")
    op.drop_column("orders", "auto_confirm_error")
    op.drop_column("orders", "auto_confirm_failed_at")
    op.drop_column("ledger_heads", "levy_carry_from")
    op.drop_column("accounts", "levy_carry")
